//! A DJ library as taggenius holds it, whatever its format: the file's bytes, read without
//! building a tree, and where each track's fields sit in them, so that new values are spliced
//! in and every other byte is left alone. Each format (`rekordbox/`, …) stands behind
//! `format::Format` and is listed in `FORMATS` below.

mod backup;
pub mod format;
pub mod output;
mod read;
pub(crate) mod rekordbox;
pub mod track;
pub(crate) mod traktor;
pub(crate) mod virtualdj;
mod write_behind;
pub mod writer;
pub(crate) mod xml;

use std::borrow::Cow;
use std::num::NonZeroU32;
use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::library::track::TrackInfo;
pub use crate::library::xml::checks::{line_column, unescape_lossless};
use crate::library::xml::checks::{one_line, unescape};
use format::Format;
use rekordbox::Rekordbox;
use traktor::Traktor;
use virtualdj::VirtualDj;

/// The fields of a track taggenius reads or writes, whatever the format calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Artist,
    Genre,
    Year,
    Bpm,
    Key,
    Label,
    Comments,
    /// A second free-text comment (Traktor's "Comment 2").
    Comment2,
    Colour,
    Rating,
    /// The file's name, or its whole address where the format keeps one (rekordbox).
    Location,
    /// The folder of the file, where the format keeps it apart (Traktor's DIR).
    Folder,
    /// The drive of the file, where the format keeps it apart (Traktor's VOLUME).
    Volume,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::Title,
        Field::Artist,
        Field::Genre,
        Field::Year,
        Field::Bpm,
        Field::Key,
        Field::Label,
        Field::Comments,
        Field::Comment2,
        Field::Colour,
        Field::Rating,
        Field::Location,
        Field::Folder,
        Field::Volume,
    ];

    /// The name the cache stores a remembered original under, and hashes into its digest:
    /// rekordbox's attribute names, which every cache written so far holds. Frozen: another
    /// name would orphan every remembered original.
    pub fn stored_name(self) -> &'static str {
        match self {
            Field::Title => "Name",
            Field::Artist => "Artist",
            Field::Genre => "Genre",
            Field::Year => "Year",
            Field::Bpm => "AverageBpm",
            Field::Key => "Tonality",
            Field::Label => "Label",
            Field::Comments => "Comments",
            Field::Comment2 => "Comment2",
            Field::Colour => "Colour",
            Field::Rating => "Rating",
            Field::Location => "Location",
            Field::Folder => "Folder",
            Field::Volume => "Volume",
        }
    }
}

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

/// Where one attribute stands in the file: its name's first byte and its (escaped) value,
/// between the quotes.
/// Offsets are 32-bit (libraries over 4 GiB are refused): a 50,000-track library holds half a
/// million of them. A value never ends at offset 0, so a missing span costs no extra room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrSpan {
    pub(crate) name_start: u32,
    pub(crate) value_start: u32,
    pub(crate) value_end: NonZeroU32,
}

impl AttrSpan {
    /// The span of an attribute whose name starts at `name_start` and whose value lies at
    /// `value`; files over 4 GiB are refused.
    pub(crate) fn at(name_start: usize, value: Range<usize>) -> Result<AttrSpan> {
        let offset = |at: usize| {
            u32::try_from(at).map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"))
        };
        Ok(AttrSpan {
            name_start: offset(name_start)?,
            value_start: offset(value.start)?,
            value_end: NonZeroU32::new(offset(value.end)?)
                .ok_or_else(|| anyhow::anyhow!("internal error: a value ends at offset 0"))?,
        })
    }

    pub fn name_start(&self) -> usize {
        self.name_start as usize
    }

