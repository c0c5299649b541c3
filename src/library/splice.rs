//! Splices new attribute values into the original bytes.

use std::io::Write;
use std::ops::Range;

use crate::library::{Field, TrackEntry};

/// One replacement of a byte range of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub bytes: Vec<u8>,
}

/// The edit that gives `field`, held in the attribute `name`, the (unescaped) `value`: the value
/// is replaced in place, or a missing attribute is inserted where the track's entry says.
pub fn set_attribute(entry: &TrackEntry, field: Field, name: &str, value: String) -> Edit {
    match entry.span(field) {
        Some(span) => Edit {
            range: span.value(),
            bytes: escape(value).into_bytes(),
        },
        None => Edit {
            range: entry.insert_at()..entry.insert_at(),
            bytes: format!(" {name}=\"{}\"", escape(value)).into_bytes(),
        },
    }
}

/// Puts back an attribute's original raw bytes, or removes an attribute taggenius inserted.
pub fn restore_attribute(
    bytes: &[u8],
    entry: &TrackEntry,
    field: Field,
    original: Option<&[u8]>,
) -> Option<Edit> {
    let span = entry.span(field)?;
    match original {
        Some(raw) => Some(Edit {
            range: span.value(),
            bytes: raw.to_vec(),
        }),
        None => {
            let mut start = span.name_start();
            if start > 0 && bytes[start - 1].is_ascii_whitespace() {
                start -= 1;
            }
            Some(Edit {
                range: start..span.value().end + 1,
                bytes: Vec::new(),
            })
        }
    }
}

/// Escapes a value for a double- or single-quoted attribute. Characters XML 1.0 cannot carry
/// at all (most C0 controls, U+FFFE/U+FFFF) are dropped, whatever a model returned. A value
/// that needs no care is handed back as it is: nine in ten values a re-render writes are such,
/// and copying each one was a tenth of rendering.
pub fn escape(value: String) -> String {
    match first_needing_care(value.as_bytes()) {
        None => value,
        Some(from) => escape_from(&value, from),
    }
}

/// Where the first byte `escape` may have to replace or drop is. Every such byte is ASCII or
/// starts with 0xEF, so blocks of other bytes are passed whole: values can be megabytes long.
fn first_needing_care(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 16;
    let blocks = bytes.chunks_exact(BLOCK);
    let tail = blocks.len() * BLOCK;
    for (k, block) in blocks.enumerate() {
        // A fold without early exit over a fixed length is what the compiler vectorises.
        if block.iter().fold(false, |any, &b| any | needs_care(b)) {
            let start = k * BLOCK;
            return (start..start + BLOCK).find(|&i| needs_care(bytes[i]));
        }
    }
    (tail..bytes.len()).find(|&i| needs_care(bytes[i]))
}

/// Escapes `value`, whose first `from` bytes need no care.
fn escape_from(value: &str, from: usize) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len() + 8);
    let (mut copied, mut i) = (0, from);
    while i < bytes.len() {
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\t' => ("&#9;", 1),
            b'\n' => ("&#10;", 1),
            b'\r' => ("&#13;", 1),
            b if b < 0x20 => ("", 1),
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&value[copied..i]);
        out.push_str(replacement);
        i += len;
        copied = i;
    }
    out.push_str(&value[copied..]);
    out
}

/// A byte `escape` may have to replace or drop: a control, 0xEF, `"`, `&` or `'` (0x26, 0x27),
/// `<` or `>` (0x3C, 0x3E). Written with the pairs masked together: a test for each of the
/// seven was turned by the compiler into a bit table that does not vectorise, and ran at half
/// the speed.
fn needs_care(b: u8) -> bool {
    (b < 0x20) | (b == 0xEF) | (b == b'"') | ((b & 0xFE) == b'&') | ((b & 0xFD) == b'<')
}

/// Copies the input to `out` with edits applied, a track at a time, so that a whole library's
/// edits never have to be held at once.
pub struct Splicer<'a, W: Write> {
    input: &'a [u8],
    pos: usize,
    out: W,
}

impl<'a, W: Write> Splicer<'a, W> {
    pub fn new(input: &'a [u8], out: W) -> Self {
        Splicer { input, pos: 0, out }
    }

    /// Applies `edits`, which must lie after every edit applied so far and not overlap.
    pub fn apply(&mut self, edits: &mut [Edit]) -> std::io::Result<()> {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        for edit in edits.iter() {
            let Some(kept) = self
                .input
                .get(self.pos..edit.range.start)
                .filter(|_| edit.range.end <= self.input.len())
            else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("internal: overlapping edits at byte {}", edit.range.start),
                ));
            };
            self.out.write_all(kept)?;
            self.out.write_all(&edit.bytes)?;
            self.pos = edit.range.end;
        }
        Ok(())
    }

    /// Copies the rest of the input and hands back the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        self.out.write_all(rest)?;
        Ok(self.out)
    }
}

