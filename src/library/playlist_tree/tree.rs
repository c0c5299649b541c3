//! The playlist tree as found in the file: its nodes, which of them taggenius wrote, and what
//! a new folder of taggenius's holds.

use anyhow::{bail, Result};

use crate::library::playlist_tree::scan::{self, NodeSpan};
use crate::library::playlist_tree::xml::{Style, Xml};
use crate::library::playlist_tree::{Content, Mine, Node, PlaylistFormat, EXPANDED, FOLDER, SAVED};
use crate::library::{Library, TrackEntry};

/// The tree as found in the file.
pub(super) struct Tree<'b> {
    pub(super) bytes: &'b [u8],
    pub(super) nodes: Vec<NodeSpan>,
    pub(super) style: Style,
    pub(super) name_first: bool,
    /// How a playlist entry names each track of the library, by index; filled by
    /// `with_keys` only where playlists are written (`clear` needs none).
    pub(super) keys: Vec<Option<String>>,
}

impl<'b> Tree<'b> {
    /// The tree with the key each track's playlist entries name it by.
    pub(super) fn with_keys(mut self, lib: &Library, format: &dyn PlaylistFormat) -> Tree<'b> {
        let bytes = lib.bytes();
        self.keys = (lib.tracks.iter())
            .map(|e| format.entry_key(bytes, e))
            .collect();
        self
    }

    pub(super) fn read(lib: &'b Library, format: &dyn PlaylistFormat) -> Result<Tree<'b>> {
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
            keys: Vec::new(),
        };
        if let Ok(root) = tree.root() {
            tree.style = tree.style_at(root, None);
        }
        Ok(tree)
    }

    /// The root folder: the first node, which must be able to hold children.
    pub(super) fn root(&self) -> Result<usize> {
        match self.nodes.first() {
            Some(root) if root.children_end.is_some() || root.holder_empty_end.is_some() => {
                Ok(0)
            }
            Some(_) => bail!("its playlist tree's root is an empty element; add a playlist in the DJ software first"),
            None => bail!("its PLAYLISTS element has no root folder"),
        }
    }

    pub(super) fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].parent == Some(parent))
    }

    pub(super) fn child_named(&self, parent: usize, name: &str) -> Option<usize> {
        self.children(parent).find(|&i| self.nodes[i].name == name)
    }

    /// `Some` when taggenius wrote the node, with whether it opened the root for it.
    pub(super) fn mine(&self, index: usize, ours: &dyn Fn(&[&[u8]]) -> bool) -> Option<Mine> {
        let node = &self.nodes[index];
        if !node.name.starts_with(FOLDER) {
            return None;
        }
        let bytes = &self.bytes[node.range.clone()];
        let expanded = || ours(&[bytes, EXPANDED.as_bytes()]);
        match ours(&[bytes]) {
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
    pub(super) fn ours(&self, root: usize, ours: &dyn Fn(&[&[u8]]) -> bool) -> Option<Mine> {
        self.children(root)
            .filter_map(|i| self.mine(i, ours))
            .last()
    }

    /// What goes into the folder: the generated playlists with the old folder's Queries and
    /// Sets, or the old folder with saved playlists put in.
    pub(super) fn children_for(
        &self,
        format: &dyn PlaylistFormat,
        content: &Content,
        mine: Option<usize>,
    ) -> Vec<Xml> {
        match (content, mine) {
            (Content::Groups(node), _) => {
                let mut children = self.generated(format, node, &[FOLDER]);
                for saved in SAVED {
                    let kept = mine.and_then(|m| self.child_named(m, saved));
                    children.extend(kept.map(|q| self.raw(q)));
                }
                children
            }
            (Content::Saved { folder, playlists }, None) => {
                let saved = self.all_generated(format, playlists, folder);
                vec![format.folder(folder, saved, self.name_first)]
            }
            (Content::Saved { folder, playlists }, Some(mine)) => {
                self.with_saved(format, mine, folder, playlists)
            }
        }
    }

    /// `taggenius`, or `taggenius (2)`… where a folder of the user's has the name.
    pub(super) fn free_name(&self, root: usize) -> (String, Option<String>) {
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

    pub(super) fn raw(&self, index: usize) -> Xml {
        let range = self.whole_lines(index);
        Xml::Raw(String::from_utf8_lossy(&self.bytes[range]).into_owned())
    }

    /// The generated playlists of `node`'s children, under the path `above`.
    pub(super) fn generated(
        &self,
        format: &dyn PlaylistFormat,
        node: &Node,
        above: &[&str],
    ) -> Vec<Xml> {
        let mut path: Vec<&str> = above.to_vec();
        match node {
            Node::Folder { children, .. } => children
                .iter()
                .filter_map(|child| to_xml(format, child, &mut path, &self.keys, self.name_first))
                .collect(),
            Node::Playlist { .. } => to_xml(format, node, &mut path, &self.keys, self.name_first)
                .into_iter()
                .collect(),
        }
    }

    /// Each of `playlists` generated under `taggenius/FOLDER`.
    fn all_generated(
        &self,
        format: &dyn PlaylistFormat,
        playlists: &[Node],
        folder: &str,
    ) -> Vec<Xml> {
        playlists
            .iter()
            .flat_map(|node| self.generated(format, node, &[FOLDER, folder]))
            .collect()
    }

    /// The children of taggenius's folder `mine` with `playlists` put into its `folder` (Queries
    /// or Sets, where it stands, else last), replacing those of the same names.
    pub(super) fn with_saved(
        &self,
        format: &dyn PlaylistFormat,
        mine: usize,
        folder: &str,
        playlists: &[Node],
    ) -> Vec<Xml> {
        let replaced = |i: usize| playlists.iter().any(|p| p.name() == self.nodes[i].name);
        let existing = self.child_named(mine, folder);
        let mut saved: Vec<Xml> = existing
            .map(|q| {
                self.children(q)
                    .filter(|&i| !replaced(i))
                    .map(|i| self.raw(i))
                    .collect()
            })
            .unwrap_or_default();
        saved.extend(self.all_generated(format, playlists, folder));
        let mut new_folder =
            (!saved.is_empty()).then(|| format.folder(folder, saved, self.name_first));
        let mut children = Vec::new();
        for i in self.children(mine) {
            match Some(i) == existing {
                true => children.extend(new_folder.take()),
                false => children.push(self.raw(i)),
            }
        }
        children.extend(new_folder);
        children
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
            let entries: Vec<u32> = tracks
                .iter()
                .filter(|&&i| keys.get(i).is_some_and(Option::is_some))
                .map(|&i| i as u32)
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
