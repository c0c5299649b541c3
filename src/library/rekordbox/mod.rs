//! rekordbox XML (File > Export Collection in xml format): each COLLECTION TRACK is one
//! element whose attributes hold every field, and colours and ratings have encodings of their
//! own.

pub(crate) mod entry;
pub(crate) mod fast_scan;
mod playlist_tree;
pub(crate) mod scan;

use std::borrow::Cow;

use anyhow::Result;

use crate::library::format::{stars, Format};
use crate::library::playlist_tree::PlaylistFormat;
use crate::library::splice::{restore_attribute, set_attribute, Edit};
use crate::library::xml::{checked_text, root_name};
use crate::library::{Field, TrackEntry};
use fast_scan::fast_scan;
use scan::walk;

pub struct Rekordbox;

/// rekordbox's red: a DJ's own "do not touch" marker, so it is never recoloured.
pub const KEEP_COLOUR: &str = "0xFF0000";

/// A TRACK as rekordbox writes it takes at least this many bytes.
pub(crate) const MIN_TRACK_BYTES: usize = 300;

impl Format for Rekordbox {
    fn name(&self) -> &'static str {
        "rekordbox XML"
    }

    fn detect(&self, head: &[u8]) -> bool {
        root_name(head) == Some(b"DJ_PLAYLISTS")
    }

    /// Every TRACK directly inside COLLECTION (not those in playlists or XML comments), by the
    /// fast walk where it can, else by the full reader, which words every problem.
    fn scan(&self, bytes: Vec<u8>) -> Result<(String, Vec<TrackEntry>)> {
        checked_text(bytes, |bytes| match fast_scan(bytes) {
            Some(tracks) => Ok(tracks),
            None => walk(bytes),
        })
    }

    fn min_track_bytes(&self) -> usize {
        MIN_TRACK_BYTES
    }

    fn identity<'a>(&self, text: &'a str, entry: &TrackEntry) -> Option<Cow<'a, str>> {
        let location = text.get(entry.span(Field::Location)?.value())?;
        (!location.is_empty()).then_some(Cow::Borrowed(location))
    }

    fn playlists(&self) -> Option<&dyn PlaylistFormat> {
        Some(self)
    }

    fn writable(&self) -> &'static [Field] {
        &[Field::Genre, Field::Comments, Field::Colour, Field::Rating]
    }

    fn energy_value(&self, field: Field, energy: u8) -> Option<&'static str> {
        match field {
            Field::Colour => Some(colour_for(energy)),
            Field::Rating => Some(stars(energy)),
            _ => None,
        }
    }

    fn keeps(&self, field: Field, current: &str) -> bool {
        field == Field::Colour && current.eq_ignore_ascii_case(KEEP_COLOUR)
    }

    fn set(
        &self,
        _bytes: &[u8],
        entry: &TrackEntry,
        values: Vec<(Field, String)>,
        edits: &mut Vec<Edit>,
    ) {
        for (field, value) in values {
            if let Some(name) = entry::attribute(field) {
                edits.push(set_attribute(entry, field, name, value));
            }
        }
    }

    fn restore(
        &self,
        bytes: &[u8],
        entry: &TrackEntry,
        originals: &[(Field, Option<&[u8]>)],
        edits: &mut Vec<Edit>,
    ) {
        for &(field, original) in originals {
            edits.extend(restore_attribute(bytes, entry, field, original));
        }
    }
}

/// Track colours by energy, as rekordbox's colour menu names them (pink to aqua).
pub fn colour_for(energy: u8) -> &'static str {
    match energy {
        9.. => "0xFF007F",
        8 => "0xFFA500",
        6..=7 => "0xFFFF00",
        4..=5 => "0x00FF00",
        _ => "0x25FDE9",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_and_rating_by_energy() {
        let cases = [
            (10, "0xFF007F", "255"),
            (8, "0xFFA500", "204"),
            (6, "0xFFFF00", "153"),
        ];
        for (energy, colour, rating) in cases {
            assert_eq!((colour_for(energy), stars(energy)), (colour, rating));
        }
        assert_eq!((colour_for(4), stars(5)), ("0x00FF00", "102"));
        assert_eq!((colour_for(3), stars(1)), ("0x25FDE9", "51"));
    }

    #[test]
    fn every_field_is_found_by_its_attribute_name() {
        for field in Field::ALL {
            if let Some(name) = entry::attribute(field) {
                assert_eq!(entry::field_of(name.as_bytes()), Some(field));
            }
        }
        assert_eq!(entry::field_of(b"name"), None);
    }

    #[test]
    fn red_is_kept() {
        assert!(Rekordbox.keeps(Field::Colour, "0xff0000"));
        assert!(!Rekordbox.keeps(Field::Colour, "0xFF007F"));
        assert!(!Rekordbox.keeps(Field::Genre, KEEP_COLOUR));
    }
}
