//! A plain XML tree read with quick-xml, independent of taggenius's own scanners, for checking
//! playlist trees the way a DJ app (or pyrekordbox) reads them: counts, entries and keys.

use std::collections::HashSet;

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &Element> {
        let name = name.to_string();
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// The document's root element.
pub fn parse(text: &str) -> Element {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(tag) => stack.push(element(&tag)),
            Event::Empty(tag) => {
                let done = element(&tag);
                stack.last_mut().unwrap().children.push(done);
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().children.remove(0)
}

fn element(tag: &quick_xml::events::BytesStart) -> Element {
    let attrs = tag
        .attributes()
        .map(|a| {
            let a = a.expect("attribute");
            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            (key, a.unescape_value().expect("value").into_owned())
        })
        .collect();
    Element {
        name: String::from_utf8(tag.name().as_ref().to_vec()).unwrap(),
        attrs,
        children: Vec::new(),
    }
}

/// A playlist folder or playlist as a DJ app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Folder(String, Vec<Shown>),
    Playlist(String, Vec<String>),
}

impl Shown {
    pub fn name(&self) -> &str {
        match self {
            Shown::Folder(n, _) | Shown::Playlist(n, _) => n,
        }
    }

    /// The node at `path` below this one.
    pub fn at(&self, path: &[&str]) -> Option<&Shown> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Shown::Folder(_, children) => children.iter().find(|c| c.name() == *first)?.at(rest),
            Shown::Playlist(..) => None,
        }
    }

    pub fn children(&self) -> &[Shown] {
        match self {
            Shown::Folder(_, children) => children,
            Shown::Playlist(..) => &[],
        }
    }

    pub fn entries(&self) -> &[String] {
        match self {
            Shown::Playlist(_, entries) => entries,
            Shown::Folder(..) => &[],
        }
    }
}

/// rekordbox's tree under ROOT, checked as rekordbox reads it: every folder's Count is its
/// number of nodes, every playlist's Entries its number of TRACKs, every Key (KeyType 0) a
/// COLLECTION TrackID.
pub fn rekordbox_tree(text: &str) -> Vec<Shown> {
    let doc = parse(text);
    let ids: HashSet<&str> = doc
        .child("COLLECTION")
        .expect("COLLECTION")
        .all("TRACK")
        .filter_map(|t| t.attr("TrackID"))
        .collect();
    let root = doc.child("PLAYLISTS").unwrap().child("NODE").unwrap();
    rekordbox_node(root, &ids, false).children().to_vec()
}

/// `strict` inside taggenius's folders: the user's own playlists may be as the file has them
/// (a trimmed export keeps playlists of tracks it no longer holds).
fn rekordbox_node(node: &Element, ids: &HashSet<&str>, strict: bool) -> Shown {
    let name = node.attr("Name").expect("Name").to_string();
    let strict = strict || name.starts_with("taggenius");
    match node.attr("Type") {
        Some("0") => {
            let children: Vec<Shown> = node
                .all("NODE")
                .map(|n| rekordbox_node(n, ids, strict))
                .collect();
            if strict {
                assert_eq!(
                    node.attr("Count"),
                    Some(&*children.len().to_string()),
                    "{name}"
                );
            }
            Shown::Folder(name, children)
        }
        Some("1") => {
            let keys: Vec<String> = node
                .all("TRACK")
                .map(|t| t.attr("Key").expect("Key").to_string())
                .collect();
            if strict {
                assert_eq!(
                    node.attr("Entries"),
                    Some(&*keys.len().to_string()),
                    "{name}"
                );
                assert_eq!(node.attr("KeyType"), Some("0"), "{name}");
                for key in &keys {
                    assert!(ids.contains(key.as_str()), "{name}: {key} is no TrackID");
                }
            }
            Shown::Playlist(name, keys)
        }
        other => panic!("{name}: Type {other:?}"),
    }
}

/// Traktor's tree under $ROOT, checked as Traktor reads it: SUBNODES COUNT, PLAYLIST ENTRIES,
/// and every PRIMARYKEY a COLLECTION ENTRY's VOLUME + DIR + FILE.
pub fn traktor_tree(text: &str) -> Vec<Shown> {
    let doc = parse(text);
    let keys: HashSet<String> = doc
        .child("COLLECTION")
        .expect("COLLECTION")
        .all("ENTRY")
        .filter_map(|e| e.child("LOCATION"))
        .map(|l| {
            let part = |n: &str| l.attr(n).unwrap_or("").to_string();
            format!("{}{}{}", part("VOLUME"), part("DIR"), part("FILE"))
        })
        .collect();
    let root = doc.child("PLAYLISTS").unwrap().child("NODE").unwrap();
    traktor_node(root, &keys, false).children().to_vec()
}

fn traktor_node(node: &Element, keys: &HashSet<String>, strict: bool) -> Shown {
    let name = node.attr("NAME").expect("NAME").to_string();
    let strict = strict || name.starts_with("taggenius");
    match node.attr("TYPE") {
        Some("FOLDER") => {
            let sub = node.child("SUBNODES").expect("SUBNODES");
            let children: Vec<Shown> = sub
                .all("NODE")
                .map(|n| traktor_node(n, keys, strict))
                .collect();
            if strict {
                assert_eq!(
                    sub.attr("COUNT"),
                    Some(&*children.len().to_string()),
                    "{name}"
                );
            }
            Shown::Folder(name, children)
        }
        Some("PLAYLIST") => {
            let list = node.child("PLAYLIST").expect("PLAYLIST");
            let entries: Vec<String> = list
                .all("ENTRY")
                .map(|e| {
                    let key = e.child("PRIMARYKEY").expect("PRIMARYKEY");
                    key.attr("KEY").expect("KEY").to_string()
                })
                .collect();
            if strict {
                assert_eq!(
                    list.attr("ENTRIES"),
                    Some(&*entries.len().to_string()),
                    "{name}"
                );
                assert_eq!(list.attr("TYPE"), Some("LIST"), "{name}");
                for key in &entries {
                    assert!(keys.contains(key), "{name}: {key} is no collection entry");
                }
            }
            Shown::Playlist(name, entries)
        }
        other => panic!("{name}: TYPE {other:?}"),
    }
}
