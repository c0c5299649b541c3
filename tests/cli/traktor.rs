//! Traktor collections (collection.nml): tagged, re-rendered and cleared with the promises the
//! rekordbox path keeps: only INFO values change (and INFO elements taggenius inserts), and
//! `clear` gives the collection back byte for byte.

use crate::mock::Mock;
use crate::util::{code, real_traktor_collections, summary, text, Sandbox};

/// The text with every INFO element taken out, with the white space before it: what must be
/// the same before and after tagging. Quote-aware, since Traktor writes `>` raw in values.
fn without_info(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = text[from..].find("<INFO") {
        let start = from + found;
        let kept = text[from..start].trim_end_matches([' ', '\t', '\r', '\n']);
        out.push_str(kept);
        let mut i = start;
        let mut quote = None;
        while i < bytes.len() {
            match (quote, bytes[i]) {
                (None, b'"' | b'\'') => quote = Some(bytes[i]),
                (Some(q), b) if b == q => quote = None,
                (None, b'>') => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
        if text[i..].starts_with("</INFO>") {
            i += "</INFO>".len();
        }
        from = i;
    }
    out.push_str(&text[from..]);
    out
}

/// Tags `name` with every field (offline, or through `mock`), checks that only INFO changed
/// and that `clear` gives it back; returns the tagged text.
fn tag_and_clear(sb: &Sandbox, name: &str, mock: Option<&Mock>) -> String {
    crate::util::tag_and_clear(sb, name, mock, without_info)
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn real_collections_tag_retag_and_clear_faithfully() {
    let files = real_traktor_collections();
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let sb = Sandbox::new();
        sb.copy(&file, "collection.nml");
        let tagged = tag_and_clear(&sb, "collection.nml", None);
        assert!(tagged.contains("/* E: "), "{}", file.display());
        // retag without LIBRARY re-renders the collection `tag` read, as it wrote it.
        let out = sb.run(&[
            "retag",
            "-q",
            "-o",
            "again.nml",
            "--write",
            "genre,comments,colour,rating",
        ]);
        assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(sb.path("again.nml")).unwrap(),
            tagged
        );
    }
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn real_collections_through_the_server_are_asked_for_once() {
    let files = real_traktor_collections();
    for file in files {
        let sb = Sandbox::new();
        sb.copy(&file, "collection.nml");
        let mock = Mock::ok();
        let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
        assert!(
            tagged.contains("GENRE=\"House, Deep House"),
            "{}",
            file.display()
        );
        let asked = mock.requests();
        assert!(asked > 0);
        let out = mock.run(
            &sb,
            &["tag", "collection.nml", "--json", "-o", "second.nml"],
        );
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        assert_eq!(summary(&out)["requests"], 0);
        assert_eq!(mock.requests(), asked, "a second tag sends no request");
    }
}

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n<NML VERSION=\"19\"><HEAD COMPANY=\"www.native-instruments.com\" PROGRAM=\"Traktor\"></HEAD>\n<MUSICFOLDERS></MUSICFOLDERS>\n";

/// A collection in Traktor's native layout (one element a line, explicit end tags, LF).
fn native(entries: &str) -> String {
    format!(
        "{HEADER}<COLLECTION ENTRIES=\"2\">{entries}</COLLECTION>\n<SETS ENTRIES=\"0\"></SETS>\n<PLAYLISTS><NODE TYPE=\"FOLDER\" NAME=\"$ROOT\"><SUBNODES COUNT=\"1\"><NODE TYPE=\"PLAYLIST\" NAME=\"Set\"><PLAYLIST ENTRIES=\"1\" TYPE=\"LIST\" UUID=\"1\"><ENTRY><PRIMARYKEY TYPE=\"TRACK\" KEY=\"Macintosh HD/:Music/:a.mp3\"></PRIMARYKEY>\n</ENTRY>\n</PLAYLIST>\n</NODE>\n</SUBNODES>\n</NODE>\n</PLAYLISTS>\n</NML>\n"
    )
}

const WITHOUT_INFO: &str = "<ENTRY TITLE=\"Around The World\" ARTIST=\"Daft Punk\"><LOCATION DIR=\"/:Music/:\" FILE=\"a.mp3\" VOLUME=\"Macintosh HD\" VOLUMEID=\"Macintosh HD\"></LOCATION>\n<ALBUM TITLE=\"Homework\"></ALBUM>\n<MODIFICATION_INFO AUTHOR_TYPE=\"user\"></MODIFICATION_INFO>\n<TEMPO BPM=\"121.000000\" BPM_QUALITY=\"100.000000\"></TEMPO>\n</ENTRY>\n";
const INFO_WITHOUT_GENRE: &str = "<ENTRY TITLE=\"Teardrop\" ARTIST=\"Massive Attack\"><LOCATION DIR=\"/:Music/:\" FILE=\"b.mp3\" VOLUME=\"Macintosh HD\" VOLUMEID=\"Macintosh HD\"></LOCATION>\n<INFO BITRATE=\"320000\" RATING=\"#dark 'n' >deep\" KEY=\"1m\"></INFO>\n<TEMPO BPM=\"77.000000\"></TEMPO>\n<STEMS STEMS=\"{}\"></STEMS>\n<GRID><BEAT POS=\"0\"></BEAT></GRID>\n</ENTRY>\n";

#[test]
fn entries_without_info_or_without_genre_get_them_in_traktors_style() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    sb.write(
        "collection.nml",
        native(&format!("{WITHOUT_INFO}{INFO_WITHOUT_GENRE}")),
    );
    let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
    // Inserted after MODIFICATION_INFO, before TEMPO, on a line of its own, closed explicitly.
    assert!(
        tagged.contains("<MODIFICATION_INFO AUTHOR_TYPE=\"user\"></MODIFICATION_INFO>\n<INFO GENRE=\"House, Deep House, Garage House\" COMMENT=\"/* E: 07 "),
        "{tagged}"
    );
    assert!(
        tagged.contains("COLOR=\"3\" RANKING=\"153\"></INFO>\n<TEMPO BPM=\"121.000000\""),
        "{tagged}"
    );
    // Added to an INFO that lacks them, the user's Comment 2 untouched, written as Traktor writes.
    assert!(
        tagged.contains("<INFO BITRATE=\"320000\" RATING=\"#dark 'n' >deep\" KEY=\"1m\" GENRE=\"House, Deep House, Garage House\" COMMENT=\"/* E: 07"),
        "{tagged}"
    );
    // The playlist's ENTRY is no track.
    assert_eq!(tagged.matches("/* E: ").count(), 2);
}

#[test]
fn an_indented_crlf_collection_with_a_bom_keeps_its_style() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let indented = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<NML VERSION=\"20\">\r\n    <COLLECTION ENTRIES=\"1\">\r\n        <ENTRY TITLE=\"A &amp; B &lt;live&gt;\" ARTIST=\"X &quot;Y&quot;\">\r\n            <LOCATION DIR=\"/:M/:\" FILE=\"c.mp3\" VOLUME=\"D\"/>\r\n            <TEMPO BPM=\"128\"/>\r\n        </ENTRY>\r\n    </COLLECTION>\r\n</NML>\r\n";
    sb.write("collection.nml", indented);
    let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
    assert!(
        tagged.contains("<LOCATION DIR=\"/:M/:\" FILE=\"c.mp3\" VOLUME=\"D\"/>\r\n            <INFO GENRE=\"House, Deep House, Garage House\" COMMENT=\"/* E: 07"),
        "{tagged:?}"
    );
    assert!(
        tagged.contains("*/\" COLOR=\"3\" RANKING=\"153\"/>\r\n            <TEMPO"),
        "{tagged:?}"
    );
}

