//! The well-formedness rules quick-xml leaves to its caller, and the one-line, located error
//! messages a hostile file gets. taggenius splices into the bytes it is given, so a file it
//! accepts must be one the DJ software will read back: anything doubtful is refused here.

use std::borrow::Cow;

use anyhow::{anyhow, Context, Error, Result};

/// Longest piece of the file quoted in a message: names in garbage can be megabytes long.
const QUOTED: usize = 60;

/// 1-based line and column of a byte offset, for error messages.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// An error at a byte offset of the file.
pub fn at(bytes: &[u8], offset: usize, message: impl std::fmt::Display) -> Error {
    let (line, column) = line_column(bytes, offset);
    anyhow!("line {line}, column {column}: {message}")
}

/// A piece of the file as a message may quote it: lossy, on one line, cut short.
pub fn quoted(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out: String = text.chars().take(QUOTED).collect();
    if text.chars().nth(QUOTED).is_some() {
        out.push('…');
    }
    one_line(&out)
}

/// Messages go to stderr as one line: control characters a hostile file smuggled into a
/// quoted name are shown escaped.
pub fn one_line(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// The checks made on the raw bytes before parsing: a file that is not UTF-8 or that holds
/// characters XML 1.0 forbids is refused, with where.
pub fn check_text(bytes: &[u8]) -> Result<(), Error> {
    check_prelude(bytes)?;
    if let Err(e) = std::str::from_utf8(bytes) {
        let offset = e.valid_up_to();
        let byte = bytes.get(offset).copied().unwrap_or(0);
        return Err(at(
            bytes,
            offset,
            format!("byte 0x{byte:02X} is not UTF-8; this is not a UTF-8 XML library"),
        ));
    }
    check_characters(bytes)
}

/// An empty file, UTF-16, or another declared encoding.
fn check_prelude(bytes: &[u8]) -> Result<(), Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(anyhow!(
            "the file is empty; this is not a rekordbox XML library, a Traktor collection or a VirtualDJ database"
        ));
    }
    let utf16 = [&[0xFF, 0xFE][..], &[0xFE, 0xFF], b"<\0", b"\0<"];
    if utf16.iter().any(|start| bytes.starts_with(start)) {
        return Err(at(
            bytes,
            0,
            "the file is UTF-16; taggenius reads UTF-8 libraries (rekordbox exports UTF-8)",
        ));
    }
    if let Some((offset, encoding)) = declared_encoding(bytes) {
        if !encoding.eq_ignore_ascii_case("utf-8") && !encoding.eq_ignore_ascii_case("utf8") {
            return Err(at(
                bytes,
                offset,
                format!("the file declares encoding {encoding:?}; taggenius reads UTF-8 libraries (rekordbox exports UTF-8)"),
            ));
        }
    }
    Ok(())
}

/// The encoding named by the XML declaration, and where the declaration starts.
fn declared_encoding(bytes: &[u8]) -> Option<(usize, String)> {
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let rest = bytes.get(start..)?;
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    // The declaration is short; bounding the search keeps garbage from being scanned twice.
    let end = rest.iter().take(512).position(|&b| b == b'>')?;
    let decl = &rest[..end];
    let at_key = decl.windows(8).position(|w| w == b"encoding")?;
    let after = decl[at_key + 8..].trim_ascii_start().strip_prefix(b"=")?;
    let after = after.trim_ascii_start();
    let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &after[1..];
    let len = value.iter().position(|&b| b == quote)?;
    Some((start, String::from_utf8_lossy(&value[..len]).into_owned()))
}

/// XML 1.0 allows no C0 control but tab, line feed and carriage return, and not U+FFFE or
/// U+FFFF, anywhere in a document; quick-xml does not check.
fn check_characters(bytes: &[u8]) -> Result<(), Error> {
    let Some(first) = first_forbidden(bytes) else {
        return Ok(());
    };
    let c = std::str::from_utf8(&bytes[first..])
        .ok()
        .and_then(|s| s.chars().next())
        .unwrap_or('\u{FFFD}');
    Err(at(
        bytes,
        first,
        format!("character U+{:04X} is not allowed in XML 1.0", u32::from(c)),
    ))
}

