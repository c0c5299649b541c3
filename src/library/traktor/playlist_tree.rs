//! Traktor's playlist tree: `<NODE TYPE="FOLDER" NAME=…><SUBNODES COUNT=…>` folders and
//! `<NODE TYPE="PLAYLIST" NAME=…><PLAYLIST ENTRIES=… TYPE="LIST" UUID=…>` playlists of
//! `<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="VOLUME/:DIR/:FILE"></PRIMARYKEY></ENTRY>`, under $ROOT.

use crate::library::playlist_tree::scan::Shape;
use crate::library::playlist_tree::xml::{Xml, KEY_SLOT};
use crate::library::playlist_tree::PlaylistFormat;
use crate::library::traktor::{traktor_escape, Traktor};
use crate::library::{Field, TrackEntry};

impl PlaylistFormat for Traktor {
    fn shape(&self) -> Shape {
        Shape {
            name: b"NAME",
            children_in: Some(b"SUBNODES"),
            count: b"COUNT",
        }
    }

    /// VOLUME, DIR and FILE as the file holds them (escaped already): Traktor's key.
    fn entry_key(&self, bytes: &[u8], entry: &TrackEntry) -> Option<String> {
        let file = entry
            .raw(bytes, Field::Location)
            .filter(|f| !f.is_empty())?;
        let part = |field| entry.raw(bytes, field).unwrap_or_default();
        let key = [part(Field::Volume), part(Field::Folder), file].concat();
        String::from_utf8(key).ok()
    }

    fn folder(&self, name: &str, children: Vec<Xml>, _name_first: bool) -> Xml {
        let subnodes = Xml::element(
            format!("<SUBNODES COUNT=\"{}\">", children.len()),
            "</SUBNODES>",
            children,
        );
        let open = format!(
            "<NODE TYPE=\"FOLDER\" NAME=\"{}\">",
            traktor_escape(name.to_string())
        );
        Xml::element(open, "</NODE>", vec![subnodes])
    }

    fn playlist(&self, path: &[&str], entries: Vec<u32>, _name_first: bool) -> Xml {
        let name = path.last().copied().unwrap_or_default();
        let primary = Xml::element(
            format!("<PRIMARYKEY TYPE=\"TRACK\" KEY=\"{KEY_SLOT}\">"),
            "</PRIMARYKEY>",
            Vec::new(),
        );
        let count = entries.len();
        let entries = Xml::Repeated {
            template: Box::new(Xml::element("<ENTRY>".into(), "</ENTRY>", vec![primary])),
            keys: entries,
        };
        let list = Xml::element(
            format!(
                "<PLAYLIST ENTRIES=\"{count}\" TYPE=\"LIST\" UUID=\"{}\">",
                uuid(path)
            ),
            "</PLAYLIST>",
            vec![entries],
        );
        let open = format!(
            "<NODE TYPE=\"PLAYLIST\" NAME=\"{}\">",
            traktor_escape(name.to_string())
        );
        Xml::element(open, "</NODE>", vec![list])
    }
}

/// 32 hex digits from the playlist's path, as Traktor writes a UUID: the same playlist keeps
/// its UUID from run to run. Two FNV-1a hashes, spelled out so that no library update can
/// change them.
fn uuid(path: &[&str]) -> String {
    let fnv = |salt: &[u8]| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &byte in salt.iter().chain(path.join("/").as_bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    format!("{:016x}{:016x}", fnv(b"taggenius"), fnv(b"playlist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_playlist_keeps_its_uuid_and_another_gets_its_own() {
        let energy = uuid(&["taggenius", "Energy", "8"]);
        assert_eq!(energy, uuid(&["taggenius", "Energy", "8"]));
        assert_ne!(energy, uuid(&["taggenius", "Energy", "9-10"]));
        assert_eq!(energy.len(), 32);
        assert!(energy.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
