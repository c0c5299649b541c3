//! Reads a rekordbox XML library without building a tree: it records where each COLLECTION
//! TRACK's attribute values sit in the original bytes, so the writer can splice new values in
//! and leave every other byte alone.

use std::borrow::Cow;
use std::ops::Range;

use anyhow::{bail, Context, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::track::TrackInfo;

/// The TRACK attributes taggenius reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Artist,
    Genre,
    Year,
    AverageBpm,
    Tonality,
    Label,
    Comments,
    Colour,
    Rating,
    Location,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Name,
        Field::Artist,
        Field::Genre,
        Field::Year,
        Field::AverageBpm,
        Field::Tonality,
        Field::Label,
        Field::Comments,
        Field::Colour,
        Field::Rating,
        Field::Location,
    ];

    pub fn attribute(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Artist => "Artist",
            Field::Genre => "Genre",
            Field::Year => "Year",
            Field::AverageBpm => "AverageBpm",
            Field::Tonality => "Tonality",
            Field::Label => "Label",
            Field::Comments => "Comments",
            Field::Colour => "Colour",
            Field::Rating => "Rating",
            Field::Location => "Location",
        }
    }

    fn from_attribute(name: &[u8]) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.attribute().as_bytes() == name)
    }
}

/// Where one attribute stands in the file: its name's first byte and its (escaped) value,
/// between the quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrSpan {
    pub name_start: usize,
    pub value: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEntry {
    attrs: [Option<AttrSpan>; Field::ALL.len()],
    /// Where a missing attribute is inserted: just after the last attribute.
    pub insert_at: usize,
}

impl TrackEntry {
    pub fn span(&self, field: Field) -> Option<&AttrSpan> {
        self.attrs[field as usize].as_ref()
    }

    /// The raw, still escaped bytes of an attribute's value.
    pub fn raw<'a>(&self, bytes: &'a [u8], field: Field) -> Option<&'a [u8]> {
        self.span(field).map(|s| &bytes[s.value.clone()])
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
    pub bytes: Vec<u8>,
    pub tracks: Vec<TrackEntry>,
}

impl Library {
    pub fn parse(name: &str, bytes: Vec<u8>) -> Result<Library> {
        let tracks = scan(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        Ok(Library {
            name: name.to_string(),
            bytes,
            tracks,
        })
    }

    pub fn read(path: &str) -> Result<Library> {
        let bytes = if path == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
                .context("<stdin>: cannot read standard input")?;
            buf
        } else {
            if std::path::Path::new(path).is_dir() {
                bail!("{path}: is a directory, not a library file");
            }
            std::fs::read(path).with_context(|| format!("{path}: cannot read"))?
        };
        let name = if path == "-" { "<stdin>" } else { path };
        Library::parse(name, bytes)
    }

    pub fn track_info(&self, entry: &TrackEntry) -> TrackInfo {
        let get = |f| entry.value(&self.bytes, f).trim().to_string();
        let mut info = TrackInfo {
            artist: get(Field::Artist),
            title: get(Field::Name),
            genre: get(Field::Genre),
            year: get(Field::Year),
            bpm: get(Field::AverageBpm)
                .parse::<f64>()
                .ok()
                .filter(|b| *b > 0.0),
            key: get(Field::Tonality),
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

/// Resolves the predefined entities and character references; the reader has already checked
/// that every value unescapes, so the fallback to the raw text is never taken on parsed input.
pub fn unescape_lossless(raw: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(raw);
    match &text {
        Cow::Borrowed(s) => quick_xml::escape::unescape(s).unwrap_or(Cow::Borrowed(s)),
        Cow::Owned(s) => Cow::Owned(
            quick_xml::escape::unescape(s)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| s.clone()),
        ),
    }
}

/// 1-based line and column of a byte offset, for error messages.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

fn at(bytes: &[u8], offset: usize, message: impl std::fmt::Display) -> anyhow::Error {
    let (line, column) = line_column(bytes, offset);
    anyhow::anyhow!("line {line}, column {column}: {message}")
}

fn check_encoding(bytes: &[u8]) -> Result<()> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        bail!("the file is UTF-16; taggenius reads UTF-8 libraries (rekordbox exports UTF-8)");
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(at(bytes, e.valid_up_to(), "the file is not valid UTF-8"));
    }
    Ok(())
}

