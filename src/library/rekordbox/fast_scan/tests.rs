//! Tests of the fast walk against the full reader.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use anyhow::Context;

use super::*;
use crate::library::rekordbox::scan::walk;

const LIB: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- exported -->\r\n<DJ_PLAYLISTS Version=\"1.0.0\">\r\n  <PRODUCT Name=\"rekordbox\"/>\r\n  <COLLECTION Entries=\"3\">\r\n    <TRACK TrackID=\"1\" Name=\"A &amp; B\"\r\n           Artist=\"X\" Genre=\"\" Comments='it&apos;s'/>\r\n    <!-- <TRACK Name=\"ghost\"/> -->\r\n    <TRACK Name=\"Two\" Location=\"file://a%20b.mp3\"><TEMPO Bpm=\"1\"/><POSITION_MARK Name=\"\" Start=\"1\"/></TRACK>\r\n    <TRACK TrackID=\"3\" Name=\"Three\" Artist=\"Y\" Mix=\"\" >text &#233; &lt;</TRACK>\r\n  </COLLECTION>\r\n  <PLAYLISTS><NODE Type=\"0\" Name=\"ROOT\"><TRACK Key=\"1\"/></NODE></PLAYLISTS>\r\n</DJ_PLAYLISTS>\r\n";

/// Every document the fast walk accepts, whole or split at `split`, the full reader
/// accepts with the same tracks.
fn agrees(bytes: &[u8], split: Option<usize>) -> Result<(), TestCaseError> {
    let fast = match split {
        Some(at) => fast_scan_split(bytes, at),
        None => fast_scan(bytes),
    };
    if let Some(fast) = fast {
        let full = walk(bytes);
        prop_assert!(
            full.is_ok(),
            "fast accepted what the full reader refuses: {full:?}"
        );
        prop_assert_eq!(Some(fast), full.ok());
    }
    Ok(())
}

fn tag_starts(bytes: &[u8]) -> Vec<usize> {
    memchr::memchr_iter(b'<', bytes).collect()
}

#[test]
fn takes_the_common_case_and_agrees_with_the_full_reader() -> anyhow::Result<()> {
    let full = walk(LIB.as_bytes())?;
    assert_eq!(full.len(), 3);
    assert_eq!(fast_scan(LIB.as_bytes()), Some(full));
    if let Err(e) = agrees(LIB.as_bytes(), None) {
        panic!("{e}");
    }
    Ok(())
}

#[test]
fn split_anywhere_the_halves_give_the_same_tracks() -> anyhow::Result<()> {
    let whole = walk(LIB.as_bytes())?;
    let root = LIB.find("<DJ_PLAYLISTS").context("the sample has a root")?;
    for at in tag_starts(LIB.as_bytes()) {
        let split = fast_scan_split(LIB.as_bytes(), at);
        // At 0 the guess falls inside the XML declaration and the first half walks alone;
        // elsewhere before the root the halves cannot be joined and the full reader takes
        // over.
        let expected = (at == 0 || at > root).then_some(&whole);
        assert_eq!(split.as_ref(), expected, "split at {at}");
    }
    Ok(())
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
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn agrees_on_the_real_exports() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    let entries = std::fs::read_dir(&dir)?;
    let mut compared = 0;
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let bytes = std::fs::read(&path)?;
        if let Ok(full) = walk(&bytes) {
            assert_eq!(
                fast_scan(&bytes).as_ref(),
                Some(&full),
                "{}",
                path.display()
            );
            let starts = tag_starts(&bytes);
            for at in starts
                .iter()
                .skip(starts.len() / 2)
                .step_by(starts.len() / 40 + 1)
            {
                let split = fast_scan_split(&bytes, *at);
                assert_eq!(split.as_ref(), Some(&full), "{} at {at}", path.display());
            }
            compared += 1;
        }
    }
    // The five rekordbox exports; an emptied folder fails.
    assert!(compared >= 5, "{compared} exports compared");
    Ok(())
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
    fn never_accepts_what_the_full_reader_refuses(
        doc in mangled(),
        pick in any::<prop::sample::Index>(),
    ) {
        agrees(&doc, None)?;
        let starts = tag_starts(&doc);
        if !starts.is_empty() {
            agrees(&doc, Some(starts[pick.index(starts.len())]))?;
        }
    }
}
