//! Hostile library files: every one is either refused with one line naming the file (exit 1,
//! nothing written) or, where it is usable, tagged faithfully. Never a panic, never a hang.

use crate::util::*;

const TRACK: &str = r#"    <TRACK TrackID="1" Name="Around The World" Artist="Daft Punk" Genre="House" Year="1997" AverageBpm="121.30" Comments="" Location="file://localhost/Music/1.mp3"/>"#;

/// A small rekordbox library holding the given TRACK lines, PLAYLISTS content and DOCTYPE.
fn library_with(doctype: &str, tracks: &str, playlists: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}<DJ_PLAYLISTS Version=\"1.0.0\">\n  \
         <PRODUCT Name=\"rekordbox\" Version=\"7.0.9\" Company=\"AlphaTheta\"/>\n  \
         <COLLECTION Entries=\"1\">\n{tracks}\n  </COLLECTION>\n  <PLAYLISTS>\n{playlists}\n  \
         </PLAYLISTS>\n</DJ_PLAYLISTS>\n"
    )
}

fn library(tracks: &str) -> String {
    library_with("", tracks, r#"    <NODE Type="0" Name="ROOT" Count="0"/>"#)
}

/// Checks the refusal contract and returns the message: exit 1, one stderr line that starts
/// with `taggenius: NAME: `, no panic, nothing on stdout, no file but the inputs and the cache.
fn refused(sb: &Sandbox, args: &[&str], name: &str) -> String {
    let before: Vec<(String, Vec<u8>)> = snapshot(sb);
    let out = sb.run(args);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code(&out), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("taggenius: {name}: ")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    let after = snapshot(sb);
    assert!(
        after == before,
        "files changed: {:?} -> {:?}",
        names(&before),
        names(&after)
    );
    stderr.trim_end().to_string()
}

/// Every file of the sandbox but the cache, with its bytes.
fn snapshot(sb: &Sandbox) -> Vec<(String, Vec<u8>)> {
    sb.files()
        .into_iter()
        .filter(|f| !f.starts_with("cache.sqlite3"))
        .map(|f| {
            let bytes = std::fs::read(sb.path(&f)).unwrap_or_default();
            (f, bytes)
        })
        .collect()
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(f, _)| f.as_str()).collect()
}

/// Writes `bytes` as NAME in a fresh sandbox and runs `tag NAME`, which must refuse it.
fn refuse(name: &str, bytes: impl AsRef<[u8]>) -> String {
    let sb = Sandbox::new();
    sb.write(name, bytes);
    refused(&sb, &["tag", name], name)
}

fn assert_located(message: &str, line: usize) {
    assert!(
        message.contains(&format!(": line {line}, column ")),
        "expected line {line}: {message}"
    );
}

/// Tags a usable file and checks that only Genre and Comments values differ and that `clear`
/// gives the input back byte for byte. Returns the exit code, stderr and the tagged bytes.
fn tagged_faithfully(sb: &Sandbox, name: &str) -> (i32, String, Vec<u8>) {
    let before = std::fs::read(sb.path(name)).unwrap();
    let out = sb.run(&["tag", name, "-o", "tagged.xml"]);
    let (exit, stderr) = (code(&out), text(&out.stderr));
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(exit, 0 | 3), "{stderr}");
    assert!(
        std::fs::read(sb.path(name)).unwrap() == before,
        "input modified"
    );
    let after = std::fs::read(sb.path("tagged.xml")).unwrap();
    // Line by line, so that multi-megabyte inputs compare quickly.
    for (old, new) in changed_lines(&before, &after) {
        assert_only_attributes_changed(old.as_bytes(), new.as_bytes(), &["Genre", "Comments"]);
    }
    let out = sb.run(&["clear", "tagged.xml", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        std::fs::read(sb.path("cleared.xml")).unwrap() == before,
        "clear(tag(x)) != x"
    );
    (exit, stderr, after)
}

