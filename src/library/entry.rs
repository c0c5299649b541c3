//! What taggenius knows of one track in a library, whatever the format: where each of its
//! fields lies in the file's bytes, and where a missing one goes.

use std::borrow::Cow;
use std::num::NonZeroU32;
use std::ops::Range;

use anyhow::Result;

use crate::library::xml::checks::unescape_lossless;

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
    /// What the library's playlists name the track by, where it is an attribute of its own
    /// (rekordbox's TrackID).
    TrackId,
    /// How long the track plays, in seconds (rekordbox's TotalTime, Traktor's PLAYTIME,
    /// VirtualDJ's SongLength): read for `set`, never written.
    Length,
}

impl Field {
    pub const ALL: [Field; 16] = [
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
        Field::TrackId,
        Field::Length,
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
            Field::TrackId => "TrackID",
            Field::Length => "TotalTime",
        }
    }
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
                "Volume",
                "TrackID",
                "TotalTime"
            ]
        );
    }
}
