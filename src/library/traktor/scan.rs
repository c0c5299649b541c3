//! Where each COLLECTION ENTRY's fields lie: in the ENTRY itself and in its LOCATION, INFO and
//! TEMPO children, found by the checked walk every XML format shares.

use std::ops::Range;

use anyhow::Result;

use crate::library::xml::walk::{walk, Visitor};
use crate::library::{AttrSpan, Field, TrackEntry};

/// What an open element is to the collection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Collection,
    Entry,
    /// LOCATION: the file's address. An INFO taggenius inserts goes after it.
    Location,
    /// ALBUM or MODIFICATION_INFO: an INFO taggenius inserts goes after them too.
    BeforeInfo,
    Info,
    Tempo,
    /// Another child of ENTRY (TEMPO and the rest).
    Child,
    Other,
}

/// An ENTRY being read.
struct Open {
    entry: TrackEntry,
    /// Just past the ENTRY start tag, or past the last child an INFO goes after.
    element_insert_at: usize,
    /// Where an attribute missing from INFO goes, once INFO is read.
    info_insert_at: Option<usize>,
}

#[derive(Default)]
struct Collection {
    open: Vec<Kind>,
    /// The element whose attributes are being read.
    current: Option<Kind>,
    entry: Option<Open>,
    tracks: Vec<TrackEntry>,
}

/// Every COLLECTION ENTRY of `bytes`, checking that the whole document is well-formed.
pub fn entries(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    // Room for as many entries as the file can hold: growing the list as it fills copied it and
    // held both copies at once; room never filled is never touched, so it costs no memory.
    let most = (bytes.len() / super::MIN_ENTRY_BYTES + 16).min(1 << 20);
    let mut collection = Collection {
        tracks: Vec::with_capacity(most),
        ..Collection::default()
    };
    walk(bytes, b"NML", "Traktor collection", &mut collection)?;
    Ok(collection.tracks)
}

impl Visitor for Collection {
    fn open(&mut self, name: &[u8], depth: usize, _start: usize) -> Result<()> {
        let parent = self.open.last().copied();
        let kind = match (parent, name) {
            (Some(Kind::Other), b"COLLECTION") if depth == 1 => Kind::Collection,
            (Some(_), b"ENTRY") if depth == 1 => anyhow::bail!("an <ENTRY> outside <COLLECTION>"),
            (Some(Kind::Collection), b"ENTRY") => Kind::Entry,
            (Some(Kind::Entry), b"LOCATION") => Kind::Location,
            (Some(Kind::Entry), b"ALBUM" | b"MODIFICATION_INFO") => Kind::BeforeInfo,
            (Some(Kind::Entry), b"INFO") => Kind::Info,
            (Some(Kind::Entry), b"TEMPO") => Kind::Tempo,
            (Some(Kind::Entry), _) => Kind::Child,
            _ => Kind::Other,
        };
        if kind == Kind::Entry {
            self.entry = Some(Open {
                entry: TrackEntry::new(0),
                element_insert_at: 0,
                info_insert_at: None,
            });
        }
        self.open.push(kind);
        self.current = Some(kind);
        Ok(())
    }

    fn attribute(&mut self, key: &[u8], name_start: usize, value: Range<usize>) -> Result<()> {
        let (Some(kind), Some(open)) = (self.current, &mut self.entry) else {
            return Ok(());
        };
        let field = match (kind, key) {
            (Kind::Entry, b"TITLE") => Field::Title,
            (Kind::Entry, b"ARTIST") => Field::Artist,
            (Kind::Location, b"FILE") => Field::Location,
            (Kind::Location, b"DIR") => Field::Folder,
            (Kind::Location, b"VOLUME") => Field::Volume,
            (Kind::Tempo, b"BPM") => Field::Bpm,
            (Kind::Info, key) => match super::info_field(key) {
                Some(field) => field,
                None => return Ok(()),
            },
            _ => return Ok(()),
        };
        open.entry.attrs[field as usize] = Some(AttrSpan::at(name_start, value)?);
        Ok(())
    }

    fn opened(&mut self, name_end: usize, last_value_end: Option<usize>, tag_end: usize) {
        let (Some(kind), Some(open)) = (self.current.take(), &mut self.entry) else {
            return;
        };
        match kind {
            Kind::Entry => open.element_insert_at = tag_end,
            Kind::Info => open.info_insert_at = Some(last_value_end.unwrap_or(name_end)),
            _ => {}
        }
    }

    fn close(&mut self, _end_start: usize, after: usize) -> Result<()> {
        match self.open.pop() {
            Some(Kind::Location | Kind::BeforeInfo) => {
                if let Some(open) = self.entry.as_mut().filter(|o| o.info_insert_at.is_none()) {
                    open.element_insert_at = after;
                }
            }
            Some(Kind::Entry) => {
                if let Some(mut open) = self.entry.take() {
                    let insert_at = open.info_insert_at.unwrap_or(open.element_insert_at);
                    open.entry.insert_at = u32::try_from(insert_at)
                        .map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"))?;
                    self.tracks.push(open.entry);
                }
            }
            _ => {}
        }
        Ok(())
    }
}
