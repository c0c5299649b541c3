//! What every XML library format shares: the well-formedness checks and escaping rules, and the
//! attribute tokenizer.

pub(crate) mod attributes;
pub(crate) mod checks;
pub(crate) mod walk;

use anyhow::{bail, Result};

use crate::library::TrackEntry;

/// The file as text and its tracks, as `find_tracks` finds them. The encoding and character
/// checks and the walk are independent, so they use both cores; a problem with the characters
/// is reported first, as it explains any structural one.
pub fn checked_text(
    bytes: Vec<u8>,
    find_tracks: impl FnOnce(&[u8]) -> Result<Vec<TrackEntry>>,
) -> Result<(String, Vec<TrackEntry>)> {
    let tracks = std::thread::scope(|s| {
        let characters = s.spawn(|| checks::check_text(&bytes));
        let walked = find_tracks(&bytes);
        match characters.join() {
            Ok(Ok(())) => walked,
            Ok(Err(e)) => Err(e),
            Err(_) => bail!("internal error: the character check failed"),
        }
    })?;
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    // SAFETY: `check_text` returned Ok, which it does only after `std::str::from_utf8` accepted
    // these very bytes; they are owned here and were only ever borrowed immutably since.
    // Checking them a second time cost 7 ms of a 50 MB library, on one core, with the other idle.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok((text, tracks))
}

/// The line ending and indentation an element inserted at `at`, just after the element before
/// it, takes to stand on a line of its own as that element does: the ending that follows `at`
/// and the indentation of the line `at` is on; neither where the next element shares the line.
pub fn sibling_line(bytes: &[u8], at: usize) -> (&'static str, String) {
    let newline = match bytes.get(at..at + 2) {
        Some(b"\r\n") => "\r\n",
        Some([b'\n', ..]) => "\n",
        _ => return ("", String::new()),
    };
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let indent = bytes[line_start..at]
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .map(|&b| b as char)
        .collect();
    (newline, indent)
}

/// Where an element starting at `start` was inserted, if only white space stands between it and
/// the end of the element before it: just past that end.
pub fn after_previous_element(bytes: &[u8], start: usize) -> Option<usize> {
    let before = bytes[..start].iter().rposition(|&b| b == b'>')? + 1;
    bytes[before..start]
        .iter()
        .all(u8::is_ascii_whitespace)
        .then_some(before)
}

/// The name of the first element in `head`, past a byte order mark, the XML declaration,
/// comments, processing instructions and a DOCTYPE; `None` if `head` ends first.
pub fn root_name(head: &[u8]) -> Option<&[u8]> {
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = rest.trim_ascii_start();
        let skip_to =
            |end: &[u8], rest: &[u8]| memchr::memmem::find(rest, end).map(|at| at + end.len());
        let skipped = if rest.starts_with(b"<?") {
            skip_to(b"?>", rest)?
        } else if rest.starts_with(b"<!--") {
            skip_to(b"-->", rest)?
        } else if rest.starts_with(b"<!") {
            skip_to(b">", rest)?
        } else {
            let name = rest.strip_prefix(b"<")?;
            let end = name
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))?;
            return Some(&name[..end]);
        };
        rest = &rest[skipped..];
    }
}

#[cfg(test)]
mod tests {
    use super::root_name;

    #[test]
    fn the_root_is_found_past_what_may_precede_it() {
        let head = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<!-- a -->\n<!DOCTYPE x>\n<NML VERSION=\"19\">";
        assert_eq!(root_name(head), Some(&b"NML"[..]));
        assert_eq!(root_name(b"<DJ_PLAYLISTS>"), Some(&b"DJ_PLAYLISTS"[..]));
        assert_eq!(
            root_name(b"<VirtualDJ_Database Version=\"8\"/>"),
            Some(&b"VirtualDJ_Database"[..])
        );
        assert_eq!(root_name(b"<?xml version=\"1.0\"?><DJ_PLAY"), None);
        assert_eq!(root_name(b"plain text"), None);
    }
}
