//! The walk through a library as rekordbox writes it, in one pass that reads each start tag's
//! attributes as it meets them. It accepts only what the full reader (`scan`) accepts, and
//! gives up on anything else (a DOCTYPE, CDATA, a processing instruction after the XML
//! declaration, any error), leaving the full reader to decide and to word the message. On a
//! 50,000-track library it takes half the time quick-xml's walk plus a separate attribute pass
//! took.

use memchr::{memchr, memmem};

use crate::attributes::{read_attributes, KnownNames};
use crate::library::TrackEntry;
use crate::scan::track_entry_at;
use crate::xml_checks::{check_name, check_reference, root_problem};

/// The COLLECTION's TRACK entries, or `None` where the full reader must decide.
pub fn fast_scan(bytes: &[u8]) -> Option<Vec<TrackEntry>> {
    let mut walk = Walk {
        bytes,
        open: Vec::new(),
        root_seen: false,
        collection_depth: None,
        known: KnownNames::default(),
        tracks: Vec::new(),
    };
    let mut i = walk.declaration()?;
    loop {
        let Some(found) = memchr(b'<', &bytes[i..]) else {
            walk.text(&bytes[i..])?;
            break;
        };
        let lt = i + found;
        walk.text(&bytes[i..lt])?;
        i = match bytes.get(lt + 1)? {
            b'/' => walk.end_tag(lt)?,
            b'!' => walk.comment(lt)?,
            b'?' => return None,
            _ => walk.start_tag(lt)?,
        };
    }
    (walk.open.is_empty() && walk.root_seen).then_some(walk.tracks)
}

struct Walk<'a> {
    bytes: &'a [u8],
    /// Each open element's name, innermost last.
    open: Vec<&'a [u8]>,
    root_seen: bool,
    collection_depth: Option<usize>,
    known: KnownNames<'a>,
    tracks: Vec<TrackEntry>,
}

impl<'a> Walk<'a> {
    /// Past an XML declaration at the very start, if there is one.
    fn declaration(&self) -> Option<usize> {
        if !self.bytes.starts_with(b"<?xml") {
            return Some(0);
        }
        let end = memmem::find(self.bytes, b"?>")?;
        // Anything with markup inside is left to the full reader.
        (memchr(b'<', &self.bytes[1..end]).is_none()).then_some(end + 2)
    }

    /// Text between two tags: white space outside the root; inside it, every `&` must start a
    /// reference XML knows.
    fn text(&self, text: &[u8]) -> Option<()> {
        if self.open.is_empty() {
            return text.iter().all(u8::is_ascii_whitespace).then_some(());
        }
        let mut from = 0;
        while let Some(found) = memchr(b'&', &text[from..]) {
            let name_start = from + found + 1;
            let len = text[name_start..]
                .iter()
                .take(64)
                .position(|&b| b == b';')?;
            check_reference(&text[name_start..name_start + len]).ok()?;
            from = name_start + len + 1;
        }
        Some(())
    }

    /// `</name>`, closing the innermost open element.
    fn end_tag(&mut self, lt: usize) -> Option<usize> {
        let rest = &self.bytes[lt + 2..];
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>')?;
        let gt = name_len
            + rest[name_len..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
        if rest[gt] != b'>' || self.open.pop()? != &rest[..name_len] {
            return None;
        }
        if self.collection_depth > Some(self.open.len()) {
            self.collection_depth = None;
        }
        Some(lt + 2 + gt + 1)
    }

    /// `<!-- … -->`; a DOCTYPE or CDATA section is left to the full reader.
    fn comment(&self, lt: usize) -> Option<usize> {
        let body = self.bytes.get(lt + 4..)?;
        if !self.bytes[lt..].starts_with(b"<!--") {
            return None;
        }
        let end = memmem::find(body, b"--")?;
        (body.get(end..end + 3)? == b"-->").then_some(lt + 4 + end + 3)
    }

    /// `<name attributes>` or `<name attributes/>`.
    fn start_tag(&mut self, lt: usize) -> Option<usize> {
        let bytes = self.bytes;
        let rest = &bytes[lt + 1..];
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))?;
        let name = &rest[..name_len];
        let depth = self.open.len();
        if depth == 0 && (self.root_seen || root_problem(name).is_some()) {
            return None;
        }
        self.root_seen = true;
        check_name(name).ok()?;
        let is_track = self.collection_depth == Some(depth) && name == b"TRACK";
        let attributes_end = if is_track {
            let read = track_entry_at(bytes, lt + 1, name_len, None, &mut self.known);
            let (entry, end) = read.ok()?;
            self.tracks.push(entry);
            end
        } else {
            let no_spans = |_: &[u8], _, _| Ok(());
            read_attributes(bytes, lt + 1, name_len, None, &mut self.known, no_spans).ok()?
        };
        let is_empty = bytes[attributes_end] == b'/';
        if depth == 1 && name == b"COLLECTION" && !is_empty {
            self.collection_depth = Some(depth + 1);
        }
        if !is_empty {
            self.open.push(name);
        }
        Some(attributes_end + if is_empty { 2 } else { 1 })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    use super::*;
    use crate::scan::walk;

