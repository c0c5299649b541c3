//! Where each Song's fields lie: FilePath on the Song, its Tags' and Infos' attributes, and the
//! text of its Comment element, found by the checked walk every XML format shares.

use std::ops::Range;

use anyhow::Result;

use crate::library::xml::walk::{walk, Visitor};
use crate::library::{AttrSpan, Field, TrackEntry};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Song,
    Tags,
    Infos,
    Comment,
    /// Another child of a Song (Scan, Poi, Link…).
    Child,
    Other,
}

/// A Song being read.
struct Open {
    entry: TrackEntry,
    /// Where a missing Tags attribute, or Infos attribute, goes.
    tags_at: usize,
    infos_at: usize,
    /// Just past the Song start tag, then past Tags and Infos as they end: where a Comment
    /// element taggenius inserts goes.
    comment_at: usize,
    /// The Comment element's start and where its text starts.
    comment: Option<(usize, usize)>,
    /// An empty `<Comment/>`: no text to write into, and no second Comment to insert.
    empty_comment: bool,
}

#[derive(Default)]
struct Database {
    open: Vec<Kind>,
    current: Option<Kind>,
    song: Option<Open>,
    tracks: Vec<TrackEntry>,
}

/// Every Song of `bytes`, checking that the whole document is well-formed.
pub fn songs(bytes: &[u8]) -> Result<Vec<TrackEntry>> {
    // Room for as many songs as the file can hold; room never filled is never touched.
    let most = (bytes.len() / super::MIN_SONG_BYTES + 16).min(1 << 20);
    let mut database = Database {
        tracks: Vec::with_capacity(most),
        ..Database::default()
    };
    walk(
        bytes,
        b"VirtualDJ_Database",
        "VirtualDJ database",
        &mut database,
    )?;
    Ok(database.tracks)
}

impl Visitor for Database {
    fn open(&mut self, name: &[u8], depth: usize, start: usize) -> Result<()> {
        let parent = self.open.last().copied();
        let kind = match (parent, name) {
            (_, b"Song") if depth == 1 => Kind::Song,
            (Some(Kind::Song), b"Tags") => Kind::Tags,
            (Some(Kind::Song), b"Infos") => Kind::Infos,
            (Some(Kind::Song), b"Comment") => Kind::Comment,
            (Some(Kind::Song), _) => Kind::Child,
            _ => Kind::Other,
        };
        match kind {
            Kind::Song => {
                self.song = Some(Open {
                    entry: TrackEntry::new(0),
                    tags_at: 0,
                    infos_at: 0,
                    comment_at: 0,
                    comment: None,
                    empty_comment: false,
                })
            }
            Kind::Comment => {
                if let Some(song) = &mut self.song {
                    song.comment = Some((start, 0));
                }
            }
            _ => {}
        }
        self.open.push(kind);
        self.current = Some(kind);
        Ok(())
    }

    fn attribute(&mut self, key: &[u8], name_start: usize, value: Range<usize>) -> Result<()> {
        let (Some(kind), Some(song)) = (self.current, &mut self.song) else {
            return Ok(());
        };
        let field = match (kind, key) {
            (Kind::Song, b"FilePath") => Field::Location,
            (Kind::Tags, key) => match super::tags_field(key) {
                Some(field) => field,
                None => return Ok(()),
            },
            (Kind::Infos, b"UserColor") => Field::Colour,
            (Kind::Infos, b"SongLength") => Field::Length,
            _ => return Ok(()),
        };
        song.entry.attrs[field as usize] = Some(AttrSpan::at(name_start, value)?);
        Ok(())
    }

    fn opened(&mut self, name_end: usize, last_value_end: Option<usize>, tag_end: usize) {
        let (Some(kind), Some(song)) = (self.current.take(), &mut self.song) else {
            return;
        };
        let attrs_end = last_value_end.unwrap_or(name_end);
        match kind {
            Kind::Song => song.comment_at = tag_end,
            Kind::Tags => song.tags_at = attrs_end,
            Kind::Infos => song.infos_at = attrs_end,
            Kind::Comment => {
                if let Some((_, text)) = &mut song.comment {
                    *text = tag_end;
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, end_start: usize, after: usize) -> Result<()> {
        let Some(kind) = self.open.pop() else {
            return Ok(());
        };
        let Some(song) = &mut self.song else {
            return Ok(());
        };
        match kind {
            Kind::Tags | Kind::Infos => song.comment_at = after,
            Kind::Comment => match song.comment.take() {
                // An empty element ends where it starts its text.
                Some((start, text)) if end_start >= text && end_start != after => {
                    let span = AttrSpan::at(start, text..end_start)?;
                    song.entry.attrs[Field::Comments as usize] = Some(span);
                }
                _ => song.empty_comment = true,
            },
            Kind::Song => {
                if let Some(song) = self.song.take() {
                    self.tracks.push(song.into_entry()?);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Open {
    fn into_entry(self) -> Result<TrackEntry> {
        let offset = |at: usize| {
            u32::try_from(at).map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"))
        };
        let comment_at = if self.empty_comment {
            0
        } else {
            self.comment_at
        };
        let mut entry = self.entry;
        entry.insert_at = offset(self.tags_at)?;
        entry.more_inserts = [offset(self.infos_at)?, offset(comment_at)?];
        Ok(entry)
    }
}
