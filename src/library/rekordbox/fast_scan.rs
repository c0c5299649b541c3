//! The walk through a library as rekordbox writes it, in one pass that reads each start tag's
//! attributes as it meets them, a large file in two halves at once. It accepts only what the
//! full reader (`scan`) accepts, and gives up on anything else (a DOCTYPE, CDATA, a processing
//! instruction after the XML declaration, any error), leaving the full reader to decide and to
//! word the message.

use memchr::{memchr, memmem};

use crate::library::rekordbox::entry::track_entry;
use crate::library::rekordbox::MIN_TRACK_BYTES;
use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::xml::checks::{check_name, check_reference, root_problem};
use crate::library::TrackEntry;

/// Files from this size on are walked in two halves.
const HALVES_FROM: usize = 4 << 20;

/// The COLLECTION's TRACK entries, or `None` where the full reader must decide.
pub fn fast_scan(bytes: &[u8]) -> Option<Vec<TrackEntry>> {
    let Some(split) = (bytes.len() >= HALVES_FROM)
        .then(|| split_point(bytes))
        .flatten()
    else {
        return whole(bytes);
    };
    fast_scan_split(bytes, split)
}

/// The walk in two halves: the second starts at `split`, a `<` at the start of a line past
/// the middle, guessing that it begins a tag. The first half checks the guess when it gets
/// there; if it was wrong (the `<` sat in a comment or a value), the first half walks on to the
/// end alone.
pub(crate) fn fast_scan_split(bytes: &[u8], split: usize) -> Option<Vec<TrackEntry>> {
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            let outer = Outer {
                tracks: Vec::with_capacity(most_tracks(bytes.len() - split)),
                ..Outer::default()
            };
            let mut walk = Walk::new(bytes, Some(outer));
            walk.run(split, None).map(|_| walk)
        });
        let mut first = Walk::new(bytes, None);
        let start = first.declaration()?;
        match first.run(start, Some(split))? {
            Ending::End => first.finish(),
            Ending::Split => first.join(second.join().ok()??),
        }
    })
}

fn whole(bytes: &[u8]) -> Option<Vec<TrackEntry>> {
    let mut walk = Walk::new(bytes, None);
    let start = walk.declaration()?;
    walk.run(start, None)?;
    walk.finish()
}

/// A `<` that starts a line, followed by a letter, past the middle of the file.
fn split_point(bytes: &[u8]) -> Option<usize> {
    let mut from = bytes.len() / 2;
    for _ in 0..10_000 {
        let line = from + memchr(b'\n', &bytes[from..])? + 1;
        let indent = bytes[line..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'));
        let lt = line + indent.count();
        if bytes.get(lt) == Some(&b'<') && bytes.get(lt + 1).is_some_and(u8::is_ascii_alphabetic) {
            return Some(lt);
        }
        from = line;
    }
    None
}

/// Room for as many TRACK entries as `len` bytes can hold: growing the list as it fills copied and touched twice its memory.
/// Room never filled is never touched, so it costs no memory; past a million tracks the list
/// grows as usual.
fn most_tracks(len: usize) -> usize {
    (len / MIN_TRACK_BYTES + 16).min(1 << 20)
}

enum Ending {
    End,
    Split,
}

/// What a walk that starts mid-document meets of the elements opened before its start.
#[derive(Default)]
struct Outer<'a> {
    /// Their end tags, innermost first.
    closed: Vec<&'a [u8]>,
    /// Text or a start tag met after this many of them were closed: more must have been open.
    content_after: Option<usize>,
    /// TRACKs, with where they stand, to be sorted out once the open elements are known.
    tracks: Vec<(TrackEntry, Place)>,
}

/// Where a TRACK met by the second half stands.
struct Place {
    /// Outer elements closed before it.
    closed: usize,
    /// Elements opened (and still open) since.
    depth: usize,
    /// Whether its parent opened after the start, and is a COLLECTION.
    parent: Option<bool>,
}

