//! The same collection as VirtualDJ 8 writes its database.xml: Song indented one space, its
//! children two, empty elements closed with ` />`, every one of `& ' " < >` escaped, BPM in
//! seconds per beat, colours as decimal ARGB, and many `</Song>` lines ending in runs of
//! spaces. About a third of the songs have no Comment element.

use std::io::Write;

// VirtualDJ escapes `& ' " < >` as rekordbox does.
use crate::{escape_into, open_tag, percent_decode, Rng, Track, GENRES};

/// ` <Name A="…" … />` on a line of its own.
fn empty(out: &mut Vec<u8>, indent: usize, name: &str, attrs: &[(&str, &str)], newline: &str) {
    out.resize(out.len() + indent, b' ');
    open_tag(out, name, attrs, escape_into);
    out.extend_from_slice(b" />");
    out.extend_from_slice(newline.as_bytes());
}

fn write_song(out: &mut Vec<u8>, rng: &mut Rng, t: &Track, newline: &str) {
    let path = percent_decode(t.location.trim_start_matches("file://localhost"));
    let size = t.size.to_string();
    out.extend_from_slice(b" <Song FilePath=\"");
    escape_into(out, &path);
    let _ = write!(out, "\" FileSize=\"{size}\">{newline}");
    let year = t.year.to_string();
    let stars = (t.rating / 51).max(1).to_string();
    let bpm = format!("{:.6}", 6000.0 / t.bpm_centi.max(1) as f64);
    let mut tags: Vec<(&str, &str)> = vec![("Author", &t.artist), ("Title", &t.name)];
    tags.push(("Genre", GENRES[t.genre].name));
    if !t.album.is_empty() {
        tags.push(("Album", &t.album));
    }
    if !t.label.is_empty() {
        tags.push(("Label", t.label));
    }
    tags.extend([("Year", year.as_str()), ("Stars", &stars), ("Bpm", &bpm)]);
    tags.extend([("Key", t.tonality), ("Flag", "1")]);
    empty(out, 2, "Tags", &tags, newline);
    let length = format!("{}.{:03}", t.total_time, t.id % 1000);
    let colour = (0xFF00_0000u64 | (u64::from(t.id) & 0xFF_FFFF)).to_string();
    let infos = [
        ("SongLength", length.as_str()),
        ("FirstSeen", "1592924916"),
        ("Bitrate", "320"),
        ("UserColor", &colour),
    ];
    empty(out, 2, "Infos", &infos, newline);
    if !t.comments.is_empty() && !rng.chance(300) {
        out.extend_from_slice(b"  <Comment>");
        escape_into(out, &t.comments);
        let _ = write!(out, "</Comment>{newline}");
    }
    let scan = [("Version", "801"), ("Bpm", bpm.as_str()), ("Flag", "32768")];
    empty(out, 2, "Scan", &scan, newline);
    for mark in &t.marks {
        let pos = format!("{}.{:03}", mark.start_ms / 1000, mark.start_ms % 1000);
        empty(out, 2, "Poi", &[("Pos", &pos), ("Type", "cue")], newline);
    }
    // VirtualDJ leaves runs of spaces after many `</Song>`s.
    let trailing = if rng.chance(500) {
        rng.below(200) as usize
    } else {
        0
    };
    let _ = write!(out, " </Song>{}{newline}", " ".repeat(trailing));
}

/// The whole database.xml for `tracks`, with LF or CRLF line endings.
pub fn database(rng: &mut Rng, tracks: &[Track], crlf: bool) -> Vec<u8> {
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut out = Vec::with_capacity(tracks.len() * 900 + 4096);
    let _ = write!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{newline}<VirtualDJ_Database Version=\"8.5\">{newline}");
    for t in tracks {
        write_song(&mut out, rng, t, newline);
    }
    let _ = write!(out, "</VirtualDJ_Database>{newline}");
    out
}