/// Deterministic pseudo-random bytes (xorshift), NULs included.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_and_blank_files_are_refused() {
    let message = refuse("empty.xml", "");
    assert!(message.contains("empty"), "{message}");
    let message = refuse("blank.xml", " \n\r\n\t");
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn truncated_files_are_refused_with_the_place() {
    let sample = std::fs::read_to_string(fixture("sample.xml")).unwrap();
    let mid_track = sample.find("Genre=\"Drum").unwrap();
    let message = refuse("cut.xml", &sample[..mid_track + 8]);
    assert_located(&message, 24);
    assert!(message.contains("truncated"), "{message}");
    let after_track = sample.find("</TRACK>").unwrap() + "</TRACK>\n".len();
    let message = refuse("cut2.xml", &sample[..after_track]);
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("<COLLECTION>"), "{message}");
}

#[test]
fn binary_garbage_is_refused() {
    let message = refuse("noise.xml", noise(64 * 1024, 0x9E37_79B9_7F4A_7C15));
    assert!(message.contains("line 1, column "), "{message}");
    let printable: Vec<u8> = noise(64 * 1024, 7)
        .into_iter()
        .map(|b| b" <>/=\"'&;!?abcXYZ\n"[b as usize % 18])
        .collect();
    refuse("printable.xml", printable);
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["tag", "-"])
        .write_stdin(noise(4096, 3))
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("taggenius: <stdin>: line "), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(sb.files().is_empty(), "{:?}", sb.files());
}

#[test]
fn an_html_page_is_not_a_library() {
    let page = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>Hi &nbsp;</title></head>\n<body><p>rekordbox<br></body></html>\n";
    let message = refuse("page.html", page);
    assert_located(&message, 2);
    assert!(message.contains("not a rekordbox XML library"), "{message}");
}

#[test]
fn empty_traktor_and_virtualdj_libraries_are_read_too() {
    let nml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n<NML VERSION=\"19\"><HEAD COMPANY=\"www.native-instruments.com\" PROGRAM=\"Traktor\"></HEAD>\n<COLLECTION ENTRIES=\"0\"></COLLECTION></NML>\n";
    let vdj = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VirtualDJ_Database Version=\"8.5\">\n</VirtualDJ_Database>\n";
    for (name, tagged, text_of) in [
        ("collection.nml", "collection.tagged.nml", nml),
        ("database.xml", "database.tagged.xml", vdj),
    ] {
        let sb = Sandbox::new();
        sb.write(name, text_of);
        let out = sb.run(&["tag", name, "-q"]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(sb.path(tagged)).unwrap(), text_of);
    }
    let message = refuse("page.xml", "<html><body/></html>");
    assert!(
        message.contains(
            "not a rekordbox XML library, a Traktor collection (<NML>) or a VirtualDJ database"
        ),
        "{message}"
    );
}

#[test]
fn billion_laughs_is_not_expanded() {
    let mut doctype = String::from("<!DOCTYPE DJ_PLAYLISTS [\n  <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doctype.push_str(&format!(
            "  <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doctype.push_str("]>\n");
    let in_attribute = TRACK.replace("Name=\"Around The World\"", "Name=\"&lol9;\"");
    let message = refuse("laughs.xml", library_with(&doctype, &in_attribute, ""));
    assert!(message.contains("&lol9;"), "{message}");
    assert_located(&message, 17);
    // In an attribute taggenius does not read, and in text.
    let other = TRACK.replace("Year=", "Album=\"&lol9;\" Year=");
    let message = refuse("album.xml", library_with(&doctype, &other, ""));
    assert!(message.contains("&lol9;"), "{message}");
    let text = r#"    <NODE Type="0" Name="ROOT">&lol9;</NODE>"#;
    let message = refuse("text.xml", library_with(&doctype, TRACK, text));
    assert!(message.contains("&lol9;"), "{message}");
    assert_located(&message, 20);
}

