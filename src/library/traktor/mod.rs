//! Traktor's collection.nml (NML 19 and 20: Traktor Pro 2, 3 and 4): each COLLECTION ENTRY
//! holds its title and artist, a LOCATION (the track's identity: VOLUME + DIR + FILE) and an
//! INFO element whose attributes taggenius writes. INFO may be missing, and is then inserted
//! where Traktor puts it, in the style of its neighbours.

mod playlist_tree;
mod scan;

use std::borrow::Cow;

use anyhow::Result;

use crate::library::format::{stars, Format};
use crate::library::playlist_tree::PlaylistFormat;
use crate::library::splice::{escape, restore_attribute, Edit};
use crate::library::xml::{after_previous_element, checked_text, root_name, sibling_line};
use crate::library::{Field, TrackEntry};

pub struct Traktor;

/// An ENTRY with its LOCATION, as the smallest converted collections have it, takes at least
/// this many bytes.
const MIN_ENTRY_BYTES: usize = 200;

/// Traktor's red: the DJ's own marker, never recoloured.
const KEEP_COLOUR: &str = "1";

impl Format for Traktor {
    fn name(&self) -> &'static str {
        "Traktor NML"
    }

    fn detect(&self, head: &[u8]) -> bool {
        root_name(head) == Some(b"NML")
    }

    fn scan(&self, bytes: Vec<u8>) -> Result<(String, Vec<TrackEntry>)> {
        checked_text(bytes, scan::entries)
    }

    fn min_track_bytes(&self) -> usize {
        MIN_ENTRY_BYTES
    }

    fn identity<'a>(&self, text: &'a str, entry: &TrackEntry) -> Option<Cow<'a, str>> {
        // LOCATION's VOLUME, DIR and FILE, Traktor's own key for the track, taken as the one
        // stretch of the file that holds the three values: borrowed, where a string of its own
        // for each of 50,000 tracks took 8 MB.
        let spans = [Field::Volume, Field::Folder, Field::Location].map(|f| entry.span(f));
        let file = spans[2].filter(|s| !s.value().is_empty())?;
        let start = spans.iter().flatten().map(|s| s.value().start).min()?;
        let end = spans.iter().flatten().map(|s| s.value().end).max()?;
        text.get(start..end.max(file.value().end))
            .map(Cow::Borrowed)
    }

    fn playlists(&self) -> Option<&dyn PlaylistFormat> {
        Some(self)
    }

    fn writable(&self) -> &'static [Field] {
        &[
            Field::Genre,
            Field::Comments,
            Field::Comment2,
            Field::Colour,
            Field::Rating,
        ]
    }

    fn energy_value(&self, field: Field, energy: u8) -> Option<&'static str> {
        match field {
            Field::Colour => Some(colour_for(energy)),
            Field::Rating => Some(stars(energy)),
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
        let mut missing = String::new();
        for (field, value) in values {
            let Some(name) = info_attribute(field) else {
                continue;
            };
            match entry.span(field) {
                Some(span) => edits.push(Edit {
                    range: span.value(),
                    bytes: traktor_escape(value).into_bytes(),
                }),
                None => missing.push_str(&format!(" {name}=\"{}\"", traktor_escape(value))),
            }
        }
        if missing.is_empty() {
            return;
        }
        let at = entry.insert_at();
        let bytes_out = if at > 0 && bytes.get(at - 1) == Some(&b'>') {
            new_info(bytes, at, &missing)
        } else {
            missing
        };
        edits.push(Edit {
            range: at..at,
            bytes: bytes_out.into_bytes(),
        });
    }

    fn restore(
        &self,
        bytes: &[u8],
        entry: &TrackEntry,
        originals: &[(Field, Option<&[u8]>)],
        edits: &mut Vec<Edit>,
    ) {
        let mut removed = Vec::new();
        for &(field, original) in originals {
            let Some(edit) = restore_attribute(bytes, entry, field, original) else {
                continue;
            };
            if original.is_none() {
                removed.push(edit);
            } else {
                edits.push(edit);
            }
        }
        match inserted_info(bytes, &removed) {
            Some(element) => edits.push(Edit {
                range: element,
                bytes: Vec::new(),
            }),
            None => edits.append(&mut removed),
        }
    }
}