struct Walk<'a> {
    bytes: &'a [u8],
    /// Each open element's name, innermost last.
    open: Vec<&'a [u8]>,
    root_seen: bool,
    collection_depth: Option<usize>,
    known: KnownNames<'a>,
    tracks: Vec<TrackEntry>,
    /// Set for the second half.
    outer: Option<Outer<'a>>,
}

impl<'a> Walk<'a> {
    fn new(bytes: &'a [u8], outer: Option<Outer<'a>>) -> Walk<'a> {
        Walk {
            bytes,
            open: Vec::new(),
            root_seen: false,
            collection_depth: None,
            known: KnownNames::default(),
            tracks: match outer {
                None => Vec::with_capacity(most_tracks(bytes.len())),
                Some(_) => Vec::new(),
            },
            outer,
        }
    }

    /// Walks from `i` to the end of the file, or stops at `split` when a tag starts there.
    fn run(&mut self, mut i: usize, mut split: Option<usize>) -> Option<Ending> {
        let bytes = self.bytes;
        loop {
            let Some(found) = memchr(b'<', &bytes[i..]) else {
                self.text(&bytes[i..])?;
                return Some(Ending::End);
            };
            let lt = i + found;
            self.text(&bytes[i..lt])?;
            match split {
                Some(at) if lt == at => return Some(Ending::Split),
                // The guess fell inside a tag or a comment.
                Some(at) if lt > at => split = None,
                _ => {}
            }
            i = match bytes.get(lt + 1)? {
                b'/' => self.end_tag(lt)?,
                b'!' => self.comment(lt)?,
                b'?' => return None,
                _ => self.start_tag(lt)?,
            };
        }
    }

    fn finish(self) -> Option<Vec<TrackEntry>> {
        (self.open.is_empty() && self.root_seen).then_some(self.tracks)
    }

    /// This first half's tracks, then the second half's once what it closed and where its
    /// tracks stand are checked against the elements this half left open.
    fn join(mut self, second: Walk<'a>) -> Option<Vec<TrackEntry>> {
        let outer = second.outer?;
        let open = &self.open;
        let closes_all = outer.closed.len() == open.len()
            && outer
                .closed
                .iter()
                .zip(open.iter().rev())
                .all(|(c, o)| c == o);
        let inside_root = outer.content_after.is_none_or(|k| k < open.len());
        if !self.root_seen || !second.open.is_empty() || !closes_all || !inside_root {
            return None;
        }
        // Exactly: a doubled buffer of 50,000 entries would be 5 MB of a run's peak memory.
        self.tracks.reserve_exact(outer.tracks.len());
        for (entry, place) in outer.tracks {
            let Some(level) = open.len().checked_sub(place.closed) else {
                continue;
            };
            let parent_is_collection = match place.parent {
                Some(is_collection) => is_collection,
                None => level >= 1 && open[level - 1] == b"COLLECTION",
            };
            if level + place.depth == 2 && parent_is_collection {
                self.tracks.push(entry);
            }
        }
        Some(self.tracks)
    }

    /// Past an XML declaration at the very start, if there is one.
    fn declaration(&self) -> Option<usize> {
        if !self.bytes.starts_with(b"<?xml") {
            return Some(0);
        }
        let end = memmem::find(self.bytes, b"?>")?;
        // Anything with markup inside is left to the full reader.
        (memchr(b'<', &self.bytes[1..end]).is_none()).then_some(end + 2)
    }

    /// Text between two tags: white space outside the root; inside it, every `&` must start a
    /// reference XML knows.
    fn text(&mut self, text: &[u8]) -> Option<()> {
        if self.open.is_empty() && !text.iter().all(u8::is_ascii_whitespace) {
            let outer = self.outer.as_mut()?;
            outer.content_after = outer.content_after.max(Some(outer.closed.len()));
        }
        let mut from = 0;
        while let Some(found) = memchr(b'&', &text[from..]) {
            let name_start = from + found + 1;
            let len = text[name_start..]
                .iter()
                .take(64)
                .position(|&b| b == b';')?;
            check_reference(&text[name_start..name_start + len]).ok()?;
            from = name_start + len + 1;
        }
        Some(())
    }

    /// `</name>`, closing the innermost open element (or, in the second half, one opened
    /// before it).
    fn end_tag(&mut self, lt: usize) -> Option<usize> {
        let rest = &self.bytes[lt + 2..];
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>')?;
        let gt = name_len
            + rest[name_len..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
        let name = &rest[..name_len];
        if rest[gt] != b'>' {
            return None;
        }
        match (self.open.pop(), &mut self.outer) {
            (Some(open), _) if open == name => {}
            (None, Some(outer)) => outer.closed.push(name),
            _ => return None,
        }
        if self.collection_depth > Some(self.open.len()) {
            self.collection_depth = None;
        }
        Some(lt + 2 + gt + 1)
    }

    /// `<!-- … -->`; a DOCTYPE or CDATA section is left to the full reader.
    fn comment(&self, lt: usize) -> Option<usize> {
        let body = self.bytes.get(lt + 4..)?;
        if !self.bytes[lt..].starts_with(b"<!--") {
            return None;
        }
        let end = memmem::find(body, b"--")?;
        (body.get(end..end + 3)? == b"-->").then_some(lt + 4 + end + 3)
    }

    /// `<name attributes>` or `<name attributes/>`.
    fn start_tag(&mut self, lt: usize) -> Option<usize> {
        let bytes = self.bytes;
        let rest = &bytes[lt + 1..];
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))?;
        let name = &rest[..name_len];
        let depth = self.open.len();
        if depth == 0 {
            match &mut self.outer {
                Some(outer) => {
                    outer.content_after = outer.content_after.max(Some(outer.closed.len()));
                }
                None if self.root_seen || root_problem(name).is_some() => return None,
                None => self.root_seen = true,
            }
        }
        check_name(name).ok()?;
        let tag = Tag {
            start: lt + 1,
            name_len,
            end: None,
        };
        let attributes_end = if name == b"TRACK" && self.may_be_entry(depth) {
            let (entry, end) = track_entry(bytes, &tag, &mut self.known).ok()?;
            self.place_track(entry, depth);
            end
        } else {
            let no_spans = |_: &[u8], _, _| Ok(());
            for_each_attribute(bytes, &tag, &mut self.known, no_spans).ok()?
        };
        let is_empty = bytes[attributes_end] == b'/';
        if depth == 1 && name == b"COLLECTION" && !is_empty && self.outer.is_none() {
            self.collection_depth = Some(depth + 1);
        }
        if !is_empty {
            self.open.push(name);
        }
        Some(attributes_end + if is_empty { 2 } else { 1 })
    }

    /// Whether a TRACK here may be a collection entry: for the first half, whether it sits in
    /// a COLLECTION; the second half cannot tell yet unless its parent opened after its start.
    fn may_be_entry(&self, depth: usize) -> bool {
        match &self.outer {
            None => self.collection_depth == Some(depth),
            Some(_) => self
                .open
                .last()
                .is_none_or(|parent| *parent == b"COLLECTION"),
        }
    }

    /// Keeps a TRACK that is a collection entry; the second half keeps every TRACK that may be
    /// one with where it stands, as only the first half's open elements tell.
    fn place_track(&mut self, entry: TrackEntry, depth: usize) {
        match &mut self.outer {
            None if self.collection_depth == Some(depth) => self.tracks.push(entry),
            None => {}
            Some(outer) => {
                let parent = self.open.last().map(|p| *p == b"COLLECTION");
                let place = Place {
                    closed: outer.closed.len(),
                    depth,
                    parent,
                };
                outer.tracks.push((entry, place));
            }
        }
    }
}

#[cfg(test)]
mod tests;
