//! The `taggenius` folder in a library's own playlist tree (rekordbox, Traktor): written as the
//! last child of the tree's root, replaced on each run, removed by `clear`, and every other
//! byte of the tree left alone. A folder is known as taggenius's by its bytes, whose digest
//! the cache keeps for every folder written; a folder of the user's that happens to share
//! the name is left alone.

mod layout;
pub mod scan;
mod tree;
pub mod xml;

use std::ops::Range;

use anyhow::Result;

use crate::library::splice::Edit;
use crate::library::{Library, TrackEntry};
use scan::Shape;
use tree::Tree;
use xml::Xml;

/// The name of the folder taggenius writes its playlists into.
pub const FOLDER: &str = "taggenius";
/// The folder `find --playlist` writes its playlists into, inside [`FOLDER`].
pub const QUERIES: &str = "Queries";
/// The folder `set --playlist` writes its sets into, inside [`FOLDER`].
pub const SETS: &str = "Sets";
/// The folders of playlists the user asked for by name: a `--playlists` run keeps them.
pub const SAVED: [&str; 2] = [QUERIES, SETS];

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
    /// A playlist of `entries` (indices into the table of `entry_key`s, written through an
    /// [`Xml::Repeated`]); `path` is its names from the tree's root down.
    fn playlist(&self, path: &[&str], entries: Vec<u32>, name_first: bool) -> Xml;
}

/// What writing or removing the folder gives.
#[derive(Debug, Default)]
pub struct Placed {
    pub edits: Vec<Edit>,
    /// Where the folder as written lies (from `<` to `>`): which edit, which bytes of it, and
    /// whether the root was opened for it; for the cache to know it by next time.
    written: Option<(usize, Range<usize>, bool)>,
    /// The name the folder has in the file.
    pub name: String,
    /// Something the user should hear of (a folder of theirs in the way).
    pub notice: Option<String>,
}

impl Placed {
    /// The folder as written, from `<` to `>`, and a mark where the root was opened for it:
    /// what the cache keeps a digest of, and what `ours` is later asked about.
    pub fn folder(&self) -> Option<Vec<&[u8]>> {
        let (edit, range, expanded) = self.written.clone()?;
        let element = self.edits.get(edit)?.bytes.get(range)?;
        Some(match expanded {
            true => vec![element, EXPANDED.as_bytes()],
            false => vec![element],
        })
    }
}

/// What goes into the folder.
pub enum Content<'a> {
    /// The playlists `--playlists` builds, replacing the folder's; its Queries and Sets are
    /// kept.
    Groups(&'a Node),
    /// Playlists for `Queries` or `Sets` (the folder named), replacing those of the same
    /// names; the rest is kept.
    Saved {
        folder: &'a str,
        playlists: &'a [Node],
    },
}

/// Appended to a folder's bytes for the digest the cache keeps when the tree's root was an
/// empty element (`<NODE … />`) before taggenius wrote into it, so that `clear` empties it again.
pub(super) const EXPANDED: &str = "\0the root was an empty element";

/// taggenius's folder among the root's children.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mine {
    pub(super) index: usize,
    /// Whether the root was an empty element before.
    pub(super) expanded: bool,
}

/// The edits that put `content` into the library's `taggenius` folder, creating it as the last
/// child of the tree's root or replacing the one taggenius wrote (`ours` knows its bytes).
pub fn place(
    lib: &Library,
    format: &dyn PlaylistFormat,
    content: Content,
    ours: &dyn Fn(&[&[u8]]) -> bool,
) -> Result<Placed> {
    let tree = Tree::read(lib, format)?.with_keys(lib, format);
    let root = tree.root()?;
    let mine = tree.ours(root, ours);
    let children = tree.children_for(format, &content, mine.map(|m| m.index));
    if children.is_empty() {
        return Ok(Placed::default());
    }
    let (name, notice) = match mine {
        Some(mine) => (tree.nodes[mine.index].name.clone(), None),
        None => tree.free_name(root),
    };
    let folder = format.folder(&name, children, tree.name_first);
    let text = tree
        .style_at(root, mine.map(|m| m.index))
        .write(&folder, &tree.keys);
    // The folder from `<` to `>`: what the cache keeps a digest of.
    let lead = text.len() - text.trim_start().len();
    let element = lead..text.trim_end().len();
    let expanded = match mine {
        Some(mine) => mine.expanded,
        None => tree.nodes[root].children_end.is_none(),
    };
    let placement = match mine {
        Some(mine) => tree.replace(mine.index, text),
        None if expanded => tree.expand(root, &text, format)?,
        None => tree.append(root, text)?,
    };
    let mut edits = placement.edits;
    let folder_at = edits[placement.folder].range.start;
    edits.sort_by_key(|e| e.range.start);
    let folder = edits
        .iter()
        .position(|e| e.range.start == folder_at)
        .unwrap_or(0);
    let shift = placement.offset;
    Ok(Placed {
        edits,
        written: Some((folder, element.start + shift..element.end + shift, expanded)),
        name,
        notice,
    })
}

/// The edits that remove every folder taggenius wrote (`ours` knows its bytes) from the tree,
/// and empty its root again where taggenius had opened it.
pub fn remove(
    lib: &Library,
    format: &dyn PlaylistFormat,
    ours: &dyn Fn(&[&[u8]]) -> bool,
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
