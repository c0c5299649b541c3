//! Reads a rekordbox XML library without building a tree: it records where each COLLECTION
//! TRACK's attribute values sit in the original bytes, so the writer can splice new values in
//! and leave every other byte alone.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::mpsc;

use anyhow::{bail, Context, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::track::TrackInfo;
use crate::xml_checks::{self, at, for_each_attribute, offset_in, one_line, quoted, Tag};
pub use crate::xml_checks::{line_column, unescape_lossless};

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
/// Offsets are 32-bit (libraries over 4 GiB are refused): a 50,000-track library holds half a
/// million of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrSpan {
    name_start: u32,
    value_start: u32,
    value_end: u32,
}

impl AttrSpan {
    pub fn name_start(&self) -> usize {
        self.name_start as usize
    }

    pub fn value(&self) -> Range<usize> {
        self.value_start as usize..self.value_end as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEntry {
    attrs: [Option<AttrSpan>; Field::ALL.len()],
    insert_at: u32,
}

impl TrackEntry {
    /// Where a missing attribute is inserted: just after the last attribute.
    pub fn insert_at(&self) -> usize {
        self.insert_at as usize
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
    pub bytes: Vec<u8>,
    pub tracks: Vec<TrackEntry>,
}

impl Library {
    pub fn parse(name: &str, bytes: Vec<u8>) -> Result<Library> {
        let tracks = scan(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", one_line(name)))?;
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
            let shown = one_line(path);
            if std::path::Path::new(path).is_dir() {
                bail!("{shown}: is a directory, not a library file");
            }
            std::fs::read(path).with_context(|| format!("{shown}: cannot read"))?
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

/// What the walk through the document knows between two events.
#[derive(Default)]
struct Scan {
    /// Where each open element starts (its `<`), innermost last.
    open: Vec<usize>,
    root_seen: bool,
    /// The depth of COLLECTION's children while the walk is inside COLLECTION.
    collection_depth: Option<usize>,
    /// Start tags waiting for the attribute thread, and whether each is a collection TRACK.
    batch: Vec<(Tag, bool)>,
}

/// Start tags handed to the attribute thread at a time.
const BATCH: usize = 1024;

/// Walks the document once, checking that it is well-formed, and records every TRACK directly
/// inside COLLECTION. TRACKs in playlists and inside XML comments are not collection entries.
/// Iterative, so deep nesting costs memory in proportion, never stack.
fn scan(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    // The character checks and the walk are independent, so they use both cores; a character
    // problem is reported first, as it explains any structural one.
    std::thread::scope(|s| {
        let characters = s.spawn(|| xml_checks::check_text(bytes));
        let walked = walk(bytes);
        match characters.join() {
            Ok(Ok(())) => walked,
            Ok(Err(e)) => Err(e),
            Err(_) => bail!("internal error: the character check failed"),
        }
    })
}

/// The structure is walked on this thread while a second one reads the attributes of the start
/// tags it finds, the costlier half of the work. An attribute problem lies in an element the
/// walk had already passed, so it is reported before a structural one.
fn walk(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<(Tag, bool)>>(16);
        let attributes = s.spawn(move || read_attributes(bytes, rx));
        let walked = walk_structure(bytes, tx);
        match attributes.join() {
            Ok(Ok(tracks)) => walked.map(|()| tracks),
            Ok(Err(e)) => Err(e),
            Err(_) => bail!("internal error: the attribute reader failed"),
        }
    })
}

/// Reads every start tag's attributes in document order, keeping TRACK entries. After a
/// problem it keeps draining the channel, so the walk never blocks on it.
fn read_attributes(bytes: &[u8], rx: mpsc::Receiver<Vec<(Tag, bool)>>) -> Result<Vec<TrackEntry>> {
    let mut tracks = Vec::new();
    let mut problem = None;
    for batch in rx {
        for (tag, is_track) in &batch {
            if problem.is_some() {
                break;
            }
            let read = if *is_track {
                track_entry(bytes, tag).map(|entry| tracks.push(entry))
            } else {
                for_each_attribute(bytes, tag, |_, _, _| Ok(()))
            };
            problem = read.err();
        }
    }
    match problem {
        Some(e) => Err(e),
        None => Ok(tracks),
    }
}

fn walk_structure(bytes: &[u8], tx: mpsc::SyncSender<Vec<(Tag, bool)>>) -> Result<()> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    let mut scan = Scan::default();
    loop {
        if scan.batch.len() >= BATCH {
            send(&tx, std::mem::take(&mut scan.batch))?;
        }
        match reader.read_event() {
            Ok(Event::Eof) => {
                send(&tx, std::mem::take(&mut scan.batch))?;
                return scan.finish(bytes);
            }
            Ok(event) => scan.event(bytes, event)?,
            Err(e) => {
                let position = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                let truncated = matches!(&e, quick_xml::Error::Syntax(s)
                    if *s != quick_xml::errors::SyntaxError::InvalidBangMarkup);
                let hint = if truncated { " (truncated file?)" } else { "" };
                return Err(at(
                    bytes,
                    position,
                    format!("{}{hint}", one_line(&e.to_string())),
                ));
            }
        }
    }
}

impl Scan {
    fn event(&mut self, bytes: &[u8], event: Event) -> Result<()> {
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let is_empty = matches!(event, Event::Empty(_));
                self.element(bytes, tag, is_empty)?;
            }
            Event::End(_) => {
                self.open.pop();
                if self.collection_depth > Some(self.open.len()) {
                    self.collection_depth = None;
                }
            }
            Event::GeneralRef(ref name) => {
                let offset = offset_in(bytes, name)?.saturating_sub(1);
                if self.open.is_empty() {
                    return Err(at(bytes, offset, "text outside the root element"));
                }
                xml_checks::check_reference(name).map_err(|m| at(bytes, offset, m))?;
            }
            Event::Text(ref text) if self.open.is_empty() && !text.trim_ascii().is_empty() => {
                let offset = offset_in(bytes, text)? + (text.len() - text.trim_ascii_start().len());
                return Err(at(bytes, offset, "text outside the root element"));
            }
            Event::CData(ref text) if self.open.is_empty() => {
                return Err(at(
                    bytes,
                    offset_in(bytes, text)?,
                    "text outside the root element",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn element(&mut self, bytes: &[u8], tag: &BytesStart, is_empty: bool) -> Result<()> {
        let name = tag.name();
        let name = name.as_ref();
        // The content quick-xml hands over starts just after the `<`.
        let start = offset_in(bytes, tag.as_ref())?.saturating_sub(1);
        let depth = self.open.len();
        if depth == 0 {
            if self.root_seen {
                return Err(at(bytes, start, "a second root element"));
            }
            if let Some(problem) = xml_checks::root_problem(name) {
                return Err(at(bytes, start, problem));
            }
            self.root_seen = true;
        }
        xml_checks::check_name(name).map_err(|m| at(bytes, start + 1, m))?;
        let is_track = self.collection_depth == Some(depth) && name == b"TRACK";
        if depth == 1 && name == b"COLLECTION" && !is_empty {
            self.collection_depth = Some(depth + 1);
        }
        self.batch.push((Tag::of(bytes, tag)?, is_track));
        if !is_empty {
            self.open.push(start);
        }
        Ok(())
    }

    fn finish(self, bytes: &[u8]) -> Result<()> {
        if let Some(&innermost) = self.open.last() {
            let (line, column) = line_column(bytes, innermost);
            let tag = bytes.get(innermost + 1..).unwrap_or_default();
            let name_len = tag
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
                .unwrap_or(tag.len());
            let name = quoted(&tag[..name_len]);
            return Err(at(
                bytes,
                bytes.len(),
                format!("the file ends before <{name}> (opened at line {line}, column {column}) is closed (truncated file?)"),
            ));
        }
        if !self.root_seen {
            bail!("no XML element found; this is not a rekordbox XML library");
        }
        Ok(())
    }
}

fn send(tx: &mpsc::SyncSender<Vec<(Tag, bool)>>, batch: Vec<(Tag, bool)>) -> Result<()> {
    tx.send(batch)
        .map_err(|_| anyhow::anyhow!("internal error: the attribute reader stopped"))
}

fn track_entry(bytes: &[u8], tag: &Tag) -> Result<TrackEntry> {
    let offset =
        |at: usize| u32::try_from(at).map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"));
    let mut entry = TrackEntry {
        attrs: Default::default(),
        insert_at: offset(tag.content.start + tag.name_len)?,
    };
    for_each_attribute(bytes, tag, |key, name_start, value| {
        // One past the closing quote.
        entry.insert_at = offset(value.end + 1)?;
        if let Some(field) = Field::from_attribute(key) {
            entry.attrs[field as usize] = Some(AttrSpan {
                name_start: offset(name_start)?,
                value_start: offset(value.start)?,
                value_end: offset(value.end)?,
            });
        }
        Ok(())
    })?;
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
            &lib.bytes[first.insert_at() - 8..first.insert_at()],
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