/// Where the first forbidden character starts. Libraries run to hundreds of megabytes, so they
/// are tested 64 bytes at a time, in vector registers, for a control character other than tab,
/// line feed and carriage return, or an 0xEF (the lead byte of U+FFFE and U+FFFF); only a block
/// holding one is looked at byte by byte.
fn first_forbidden(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    let forbidden_at = |i: usize| match bytes[i] {
        b'\t' | b'\n' | b'\r' => false,
        b if b < 0x20 => true,
        0xEF => matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
        _ => false,
    };
    let suspect = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') | (b == 0xEF);
    let blocks = bytes.chunks_exact(BLOCK);
    let tail = blocks.len() * BLOCK;
    for (k, block) in blocks.enumerate() {
        // A fold without early exit over a fixed length is what the compiler vectorises.
        if block.iter().fold(false, |any, &b| any | suspect(b)) {
            let start = k * BLOCK;
            if let Some(i) = (start..start + BLOCK).find(|&i| forbidden_at(i)) {
                return Some(i);
            }
        }
    }
    (tail..bytes.len()).find(|&i| forbidden_at(i))
}

/// An element or attribute name: quick-xml takes any run of bytes up to white space, `/` or
/// `>` for one, so `<<` or `</a<b` would pass as a name.
pub fn check_name(name: &[u8]) -> Result<(), String> {
    // The common case, letters only (TrackID, AverageBpm), needs no closer look.
    if !name.is_empty() && name.iter().all(u8::is_ascii_alphabetic) {
        return Ok(());
    }
    let bad_start = match name.first() {
        None => true,
        Some(b) => b.is_ascii_digit() || matches!(b, b'-' | b'.'),
    };
    let bad_byte = name.iter().any(|&b| {
        b.is_ascii_whitespace()
            || (b.is_ascii_punctuation() && !matches!(b, b'_' | b':' | b'-' | b'.'))
    });
    if bad_start || bad_byte {
        return Err(format!("{:?} is not an XML name", quoted(name)));
    }
    Ok(())
}

/// A reference `&NAME;`, in an attribute or in text. Entities a DOCTYPE declares are refused,
/// never expanded: rekordbox never writes them, and expanding them is how "billion laughs"
/// files exhaust memory.
pub fn check_reference(name: &[u8]) -> Result<(), String> {
    if resolve_reference(name).is_some() {
        return Ok(());
    }
    if name.starts_with(b"#") {
        return Err(format!(
            "character reference &{}; names a character XML 1.0 does not allow",
            quoted(name)
        ));
    }
    Err(format!(
        "unknown entity &{}; (taggenius does not expand entities a DOCTYPE declares; rekordbox never writes them)",
        quoted(name)
    ))
}

/// The character `&NAME;` stands for, when XML 1.0 defines it without a DTD.
pub fn resolve_reference(name: &[u8]) -> Option<char> {
    let code = match name {
        b"amp" => return Some('&'),
        b"lt" => return Some('<'),
        b"gt" => return Some('>'),
        b"quot" => return Some('"'),
        b"apos" => return Some('\''),
        // `from_str_radix` would also take a sign; XML takes digits only.
        [b'#', b'x', hex @ ..] if !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit) => {
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
        }
        [b'#', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(digits).ok()?.parse().ok()?
        }
        _ => return None,
    };
    char::from_u32(code).filter(|&c| is_xml_char(c))
}

/// Resolves the predefined entities and character references. The reader has checked every
/// value it hands out, so on parsed input nothing is left unresolved; elsewhere a reference
/// XML does not know is kept as written. Large values are common (lyrics in Comments), so
/// this leans on `str::find` rather than a byte loop.
pub fn unescape_lossless(raw: &[u8]) -> Cow<'_, str> {
    match utf8(raw) {
        Cow::Borrowed(text) => unescape(text),
        Cow::Owned(text) => Cow::Owned(unescape(&text).into_owned()),
    }
}

