//! The `taggenius` folder in a library's own playlist tree (rekordbox, Traktor): written as the
//! last child of the tree's root, replaced on each run, removed by `clear`, and every other
//! byte of the tree left alone. A folder is known as taggenius's by its bytes, whose digest
//! the cache keeps for every folder written; a folder of the user's that happens to share
//! the name is left alone.

pub mod scan;
pub mod xml;

use std::ops::Range;

use anyhow::{bail, Result};

use crate::library::writer::Edit;
use crate::library::{Library, TrackEntry};
use scan::{NodeSpan, Shape};
use xml::{Style, Xml};

/// The name of the folder taggenius writes its playlists into.
pub const FOLDER: &str = "taggenius";
/// The folder `find --playlist` writes its playlists into, inside [`FOLDER`].
pub const QUERIES: &str = "Queries";

/// A folder or a playlist of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Folder {
        name: String,
        children: Vec<Node>,
    },
    /// Its tracks by index in the library, in playing order.
    Playlist {
        name: String,
        tracks: Vec<usize>,
    },
}

impl Node {
    pub fn name(&self) -> &str {
        match self {
            Node::Folder { name, .. } | Node::Playlist { name, .. } => name,
        }
    }

    /// Every playlist under this node with its path of names from this node down ("Energy/8").
    pub fn playlists(&self) -> Vec<(Vec<&str>, &[usize])> {
        let mut found = Vec::new();
        self.collect(&mut Vec::new(), &mut found);
        found
    }

    fn collect<'a>(
        &'a self,
        path: &mut Vec<&'a str>,
        found: &mut Vec<(Vec<&'a str>, &'a [usize])>,
    ) {
        path.push(self.name());
        match self {
            Node::Playlist { tracks, .. } => found.push((path.clone(), tracks)),
            Node::Folder { children, .. } => {
                children.iter().for_each(|child| child.collect(path, found));
            }
        }
        path.pop();
    }
}

/// How a format writes playlists into its file.
pub trait PlaylistFormat: Sync {
    fn shape(&self) -> Shape;
    /// How a playlist entry names the track, escaped for the file; `None` where it cannot.
    fn entry_key(&self, bytes: &[u8], entry: &TrackEntry) -> Option<String>;
    /// A folder of `children`; `name_first` when the file writes a node's name first.
    fn folder(&self, name: &str, children: Vec<Xml>, name_first: bool) -> Xml;
    /// A playlist of the tracks `keys` name; `path` is its names from the tree's root down.
    fn playlist(&self, path: &[&str], keys: Vec<&str>, name_first: bool) -> Xml;
}

/// What writing or removing the folder gives.
#[derive(Debug, Default)]
pub struct Placed {
    pub edits: Vec<Edit>,
    /// The folder as written, from `<` to `>`, for the cache to know it by next time.
    pub element: Option<String>,
    /// The name the folder has in the file.
    pub name: String,
    /// Something the user should hear of (a folder of theirs in the way).
    pub notice: Option<String>,
}

/// What goes into the folder.
pub enum Content<'a> {
    /// The playlists `--playlists` builds, replacing the folder's; its Queries are kept.
    Groups(&'a Node),
    /// One playlist for `Queries`, replacing one of the same name; the rest is kept.
    Query(&'a Node),
}

/// The tree as found in the file.
struct Tree<'b> {
    bytes: &'b [u8],
    nodes: Vec<NodeSpan>,
    style: Style,
    name_first: bool,
}

/// Appended to a folder's bytes for the digest the cache keeps when the tree's root was an
/// empty element (`<NODE … />`) before taggenius wrote into it, so that `clear` empties it again.
const EXPANDED: &str = "\0the root was an empty element";

/// taggenius's folder among the root's children.
#[derive(Debug, Clone, Copy)]
struct Mine {
    index: usize,
    /// Whether the root was an empty element before.
    expanded: bool,
}

