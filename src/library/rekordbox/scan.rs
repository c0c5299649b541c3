//! The one pass over a rekordbox XML file: well-formedness, and where each COLLECTION TRACK's
//! attribute values lie, so the writer can splice new values into the original bytes.

use std::num::NonZeroU32;
use std::sync::mpsc;

use anyhow::{bail, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::library::rekordbox::fast_scan::fast_scan;
use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::xml::checks::{self, at, line_column, offset_in, one_line, quoted};
use crate::library::{AttrSpan, Field, TrackEntry};

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
/// Iterative, so deep nesting costs memory in proportion, never stack. Returns the document as
/// text, found to be UTF-8 on the way.
pub fn scan(bytes: Vec<u8>) -> Result<(String, Vec<TrackEntry>)> {
    // The encoding and character checks and the walk are independent, so they use both cores;
    // a problem with the characters is reported first, as it explains any structural one.
    let tracks = std::thread::scope(|s| {
        let characters = s.spawn(|| checks::check_text(&bytes));
        let walked = match fast_scan(&bytes) {
            Some(tracks) => Ok(tracks),
            None => walk(&bytes),
        };
        match characters.join() {
            Ok(Ok(())) => walked,
            Ok(Err(e)) => Err(e),
            Err(_) => bail!("internal error: the character check failed"),
        }
    })?;
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    // SAFETY: `check_text` returned Ok, which it does only after `std::str::from_utf8` accepted
    // these very bytes; they are owned here and were only ever borrowed immutably since.
    // Checking them a second time cost 7 ms of a 50 MB library, on one core, with the other idle.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok((text, tracks))
}

/// The structure is walked on this thread while a second one reads the attributes of the start
/// tags it finds, the costlier half of the work. An attribute problem lies in an element the
/// walk had already passed, so it is reported before a structural one.
pub(crate) fn walk(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<(Tag, bool)>>(16);
        let attributes = s.spawn(move || read_tags(bytes, rx));
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
fn read_tags(bytes: &[u8], rx: mpsc::Receiver<Vec<(Tag, bool)>>) -> Result<Vec<TrackEntry>> {
    let mut tracks = Vec::new();
    let mut problem = None;
    let mut known = KnownNames::default();
    for batch in rx {
        for (tag, is_track) in &batch {
            if problem.is_some() {
                break;
            }
            let read = if *is_track {
                track_entry(bytes, tag, &mut known).map(|(entry, _)| tracks.push(entry))
            } else {
                for_each_attribute(bytes, tag, &mut known, |_, _, _| Ok(())).map(|_| ())
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
                checks::check_reference(name).map_err(|m| at(bytes, offset, m))?;
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
            if let Some(problem) = checks::root_problem(name) {
                return Err(at(bytes, start, problem));
            }
            self.root_seen = true;
        }
        checks::check_name(name).map_err(|m| at(bytes, start + 1, m))?;
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

/// A TRACK's attribute spans, read as `for_each_attribute` reads them; with where they end.
pub fn track_entry<'a>(
    bytes: &'a [u8],
    tag: &Tag,
    known: &mut KnownNames<'a>,
) -> Result<(TrackEntry, usize)> {
    let offset =
        |at: usize| u32::try_from(at).map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"));
    let mut entry = TrackEntry {
        attrs: Default::default(),
        insert_at: offset(tag.start + tag.name_len)?,
    };
    let end = for_each_attribute(bytes, tag, known, |key, name_start, value| {
        // One past the closing quote.
        entry.insert_at = offset(value.end + 1)?;
        if let Some(field) = Field::from_attribute(key) {
            entry.attrs[field as usize] = Some(AttrSpan {
                name_start: offset(name_start)?,
                value_start: offset(value.start)?,
                value_end: NonZeroU32::new(offset(value.end)?)
                    .ok_or_else(|| anyhow::anyhow!("internal error: a value ends at offset 0"))?,
            });
        }
        Ok(())
    })?;
    Ok((entry, end))
}
