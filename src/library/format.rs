//! The boundary every library format stands behind. The rest of taggenius knows tracks only as
//! spans of neutral fields in the original bytes ([`TrackEntry`]), and values only as rendered
//! text or an energy level; a format says where its tracks and fields lie, how a value is
//! encoded and escaped, and where a missing one goes.
//!
//! Adding a format is a folder beside `rekordbox/` that implements [`Format`], and one line in
//! `FORMATS` (library/mod.rs).

use std::borrow::Cow;

use anyhow::Result;

use crate::library::playlist_tree::PlaylistFormat;
use crate::library::splice::Edit;
use crate::library::{Field, TrackEntry};

pub trait Format: Sync {
    /// How messages name the format ("rekordbox XML").
    fn name(&self) -> &'static str;

    /// Whether a file that starts with `head` (its first few kilobytes, or less) is in this
    /// format.
    fn detect(&self, head: &[u8]) -> bool;

    /// Checks the whole file and finds every track of the collection: returns the file as text
    /// (it must be UTF-8) and each track's field spans, in file order.
    fn scan(&self, bytes: Vec<u8>) -> Result<(String, Vec<TrackEntry>)>;

    /// The fewest bytes one track takes in a file as the DJ software writes it: a file's length
    /// divided by it bounds the number of tracks, for sizing buffers ahead.
    fn min_track_bytes(&self) -> usize;

    /// What tells a track from every other in the file (a file location), stored with the
    /// values taggenius remembers for `clear`; `None` where the track has none, and is then
    /// known by its cache key. `text` is the whole file.
    fn identity<'a>(&self, text: &'a str, entry: &TrackEntry) -> Option<Cow<'a, str>>;

    /// Beats per minute from the value the file keeps (VirtualDJ keeps seconds per beat).
    fn beats_per_minute(&self, stored: f64) -> f64 {
        stored
    }

    /// How the format keeps playlists in its file; `None` where it keeps them elsewhere
    /// (VirtualDJ, whose playlists are files of their own).
    fn playlists(&self) -> Option<&dyn PlaylistFormat> {
        None
    }

    /// The fields `--write` may set in this format.
    fn writable(&self) -> &'static [Field];

    /// How an energy level (1-10) is written into `field` (a colour, a rating), or `None`
    /// where the format has no such encoding for it.
    fn energy_value(&self, field: Field, energy: u8) -> Option<&'static str>;

    /// Whether the track's `current` value marks `field` as the DJ's own, never to be
    /// overwritten (rekordbox's red colour).
    fn keeps(&self, field: Field, current: &str) -> bool;

    /// The edits that give a track its new (unescaped) values: each replaces a value where the
    /// track has the field, or inserts it where the format puts a missing one. All of a track's
    /// values come at once, so that a format whose fields sit in a child element that may be
    /// missing (Traktor's INFO) can insert that element once.
    fn set(
        &self,
        bytes: &[u8],
        entry: &TrackEntry,
        values: Vec<(Field, String)>,
        edits: &mut Vec<Edit>,
    );

    /// The edits that put back a track's remembered raw values, or remove a field where it was
    /// absent before taggenius wrote it (`None`). All of a track's fields come at once, so
    /// that a child element taggenius inserted can go whole.
    fn restore(
        &self,
        bytes: &[u8],
        entry: &TrackEntry,
        originals: &[(Field, Option<&[u8]>)],
        edits: &mut Vec<Edit>,
    );
}

/// Stars by energy, on the 0-255 scale rekordbox's Rating and Traktor's RANKING share (0, 51,
/// … 255 for 0-5 stars).
pub fn stars(energy: u8) -> &'static str {
    match energy {
        9.. => "255",
        8 => "204",
        6..=7 => "153",
        4..=5 => "102",
        _ => "51",
    }
}
