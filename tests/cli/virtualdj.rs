//! VirtualDJ databases (database.xml): tagged, re-rendered and cleared with the promises the
//! rekordbox path keeps: only Tags and Infos values and Comment texts change (and Comment
//! elements taggenius inserts), and `clear` gives the database back byte for byte.

use crate::mock::{entry, Mock, Reply};
use crate::util::{code, real_virtualdj_databases, summary, text, Sandbox};

/// The file without the lines that may change: a Song's Tags, Infos and Comment.
fn without_tagged_lines(text: &str) -> String {
    let tagged = |l: &&str| {
        ["<Tags ", "<Infos ", "<Comment"]
            .iter()
            .any(|t| l.contains(t))
    };
    let kept: Vec<&str> = text.split('\n').filter(|l| !tagged(l)).collect();
    kept.join("\n")
}

/// Tags `name` with every field (offline, or through `mock`), checks that only the tagged
/// lines changed and that `clear` gives it back; returns the tagged text.
fn tag_and_clear(sb: &Sandbox, name: &str, mock: Option<&Mock>) -> String {
    crate::util::tag_and_clear(sb, name, mock, without_tagged_lines)
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn the_real_database_tags_retags_and_clears_faithfully() {
    let files = real_virtualdj_databases();
    assert!(!files.is_empty());
    for file in files {
        let sb = Sandbox::new();
        sb.copy(&file, "database.xml");
        let tagged = tag_and_clear(&sb, "database.xml", None);
        assert!(tagged.contains("/* E: "));
        let out = sb.run(&[
            "retag",
            "-q",
            "-o",
            "again.xml",
            "--write",
            "genre,comments,colour,rating",
        ]);
        assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(sb.path("again.xml")).unwrap(),
            tagged
        );

        let mock = Mock::ok();
        let sb = Sandbox::new();
        sb.copy(&file, "database.xml");
        let tagged = tag_and_clear(&sb, "database.xml", Some(&mock));
        assert!(tagged.contains("Genre=\"House, Deep House"));
        let asked = mock.requests();
        let out = mock.run(&sb, &["tag", "database.xml", "--json", "-o", "second.xml"]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        assert_eq!(summary(&out)["requests"], 0);
        assert_eq!(mock.requests(), asked, "a second tag sends no request");
    }
}

const HEAD: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VirtualDJ_Database Version=\"8.5\">\n";
const TAIL: &str = "</VirtualDJ_Database>\n";
/// A song without a Comment element and without Genre or Stars, with trailing spaces.
const BARE: &str = " <Song FilePath=\"C:\\Music\\Daft Punk - Around The World.mp3\" FileSize=\"1\">\n  <Tags Author=\"Daft Punk\" Title=\"Around The World\" Bpm=\"0.495868\" Flag=\"1\" />\n  <Infos SongLength=\"429.5\" UserColor=\"4294901760\" />\n  <Scan Version=\"801\" Bpm=\"0.495868\" />\n  <Poi Pos=\"0.1\" Type=\"beatgrid\" />\n </Song>           \n";
/// A song with every field, and entities in its Comment.
const FULL: &str = " <Song FilePath=\"/Users/dj/Music/Teardrop.mp3\" FileSize=\"2\" Flag=\"64\">\n  <Tags Author=\"Massive Attack\" Title=\"Teardrop\" Genre=\"Trip Hop\" Year=\"1998\" Stars=\"4\" Key=\"Am\" />\n  <Infos SongLength=\"330\" UserColor=\"4278190335\" />\n  <Comment>Sunset &amp; chill &apos;98</Comment>\n  <Scan Version=\"801\" />\n </Song>\n";

fn database(songs: &str) -> String {
    format!("{HEAD}{songs}{TAIL}")
}

#[test]
fn every_field_and_an_inserted_comment_in_virtualdjs_style() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    sb.write("database.xml", database(&format!("{BARE}{FULL}")));
    let tagged = tag_and_clear(&sb, "database.xml", Some(&mock));
    // Added to Tags; the red UserColor kept; a Comment inserted after Infos, indented as its
    // siblings; trailing spaces kept.
    assert!(
        tagged.contains(
            "Bpm=\"0.495868\" Flag=\"1\" Genre=\"House, Deep House, Garage House\" Stars=\"3\" />"
        ),
        "{tagged}"
    );
    assert!(
        tagged.contains("UserColor=\"4294901760\" />\n  <Comment>/* E: 07 "),
        "{tagged}"
    );
    assert!(tagged.contains(" </Song>           \n"));
    // Replaced in place, the user's comment first, escaped as VirtualDJ escapes.
    assert!(
        tagged.contains("Genre=\"House, Deep House, Garage House\" Year=\"1998\" Stars=\"3\""),
        "{tagged}"
    );
    assert!(tagged.contains("UserColor=\"4294967040\""), "{tagged}");
    assert!(
        tagged.contains("<Comment>Sunset &amp; chill &apos;98 /* E: 07 "),
        "{tagged}"
    );
    // The request carried the BPM as beats per minute.
    let sent = &mock.seen()[0].body["messages"][1]["content"];
    assert!(sent.as_str().unwrap().contains("\"bpm\":121"), "{sent}");
}

