//! VirtualDJ 8's database.xml: each Song holds its FilePath (the track's identity), a Tags
//! element (artist, title, genre, stars…), an Infos element (colour…) and, on many songs, a
//! Comment element whose text is the comment. A Comment is inserted where VirtualDJ puts it,
//! in the style of its siblings.

mod scan;

use std::borrow::Cow;
use std::ops::Range;

use anyhow::Result;

use crate::library::format::Format;
use crate::library::splice::{escape, restore_attribute, Edit};
use crate::library::xml::{after_previous_element, checked_text, root_name, sibling_line};
use crate::library::{Field, TrackEntry};

pub struct VirtualDj;

/// A Song with its Tags and Infos takes at least this many bytes.
const MIN_SONG_BYTES: usize = 150;

/// Red, 0xFFFF0000 as VirtualDJ writes a colour: the DJ's own marker, never recoloured.
const KEEP_COLOUR: &str = "4294901760";

impl Format for VirtualDj {
    fn name(&self) -> &'static str {
        "VirtualDJ database"
    }

    fn detect(&self, head: &[u8]) -> bool {
        root_name(head) == Some(b"VirtualDJ_Database")
    }

    fn scan(&self, bytes: Vec<u8>) -> Result<(String, Vec<TrackEntry>)> {
        checked_text(bytes, scan::songs)
    }

    fn min_track_bytes(&self) -> usize {
        MIN_SONG_BYTES
    }

    fn identity<'a>(&self, text: &'a str, entry: &TrackEntry) -> Option<Cow<'a, str>> {
        let path = text.get(entry.span(Field::Location)?.value())?;
        if path.is_empty() {
            return None;
        }
        // Windows paths name the same file in any case.
        let windows = path.as_bytes().get(1) == Some(&b':') || path.starts_with("\\\\");
        Some(if windows {
            Cow::Owned(path.to_lowercase())
        } else {
            Cow::Borrowed(path)
        })
    }

    fn beats_per_minute(&self, stored: f64) -> f64 {
        // Seconds per beat: 0.645161 is 93 BPM. A value a tool wrote as BPM is kept.
        if stored < 10.0 {
            60.0 / stored
        } else {
            stored
        }
    }

    fn writable(&self) -> &'static [Field] {
        &[Field::Genre, Field::Comments, Field::Colour, Field::Rating]
    }

    fn energy_value(&self, field: Field, energy: u8) -> Option<&'static str> {
        match field {
            Field::Colour => Some(colour_for(energy)),
            Field::Rating => Some(stars_for(energy)),
            _ => None,
        }
    }

    fn keeps(&self, field: Field, current: &str) -> bool {
        field == Field::Colour && current.trim() == KEEP_COLOUR
    }

    fn set(
        &self,
        bytes: &[u8],
        entry: &TrackEntry,
        values: Vec<(Field, String)>,
        edits: &mut Vec<Edit>,
    ) {
        for (field, value) in values {
            let escaped = escape(value);
            if let Some(span) = entry.span(field) {
                edits.push(Edit {
                    range: span.value(),
                    bytes: escaped.into_bytes(),
                });
                continue;
            }
            let (at, text) = match field {
                Field::Comments => match entry.more_insert(2) {
                    Some(at) => (at, new_comment(bytes, at, &escaped)),
                    None => continue,
                },
                Field::Colour => match entry.more_insert(1) {
                    Some(at) => (at, format!(" UserColor=\"{escaped}\"")),
                    None => continue,
                },
                _ => match (tags_attribute(field), entry.insert_at()) {
                    (Some(name), at) if at > 0 => (at, format!(" {name}=\"{escaped}\"")),
                    _ => continue,
                },
            };
            edits.push(Edit {
                range: at..at,
                bytes: text.into_bytes(),
            });
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
            let edit = match (field, original) {
                (Field::Comments, None) => entry
                    .span(field)
                    .and_then(|span| inserted_comment(bytes, span.name_start(), span.value()))
                    .map(|range| Edit {
                        range,
                        bytes: Vec::new(),
                    }),
                _ => restore_attribute(bytes, entry, field, original),
            };
            edits.extend(edit);
        }
    }
}

/// The field a Tags attribute holds.
fn tags_field(key: &[u8]) -> Option<Field> {
    Some(match key {
        b"Author" => Field::Artist,
        b"Title" => Field::Title,
        b"Genre" => Field::Genre,
        b"Year" => Field::Year,
        b"Bpm" => Field::Bpm,
        b"Key" => Field::Key,
        b"Label" => Field::Label,
        b"Stars" => Field::Rating,
        _ => return None,
    })
}

/// The Tags attribute that holds a field taggenius writes there.
fn tags_attribute(field: Field) -> Option<&'static str> {
    match field {
        Field::Genre => Some("Genre"),
        Field::Rating => Some("Stars"),
        _ => None,
    }
}

/// UserColor by energy, as VirtualDJ writes a colour (ARGB in decimal): 9-10 pink 0xFFFF007F,
/// 8 orange 0xFFFFA500, 6-7 yellow 0xFFFFFF00, 4-5 green 0xFF00FF00, 1-3 aqua 0xFF25FDE9.
fn colour_for(energy: u8) -> &'static str {
    match energy {
        9.. => "4294901887",
        8 => "4294944000",
        6..=7 => "4294967040",
        4..=5 => "4278255360",
        _ => "4280679913",
    }
}

/// Stars (1-5) by energy.
fn stars_for(energy: u8) -> &'static str {
    match energy {
        9.. => "5",
        8 => "4",
        6..=7 => "3",
        4..=5 => "2",
        _ => "1",
    }
}

/// A Comment element holding `escaped`, to go at `at`, just after the sibling before it: on a
/// line of its own with that sibling's indentation and line ending.
fn new_comment(bytes: &[u8], at: usize, escaped: &str) -> String {
    let (newline, indent) = sibling_line(bytes, at);
    format!("{newline}{indent}<Comment>{escaped}</Comment>")
}

/// The Comment element starting at `start` with its text at `text`, as taggenius inserted it:
/// from just after the sibling before it to the end of `</Comment>`.
fn inserted_comment(bytes: &[u8], start: usize, text: Range<usize>) -> Option<Range<usize>> {
    const END: &[u8] = b"</Comment>";
    bytes.get(text.end..)?.starts_with(END).then_some(())?;
    Some(after_previous_element(bytes, start)?..text.end + END.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_argb_in_decimal() {
        let argb = |n: &str| n.parse::<u32>().map(|v| format!("{v:08X}"));
        let colours: Vec<String> = [10, 8, 6, 4, 1]
            .iter()
            .map(|e| argb(colour_for(*e)).unwrap())
            .collect();
        assert_eq!(
            colours,
            ["FFFF007F", "FFFFA500", "FFFFFF00", "FF00FF00", "FF25FDE9"]
        );
        assert_eq!(argb(KEEP_COLOUR).unwrap(), "FFFF0000");
        assert!(VirtualDj.keeps(Field::Colour, "4294901760"));
    }

    #[test]
    fn bpm_is_kept_as_seconds_per_beat() {
        let bpm = VirtualDj.beats_per_minute(0.645161);
        assert!((bpm - 93.0).abs() < 0.01, "{bpm}");
        assert_eq!(VirtualDj.beats_per_minute(128.0), 128.0);
    }

    #[test]
    fn stars_by_energy() {
        let stars: Vec<&str> = (1..=10).map(stars_for).collect();
        assert_eq!(stars, ["1", "1", "1", "2", "2", "3", "3", "4", "5", "5"]);
    }
}