/// The INFO attribute that holds a field taggenius reads there.
fn info_attribute(field: Field) -> Option<&'static str> {
    Some(match field {
        Field::Genre => "GENRE",
        Field::Comments => "COMMENT",
        // Traktor's "Comment 2".
        Field::Comment2 => "RATING",
        Field::Colour => "COLOR",
        Field::Rating => "RANKING",
        Field::Key => "KEY",
        Field::Label => "LABEL",
        Field::Year => "RELEASE_DATE",
        _ => return None,
    })
}

/// The field an INFO attribute holds.
fn info_field(key: &[u8]) -> Option<Field> {
    Some(match key {
        b"GENRE" => Field::Genre,
        b"COMMENT" => Field::Comments,
        b"RATING" => Field::Comment2,
        b"COLOR" => Field::Colour,
        b"RANKING" => Field::Rating,
        b"KEY" => Field::Key,
        b"LABEL" => Field::Label,
        b"RELEASE_DATE" => Field::Year,
        b"PLAYTIME" => Field::Length,
        _ => return None,
    })
}

/// Colour index by energy: 9-10 violet (7), 8 orange (2), 6-7 yellow (3), 4-5 green (4),
/// 1-3 blue (5); red (1) is the DJ's.
fn colour_for(energy: u8) -> &'static str {
    match energy {
        9.. => "7",
        8 => "2",
        6..=7 => "3",
        4..=5 => "4",
        _ => "5",
    }
}

/// Escaped as Traktor escapes: `&`, `"` and `<` (and what XML cannot hold raw); `'` and `>`
/// stay as they are.
pub(crate) fn traktor_escape(value: String) -> String {
    let escaped = escape(value);
    if escaped.contains("&apos;") || escaped.contains("&gt;") {
        // `escape` writes these two only for `'` and `>`; a literal "&apos;" in a value is
        // written "&amp;apos;", which does not contain them.
        escaped.replace("&apos;", "'").replace("&gt;", ">")
    } else {
        escaped
    }
}

/// A new INFO element with these attributes, to go at `at`, just after the element before it:
/// on a line of its own with that element's indentation, closed as that element is closed.
fn new_info(bytes: &[u8], at: usize, attributes: &str) -> String {
    let (newline, indent) = sibling_line(bytes, at);
    let self_closing = at >= 2 && bytes[at - 2] == b'/';
    let close = if self_closing { "/>" } else { "></INFO>" };
    format!("{newline}{indent}<INFO{attributes}{close}")
}

/// Where the removals leave an INFO element without attributes, the whole element as taggenius
/// inserted it (from just after the element before it), to be removed instead.
fn inserted_info(bytes: &[u8], removed: &[Edit]) -> Option<std::ops::Range<usize>> {
    let mut ranges: Vec<_> = removed.iter().map(|e| e.range.clone()).collect();
    ranges.sort_by_key(|r| r.start);
    let (first, last) = (ranges.first()?.start, ranges.last()?.end);
    let open = memchr::memmem::rfind(&bytes[..first], b"<INFO")?;
    let blank = |gap: std::ops::Range<usize>| {
        bytes
            .get(gap)
            .is_some_and(|g| g.iter().all(u8::is_ascii_whitespace))
    };
    // Nothing but the removed attributes and white space between `<INFO` and the tag's end.
    let mut from = open + "<INFO".len();
    for range in &ranges {
        if !blank(from..range.start) {
            return None;
        }
        from = range.end;
    }
    let rest = &bytes[last..];
    let gap = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let close_len = [&b"/>"[..], b"></INFO>"]
        .iter()
        .find(|close| rest[gap..].starts_with(close))?
        .len();
    Some(after_previous_element(bytes, open)?..last + gap + close_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traktor_escapes_as_traktor_does() {
        assert_eq!(traktor_escape("a'b>c".into()), "a'b>c");
        assert_eq!(
            traktor_escape("R&B \"x\" <y>".into()),
            "R&amp;B &quot;x&quot; &lt;y>"
        );
        assert_eq!(traktor_escape("&apos;".into()), "&amp;apos;");
        assert_eq!(traktor_escape("tab\there".into()), "tab&#9;here");
    }

    #[test]
    fn colours_by_energy_and_red_is_kept() {
        let colours: Vec<&str> = (1..=10).map(colour_for).collect();
        assert_eq!(colours, ["5", "5", "5", "4", "4", "3", "3", "2", "7", "7"]);
        assert!(Traktor.keeps(Field::Colour, "1"));
        assert!(!Traktor.keeps(Field::Colour, "2"));
    }
}