    const LIB: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- exported -->\r\n<DJ_PLAYLISTS Version=\"1.0.0\">\r\n  <PRODUCT Name=\"rekordbox\"/>\r\n  <COLLECTION Entries=\"3\">\r\n    <TRACK TrackID=\"1\" Name=\"A &amp; B\"\r\n           Artist=\"X\" Genre=\"\" Comments='it&apos;s'/>\r\n    <!-- <TRACK Name=\"ghost\"/> -->\r\n    <TRACK Name=\"Two\" Location=\"file://a%20b.mp3\"><TEMPO Bpm=\"1\"/><POSITION_MARK Name=\"\" Start=\"1\"/></TRACK>\r\n    <TRACK TrackID=\"3\" Name=\"Three\" Artist=\"Y\" Mix=\"\" >text &#233; &lt;</TRACK>\r\n  </COLLECTION>\r\n  <PLAYLISTS><NODE Type=\"0\" Name=\"ROOT\"><TRACK Key=\"1\"/></NODE></PLAYLISTS>\r\n</DJ_PLAYLISTS>\r\n";

    /// Every document the fast walk accepts, the full reader accepts with the same tracks.
    fn agrees(bytes: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = fast_scan(bytes) {
            let full = walk(bytes);
            prop_assert!(
                full.is_ok(),
                "fast accepted what the full reader refuses: {full:?}"
            );
            prop_assert_eq!(fast, full.unwrap());
        }
        Ok(())
    }

    #[test]
    fn takes_the_common_case_and_agrees_with_the_full_reader() {
        let tracks = fast_scan(LIB.as_bytes()).expect("a plain library takes the fast walk");
        assert_eq!(tracks, walk(LIB.as_bytes()).unwrap());
        assert_eq!(tracks.len(), 3);
        agrees(LIB.as_bytes()).unwrap();
    }

    #[test]
    fn leaves_the_unusual_and_the_broken_to_the_full_reader() {
        for odd in [
            "<!DOCTYPE x>\n",
            "<?pi here?>\n",
            "\u{feff}",
            "<![CDATA[x]]>",
            "<!-- a -- b -->",
        ] {
            let doc = LIB.replacen("<DJ_PLAYLISTS", &format!("{odd}<DJ_PLAYLISTS"), 1);
            assert!(fast_scan(doc.as_bytes()).is_none(), "{odd}");
        }
        for (from, to) in [
            ("</COLLECTION>", "</COLLECTIONS>"),
            ("Name=\"Two\"", "Name=Two"),
            ("A &amp; B", "A & B"),
            ("text &#233;", "text &#1;"),
            ("</DJ_PLAYLISTS>", ""),
            ("Genre=\"\"", "Genre=\"\" Genre=\"\""),
        ] {
            let doc = LIB.replacen(from, to, 1);
            assert!(fast_scan(doc.as_bytes()).is_none(), "{to}");
            assert!(walk(doc.as_bytes()).is_err(), "{to}");
        }
    }

    #[test]
    fn agrees_on_the_real_exports() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let bytes = std::fs::read(&path).unwrap();
            if let Ok(full) = walk(&bytes) {
                assert_eq!(
                    fast_scan(&bytes).as_ref(),
                    Some(&full),
                    "{}",
                    path.display()
                );
            }
        }
    }

    fn mangled() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop::sample::select(vec![
            "<",
            ">",
            "/",
            "/>",
            "</",
            "=",
            "\"",
            "'",
            "&",
            ";",
            "&amp;",
            "&#1;",
            "&x;",
            "<!--",
            "-->",
            "--",
            "<?",
            "?>",
            "<!",
            "[",
            "]]>",
            " ",
            "\r\n",
            "TRACK",
            "COLLECTION",
            "Name",
            "a",
            "é",
            "<TRACK Name=\"n\"/>",
            "</TRACK>",
            "<TRACK>",
            "</COLLECTION>",
        ]);
        let edit = (0..LIB.len(), 0..8usize, prop::collection::vec(pieces, 0..3));
        prop::collection::vec(edit, 1..4).prop_map(|edits| {
            let mut doc = LIB.as_bytes().to_vec();
            for (at, cut, insert) in edits {
                let at = at.min(doc.len());
                let end = (at + cut).min(doc.len());
                let text: Vec<u8> = insert.concat().into_bytes();
                doc.splice(at..end, text);
            }
            doc
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 4000,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(0x5CA7_FA57),
            ..ProptestConfig::default()
        })]

        #[test]
        fn never_accepts_what_the_full_reader_refuses(doc in mangled()) {
            agrees(&doc)?;
        }
    }
}