/// The edits that put `content` into the library's `taggenius` folder, creating it as the last
/// child of the tree's root or replacing the one taggenius wrote (`ours` knows its bytes).
pub fn place(
    lib: &Library,
    format: &dyn PlaylistFormat,
    content: Content,
    ours: &dyn Fn(&[u8]) -> bool,
) -> Result<Placed> {
    let tree = Tree::read(lib, format)?;
    let root = tree.root()?;
    let mine = tree.ours(root, ours);
    let children = tree.children_for(lib, format, &content, mine.map(|m| m.index));
    if children.is_empty() {
        return Ok(Placed::default());
    }
    let (name, notice) = match mine {
        Some(mine) => (tree.nodes[mine.index].name.clone(), None),
        None => tree.free_name(root),
    };
    let folder = format.folder(&name, children, tree.name_first);
    let text = tree.style_at(root, mine.map(|m| m.index)).write(&folder);
    let element = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let expanded = match mine {
        Some(mine) => mine.expanded,
        None => tree.nodes[root].children_end.is_none(),
    };
    let mut edits = match mine {
        Some(mine) => vec![tree.replace(mine.index, &text, element)],
        None if expanded => tree.expand(root, &text, format)?,
        None => tree.append(root, text.clone())?,
    };
    edits.sort_by_key(|e| e.range.start);
    let remembered = match expanded {
        true => format!("{element}{EXPANDED}"),
        false => element.to_string(),
    };
    Ok(Placed {
        edits,
        element: Some(remembered),
        name,
        notice,
    })
}

/// The edits that remove every folder taggenius wrote (`ours` knows its bytes) from the tree,
/// and empty its root again where taggenius had opened it.
pub fn remove(
    lib: &Library,
    format: &dyn PlaylistFormat,
    ours: &dyn Fn(&[u8]) -> bool,
) -> Result<Vec<Edit>> {
    // A tree that cannot be read holds no folder taggenius wrote.
    let Ok(tree) = Tree::read(lib, format) else {
        return Ok(Vec::new());
    };
    let Ok(root) = tree.root() else {
        return Ok(Vec::new());
    };
    let mine: Vec<Mine> = tree
        .children(root)
        .filter_map(|i| tree.mine(i, ours))
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let mut edits: Vec<Edit> = tree
        .count_edit(root, -(mine.len() as i64))
        .into_iter()
        .collect();
    let alone = tree.children(root).count() == 1;
    match (mine.as_slice(), alone) {
        ([only], true) if only.expanded => edits.extend(tree.collapse(root)),
        _ => edits.extend(mine.iter().map(|m| Edit {
            range: tree.whole_lines(m.index),
            bytes: Vec::new(),
        })),
    }
    edits.sort_by_key(|e| e.range.start);
    Ok(edits)
}

