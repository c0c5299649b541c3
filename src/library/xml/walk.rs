//! One checked pass over an XML library, for a format that collects its tracks from it as the
//! walk goes (Traktor, VirtualDJ): the document is checked to be well-formed, with a located
//! message for any problem, and the format is told of every element, attribute and end.

use std::ops::Range;

use anyhow::{bail, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::xml::checks::{self, at, line_column, offset_in, one_line, quoted};

/// What a format learns from the walk, in document order.
pub trait Visitor {
    /// An element opens: its name, how many elements enclose it, and where it starts (its `<`).
    fn open(&mut self, name: &[u8], depth: usize, start: usize) -> Result<()>;
    /// One of its attributes: where the name starts, and the value's range between the quotes.
    fn attribute(&mut self, key: &[u8], name_start: usize, value: Range<usize>) -> Result<()>;
    /// Its start tag is read: `name_end` is where the name ends, `last_value_end` just past the
    /// last attribute's closing quote, `tag_end` just past the tag's `>`.
    fn opened(&mut self, name_end: usize, last_value_end: Option<usize>, tag_end: usize);
    /// The innermost open element closes: `end_start` is where its end tag starts (for an
    /// empty element, where it ends), `after` just past its end.
    fn close(&mut self, end_start: usize, after: usize) -> Result<()>;
}

/// Walks `bytes`, whose root element must be `root` (`what` names the format in messages).
pub fn walk(bytes: &[u8], root: &[u8], what: &str, visitor: &mut impl Visitor) -> Result<()> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    // The reader skips a byte order mark and counts its positions from after it.
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut state = State {
        root,
        what,
        depth: 0,
        opened_at: Vec::new(),
        root_seen: false,
        known: KnownNames::default(),
    };
    loop {
        let event = reader.read_event();
        let after = usize::try_from(reader.buffer_position()).map_or(usize::MAX, |p| p + bom);
        match event {
            Ok(Event::Eof) => return state.finish(bytes),
            Ok(Event::Start(tag)) => state.element(bytes, &tag, None, visitor)?,
            Ok(Event::Empty(tag)) => state.element(bytes, &tag, Some(after), visitor)?,
            Ok(Event::End(end)) => {
                state.depth -= 1;
                state.opened_at.pop();
                let end_start = offset_in(bytes, end.as_ref())?.saturating_sub(2);
                visitor.close(end_start, after)?;
            }
            Ok(event) => check_content(bytes, &event, state.depth == 0)?,
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

struct State<'r, 'a> {
    root: &'r [u8],
    what: &'r str,
    depth: usize,
    /// Where each open element starts, innermost last, for the message of a truncated file.
    opened_at: Vec<usize>,
    root_seen: bool,
    known: KnownNames<'a>,
}

impl<'a> State<'_, 'a> {
    /// A start tag; `closed_at` is where an empty element ends.
    fn element(
        &mut self,
        bytes: &'a [u8],
        tag: &BytesStart,
        closed_at: Option<usize>,
        visitor: &mut impl Visitor,
    ) -> Result<()> {
        let name = tag.name();
        let name = name.as_ref();
        // The content quick-xml hands over starts just after the `<`.
        let start = offset_in(bytes, tag.as_ref())?.saturating_sub(1);
        if self.depth == 0 {
            if self.root_seen {
                return Err(at(bytes, start, "a second root element"));
            }
            if name != self.root {
                let (found, want) = (quoted(name), quoted(self.root));
                return Err(at(
                    bytes,
                    start,
                    format!("the root element is <{found}>, not <{want}>"),
                ));
            }
            self.root_seen = true;
        }
        checks::check_name(name).map_err(|m| at(bytes, start + 1, m))?;
        visitor
            .open(name, self.depth, start)
            .map_err(|e| at(bytes, start, e))?;
        let tag = Tag::of(bytes, tag)?;
        let mut last_value_end = None;
        let end = for_each_attribute(bytes, &tag, &mut self.known, |key, name_start, value| {
            last_value_end = Some(value.end + 1);
            visitor.attribute(key, name_start, value)
        })?;
        let tag_end = closed_at.unwrap_or(end + 1);
        visitor.opened(tag.start + tag.name_len, last_value_end, tag_end);
        match closed_at {
            Some(after) => visitor.close(after, after),
            None => {
                self.depth += 1;
                self.opened_at.push(start);
                Ok(())
            }
        }
    }

    fn finish(self, bytes: &[u8]) -> Result<()> {
        if let Some(&innermost) = self.opened_at.last() {
            return Err(unclosed(bytes, innermost));
        }
        if !self.root_seen {
            bail!("no XML element found; this is not a {} file", self.what);
        }
        Ok(())
    }
}

/// What is not an element: a reference must be one XML knows, and no text may stand outside
/// the root (`outside`).
pub fn check_content(bytes: &[u8], event: &Event, outside: bool) -> Result<()> {
    match event {
        Event::GeneralRef(name) => {
            let offset = offset_in(bytes, name)?.saturating_sub(1);
            if outside {
                return Err(at(bytes, offset, "text outside the root element"));
            }
            checks::check_reference(name).map_err(|m| at(bytes, offset, m))
        }
        Event::Text(text) if outside && !text.trim_ascii().is_empty() => {
            let offset = offset_in(bytes, text)? + (text.len() - text.trim_ascii_start().len());
            Err(at(bytes, offset, "text outside the root element"))
        }
        Event::CData(text) if outside => Err(at(
            bytes,
            offset_in(bytes, text)?,
            "text outside the root element",
        )),
        _ => Ok(()),
    }
}

/// The error for a file that ends while the element starting at `innermost` is open.
pub fn unclosed(bytes: &[u8], innermost: usize) -> anyhow::Error {
    let (line, column) = line_column(bytes, innermost);
    let tag = bytes.get(innermost + 1..).unwrap_or_default();
    let name_len = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(tag.len());
    let name = quoted(&tag[..name_len]);
    at(
        bytes,
        bytes.len(),
        format!("the file ends before <{name}> (opened at line {line}, column {column}) is closed (truncated file?)"),
    )
}
