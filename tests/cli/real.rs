//! Every real rekordbox export in ../shared/fixtures/real: tag with no key, check the output
//! differs only in the values set, and that clear gives the input back byte for byte.

use crate::mock::Mock;
use crate::util::*;

fn tracks_with_genre(bytes: &[u8]) -> usize {
    let text = text(bytes);
    text.split("<TRACK ")
        .skip(1)
        .filter(|t| {
            let t = &t[..t.find('>').unwrap_or(t.len())];
            t.contains(" Genre=\"") && !t.contains(" Genre=\"\"")
        })
        .count()
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn real_exports_tag_faithfully_and_clear_back_to_the_input() {
    let files = real_exports();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let sb = Sandbox::new();
        let input = sb.copy(&file, "lib.xml");
        let before = std::fs::read(&input).unwrap();
        let out = sb.run(&[
            "tag",
            "lib.xml",
            "--json",
            "-q",
            "--write",
            "genre,comments,colour,rating",
        ]);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(matches!(code(&out), 0 | 3), "{name}: {}", text(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tagged = std::fs::read(sb.path("lib.tagged.xml")).unwrap();
        assert_only_attributes_changed(
            &before,
            &tagged,
            &["Genre", "Comments", "Colour", "Rating"],
        );
        let with_genre = tracks_with_genre(&before);
        let unplaced = summary["missing"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["reason"]
                    .as_str()
                    .unwrap()
                    .contains("is not one it knows")
            })
            .count();
        if with_genre > 0 {
            let coverage = 1.0 - unplaced as f64 / with_genre as f64;
            eprintln!(
                "{name}: {with_genre} tracks with a Genre, {unplaced} unplaced, coverage {:.1}%",
                coverage * 100.0
            );
            assert!(coverage >= 0.6, "{name}: local coverage {coverage}");
        }
        assert_eq!(
            code(&sb.run(&["clear", "lib.tagged.xml", "-o", "back.xml"])),
            0
        );
        assert!(
            std::fs::read(sb.path("back.xml")).unwrap() == before,
            "{name}: clear(tag(x)) != x"
        );
        assert!(
            std::fs::read(&input).unwrap() == before,
            "{name}: input modified"
        );
    }
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn real_exports_retag_at_every_level_from_the_cache() {
    let files = real_exports();
    for file in files {
        let sb = Sandbox::new();
        sb.copy(&file, "lib.xml");
        let out = Mock::ok().run(&sb, &["tag", "lib.xml", "-q", "-o", "t.xml"]);
        assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
        let mut sizes = Vec::new();
        for level in ["essential", "recommended", "detailed"] {
            let out = sb.run(&["retag", "--level", level, "-o", "r.xml", "-q", "--json"]);
            assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
            let rendered = summary(&out);
            assert_eq!(rendered["level"], level);
            assert_eq!(rendered["requests"], 0);
            let before = std::fs::read(&file).unwrap();
            let after = std::fs::read(sb.path("r.xml")).unwrap();
            assert_only_attributes_changed(&before, &after, &["Genre", "Comments"]);
            sizes.push(after.len());
        }
        // Each level writes more words than the one before.
        let input = std::fs::read(&file).unwrap().len();
        assert!(
            input < sizes[0] && sizes[0] < sizes[1] && sizes[1] < sizes[2],
            "{}: {input} bytes, then {sizes:?}",
            file.display()
        );
    }
}