impl<'b> Tree<'b> {
    fn read(lib: &'b Library, format: &dyn PlaylistFormat) -> Result<Tree<'b>> {
        let bytes = lib.bytes();
        let after_tracks = lib.tracks.last().map_or(0, last_point);
        let Some((_, nodes)) = scan::tree(bytes, after_tracks, format.shape())? else {
            bail!("it has no playlist tree (no PLAYLISTS element) to add playlists to");
        };
        let name_first = nodes
            .iter()
            .find(|n| n.depth > 0)
            .or(nodes.first())
            .is_some_and(|n| n.first_attribute.eq_ignore_ascii_case(format.shape().name));
        let mut tree = Tree {
            bytes,
            nodes,
            style: Style {
                newline: "\n",
                indent: None,
            },
            name_first,
        };
        if let Ok(root) = tree.root() {
            tree.style = tree.style_at(root, None);
        }
        Ok(tree)
    }

    /// The root folder: the first node, which must be able to hold children.
    fn root(&self) -> Result<usize> {
        match self.nodes.first() {
            Some(root) if root.children_end.is_some() || root.holder_empty_end.is_some() => {
                Ok(0)
            }
            Some(_) => bail!("its playlist tree's root is an empty element; add a playlist in the DJ software first"),
            None => bail!("its PLAYLISTS element has no root folder"),
        }
    }

    fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].parent == Some(parent))
    }

    fn child_named(&self, parent: usize, name: &str) -> Option<usize> {
        self.children(parent).find(|&i| self.nodes[i].name == name)
    }

    /// `Some` when taggenius wrote the node, with whether it opened the root for it.
    fn mine(&self, index: usize, ours: &dyn Fn(&[u8]) -> bool) -> Option<Mine> {
        let node = &self.nodes[index];
        if !node.name.starts_with(FOLDER) {
            return None;
        }
        let bytes = &self.bytes[node.range.clone()];
        let expanded = || ours(&[bytes, EXPANDED.as_bytes()].concat());
        match ours(bytes) {
            true => Some(Mine {
                index,
                expanded: false,
            }),
            false => expanded().then_some(Mine {
                index,
                expanded: true,
            }),
        }
    }

    /// The folder taggenius wrote among the root's children, if any (the last, if several).
    fn ours(&self, root: usize, ours: &dyn Fn(&[u8]) -> bool) -> Option<Mine> {
        self.children(root)
            .filter_map(|i| self.mine(i, ours))
            .last()
    }

    /// What goes into the folder: the generated playlists with the old folder's Queries, or
    /// the old folder with one query playlist put in.
    fn children_for(
        &self,
        lib: &Library,
        format: &dyn PlaylistFormat,
        content: &Content,
        mine: Option<usize>,
    ) -> Vec<Xml> {
        match (content, mine) {
            (Content::Groups(node), _) => {
                let mut children = self.generated(lib, format, node, &[FOLDER]);
                let queries = mine.and_then(|m| self.child_named(m, QUERIES));
                children.extend(queries.map(|q| self.raw(q)));
                children
            }
            (Content::Query(node), None) => {
                let query = self.generated(lib, format, node, &[FOLDER, QUERIES]);
                vec![format.folder(QUERIES, query, self.name_first)]
            }
            (Content::Query(node), Some(mine)) => self.with_query(lib, format, mine, node),
        }
    }

    /// The edit that puts `text` where taggenius's folder `index` stands.
    fn replace(&self, index: usize, text: &str, element: &str) -> Edit {
        let bytes = match self.style.indent {
            Some(_) => text.to_string(),
            None => format!("{element}{}", self.style.newline),
        };
        Edit {
            range: self.whole_lines(index),
            bytes: bytes.into_bytes(),
        }
    }

    /// The edits that add `text` as the root's last child.
    fn append(&self, root: usize, text: String) -> Result<Vec<Edit>> {
        let at = self.insert_point(root)?;
        let mut edits: Vec<Edit> = self.count_edit(root, 1).into_iter().collect();
        edits.push(Edit {
            range: at..at,
            bytes: text.into_bytes(),
        });
        Ok(edits)
    }

    /// The edits that open the root's empty children holder (`<NODE … />`) around `text`.
    fn expand(&self, root: usize, text: &str, format: &dyn PlaylistFormat) -> Result<Vec<Edit>> {
        let node = &self.nodes[root];
        let end = node
            .holder_empty_end
            .filter(|&end| self.bytes.get(end.saturating_sub(2)..end) == Some(b"/>"))
            .ok_or_else(|| anyhow::anyhow!("its playlist tree's root cannot be opened"))?;
        let holder = holder_name(format);
        let holder_start = node.children_start.unwrap_or(node.range.start);
        let opened = match (&self.style.indent, self.indentation(holder_start)) {
            (Some(_), Some(indent)) => {
                format!(">{}{text}{indent}</{holder}>", self.style.newline)
            }
            _ => format!(">{text}</{holder}>"),
        };
        let mut edits: Vec<Edit> = self.count_edit(root, 1).into_iter().collect();
        edits.push(Edit {
            range: end - 2..end,
            bytes: opened.into_bytes(),
        });
        Ok(edits)
    }

    /// The edit that makes the root's children holder an empty element again.
    fn collapse(&self, root: usize) -> Option<Edit> {
        let node = &self.nodes[root];
        let tag_end = node.holder_tag_end?;
        let end_tag = node.children_end?;
        let end = end_tag + memchr::memchr(b'>', &self.bytes[end_tag..])? + 1;
        Some(Edit {
            range: tag_end - 1..end,
            bytes: b"/>".to_vec(),
        })
    }

    /// `taggenius`, or `taggenius (2)`… where a folder of the user's has the name.
    fn free_name(&self, root: usize) -> (String, Option<String>) {
        let taken = |name: &str| self.children(root).any(|i| self.nodes[i].name == name);
        if !taken(FOLDER) {
            return (FOLDER.to_string(), None);
        }
        let name = (2..)
            .map(|n| format!("{FOLDER} ({n})"))
            .find(|name| !taken(name))
            .unwrap_or_default();
        let notice = format!(
            "a playlist folder of yours is named \"{FOLDER}\"; it was left alone and taggenius's playlists went into \"{name}\""
        );
        (name, Some(notice))
    }

    /// The node's bytes with its indentation and line break where it stands on lines of its own.
    fn whole_lines(&self, index: usize) -> Range<usize> {
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

    fn raw(&self, index: usize) -> Xml {
        let range = self.whole_lines(index);
        Xml::Raw(String::from_utf8_lossy(&self.bytes[range]).into_owned())
    }

    /// The generated playlists of `node`'s children, under the path `above`.
    fn generated(
        &self,
        lib: &Library,
        format: &dyn PlaylistFormat,
        node: &Node,
        above: &[&str],
    ) -> Vec<Xml> {
        let keys: Vec<Option<String>> = lib
            .tracks
            .iter()
            .map(|e| format.entry_key(lib.bytes(), e))
            .collect();
        let mut path: Vec<&str> = above.to_vec();
        match node {
            Node::Folder { children, .. } => children
                .iter()
                .filter_map(|child| to_xml(format, child, &mut path, &keys, self.name_first))
                .collect(),
            Node::Playlist { .. } => to_xml(format, node, &mut path, &keys, self.name_first)
                .into_iter()
                .collect(),
        }
    }

    /// The children of taggenius's folder `mine` with the query playlist `node` put into its
    /// Queries folder, replacing one of the same name.
    fn with_query(
        &self,
        lib: &Library,
        format: &dyn PlaylistFormat,
        mine: usize,
        node: &Node,
    ) -> Vec<Xml> {
        let query = self.generated(lib, format, node, &[FOLDER, QUERIES]);
        let mut children: Vec<Xml> = self
            .children(mine)
            .filter(|&i| self.nodes[i].name != QUERIES)
            .map(|i| self.raw(i))
            .collect();
        let mut queries: Vec<Xml> = match self.child_named(mine, QUERIES) {
            Some(q) => self
                .children(q)
                .filter(|&i| self.nodes[i].name != node.name())
                .map(|i| self.raw(i))
                .collect(),
            None => Vec::new(),
        };
        queries.extend(query);
        if !queries.is_empty() {
            children.push(format.folder(QUERIES, queries, self.name_first));
        }
        children
    }

    /// The layout of a child of `root`: the file's line breaks, and the indentation of the
    /// root's children (of `mine` where it stands) or of the root's end tag plus a step.
    fn style_at(&self, root: usize, mine: Option<usize>) -> Style {
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
    fn indentation(&self, at: usize) -> Option<String> {
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
    fn step(&self, root: usize) -> String {
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
    fn insert_point(&self, root: usize) -> Result<usize> {
        let Some(end) = self.nodes[root].children_end else {
            bail!("its playlist tree's root is an empty element");
        };
        Ok(match self.indentation(end) {
            Some(indent) if self.style.indent.is_some() => end - indent.len(),
            _ => end,
        })
    }

    /// The edit that adds `by` to the root's child count; none where it has no count.
    fn count_edit(&self, root: usize, by: i64) -> Option<Edit> {
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

/// A playlist or folder of the tree as the format writes it; `None` when it would be empty.
fn to_xml<'n>(
    format: &dyn PlaylistFormat,
    node: &'n Node,
    path: &mut Vec<&'n str>,
    keys: &[Option<String>],
    name_first: bool,
) -> Option<Xml> {
    path.push(node.name());
    let xml = match node {
        Node::Playlist { tracks, .. } => {
            let entries: Vec<&str> = tracks
                .iter()
                .filter_map(|&i| keys.get(i).and_then(|k| k.as_deref()))
                .collect();
            (!entries.is_empty()).then(|| format.playlist(path, entries, name_first))
        }
        Node::Folder { name, children } => {
            let children: Vec<Xml> = children
                .iter()
                .filter_map(|c| to_xml(format, c, path, keys, name_first))
                .collect();
            (!children.is_empty()).then(|| format.folder(name, children, name_first))
        }
    };
    path.pop();
    xml
}

/// The element a format's folder holds its children in.
fn holder_name(format: &dyn PlaylistFormat) -> String {
    let name = format.shape().children_in.unwrap_or(b"NODE");
    String::from_utf8_lossy(name).into_owned()
}

/// A point past every field of a track, and before whatever follows the collection.
fn last_point(entry: &TrackEntry) -> usize {
    let spans = entry.attrs.iter().flatten().map(|s| s.value().end);
    let inserts = [
        entry.insert_at(),
        entry.more_insert(1).unwrap_or(0),
        entry.more_insert(2).unwrap_or(0),
    ];
    spans.chain(inserts).max().unwrap_or(0)
}
