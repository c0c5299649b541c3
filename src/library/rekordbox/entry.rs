//! A rekordbox TRACK's attributes: their names, and where their values lie.

use std::num::NonZeroU32;

use anyhow::Result;

use crate::library::xml::attributes::{for_each_attribute, KnownNames, Tag};
use crate::library::{AttrSpan, Field, TrackEntry};

/// The TRACK attribute that holds each field; `None` for what rekordbox does not have.
pub fn attribute(field: Field) -> Option<&'static str> {
    Some(match field {
        Field::Title => "Name",
        Field::Artist => "Artist",
        Field::Genre => "Genre",
        Field::Year => "Year",
        Field::Bpm => "AverageBpm",
        Field::Key => "Tonality",
        Field::Label => "Label",
        Field::Comments => "Comments",
        Field::Colour => "Colour",
        Field::Rating => "Rating",
        Field::Location => "Location",
        Field::TrackId => "TrackID",
        Field::Length => "TotalTime",
        Field::Comment2 | Field::Folder | Field::Volume => return None,
    })
}

/// The field a TRACK attribute holds, if taggenius reads or writes it.
pub fn field_of(name: &[u8]) -> Option<Field> {
    // A match rather than a search: it runs for every attribute of every TRACK.
    Some(match name {
        b"Name" => Field::Title,
        b"Artist" => Field::Artist,
        b"Genre" => Field::Genre,
        b"Year" => Field::Year,
        b"AverageBpm" => Field::Bpm,
        b"Tonality" => Field::Key,
        b"Label" => Field::Label,
        b"Comments" => Field::Comments,
        b"Colour" => Field::Colour,
        b"Rating" => Field::Rating,
        b"Location" => Field::Location,
        b"TrackID" => Field::TrackId,
        b"TotalTime" => Field::Length,
        _ => return None,
    })
}

/// A TRACK's attribute spans, read as `for_each_attribute` reads them; with where they end.
pub fn track_entry<'a>(
    bytes: &'a [u8],
    tag: &Tag,
    known: &mut KnownNames<'a>,
) -> Result<(TrackEntry, usize)> {
    let offset =
        |at: usize| u32::try_from(at).map_err(|_| anyhow::anyhow!("the file is larger than 4 GiB"));
    let mut entry = TrackEntry::new(offset(tag.start + tag.name_len)?);
    let end = for_each_attribute(bytes, tag, known, |key, name_start, value| {
        // One past the closing quote.
        entry.insert_at = offset(value.end + 1)?;
        if let Some(field) = field_of(key) {
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