#[test]
fn crlf_and_markup_from_the_model_are_written_safely() {
    let sb = Sandbox::new();
    let mock = Mock::start(std::time::Duration::ZERO, |_, tracks| {
        let entries = tracks
            .iter()
            .map(|t| {
                let mut e = entry(t);
                e["sub_genre"] = serde_json::json!(["R&B ]]> <b>\"x\"</b> 'y'\u{1}"]);
                e
            })
            .collect();
        Reply::Entries(entries)
    });
    sb.write(
        "database.xml",
        database(&format!("{BARE}{FULL}")).replace('\n', "\r\n"),
    );
    let tagged = tag_and_clear(&sb, "database.xml", Some(&mock));
    assert!(
        // Sub-genres come back in Title Case, so </b> is </B>; the control character is dropped.
        tagged.contains(
            "Genre=\"House, R&amp;B ]]&gt; &lt;b&gt;&quot;x&quot;&lt;/B&gt; &apos;y&apos;\""
        ),
        "{tagged}"
    );
    assert!(
        tagged.contains("UserColor=\"4294901760\" />\r\n  <Comment>/* E: 07 "),
        "{tagged:?}"
    );
}

#[test]
fn a_windows_path_is_the_same_song_in_any_case() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let original = database(BARE);
    sb.write("database.xml", &original);
    let out = mock.run(&sb, &["tag", "database.xml", "-q", "-o", "tagged.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // The drive renamed in another case, as Windows allows: still the song taggenius touched.
    let tagged = std::fs::read_to_string(sb.path("tagged.xml")).unwrap();
    sb.write("moved.xml", tagged.replace("C:\\Music\\", "c:\\MUSIC\\"));
    let out = sb.run(&["clear", "moved.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(sb.path("cleared.xml")).unwrap(),
        original.replace("C:\\Music\\", "c:\\MUSIC\\")
    );
}

#[test]
fn in_place_keeps_a_backup_of_the_database() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let original = database(FULL);
    sb.write("database.xml", &original);
    let out = mock.run(&sb, &["tag", "database.xml", "--in-place", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(sb.path("database.xml"))
        .unwrap()
        .contains("/* E: "));
    let backups: Vec<String> = sb
        .files()
        .into_iter()
        .filter(|f| f.starts_with("database.taggenius-backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read_to_string(sb.path(&backups[0])).unwrap(),
        original
    );
}

#[test]
fn broken_databases_are_refused_in_one_line() {
    let whole = database(&format!("{BARE}{FULL}"));
    let cases = [
        ("truncated", whole[..whole.len() / 2].to_string()),
        (
            "unclosed Song",
            whole.replacen(" </Song>           \n", "", 1),
        ),
        (
            "garbage in a Comment",
            whole.replace("Sunset", "Sun\u{1}\u{2}set"),
        ),
    ];
    for (what, bytes) in cases {
        let sb = Sandbox::new();
        sb.write("database.xml", &bytes);
        let out = sb.run(&["tag", "database.xml"]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.starts_with("taggenius: database.xml: line "),
            "{what}: {stderr}"
        );
        assert!(!sb.path("database.tagged.xml").exists(), "{what}");
    }
}

#[test]
fn a_20_mb_comment_is_tagged_faithfully() {
    let sb = Sandbox::new();
    let mock = Mock::ok();
    let lyrics = "around the world &amp; &lt;3 ".repeat(700_000);
    sb.write(
        "database.xml",
        database(&FULL.replace("Sunset &amp; chill &apos;98", &lyrics)),
    );
    let tagged = tag_and_clear(&sb, "database.xml", Some(&mock));
    assert!(tagged.contains("&lt;3 /* E: 07"));
}