#[test]
fn comment2_takes_the_block_and_comment_is_left_alone() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let entry = INFO_WITHOUT_GENRE.replace("KEY=\"1m\"", "KEY=\"1m\" COMMENT=\"8A - Energy 6\"");
    sb.write("collection.nml", native(&entry));
    let out = mock.run(
        &sb,
        &[
            "tag",
            "collection.nml",
            "-q",
            "--write",
            "comment2",
            "-o",
            "tagged.nml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tagged = std::fs::read_to_string(sb.path("tagged.nml")).unwrap();
    assert!(
        tagged.contains("RATING=\"#dark 'n' >deep /* E: 07"),
        "{tagged}"
    );
    assert!(tagged.contains("COMMENT=\"8A - Energy 6\""), "{tagged}");
    let out = sb.run(&["clear", "tagged.nml", "-q", "-o", "cleared.nml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(sb.path("cleared.nml")).unwrap(),
        std::fs::read(sb.path("collection.nml")).unwrap()
    );
}

#[test]
fn a_red_track_keeps_its_colour() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let entry = INFO_WITHOUT_GENRE.replace("KEY=\"1m\"", "KEY=\"1m\" COLOR=\"1\"");
    sb.write("collection.nml", native(&entry));
    let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
    assert!(tagged.contains("COLOR=\"1\""), "{tagged}");
    assert!(tagged.contains("RANKING=\"153\""), "{tagged}");
}

#[test]
fn broken_collections_are_refused_in_one_line() {
    let whole = native(WITHOUT_INFO);
    let cases = [
        ("truncated", whole[..whole.len() / 2].to_string()),
        (
            "unclosed ENTRY",
            whole.replacen("</ENTRY>\n</COLLECTION>", "</COLLECTION>", 1),
        ),
        (
            "ENTRY outside COLLECTION",
            whole.replace(
                "<MUSICFOLDERS></MUSICFOLDERS>",
                "<ENTRY TITLE=\"x\"></ENTRY>",
            ),
        ),
    ];
    for (what, bytes) in cases {
        let sb = Sandbox::new();
        sb.write("collection.nml", &bytes);
        let out = sb.run(&["tag", "collection.nml"]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.starts_with("taggenius: collection.nml: line "),
            "{what}: {stderr}"
        );
        assert!(!sb.path("collection.tagged.nml").exists(), "{what}");
    }
}

#[test]
fn a_20_mb_comment_is_tagged_faithfully() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let lyrics = "around the world &amp; &lt;3 ".repeat(700_000);
    assert!(lyrics.len() > 20_000_000);
    let entry =
        INFO_WITHOUT_GENRE.replace("KEY=\"1m\"", &format!("KEY=\"1m\" COMMENT=\"{lyrics}\""));
    sb.write("collection.nml", native(&entry));
    let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
    assert!(tagged.contains("&lt;3 /* E: 07"));
}

