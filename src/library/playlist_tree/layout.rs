//! Where new bytes go in the tree and how they are laid out: the file's line breaks and
//! indentation, a node's whole lines, the root's count, and opening an empty root.

use std::ops::Range;

use anyhow::{bail, Result};

use crate::library::playlist_tree::tree::Tree;
use crate::library::playlist_tree::xml::Style;
use crate::library::playlist_tree::PlaylistFormat;
use crate::library::splice::Edit;

/// The edits that write taggenius's folder, and which of them holds it, from which byte.
pub(super) struct Placement {
    pub(super) edits: Vec<Edit>,
    pub(super) folder: usize,
    pub(super) offset: usize,
}

impl Tree<'_> {
    /// The edit that puts `text` where taggenius's folder `index` stands.
    pub(super) fn replace(&self, index: usize, text: String) -> Placement {
        Placement {
            edits: vec![Edit {
                range: self.whole_lines(index),
                bytes: text.into_bytes(),
            }],
            folder: 0,
            offset: 0,
        }
    }

    /// The edits that add `text` as the root's last child.
    pub(super) fn append(&self, root: usize, text: String) -> Result<Placement> {
        let at = self.insert_point(root)?;
        let mut edits: Vec<Edit> = self.count_edit(root, 1).into_iter().collect();
        edits.push(Edit {
            range: at..at,
            bytes: text.into_bytes(),
        });
        Ok(Placement {
            folder: edits.len() - 1,
            edits,
            offset: 0,
        })
    }

    /// The edits that open the root's empty children holder (`<NODE … />`) around `text`.
    pub(super) fn expand(
        &self,
        root: usize,
        text: &str,
        format: &dyn PlaylistFormat,
    ) -> Result<Placement> {
        let node = &self.nodes[root];
        let end = node
            .holder_empty_end
            .filter(|&end| self.bytes.get(end.saturating_sub(2)..end) == Some(b"/>"))
            .ok_or_else(|| anyhow::anyhow!("its playlist tree's root cannot be opened"))?;
        let holder = holder_name(format);
        let holder_start = node.children_start.unwrap_or(node.range.start);
        let (opened, offset) = match (&self.style.indent, self.indentation(holder_start)) {
            (Some(_), Some(indent)) => {
                let newline = self.style.newline;
                (
                    format!(">{newline}{text}{indent}</{holder}>"),
                    1 + newline.len(),
                )
            }
            _ => (format!(">{text}</{holder}>"), 1),
        };
        let mut edits: Vec<Edit> = self.count_edit(root, 1).into_iter().collect();
        edits.push(Edit {
            range: end - 2..end,
            bytes: opened.into_bytes(),
        });
        Ok(Placement {
            folder: edits.len() - 1,
            edits,
            offset,
        })
    }

    /// The edit that makes the root's children holder an empty element again.
    pub(super) fn collapse(&self, root: usize) -> Option<Edit> {
        let node = &self.nodes[root];
        let tag_end = node.holder_tag_end?;
        let end_tag = node.children_end?;
        let end = end_tag + memchr::memchr(b'>', &self.bytes[end_tag..])? + 1;
        Some(Edit {
            range: tag_end - 1..end,
            bytes: b"/>".to_vec(),
        })
    }

    /// The node's bytes with its indentation and line break where it stands on lines of its own.
    pub(super) fn whole_lines(&self, index: usize) -> Range<usize> {
        let range = self.nodes[index].range.clone();
        let line_start = self.bytes[..range.start]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let indented = self.bytes[line_start..range.start]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t');
        let start = if indented { line_start } else { range.start };
        let end = match &self.bytes[range.end..] {
            [b'\r', b'\n', ..] => range.end + 2,
            [b'\n', ..] => range.end + 1,
            _ => range.end,
        };
        start..end
    }

    /// The layout of a child of `root`: the file's line breaks, and the indentation of the
    /// root's children (of `mine` where it stands) or of the root's end tag plus a step.
    pub(super) fn style_at(&self, root: usize, mine: Option<usize>) -> Style {
        let node = &self.nodes[root];
        let end = (node.children_end.or(node.children_start)).unwrap_or(node.range.start);
        let newline = match memchr::memchr(b'\n', &self.bytes[node.range.start..]) {
            Some(at) if at > 0 && self.bytes[node.range.start + at - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        // Traktor's own layout opens the children holder on the line of its NODE, and never
        // indents: then nothing is indented.
        let holder_alone = self
            .indentation(node.children_start.unwrap_or(node.range.start))
            .is_some();
        let (true, Some(end_indent)) = (holder_alone, self.indentation(end)) else {
            return Style {
                newline,
                indent: None,
            };
        };
        let step = self.step(root);
        let first_child = mine.or_else(|| self.children(root).next());
        let base = first_child
            .and_then(|c| self.indentation(self.nodes[c].range.start))
            .unwrap_or_else(|| format!("{end_indent}{step}"));
        Style {
            newline,
            indent: Some((base, step)),
        }
    }

    /// The white space before `at` on its line; `None` when something else comes first.
    pub(super) fn indentation(&self, at: usize) -> Option<String> {
        let line_start = self.bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let before = &self.bytes[line_start..at];
        before
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
            .then(|| String::from_utf8_lossy(before).into_owned())
    }

    /// One level of indentation: what the root's children holder adds to the root, or what the
    /// root adds to PLAYLISTS; two spaces where neither tells.
    pub(super) fn step(&self, root: usize) -> String {
        let node = &self.nodes[root];
        let indent = |at: usize| self.indentation(at).unwrap_or_default();
        let root_indent = indent(node.range.start);
        let holder = node.children_start.map(indent).unwrap_or_default();
        if let Some(step) = holder.strip_prefix(&root_indent).filter(|s| !s.is_empty()) {
            return step.to_string();
        }
        let playlists = self.bytes[..node.range.start]
            .iter()
            .rposition(|&b| b == b'<')
            .map(indent)
            .unwrap_or_default();
        match root_indent.strip_prefix(&playlists) {
            Some(step) if !step.is_empty() => step.to_string(),
            _ => "  ".to_string(),
        }
    }

    /// Where a new last child of `root` goes: at the start of its end tag's line when that line
    /// holds nothing before it, else just before the end tag.
    pub(super) fn insert_point(&self, root: usize) -> Result<usize> {
        let Some(end) = self.nodes[root].children_end else {
            bail!("its playlist tree's root is an empty element");
        };
        Ok(match self.indentation(end) {
            Some(indent) if self.style.indent.is_some() => end - indent.len(),
            _ => end,
        })
    }

    /// The edit that adds `by` to the root's child count; none where it has no count.
    pub(super) fn count_edit(&self, root: usize, by: i64) -> Option<Edit> {
        let span = self.nodes[root].count.clone()?;
        let count: i64 = std::str::from_utf8(&self.bytes[span.clone()])
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Some(Edit {
            range: span,
            bytes: (count + by).max(0).to_string().into_bytes(),
        })
    }
}

/// The element a format's folder holds its children in.
fn holder_name(format: &dyn PlaylistFormat) -> String {
    let name = format.shape().children_in.unwrap_or(b"NODE");
    String::from_utf8_lossy(name).into_owned()
}