#[test]
fn utf16_files_are_refused() {
    let xml = library(TRACK).replace("UTF-8", "UTF-16");
    let le: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = xml.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("le-bom.xml", [&[0xFF, 0xFE][..], &le].concat()),
        ("be-bom.xml", [&[0xFE, 0xFF][..], &be].concat()),
        ("le.xml", le.clone()),
    ] {
        let message = refuse(name, bytes);
        assert!(message.contains("UTF-16"), "{message}");
    }
}

#[test]
fn a_latin1_file_is_refused_naming_its_encoding() {
    let xml = library(&TRACK.replace("Around The World", "Caf\u{E9}"))
        .replace("UTF-8", "ISO-8859-1")
        .into_bytes();
    let latin1: Vec<u8> = String::from_utf8(xml)
        .unwrap()
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    assert!(latin1.contains(&0xE9));
    let message = refuse("latin1.xml", latin1);
    assert!(message.contains("ISO-8859-1"), "{message}");
    assert_located(&message, 1);
}

#[test]
fn tracks_without_name_or_artist_are_known_by_their_file_or_listed() {
    let sb = Sandbox::new();
    let tracks = [
        r#"    <TRACK TrackID="1" Genre="House" Year="1997" Location="file://localhost/Music/Daft%20Punk%20-%20Da%20Funk.mp3"/>"#,
        r#"    <TRACK TrackID="2" Artist="" Name="" Genre="Techno" Comments="mine"/>"#,
        r#"    <TRACK TrackID="3" Artist="Kerri Chandler" Genre="Deep House" Location="file://localhost/Music/Rain.mp3"/>"#,
    ];
    sb.write("lib.xml", library(&tracks.join("\n")));
    let (exit, stderr, after) = tagged_faithfully(&sb, "lib.xml");
    assert_eq!(exit, 3, "{stderr}");
    assert!(stderr.contains("no title and no file name"), "{stderr}");
    let after = text(&after);
    assert!(after.contains(tracks[1]), "the unknown track was touched");
    assert_eq!(after.matches("/* E: ").count(), 2, "{after}");
}

#[test]
fn a_20_mb_attribute_value_is_tagged_faithfully() {
    let sb = Sandbox::new();
    // Pasted lyrics: mostly plain text, with a few references to resolve and re-escape.
    let verse = "Around the world, around the world, around the world, around the world ";
    let lyrics = format!("{verse}&amp; &#233;t&#xE9; &lt;3 ").repeat(210_000);
    assert!(lyrics.len() > 20_000_000);
    let track = TRACK.replace("Comments=\"\"", &format!("Comments=\"{lyrics}\""));
    sb.write("big.xml", library(&track));
    let (exit, stderr, after) = tagged_faithfully(&sb, "big.xml");
    assert_eq!(exit, 0, "{stderr}");
    assert!(
        text(&after).contains("&lt;3 /* E: "),
        "block after the user's text"
    );
    // How long it takes is measured in the bench harness (a 20 MB comment), not here.
}

#[test]
fn deeply_nested_playlists_do_not_overflow() {
    let sb = Sandbox::new();
    let depth = 200_000;
    let mut nodes = String::with_capacity(depth * 40);
    for _ in 0..depth {
        nodes.push_str("    <NODE Type=\"0\" Name=\"f\" Count=\"1\">\n");
    }
    nodes.push_str(
        "    <NODE Name=\"p\" Type=\"1\" KeyType=\"0\" Entries=\"1\"><TRACK Key=\"1\"/></NODE>\n",
    );
    for _ in 0..depth {
        nodes.push_str("    </NODE>\n");
    }
    sb.write("deep.xml", library_with("", TRACK, &nodes));
    let (exit, stderr, _) = tagged_faithfully(&sb, "deep.xml");
    assert_eq!(exit, 0, "{stderr}");
}

