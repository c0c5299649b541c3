//! rekordbox's playlist tree: `<NODE Type="0" Name=… Count=…>` folders and `<NODE Type="1"
//! Name=… KeyType="0" Entries=…>` playlists of `<TRACK Key="TrackID"/>`, under ROOT.

use crate::library::playlist_tree::scan::Shape;
use crate::library::playlist_tree::xml::{Xml, KEY_SLOT};
use crate::library::playlist_tree::PlaylistFormat;
use crate::library::rekordbox::Rekordbox;
use crate::library::splice::escape;
use crate::library::{Field, TrackEntry};

impl PlaylistFormat for Rekordbox {
    fn shape(&self) -> Shape {
        Shape {
            name: b"Name",
            children_in: None,
            count: b"Count",
        }
    }

    fn entry_key(&self, bytes: &[u8], entry: &TrackEntry) -> Option<String> {
        let raw = entry.raw(bytes, Field::TrackId)?;
        let key = std::str::from_utf8(raw).ok()?;
        (!key.is_empty()).then(|| key.to_string())
    }

    fn folder(&self, name: &str, children: Vec<Xml>, name_first: bool) -> Xml {
        let count = children.len();
        let open = node(name, "0", &format!("Count=\"{count}\""), name_first);
        Xml::element(open, "</NODE>", children)
    }

    fn playlist(&self, path: &[&str], entries: Vec<u32>, name_first: bool) -> Xml {
        let name = path.last().copied().unwrap_or_default();
        let counted = format!("KeyType=\"0\" Entries=\"{}\"", entries.len());
        let track = Xml::element(format!("<TRACK Key=\"{KEY_SLOT}\"/>"), "", Vec::new());
        let tracks = Xml::Repeated {
            template: Box::new(track),
            keys: entries,
        };
        Xml::element(
            node(name, "1", &counted, name_first),
            "</NODE>",
            vec![tracks],
        )
    }
}

/// A NODE start tag with its name and type in the order the file writes them.
fn node(name: &str, kind: &str, rest: &str, name_first: bool) -> String {
    let name = escape(name.to_string());
    if name_first {
        format!("<NODE Name=\"{name}\" Type=\"{kind}\" {rest}>")
    } else {
        format!("<NODE Type=\"{kind}\" Name=\"{name}\" {rest}>")
    }
}