/// Copies `input[from..]` to `out` with `edits` applied: sorted, not overlapping, none before
/// `from`. Borrowed rather than taken: a playlist tree's edit can hold tens of megabytes.
pub fn splice_from(
    out: &mut impl Write,
    input: &[u8],
    from: usize,
    edits: &[Edit],
) -> std::io::Result<()> {
    let mut pos = from;
    for edit in edits {
        let kept = input.get(pos..edit.range.start).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("internal: overlapping edits at byte {}", edit.range.start),
            )
        })?;
        out.write_all(kept)?;
        out.write_all(&edit.bytes)?;
        pos = edit.range.end;
    }
    out.write_all(input.get(pos..).unwrap_or_default())
}

pub fn splice_into(out: &mut impl Write, input: &[u8], edits: &mut [Edit]) -> std::io::Result<()> {
    let mut splicer = Splicer::new(input, out);
    splicer.apply(edits)?;
    splicer.finish().map(|_| ())
}

pub fn splice(input: &[u8], edits: &mut [Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + edits.len() * 64);
    // A Vec takes every write; only overlapping edits, refused, would leave it cut short.
    let _ = splice_into(&mut out, input, edits);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::Library;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("R&B <\"x\"> 'y'".into()),
            "R&amp;B &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
        assert_eq!(escape("a\tb\nc\u{1}d\u{FFFF}".into()), "a&#9;b&#10;cd");
        assert_eq!(
            escape("\u{FFFE}été\u{FFEF}\u{EFBF}\u{FFFD}\r".into()),
            "été\u{FFEF}\u{EFBF}\u{FFFD}&#13;"
        );
    }

    #[test]
    fn escaping_is_the_same_wherever_a_character_falls_in_a_long_value() {
        let by_char = |value: &str| -> String {
            let one = |c: char| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&apos;".to_string(),
                '\t' => "&#9;".to_string(),
                '\n' => "&#10;".to_string(),
                '\r' => "&#13;".to_string(),
                '\u{FFFE}' | '\u{FFFF}' => String::new(),
                c if (c as u32) < 0x20 => String::new(),
                c => c.to_string(),
            };
            value.chars().map(one).collect()
        };
        let plain = "Deep House, Soulful / Late Night = ? % $ ( é ñ \u{FFEF}\u{EFBF} ".repeat(3);
        let specials = [
            "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\u{1}", "\u{FFFE}", "\u{FFFF}",
        ];
        for c in specials {
            for at in (0..=plain.len()).filter(|&i| plain.is_char_boundary(i)) {
                let mut value = plain.clone();
                value.insert_str(at, c);
                assert_eq!(escape(value.clone()), by_char(&value), "{c:?} at {at}");
            }
        }
        assert_eq!(escape(plain.clone()), plain);
    }

    #[test]
    fn replaces_and_inserts_then_restores() {
        let xml = "<DJ_PLAYLISTS><COLLECTION><TRACK Name=\"a\" Genre=\"Old\"\r\n   Kind=\"x\">\r\n</TRACK></COLLECTION></DJ_PLAYLISTS>";
        let lib = Library::parse("t", xml.as_bytes().to_vec()).unwrap();
        let entry = &lib.tracks[0];
        let mut edits = vec![
            set_attribute(entry, Field::Genre, "Genre", "House, R&B".into()),
            set_attribute(entry, Field::Comments, "Comments", "/* E: 05 */".into()),
        ];
        let out = splice(lib.bytes(), &mut edits);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.contains("Genre=\"House, R&amp;B\"\r\n   Kind=\"x\" Comments=\"/* E: 05 */\">"),
            "{text}"
        );
        let tagged = Library::parse("t", out).unwrap();
        let entry = &tagged.tracks[0];
        let mut undo: Vec<Edit> = [
            restore_attribute(tagged.bytes(), entry, Field::Genre, Some(b"Old")),
            restore_attribute(tagged.bytes(), entry, Field::Comments, None),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert_eq!(splice(tagged.bytes(), &mut undo), xml.as_bytes());
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let edit = |range: Range<usize>| Edit {
            range,
            bytes: b"x".to_vec(),
        };
        let mut out = Vec::new();
        let mut edits = [edit(1..3), edit(2..4)];
        assert!(splice_into(&mut out, b"abcdef", &mut edits).is_err());
        let mut edits = [edit(9..9)];
        assert!(splice_into(&mut out, b"abcdef", &mut edits).is_err());
        let mut edits = [edit(2..2), edit(2..2), edit(2..3)];
        assert_eq!(splice(b"abcdef", &mut edits), b"abxxxdef");
    }
}
