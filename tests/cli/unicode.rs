//! The same track spelt with composed (NFC) or decomposed (NFD) accents, as macOS file names
//! are, is one track: asked for and paid for once, and an older cache keyed by either spelling
//! is migrated without losing a blueprint or a remembered original.

use unicode_normalization::UnicodeNormalization;

use crate::mock::Mock;
use crate::util::{code, library_of, summary, text, Sandbox};

const ARTIST: &str = "Caf\u{e9} Del Mar";
const TITLE: &str = "Se\u{f1}orita";

fn decomposed(text: &str) -> String {
    text.nfd().collect()
}

#[test]
fn both_spellings_are_asked_for_once() {
    let sb = Sandbox::new();
    let (artist, title) = (decomposed(ARTIST), decomposed(TITLE));
    assert_ne!(artist, ARTIST);
    sb.write(
        "lib.xml",
        library_of(&[
            (ARTIST, TITLE, "Chill Out"),
            (artist.as_str(), title.as_str(), "Chill Out"),
        ]),
    );
    let mock = Mock::ok();
    let out = mock.run(&sb, &["tag", "lib.xml", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(
        (s["tracks"].as_u64(), s["fetched"].as_u64()),
        (Some(2), Some(1)),
        "{s}"
    );
    assert_eq!(mock.requests(), 1);
    assert_eq!(
        mock.seen()[0].tracks.len(),
        1,
        "one track asked for, not two"
    );
    let tagged = std::fs::read_to_string(sb.path("lib.tagged.xml")).unwrap();
    assert_eq!(tagged.matches("Genre=\"House, Deep House").count(), 2);
}

#[test]
fn an_older_cache_keyed_by_the_decomposed_spelling_is_migrated() {
    let sb = Sandbox::new();
    let (artist, title) = (decomposed(ARTIST), decomposed(TITLE));
    // The library as a Mac wrote it, with no Location: the track is known by its key.
    sb.write(
        "lib.xml",
        library_of(&[(artist.as_str(), title.as_str(), "Chill Out")]),
    );
    let mock = Mock::ok();
    let out = mock.run(&sb, &["tag", "lib.xml", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // Made to look like a cache of the release before: keys folded without composing, and the
    // schema version that release wrote.
    let conn = rusqlite::Connection::open(sb.db()).unwrap();
    let key: String = conn
        .query_row("SELECT key FROM blueprints", [], |r| r.get(0))
        .unwrap();
    assert!(key.nfc().eq(key.chars()), "stored composed: {key:?}");
    conn.execute("UPDATE blueprints SET key = ?1", [decomposed(&key)])
        .unwrap();
    let tracks = conn
        .execute(
            "UPDATE originals SET track = ?1",
            [format!("key:{}", decomposed(&key))],
        )
        .unwrap();
    assert_eq!(
        tracks, 2,
        "the Genre and Comments taggenius overwrote are remembered"
    );
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);

    // The composed spelling now finds the blueprint the decomposed one paid for.
    sb.write("nfc.xml", library_of(&[(ARTIST, TITLE, "Chill Out")]));
    let out = sb.run(&["retag", "nfc.xml", "--json", "-o", "nfc.tagged.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["cached"], 1);
    let conn = rusqlite::Connection::open(sb.db()).unwrap();
    let (version, stored): (i64, String) = (
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap(),
        conn.query_row("SELECT key FROM blueprints", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!((version, stored), (3, key.clone()));
    drop(conn);
    // And `clear` still puts back what the tagged library had before.
    let out = sb.run(&["clear", "lib.tagged.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(sb.path("cleared.xml")).unwrap(),
        std::fs::read(sb.path("lib.xml")).unwrap()
    );
}
