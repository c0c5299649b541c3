//! A DJ library as taggenius holds it, whatever its format: the file's bytes, read without
//! building a tree, and where each track's fields sit in them, so that new values are spliced
//! in and every other byte is left alone. Each format (`rekordbox/`, …) stands behind
//! `format::Format` and is listed in `FORMATS` below.

mod backup;
mod entry;
pub mod format;
pub mod output;
pub mod playlist_tree;
mod read;
pub(crate) mod rekordbox;
pub mod splice;
pub mod track;
pub(crate) mod traktor;
pub(crate) mod virtualdj;
mod write_behind;
pub(crate) mod xml;

use std::borrow::Cow;
use std::path::Path;

use anyhow::{bail, Context, Result};

pub use entry::{AttrSpan, Field, TrackEntry};

use crate::library::track::TrackInfo;
pub use crate::library::xml::checks::{line_column, unescape_lossless};
use crate::library::xml::checks::{one_line, unescape};
use format::Format;
use rekordbox::Rekordbox;
use traktor::Traktor;
use virtualdj::VirtualDj;

/// Every format taggenius reads, the first being the one a file that none recognises is read
/// as, so that its reader words the error.
pub const FORMATS: &[&dyn Format] = &[&Rekordbox, &Traktor, &VirtualDj];

/// The format of a file, from its first element (past a declaration and comments).
pub fn detect_format(head: &[u8]) -> &'static dyn Format {
    FORMATS
        .iter()
        .copied()
        .find(|format| format.detect(head))
        .unwrap_or(FORMATS[0])
}

/// The fewest bytes a track takes in any format: bounds the tracks of a file whose format is
/// not known yet.
pub fn min_track_bytes() -> usize {
    FORMATS
        .iter()
        .map(|format| format.min_track_bytes())
        .min()
        .unwrap_or(1)
        .max(1)
}

/// A library read into memory, with the position of every COLLECTION track.
pub struct Library {
    /// What the user called it, for messages: a path or "<stdin>".
    pub name: String,
    /// The whole file, checked to be UTF-8 once, so that reading a value never checks again.
    text: String,
    pub tracks: Vec<TrackEntry>,
    format: &'static dyn Format,
}

impl Library {
    pub fn parse(name: &str, bytes: Vec<u8>) -> Result<Library> {
        let in_file = |e: anyhow::Error| anyhow::anyhow!("{}: {e}", one_line(name));
        let format = detect_format(&bytes);
        let (text, tracks) = format.scan(bytes).map_err(in_file)?;
        Ok(Library {
            name: name.to_string(),
            text,
            tracks,
            format,
        })
    }

    /// The format the file is in, which says how its values are encoded and written.
    pub fn format(&self) -> &'static dyn Format {
        self.format
    }

    /// The file as read.
    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// An attribute's value with entities resolved; empty when absent.
    pub fn value(&self, entry: &TrackEntry, field: Field) -> Cow<'_, str> {
        match entry.span(field).and_then(|s| self.text.get(s.value())) {
            Some(raw) => unescape(raw),
            None => Cow::Borrowed(""),
        }
    }

    /// What tells the track from every other in the file, as its format says.
    pub fn identity(&self, entry: &TrackEntry) -> Option<Cow<'_, str>> {
        self.format.identity(&self.text, entry)
    }

    pub fn read(path: &str) -> Result<Library> {
        let bytes = if path == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
                .context("<stdin>: cannot read standard input")?;
            buf
        } else {
            let shown = one_line(path);
            if Path::new(path).is_dir() {
                bail!("{shown}: is a directory, not a library file");
            }
            read::read_file(Path::new(path)).with_context(|| format!("{shown}: cannot read"))?
        };
        let name = if path == "-" { "<stdin>" } else { path };
        Library::parse(name, bytes)
    }

    /// The track's tempo in beats per minute, as its format keeps it; `None` where it has none.
    pub fn bpm(&self, entry: &TrackEntry) -> Option<f64> {
        let stored: f64 = self.value(entry, Field::Bpm).trim().parse().ok()?;
        (stored.is_finite() && stored > 0.0).then(|| self.format.beats_per_minute(stored))
    }

    /// How long the track plays, in seconds; `None` where the library does not say.
    pub fn seconds(&self, entry: &TrackEntry) -> Option<f64> {
        let stored: f64 = self.value(entry, Field::Length).trim().parse().ok()?;
        (stored.is_finite() && stored > 0.0).then_some(stored)
    }

    /// Who and what a track is, as `track_info` has them, without reading the other fields.
    pub fn artist_and_title(&self, entry: &TrackEntry) -> (String, String) {
        let title = self.value(entry, Field::Title);
        if title.trim().is_empty() {
            let info = self.track_info(entry);
            return (info.artist, info.title);
        }
        let artist = self.value(entry, Field::Artist);
        (artist.trim().to_string(), title.trim().to_string())
    }

    /// "Artist – Title" as `find` and `set` print a track, or the title alone.
    pub fn who(&self, entry: &TrackEntry) -> String {
        let (artist, title) = self.artist_and_title(entry);
        match artist.is_empty() {
            true => title,
            false => format!("{artist} – {title}"),
        }
    }

    pub fn track_info(&self, entry: &TrackEntry) -> TrackInfo {
        let get = |f| self.value(entry, f).trim().to_string();
        let mut info = TrackInfo {
            artist: get(Field::Artist),
            title: get(Field::Title),
            genre: get(Field::Genre),
            year: get(Field::Year),
            bpm: self.bpm(entry),
            key: get(Field::Key),
            label: get(Field::Label),
        };
        if info.year == "0" {
            info.year.clear();
        }
        if info.title.is_empty() {
            name_from_location(&get(Field::Location), &mut info);
        }
        info
    }
}

