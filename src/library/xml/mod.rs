//! What every XML library format shares: the well-formedness checks and escaping rules, and the
//! attribute tokenizer.

pub(crate) mod attributes;
pub(crate) mod checks;
pub(crate) mod walk;

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
