//! Whatever bytes the reader accepts, setting Genre and Comments on every track gives a library
//! that reads again with those values, and restoring the original raw values gives the input
//! back byte for byte. Reading any field of any track never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use taggenius::library::{Field, Library};
use taggenius::library::splice::{splice, Edit};

/// What a value reads back as: the characters XML 1.0 cannot carry are dropped.
fn xml_legal(value: &str) -> String {
    value
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// Where two byte strings first differ, for a short panic message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        "lengths {} vs {}, first difference at byte {at}: {:?} vs {:?}",
        a.len(),
        b.len(),
        String::from_utf8_lossy(&a[at.saturating_sub(40)..(at + 40).min(a.len())]),
        String::from_utf8_lossy(&b[at.saturating_sub(40)..(at + 40).min(b.len())])
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(lib) = Library::parse("fuzz", data.to_vec()) else {
        return;
    };
    for entry in &lib.tracks {
        for field in Field::ALL {
            let _ = entry.value(lib.bytes(), field);
        }
        let _ = lib.track_info(entry);
    }
    // A value derived from the input: its last bytes, reversed, with whatever markup and
    // control characters they hold (the writer must escape or drop them).
    let tail = &data[data.len().saturating_sub(24)..];
    let genre: String = String::from_utf8_lossy(tail).chars().rev().collect();
    let comments = format!("{genre} /* E: 05 / Sit: Peak Hour */");
    let values = [(Field::Genre, genre), (Field::Comments, comments)];

    let mut edits: Vec<Edit> = Vec::new();
    for entry in &lib.tracks {
        lib.format().set(lib.bytes(), entry, values.to_vec(), &mut edits);
    }
    let out = splice(lib.bytes(), &mut edits);
    let tagged = match Library::parse("tagged", out) {
        Ok(tagged) => tagged,
        Err(e) => panic!("the spliced output does not parse: {e}"),
    };
    assert_eq!(tagged.tracks.len(), lib.tracks.len(), "track count changed");
    for entry in &tagged.tracks {
        for (field, value) in &values {
            assert_eq!(entry.value(tagged.bytes(), *field), xml_legal(value));
        }
    }

    let mut undo: Vec<Edit> = lib
        .tracks
        .iter()
        .zip(&tagged.tracks)
        .flat_map(|(before, after)| {
            values.iter().map(|(field, _)| {
                let original = before.raw(lib.bytes(), *field);
                let mut edits = Vec::new();
                let restore = [(*field, original)];
                (tagged.format()).restore(tagged.bytes(), after, &restore, &mut edits);
                edits.pop()
                    .expect("a set attribute can be restored")
            })
        })
        .collect();
    let restored = splice(tagged.bytes(), &mut undo);
    assert!(
        restored == lib.bytes(),
        "restore did not give the input back: {}",
        first_difference(lib.bytes(), &restored)
    );
});
