//! The one pass over a Traktor collection: well-formedness, and where each COLLECTION ENTRY's
//! fields lie, in the ENTRY itself and in its LOCATION, INFO and TEMPO children.

use anyhow::{bail, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::xml::checks::{self, at, line_column, offset_in, one_line, quoted};
use crate::library::{AttrSpan, Field, TrackEntry};

/// What an open element is to the walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Collection,
    Entry,
    /// LOCATION, ALBUM or MODIFICATION_INFO: an INFO taggenius inserts goes after them.
    BeforeInfo,
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
struct Walk<'a> {
    /// Each open element's kind and where it starts (its `<`), innermost last.
    open: Vec<(Kind, usize)>,
    root_seen: bool,
    entry: Option<Open>,
    tracks: Vec<TrackEntry>,
    known: KnownNames<'a>,
}

/// Every COLLECTION ENTRY of `bytes`, checking that the whole document is well-formed.
pub fn walk(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    // Room for as many entries as the file can hold: growing the list as it fills copied it and
    // held both copies at once; room never filled is never touched, so it costs no memory.
    let most = (bytes.len() / super::MIN_ENTRY_BYTES + 16).min(1 << 20);
    let mut walk = Walk {
        tracks: Vec::with_capacity(most),
        ..Walk::default()
    };
    // The reader skips a byte order mark and counts its positions from after it.
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    loop {
        let event = reader.read_event();
        let after = usize::try_from(reader.buffer_position()).map_or(usize::MAX, |p| p + bom);
        match event {
            Ok(Event::Eof) => return walk.finish(bytes),
            Ok(event) => walk.event(bytes, event, after)?,
            Err(e) => {
                let position =
                    usize::try_from(reader.error_position()).map_or(usize::MAX, |p| p + bom);
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

impl<'a> Walk<'a> {
    fn event(&mut self, bytes: &'a [u8], event: Event, after: usize) -> Result<()> {
        match event {
            Event::Start(ref tag) => self.element(bytes, tag, None),
            Event::Empty(ref tag) => self.element(bytes, tag, Some(after)),
            Event::End(_) => self.close(after),
            Event::GeneralRef(ref name) => {
                let offset = offset_in(bytes, name)?.saturating_sub(1);
                if self.open.is_empty() {
                    return Err(at(bytes, offset, "text outside the root element"));
                }
                checks::check_reference(name).map_err(|m| at(bytes, offset, m))
            }
            Event::Text(ref text) if self.open.is_empty() && !text.trim_ascii().is_empty() => {
                let offset = offset_in(bytes, text)? + (text.len() - text.trim_ascii_start().len());
                Err(at(bytes, offset, "text outside the root element"))
            }
            Event::CData(ref text) if self.open.is_empty() => Err(at(
                bytes,
                offset_in(bytes, text)?,
                "text outside the root element",
            )),
            _ => Ok(()),
        }
    }

    /// A start tag; `closed_at` is where an empty element ends.
    fn element(
        &mut self,
        bytes: &'a [u8],
        tag: &BytesStart,
        closed_at: Option<usize>,
    ) -> Result<()> {
        let name = tag.name();
        let name = name.as_ref();
        // The content quick-xml hands over starts just after the `<`.
        let start = offset_in(bytes, tag.as_ref())?.saturating_sub(1);
        let depth = self.open.len();
        if depth == 0 {
            if self.root_seen {
                return Err(at(bytes, start, "a second root element"));
            }
            if name != b"NML" {
                let message = format!("the root element is <{}>, not <NML>", quoted(name));
                return Err(at(bytes, start, message));
            }
            self.root_seen = true;
        }
        checks::check_name(name).map_err(|m| at(bytes, start + 1, m))?;
        let parent = self.open.last().map(|&(kind, _)| kind);
        let kind = match (parent, name) {
            (Some(Kind::Other), b"COLLECTION") if depth == 1 => Kind::Collection,
            (Some(_), b"ENTRY") if depth == 1 => {
                return Err(at(bytes, start, "an <ENTRY> outside <COLLECTION>"))
            }
            (Some(Kind::Collection), b"ENTRY") => Kind::Entry,
            (Some(Kind::Entry), b"LOCATION" | b"ALBUM" | b"MODIFICATION_INFO") => Kind::BeforeInfo,
            _ => Kind::Other,
        };
        let tag = Tag::of(bytes, tag)?;
        let end = self.read_attributes(bytes, &tag, kind, parent, name)?;
        match closed_at {
            Some(after) => {
                self.open.push((kind, start));
                self.close(after)?;
            }
            None => {
                self.open.push((kind, start));
                if kind == Kind::Entry {
                    if let Some(open) = &mut self.entry {
                        // Past the start tag's `>`.
                        open.element_insert_at = end + 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads a start tag's attributes, keeping the spans of an ENTRY's fields; returns where
    /// the attributes end.
    fn read_attributes(
        &mut self,
        bytes: &'a [u8],
        tag: &Tag,
        kind: Kind,
        parent: Option<Kind>,
        name: &[u8],
    ) -> Result<usize> {
        let in_entry = parent == Some(Kind::Entry);
        if kind == Kind::Entry {
            self.entry = Some(Open {
                entry: TrackEntry {
                    attrs: Default::default(),
                    insert_at: 0,
                },
                element_insert_at: 0,
                info_insert_at: None,
            });
        }
        let is_info = in_entry && name == b"INFO";
        let mut last_value_end = None;
        let mut spans: Vec<(Field, AttrSpan)> = Vec::new();
        let end = for_each_attribute(bytes, tag, &mut self.known, |key, name_start, value| {
            last_value_end = Some(value.end + 1);
            let field = match (kind, in_entry) {
                (Kind::Entry, _) => entry_field(key),
                (_, true) => child_field(name, key),
                _ => None,
            };
            if let Some(field) = field {
                spans.push((field, AttrSpan::at(name_start, value)?));
            }
            Ok(())
        })?;
        if let Some(open) = &mut self.entry {
            for (field, span) in spans {
                open.entry.attrs[field as usize] = Some(span);
            }
            if is_info {
                open.info_insert_at = Some(last_value_end.unwrap_or(tag.start + tag.name_len));
            }
        }
        Ok(end)
    }

    fn close(&mut self, after: usize) -> Result<()> {
        let Some((kind, _)) = self.open.pop() else {
            bail!("internal error: an end tag with nothing open");
        };
        match kind {
            Kind::BeforeInfo => {
                if let Some(open) = self.entry.as_mut().filter(|o| o.info_insert_at.is_none()) {
                    open.element_insert_at = after;
                }
            }
            Kind::Entry => {
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

    fn finish(self, bytes: &[u8]) -> Result<Vec<TrackEntry>> {
        if let Some(&(_, innermost)) = self.open.last() {
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
            bail!("no XML element found; this is not a Traktor collection");
        }
        Ok(self.tracks)
    }
}

/// The field an ENTRY attribute holds.
fn entry_field(key: &[u8]) -> Option<Field> {
    match key {
        b"TITLE" => Some(Field::Title),
        b"ARTIST" => Some(Field::Artist),
        _ => None,
    }
}

/// The field an attribute of an ENTRY's child holds.
fn child_field(child: &[u8], key: &[u8]) -> Option<Field> {
    Some(match (child, key) {
        (b"LOCATION", b"FILE") => Field::Location,
        (b"LOCATION", b"DIR") => Field::Folder,
        (b"LOCATION", b"VOLUME") => Field::Volume,
        (b"TEMPO", b"BPM") => Field::Bpm,
        (b"INFO", key) => return super::info_field(key),
        _ => return None,
    })
}