/// `unescape_lossless` for text already known to be UTF-8.
pub fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp + 1..];
        // A reference is short; bounding the search keeps a run of bare `&` linear.
        let end = rest.bytes().take(64).position(|b| b == b';');
        match end.and_then(|end| Some((end, resolve_reference(&rest.as_bytes()[..end])?))) {
            Some((end, c)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The Char production of XML 1.0.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Where `part`, a slice borrowed from `whole`, starts within it. quick-xml borrows every
/// event from a slice input; a copy would put a splice in the wrong place, so it is an error.
/// The text of `raw`, borrowed when it is valid UTF-8 (always, once `check_text` passed);
/// `from_utf8_lossy` takes about twice as long to find that out.
pub fn utf8(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

pub fn offset_in(whole: &[u8], part: &[u8]) -> Result<usize> {
    (part.as_ptr() as usize)
        .checked_sub(whole.as_ptr() as usize)
        .filter(|offset| offset + part.len() <= whole.len())
        .context("internal: the XML reader copied a piece of the input")
}

/// What is wrong with a rekordbox library's root element, if anything. A file is read as
/// rekordbox XML when no format recognises it, so the message names every format.
pub fn root_problem(name: &[u8]) -> Option<String> {
    (name != b"DJ_PLAYLISTS").then(|| {
        format!(
            "the root element is <{}>, not <DJ_PLAYLISTS>; this is not a rekordbox XML library, \
             a Traktor collection (<NML>) or a VirtualDJ database (<VirtualDJ_Database>)",
            quoted(name)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::xml::attributes::check_attribute_value;

    #[test]
    fn references() {
        for ok in ["amp", "#9", "#x10FFFF", "#233", "#xE9"] {
            assert!(check_reference(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            "lol",
            "#1",
            "#x",
            "#",
            "#+65",
            "#xFFFE",
            "#xD800",
            "#99999999999",
            "#X41",
        ] {
            assert!(check_reference(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(check_attribute_value(b"a &amp; b &#233;"), Ok(()));
        assert_eq!(check_attribute_value(b"a & b").unwrap_err().0, 2);
        assert_eq!(check_attribute_value(b"a &amp;<").unwrap_err().0, 7);
        assert_eq!(
            unescape_lossless(b"R&amp;B &#233;&#x45; &lt;3"),
            "R&B éE <3"
        );
        assert_eq!(
            unescape_lossless(b"a & b &lol; &#1; c"),
            "a & b &lol; &#1; c"
        );
    }

    #[test]
    fn encodings_and_characters() {
        assert!(check_text(b"<?xml version='1.0' encoding = 'utf-8'?><a/>").is_ok());
        let latin = check_text(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>\xE9</a>");
        assert!(latin.unwrap_err().to_string().contains("\"ISO-8859-1\""));
        let nul = check_text(b"<a>\n x\0</a>").unwrap_err().to_string();
        assert_eq!(
            nul,
            "line 2, column 3: character U+0000 is not allowed in XML 1.0"
        );
        for (i, c) in ["\u{1}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"]
            .iter()
            .enumerate()
        {
            let xml = format!("<a>{}{c}\u{FFFD}\u{E000}</a>", "\té".repeat(i * 3));
            let err = check_text(xml.as_bytes()).unwrap_err().to_string();
            assert!(err.starts_with("line 1, column "), "{err}");
        }
        assert!(check_text("<a>\t\r\n\u{FFFD}\u{FFEF}\u{EFBF}\u{7F} éèà</a>".as_bytes()).is_ok());
        let ffff = check_text("<a>\u{FFFF}</a>".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(ffff.contains("U+FFFF"), "{ffff}");
        assert_eq!(one_line("a\nb"), "a\\nb");
    }
    #[test]
    fn a_forbidden_character_is_found_wherever_it_falls() {
        // Several 64-byte blocks, with every allowed neighbour of a forbidden byte.
        let clean = "<a>\tx\r\n\u{FFFD}\u{FFEF}\u{EFBF}é</a>".repeat(12);
        assert_eq!(first_forbidden(clean.as_bytes()), None);
        for c in ["\u{1}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"] {
            for at in (0..=clean.len()).filter(|&i| clean.is_char_boundary(i)) {
                let mut doc = clean.clone();
                doc.insert_str(at, c);
                assert_eq!(first_forbidden(doc.as_bytes()), Some(at), "{c:?} at {at}");
            }
        }
    }
}
