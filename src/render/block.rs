//! The taggenius block in a comment: where it stands, and the user's own text around it.

use crate::render::look::Look;

/// Byte range of the taggenius block in a comment, with the white space before it, so that
/// removing it gives back the user's own text: a block of the default layout, or of a template
/// taggenius wrote with.
pub fn find_block(comment: &str, look: &Look) -> Option<std::ops::Range<usize>> {
    look.find_block(comment)
}

/// Where a block of the default layout stands. Only a block that starts `/* E: ` and a
/// two-digit energy is ours; rekordbox's My Tag blocks (`/* Dark */`) are the user's.
pub fn default_block(comment: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    // Found by its `/`: most comments have none, and a substring search costs more to set up
    // than this takes, for every track of a re-render.
    while let Some(found) = memchr::memchr(b'/', &comment.as_bytes()[from..]) {
        let start = from + found;
        if !comment.as_bytes()[start..].starts_with(b"/* E: ") {
            from = start + 1;
            continue;
        }
        let digits = comment.as_bytes().get(start + 6..start + 8);
        let inner = &comment[start + 2..];
        // Our block holds only vocabulary words, so an opening `/*` before the closing `*/`
        // means this is something else (a user's unclosed lookalike).
        let end = inner.find("*/").filter(|&e| !inner[..e].contains("/*"));
        if let (Some(d), Some(end)) = (digits, end) {
            if d.iter().all(u8::is_ascii_digit) {
                return Some(start..start + 2 + end + 2);
            }
        }
        from = start + 1;
    }
    None
}

/// The user's text before and after any taggenius block.
fn around_block<'c>(comment: &'c str, look: &Look) -> (&'c str, &'c str) {
    match find_block(comment, look) {
        Some(range) => (&comment[..range.start], &comment[range.end..]),
        None => (comment, ""),
    }
}

/// The user's comment with any taggenius block taken out.
pub fn user_comment(comment: &str, look: &Look) -> String {
    let (before, after) = around_block(comment, look);
    [before, after].concat()
}

/// The user's comment, then one taggenius block.
pub fn comment_with_block(current: &str, block: &str, look: &Look) -> String {
    let (before, after) = around_block(current, look);
    let mut comment = String::with_capacity(before.len() + after.len() + 1 + block.len());
    comment.push_str(before);
    comment.push_str(after);
    comment.truncate(comment.trim_end().len());
    if comment.trim_start().is_empty() {
        comment.clear();
    } else {
        comment.push(' ');
    }
    comment.push_str(block);
    comment
}