/// Where `part`, a slice borrowed from `whole`, starts within it.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Walks the document once, checking that it is well-formed, and records every TRACK directly
/// inside COLLECTION. TRACKs in playlists and inside XML comments are not collection entries.
fn scan(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    check_encoding(bytes)?;
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut collection_depth: Option<usize> = None;
    let mut tracks = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| at(bytes, reader.error_position() as usize, e))?;
        match event {
            Event::Decl(decl) => check_declared_encoding(bytes, &decl)?,
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = tag.name();
                if depth == 0 {
                    check_root(bytes, tag, root_seen)?;
                    root_seen = true;
                }
                if collection_depth == Some(depth) && name.as_ref() == b"TRACK" {
                    tracks.push(track_entry(bytes, tag)?);
                } else if depth == 1 && name.as_ref() == b"COLLECTION" && !is_empty {
                    collection_depth = Some(depth + 1);
                }
                if !is_empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth -= 1;
                if collection_depth == Some(depth + 1) {
                    collection_depth = None;
                }
            }
            Event::Text(ref text) if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) => {
                return Err(at(
                    bytes,
                    offset_in(bytes, text),
                    "text outside the root element",
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth > 0 {
        bail!("the file ends before its elements are closed (truncated?)");
    }
    if !root_seen {
        bail!("no XML element found; this is not a rekordbox XML library");
    }
    Ok(tracks)
}

fn check_root(bytes: &[u8], tag: &BytesStart, root_seen: bool) -> Result<()> {
    let offset = offset_in(bytes, tag.as_ref());
    if root_seen {
        return Err(at(bytes, offset, "a second root element"));
    }
    if tag.name().as_ref() != b"DJ_PLAYLISTS" {
        let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
        return Err(at(
            bytes,
            offset,
            format!("the root element is <{name}>, not <DJ_PLAYLISTS>; this is not a rekordbox XML library"),
        ));
    }
    Ok(())
}

fn check_declared_encoding(bytes: &[u8], decl: &quick_xml::events::BytesDecl) -> Result<()> {
    if let Some(Ok(encoding)) = decl.encoding() {
        let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
        if encoding != "utf-8" && encoding != "utf8" {
            return Err(at(
                bytes,
                offset_in(bytes, decl.as_ref()),
                format!("the file declares encoding {encoding:?}; taggenius reads UTF-8 libraries"),
            ));
        }
    }
    Ok(())
}

fn track_entry(bytes: &[u8], tag: &BytesStart) -> Result<TrackEntry> {
    let content = tag.as_ref();
    let mut entry = TrackEntry {
        attrs: Default::default(),
        insert_at: offset_in(bytes, content) + tag.name().as_ref().len(),
    };
    for attr in tag.attributes().with_checks(false) {
        let attr =
            attr.map_err(|e| at(bytes, offset_in(bytes, content), format!("in <TRACK>: {e}")))?;
        let name_start = offset_in(bytes, attr.key.as_ref());
        let Cow::Borrowed(value) = attr.value else {
            bail!("internal: attribute value not borrowed from the input");
        };
        let value_start = offset_in(bytes, value);
        // One past the closing quote.
        entry.insert_at = value_start + value.len() + 1;
        let Some(field) = Field::from_attribute(attr.key.as_ref()) else {
            continue;
        };
        if entry.attrs[field as usize].is_some() {
            return Err(at(
                bytes,
                name_start,
                format!("duplicate attribute {} in <TRACK>", field.attribute()),
            ));
        }
        if let Err(e) = quick_xml::escape::unescape(&String::from_utf8_lossy(value)) {
            return Err(at(
                bytes,
                value_start,
                format!("in {}: {e}", field.attribute()),
            ));
        }
        entry.attrs[field as usize] = Some(AttrSpan {
            name_start,
            value: value_start..value_start + value.len(),
        });
    }
    Ok(entry)
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
        assert_eq!(first.value(&lib.bytes, Field::Name), "A & B");
        assert_eq!(first.raw(&lib.bytes, Field::Name).unwrap(), b"A &amp; B");
        assert!(first.span(Field::Comments).is_none());
        assert_eq!(
            &lib.bytes[first.insert_at - 9..first.insert_at],
            b"Genre=\"\""
        );
        let second = &lib.tracks[1];
        assert_eq!(second.value(&lib.bytes, Field::Comments), "/* Dark */");
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