#[test]
fn control_characters_are_refused_with_the_place() {
    let raw = TRACK.replace("Around The", "Around\u{1}The");
    let message = refuse("raw.xml", library(&raw));
    assert_located(&message, 5);
    assert!(message.contains("U+0001"), "{message}");
    let raw = TRACK.replace("Year=", "Album=\"a\u{1b}b\" Year=");
    assert_located(&refuse("album.xml", library(&raw)), 5);
    for reference in [
        "&#1;",
        "&#x1;",
        "&#xFFFE;",
        "&#0;",
        "&#xD800;",
        "&#x110000;",
    ] {
        let track = TRACK.replace("Comments=\"\"", &format!("Comments=\"a{reference}\""));
        let message = refuse("ref.xml", library(&track));
        assert_located(&message, 5);
        assert!(message.contains(reference), "{message}");
    }
    let text = r#"    <NODE Type="0" Name="ROOT">&#xFFFF;</NODE>"#;
    let message = refuse("text.xml", library_with("", TRACK, text));
    assert!(message.contains("&#xFFFF;"), "{message}");
}

#[test]
fn broken_structure_is_refused_with_the_place() {
    let unclosed = library(TRACK);
    let unclosed = &unclosed[..unclosed.find("  </COLLECTION>").unwrap()];
    let message = refuse("unclosed.xml", unclosed);
    assert!(message.contains("<COLLECTION>"), "{message}");
    let mismatched = library(TRACK).replace("</PLAYLISTS>", "</PLAYLIST>");
    assert_located(&refuse("mismatched.xml", mismatched), 9);
    let odd_end = library(TRACK).replace("</PLAYLISTS>", "</PLAYLISTS\nX>");
    assert_located(&refuse("odd.xml", odd_end), 9);
    let lt = TRACK.replace("Around The", "Around <The");
    assert_located(&refuse("lt.xml", library(&lt)), 5);
    let amp = TRACK.replace("Around The", "Around & The");
    assert_located(&refuse("amp.xml", library(&amp)), 5);
    let unquoted = TRACK.replace("Year=\"1997\"", "Year=1997");
    assert_located(&refuse("unquoted.xml", library(&unquoted)), 5);
}

#[test]
fn a_duplicate_attribute_is_refused() {
    let dup = TRACK.replace("Year=", "Name=\"Other\" Year=");
    let message = refuse("dup.xml", library(&dup));
    assert_located(&message, 5);
    assert!(message.contains("Name"), "{message}");
    let dup = TRACK.replace("Year=", "TrackID=\"2\" Year=");
    let message = refuse("dup2.xml", library(&dup));
    assert!(message.contains("TrackID"), "{message}");
}

#[test]
fn a_directory_or_a_missing_path_is_refused() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("music")).unwrap();
    let message = refused(&sb, &["tag", "music"], "music");
    assert!(message.contains("directory"), "{message}");
    let message = refused(&sb, &["tag", "nope.xml"], "nope.xml");
    assert!(message.contains("cannot read"), "{message}");
    let message = refused(&sb, &["clear", "nope.xml"], "nope.xml");
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn bad_output_paths_are_refused_and_the_input_kept() {
    let sb = Sandbox::new();
    let input = sb.write("lib.xml", library(TRACK));
    let message = refused(
        &sb,
        &["tag", "lib.xml", "-o", "missing/out.xml"],
        "missing/out.xml",
    );
    assert!(message.contains("does not exist"), "{message}");
    assert!(!sb.path("missing").exists());
    for same in ["lib.xml", "./lib.xml", input.to_str().unwrap()] {
        let message = refused(&sb, &["tag", "lib.xml", "-o", same], same);
        assert!(message.contains("overwrite the input"), "{message}");
        let message = refused(&sb, &["clear", "lib.xml", "-o", same], same);
        assert!(message.contains("overwrite the input"), "{message}");
    }
}
