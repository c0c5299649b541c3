//! Where the nodes of a library's playlist tree lie: each NODE's name, its bytes, its parent,
//! and for a folder where its child count is written and where its children end. Only the
//! PLAYLISTS element is walked (a few kilobytes past the tracks), checked as the whole file was.

use std::ops::Range;

use anyhow::{anyhow, Result};

use crate::library::xml::checks::unescape_lossless;
use crate::library::xml::walk::{walk, Visitor};

/// How a format lays out its tree.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The attribute holding a node's name (`Name`, `NAME`).
    pub name: &'static [u8],
    /// The element holding a folder's children and their count: the NODE itself (rekordbox's
    /// `Count`) or a child of it (Traktor's `SUBNODES COUNT`).
    pub children_in: Option<&'static [u8]>,
    /// The attribute holding the count.
    pub count: &'static [u8],
}

/// One NODE of the tree.
#[derive(Debug, Clone, Default)]
pub struct NodeSpan {
    pub name: String,
    name_span: Option<Range<usize>>,
    /// From its `<` to just past its end.
    pub range: Range<usize>,
    pub depth: usize,
    pub parent: Option<usize>,
    /// The value of its child count, for a folder.
    pub count: Option<Range<usize>>,
    /// Where the end tag of the element holding its children starts; `None` when that element
    /// is empty (`<NODE … />`) or absent.
    pub children_end: Option<usize>,
    /// Where the element holding its children starts.
    pub children_start: Option<usize>,
    /// Just past the start tag of the element holding its children (past `/>` when empty).
    pub holder_tag_end: Option<usize>,
    /// Whether the element holding its children is empty (`<NODE … />`), and where it ends.
    pub holder_empty_end: Option<usize>,
    /// Its first attribute's name, which says how the file orders a node's attributes.
    pub first_attribute: Vec<u8>,
}

/// The PLAYLISTS element of `bytes` after `from` (past the last track), and its nodes, in
/// document order; `None` when the file has none.
pub fn tree(bytes: &[u8], from: usize, shape: Shape) -> Result<Option<(usize, Vec<NodeSpan>)>> {
    let rest = &bytes[from.min(bytes.len())..];
    let Some(open) = find_start_tag(rest, b"PLAYLISTS") else {
        return Ok(None);
    };
    let start = from + open;
    let close = b"</PLAYLISTS>";
    let end = memchr::memmem::rfind(bytes, close)
        .filter(|&at| at > start)
        .ok_or_else(|| anyhow!("the PLAYLISTS element has no end"))?
        + close.len();
    let mut nodes = Nodes {
        shape,
        base: start,
        nodes: Vec::new(),
        open: Vec::new(),
        reading: None,
    };
    walk(
        &bytes[start..end],
        b"PLAYLISTS",
        "playlist tree",
        &mut nodes,
    )
    .map_err(|e| anyhow!("cannot read the playlist tree: {e:#}"))?;
    for node in &mut nodes.nodes {
        let raw = node.name_span.clone().and_then(|span| bytes.get(span));
        node.name = raw.map_or_else(String::new, |raw| unescape_lossless(raw).into_owned());
    }
    Ok(Some((start, nodes.nodes)))
}

/// Where `<NAME` opens an element in `bytes`.
fn find_start_tag(bytes: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    let mut pattern = b"<".to_vec();
    pattern.extend_from_slice(name);
    while let Some(found) = memchr::memmem::find(&bytes[from..], &pattern) {
        let at = from + found;
        match bytes.get(at + pattern.len()) {
            Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') => return Some(at),
            _ => from = at + 1,
        }
    }
    None
}

struct Nodes {
    shape: Shape,
    base: usize,
    nodes: Vec<NodeSpan>,
    /// The open elements: a node's index, or `None` for another element (and whether it holds
    /// the children of the node it is in).
    open: Vec<(Option<usize>, bool)>,
    /// Whether the attributes now being read are a node's (`Some`) or its children holder's.
    reading: Option<(usize, bool)>,
}

impl Nodes {
    /// The node the innermost open element belongs to.
    fn innermost_node(&self) -> Option<usize> {
        self.open.iter().rev().find_map(|(node, _)| *node)
    }
}

impl Visitor for Nodes {
    fn open(&mut self, name: &[u8], _depth: usize, start: usize) -> Result<()> {
        let start = self.base + start;
        self.reading = None;
        if name == b"NODE" {
            let parent = self.innermost_node();
            let depth = parent.map_or(0, |p| self.nodes[p].depth + 1);
            self.nodes.push(NodeSpan {
                range: start..start,
                depth,
                parent,
                ..NodeSpan::default()
            });
            let index = self.nodes.len() - 1;
            let holds_children = self.shape.children_in.is_none();
            if holds_children {
                self.nodes[index].children_start = Some(start);
            }
            self.open.push((Some(index), holds_children));
            self.reading = Some((index, holds_children));
            return Ok(());
        }
        let holder = match (self.shape.children_in, self.open.last()) {
            (Some(holder), Some((Some(node), _))) if holder == name => Some(*node),
            _ => None,
        };
        if let Some(node) = holder {
            self.nodes[node].children_start = Some(start);
            self.reading = Some((node, true));
        }
        self.open.push((None, holder.is_some()));
        Ok(())
    }

    fn attribute(&mut self, key: &[u8], _name_start: usize, value: Range<usize>) -> Result<()> {
        let Some((index, holder)) = self.reading else {
            return Ok(());
        };
        let value = self.base + value.start..self.base + value.end;
        let shape = self.shape;
        let is_node_tag = self.open.last().is_some_and(|(n, _)| n.is_some());
        if is_node_tag && self.nodes[index].first_attribute.is_empty() {
            self.nodes[index].first_attribute = key.to_vec();
        }
        if is_node_tag && key == shape.name {
            self.nodes[index].name_span = Some(value.clone());
        }
        if holder && key == shape.count {
            self.nodes[index].count = Some(value);
        }
        Ok(())
    }

    fn opened(&mut self, _name_end: usize, _last_value_end: Option<usize>, tag_end: usize) {
        if let Some((node, true)) = self.reading {
            self.nodes[node].holder_tag_end = Some(self.base + tag_end);
        }
        self.reading = None;
    }

    fn close(&mut self, end_start: usize, after: usize) -> Result<()> {
        let (node, holder) = self.open.pop().unwrap_or((None, false));
        let empty = end_start == after;
        let owner = match node {
            Some(node) => Some(node),
            None if holder => self.innermost_node(),
            None => None,
        };
        if let (Some(owner), true) = (owner, holder) {
            match empty {
                true => self.nodes[owner].holder_empty_end = Some(self.base + after),
                false => self.nodes[owner].children_end = Some(self.base + end_start),
            }
        }
        if let Some(node) = node {
            self.nodes[node].range.end = self.base + after;
        }
        Ok(())
    }
}