#[test]
fn markup_from_the_model_is_written_as_traktor_escapes_it() {
    let sb = Sandbox::new();
    let mock = Mock::start(std::time::Duration::ZERO, |_, tracks| {
        let entries = tracks
            .iter()
            .map(|t| {
                let mut e = crate::mock::entry(t);
                e["sub_genre"] = serde_json::json!(["R&B <live> \"x\" 'y'"]);
                e
            })
            .collect();
        crate::mock::Reply::Entries(entries)
    });
    sb.write("collection.nml", native(INFO_WITHOUT_GENRE));
    let tagged = tag_and_clear(&sb, "collection.nml", Some(&mock));
    assert!(
        tagged.contains("GENRE=\"House, R&amp;B &lt;live> &quot;x&quot; 'y'\""),
        "{tagged}"
    );
}

#[test]
fn in_place_keeps_a_backup_of_the_collection() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let original = native(WITHOUT_INFO);
    sb.write("collection.nml", &original);
    let out = mock.run(&sb, &["tag", "collection.nml", "--in-place", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tagged = std::fs::read_to_string(sb.path("collection.nml")).unwrap();
    assert!(tagged.contains("<INFO GENRE="), "{tagged}");
    let backup = sb
        .files()
        .into_iter()
        .find(|f| f.starts_with("collection.taggenius-backup-") && f.ends_with(".nml"))
        .expect("a backup beside the collection");
    assert_eq!(std::fs::read_to_string(sb.path(&backup)).unwrap(), original);
    let out = sb.run(&["clear", "collection.nml", "--in-place", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(sb.path("collection.nml")).unwrap(),
        original
    );
}