/// Samples and some streaming tracks come without a Name: their file name ("Artist - Title.mp3")
/// is the best identity there is.
fn name_from_location(location: &str, info: &mut TrackInfo) {
    let file = location.rsplit(['/', '\\']).next().unwrap_or("");
    let file = percent_decode(file);
    let stem = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem.to_string(),
        _ => file,
    };
    match stem.split_once(" - ") {
        Some((artist, title)) if info.artist.is_empty() => {
            info.artist = artist.trim().to_string();
            info.title = title.trim().to_string();
        }
        _ => info.title = stem.trim().to_string(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<DJ_PLAYLISTS Version=\"1.0.0\">\r\n  <COLLECTION Entries=\"9\">\r\n    <TRACK TrackID=\"1\" Name=\"A &amp; B\"\r\n           Artist=\"X\" Genre=\"\"/>\r\n    <!-- <TRACK Name=\"ghost\"/> -->\r\n    <TRACK Name='Two' Comments=\"/* Dark */\"><TEMPO Bpm=\"1\"/></TRACK>\r\n  </COLLECTION>\r\n  <PLAYLISTS><NODE><TRACK Key=\"1\"/></NODE></PLAYLISTS>\r\n</DJ_PLAYLISTS>\r\n";

    #[test]
    fn collection_tracks_only_with_spans() {
        let lib = Library::parse("t", LIB.as_bytes().to_vec()).unwrap();
        assert_eq!(lib.tracks.len(), 2);
        let first = &lib.tracks[0];
        assert_eq!(first.value(lib.bytes(), Field::Title), "A & B");
        assert_eq!(first.raw(lib.bytes(), Field::Title).unwrap(), b"A &amp; B");
        assert!(first.span(Field::Comments).is_none());
        assert_eq!(
            &lib.bytes()[first.insert_at() - 8..first.insert_at()],
            b"Genre=\"\""
        );
        let second = &lib.tracks[1];
        assert_eq!(second.value(lib.bytes(), Field::Comments), "/* Dark */");
    }

    #[test]
    fn errors_carry_line_and_column() {
        let bad = "<DJ_PLAYLISTS>\n<COLLECTION>\n<TRACK Name=\"a\"></COLLECTION>";
        let err = Library::parse("lib.xml", bad.as_bytes().to_vec())
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with("lib.xml: line 3"), "{err}");
        let err = Library::parse("lib.xml", b"<html><body/></html>".to_vec())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not a rekordbox"), "{err}");
    }

    #[test]
    fn name_comes_from_location_when_missing() {
        let xml = "<DJ_PLAYLISTS><COLLECTION><TRACK Location=\"file://localhost/M/Daft%20Punk%20-%20Da%20Funk.mp3\"/></COLLECTION></DJ_PLAYLISTS>";
        let lib = Library::parse("t", xml.as_bytes().to_vec()).unwrap();
        let info = lib.track_info(&lib.tracks[0]);
        assert_eq!(
            (info.artist.as_str(), info.title.as_str()),
            ("Daft Punk", "Da Funk")
        );
    }
}
