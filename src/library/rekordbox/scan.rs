//! The full reader of a rekordbox XML file, for what the fast walk leaves to it: well-formedness
//! with a located message for every problem, and where each COLLECTION TRACK's attribute values
//! lie.

use std::sync::mpsc;

use anyhow::{bail, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::library::rekordbox::entry::track_entry;
use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::xml::checks::{self, at, offset_in, one_line};
use crate::library::xml::walk::{check_content, unclosed};
use crate::library::TrackEntry;

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
            other => check_content(bytes, &other, self.open.is_empty())?,
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
            return Err(unclosed(bytes, innermost));
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
