//! The same collection as Traktor writes its collection.nml: NML 19 in Traktor's native layout
//! (no indentation, one element a line, the first child on the ENTRY line, explicit end tags,
//! LF), escaping only `&`, `"` and `<`. About one entry in thirty has no INFO, as converted
//! collections have.

use std::io::Write;

use crate::{open_tag, percent_decode, Rng, Track, GENRES};

/// Escapes as Traktor does.
fn escape_into(out: &mut Vec<u8>, value: &str) {
    for &b in value.as_bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\t' | b'\n' | b'\r' => {
                let _ = write!(out, "&#{};", b);
            }
            _ => out.push(b),
        }
    }
}

/// `<NAME A="…" …></NAME>`, with no line break.
fn element(out: &mut Vec<u8>, name: &str, attrs: &[(&str, &str)], open: bool) {
    open_tag(out, name, attrs, escape_into);
    out.push(b'>');
    if !open {
        let _ = write!(out, "</{name}>");
    }
}

/// Traktor's DIR and FILE for a track's `file://localhost/` Location.
fn dir_and_file(location: &str) -> (String, String) {
    let path = location.trim_start_matches("file://localhost");
    let decoded = percent_decode(path);
    let (dir, file) = decoded.rsplit_once('/').unwrap_or(("", &decoded));
    (format!("{}/:", dir.replace('/', "/:")), file.to_string())
}

fn write_entry(out: &mut Vec<u8>, rng: &mut Rng, t: &Track) {
    let (dir, file) = dir_and_file(&t.location);
    let modified = t.date_added.replace('-', "/");
    element(
        out,
        "ENTRY",
        &[
            ("MODIFIED_DATE", &modified),
            ("MODIFIED_TIME", &(t.id % 86_400).to_string()),
            ("TITLE", &t.name),
            ("ARTIST", &t.artist),
        ],
        true,
    );
    let location = [
        ("DIR", dir.as_str()),
        ("FILE", &file),
        ("VOLUME", "Macintosh HD"),
        ("VOLUMEID", "Macintosh HD"),
    ];
    element(out, "LOCATION", &location, false);
    out.push(b'\n');
    let track_no = t.track_no.to_string();
    element(
        out,
        "ALBUM",
        &[("TRACK", &track_no), ("TITLE", &t.album)],
        false,
    );
    out.push(b'\n');
    element(out, "MODIFICATION_INFO", &[("AUTHOR_TYPE", "user")], false);
    out.push(b'\n');
    if !rng.chance(30) {
        write_info(out, t);
        out.push(b'\n');
    }
    let bpm = format!("{}.{:02}0000", t.bpm_centi / 100, t.bpm_centi % 100);
    element(
        out,
        "TEMPO",
        &[("BPM", &bpm), ("BPM_QUALITY", "100.000000")],
        false,
    );
    out.push(b'\n');
    element(
        out,
        "MUSICAL_KEY",
        &[("VALUE", &(t.id % 24).to_string())],
        false,
    );
    out.push(b'\n');
    for mark in &t.marks {
        let start = format!("{}.{:03}000", mark.start_ms / 1000, mark.start_ms % 1000);
        let num = mark.num.to_string();
        let cue = [
            (
                "NAME",
                if mark.name.is_empty() {
                    "n.n."
                } else {
                    mark.name
                },
            ),
            ("DISPL_ORDER", "0"),
            ("TYPE", "0"),
            ("START", start.as_str()),
            ("LEN", "0.000000"),
            ("REPEATS", "-1"),
            ("HOTCUE", num.as_str()),
        ];
        element(out, "CUE_V2", &cue, false);
        out.push(b'\n');
    }
    out.extend_from_slice(b"</ENTRY>\n");
}

fn write_info(out: &mut Vec<u8>, t: &Track) {
    let bit_rate = (t.bit_rate * 1000).to_string();
    let play_time = (t.total_time).to_string();
    let play_count = t.play_count.to_string();
    let ranking = t.rating.to_string();
    let release = format!("{}/1/1", t.year);
    let size = (t.size / 1024).to_string();
    let mut info: Vec<(&str, &str)> = vec![("BITRATE", &bit_rate), ("GENRE", GENRES[t.genre].name)];
    if !t.label.is_empty() {
        info.push(("LABEL", t.label));
    }
    if !t.comments.is_empty() {
        info.push(("COMMENT", &t.comments));
    }
    info.extend([
        ("KEY", t.tonality),
        ("PLAYCOUNT", &play_count),
        ("PLAYTIME", &play_time),
        ("RANKING", &ranking),
        ("IMPORT_DATE", "2023/6/29"),
        ("RELEASE_DATE", &release),
        ("FLAGS", "12"),
        ("FILESIZE", &size),
    ]);
    element(out, "INFO", &info, false);
}

/// The whole collection.nml for `tracks`.
pub fn collection(rng: &mut Rng, tracks: &[Track]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tracks.len() * 900 + 4096);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n");
    out.extend_from_slice(b"<NML VERSION=\"19\"><HEAD COMPANY=\"www.native-instruments.com\" PROGRAM=\"Traktor\"></HEAD>\n");
    out.extend_from_slice(b"<MUSICFOLDERS></MUSICFOLDERS>\n");
    let _ = write!(out, "<COLLECTION ENTRIES=\"{}\">", tracks.len());
    for t in tracks {
        write_entry(&mut out, rng, t);
    }
    out.extend_from_slice(b"</COLLECTION>\n<SETS ENTRIES=\"0\"></SETS>\n");
    out.extend_from_slice(b"<PLAYLISTS><NODE TYPE=\"FOLDER\" NAME=\"$ROOT\"><SUBNODES COUNT=\"0\"></SUBNODES>\n</NODE>\n</PLAYLISTS>\n");
    out.extend_from_slice(b"<INDEXING></INDEXING>\n</NML>\n");
    out
}