    pub fn value(&self) -> Range<usize> {
        self.value_start as usize..self.value_end.get() as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEntry {
    pub(crate) attrs: [Option<AttrSpan>; Field::ALL.len()],
    pub(crate) insert_at: u32,
    /// Further places where a missing value goes, for a format that keeps its fields in
    /// several elements (VirtualDJ: Tags, Infos, and where a Comment element goes); 0 for none.
    pub(crate) more_inserts: [u32; 2],
}

impl TrackEntry {
    /// An entry with no field found yet, whose missing values go at `insert_at`.
    pub(crate) fn new(insert_at: u32) -> TrackEntry {
        TrackEntry {
            attrs: Default::default(),
            insert_at,
            more_inserts: [0; 2],
        }
    }

    /// Where a missing attribute is inserted: just after the last attribute.
    pub fn insert_at(&self) -> usize {
        self.insert_at as usize
    }

    /// Where the format's missing values of group `n` (1, 2) go; `None` where there is none.
    pub fn more_insert(&self, n: usize) -> Option<usize> {
        let at = *self.more_inserts.get(n.checked_sub(1)?)?;
        (at > 0).then_some(at as usize)
    }

    /// A point before every edit this track can get, and after every edit of the tracks before
    /// it: its first attribute taggenius knows, or where a missing one would go.
    pub fn first_edit_point(&self) -> usize {
        let first_span = self.attrs.iter().flatten().map(AttrSpan::name_start).min();
        let more = self
            .more_inserts
            .iter()
            .filter(|&&at| at > 0)
            .map(|&at| at as usize);
        let first_insert = more.fold(self.insert_at(), usize::min);
        first_span.unwrap_or(usize::MAX).min(first_insert)
    }

    pub fn span(&self, field: Field) -> Option<&AttrSpan> {
        self.attrs[field as usize].as_ref()
    }

    /// The raw, still escaped bytes of an attribute's value.
    pub fn raw<'a>(&self, bytes: &'a [u8], field: Field) -> Option<&'a [u8]> {
        self.span(field).and_then(|s| bytes.get(s.value()))
    }

    /// The attribute's value with entities resolved; empty when absent.
    pub fn value<'a>(&self, bytes: &'a [u8], field: Field) -> Cow<'a, str> {
        match self.raw(bytes, field) {
            Some(raw) => unescape_lossless(raw),
            None => Cow::Borrowed(""),
        }
    }
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

    pub fn track_info(&self, entry: &TrackEntry) -> TrackInfo {
        let get = |f| self.value(entry, f).trim().to_string();
        let mut info = TrackInfo {
            artist: get(Field::Artist),
            title: get(Field::Title),
            genre: get(Field::Genre),
            year: get(Field::Year),
            bpm: (get(Field::Bpm).parse::<f64>().ok())
                .filter(|b| *b > 0.0)
                .map(|b| self.format.beats_per_minute(b)),
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

    #[test]
    fn a_track_entry_takes_no_room_for_absent_spans() {
        // 50,000 of them are held at once.
        assert_eq!(
            std::mem::size_of::<TrackEntry>(),
            Field::ALL.len() * 12 + 4 + 8
        );
    }

    const LIB: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<DJ_PLAYLISTS Version=\"1.0.0\">\r\n  <COLLECTION Entries=\"9\">\r\n    <TRACK TrackID=\"1\" Name=\"A &amp; B\"\r\n           Artist=\"X\" Genre=\"\"/>\r\n    <!-- <TRACK Name=\"ghost\"/> -->\r\n    <TRACK Name='Two' Comments=\"/* Dark */\"><TEMPO Bpm=\"1\"/></TRACK>\r\n  </COLLECTION>\r\n  <PLAYLISTS><NODE><TRACK Key=\"1\"/></NODE></PLAYLISTS>\r\n</DJ_PLAYLISTS>\r\n";

    #[test]
    fn stored_names_are_frozen() {
        let names: Vec<&str> = Field::ALL.iter().map(|f| f.stored_name()).collect();
        assert_eq!(
            names,
            [
                "Name",
                "Artist",
                "Genre",
                "Year",
                "AverageBpm",
                "Tonality",
                "Label",
                "Comments",
                "Comment2",
                "Colour",
                "Rating",
                "Location",
                "Folder",
                "Volume"
            ]
        );
    }

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
