//! The core pipeline on the repo's own fixture: tag, retag, clear and the cache commands.

use crate::util::*;

#[test]
fn tag_writes_beside_the_input_and_clear_gives_it_back_byte_for_byte() {
    let sb = Sandbox::new();
    let input = sb.copy(&fixture("sample.xml"), "lib.xml");
    let before = std::fs::read(&input).unwrap();
    let out = sb.run(&["tag", "lib.xml"]);
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    assert!(
        std::fs::read(&input).unwrap() == before,
        "the input was modified"
    );
    let tagged = std::fs::read(sb.path("lib.tagged.xml")).unwrap();
    assert!(tagged != before, "nothing was tagged");
    assert_only_attributes_changed(&before, &tagged, &["Genre", "Comments"]);
    assert!(text(&tagged).contains("\r\n"), "CRLF kept");
    let out = sb.run(&["clear", "lib.tagged.xml", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        std::fs::read(sb.path("cleared.xml")).unwrap() == before,
        "clear(tag(x)) != x"
    );
}

#[test]
fn rendering_follows_the_level_and_keeps_my_tag_blocks() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    sb.run(&[
        "tag",
        "lib.xml",
        "--offline",
        "--level",
        "essential",
        "-o",
        "e.xml",
    ]);
    let essential = text(&std::fs::read(sb.path("e.xml")).unwrap());
    assert!(
        essential.contains(r#"Genre="House, French House""#),
        "{essential}"
    );
    assert!(essential.contains(
        r#"Comments="/* E: 09 / Sit: Peak Hour / Vibe: Uplifting / Comp: Vocal / Time: 1990s */""#
    ));
    // Tagging the tagged file again replaces the block instead of adding a second one.
    sb.run(&["retag", "e.xml", "--level", "detailed", "-o", "d.xml"]);
    let detailed = text(&std::fs::read(sb.path("d.xml")).unwrap());
    assert!(detailed.contains(r#"Genre="House, French House, Disco House, Filter House""#));
    assert!(detailed.contains(r#"Comments="dup in another folder /* E: 09 / Sit: Peak Hour, Pre-Party, Sunset / Vibe: Uplifting, Funky, Energetic / Comp: Vocal, Keys, Strings / Time: 1990s */""#), "{detailed}");
    assert_eq!(
        detailed.matches("/* E: ").count(),
        2,
        "one block per tagged track"
    );
    assert!(
        detailed.contains(r#"Comments="/* Dark */""#),
        "My Tag block untouched"
    );
}

#[test]
fn offline_misses_exit_3_and_are_listed_untouched() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    let out = sb.run(&["tag", "lib.xml", "--offline", "--json", "-q"]);
    assert_eq!(code(&out), 3);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["tracks"], 10);
    assert_eq!(summary["cached"], 1);
    assert_eq!(summary["fetched"], 0);
    assert_eq!(summary["requests"], 0);
    assert_eq!(summary["missing"].as_array().unwrap().len(), 8);
    assert!(summary["output"]
        .as_str()
        .unwrap()
        .ends_with("lib.tagged.xml"));
    assert!(out.stderr.is_empty(), "--quiet: {}", text(&out.stderr));
    let out = sb.run(&["tag", "lib.xml", "--offline"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no blueprint: Goldie - Inner City Life: not in the cache (offline)"),
        "{stderr}"
    );
    assert!(
        stderr
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("tagged 2 of 10 tracks"),
        "{stderr}"
    );
}

#[test]
fn retag_without_library_uses_the_last_tagged_one() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    assert_eq!(code(&sb.run(&["tag", "lib.xml", "--offline", "-q"])), 3);
    std::fs::remove_file(sb.path("lib.tagged.xml")).unwrap();
    let out = sb.run(&["retag", "--level", "detailed", "--json"]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["requests"], 0);
    assert_eq!(summary["level"], "detailed");
    assert!(sb.path("lib.tagged.xml").exists());
}

#[test]
fn retag_with_an_empty_cache_and_no_library_is_an_error() {
    let sb = Sandbox::new();
    let out = sb.run(&["retag"]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).starts_with("taggenius: no LIBRARY given"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn stdin_to_stdout() {
    let sb = Sandbox::new();
    sb.import(DAFT_PUNK);
    let input = std::fs::read(fixture("sample.xml")).unwrap();
    let out = sb
        .cmd()
        .args(["tag", "-", "--offline", "-q"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(code(&out), 3);
    assert_only_attributes_changed(&input, &out.stdout, &["Genre", "Comments"]);
    assert!(text(&out.stdout).contains("French House"));
    assert!(
        sb.files().iter().all(|f| f.starts_with("cache.sqlite3")),
        "{:?}",
        sb.files()
    );
}

#[test]
fn json_and_stdout_output_do_not_mix() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let out = sb.run(&["tag", "lib.xml", "-o", "-", "--json"]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    // `taggenius retag --json | head -c0` and `tag -o - | true`: the reader is gone before
    // taggenius writes. It must end without a panic message, as other Unix tools do.
    let sb = Sandbox::new();
    sb.import(DAFT_PUNK);
    sb.copy(&fixture("sample.xml"), "lib.xml");
    for args in [
        &["retag", "lib.xml", "--json", "-o", "out.xml"][..],
        &["retag", "lib.xml", "-o", "-", "-q"][..],
        &["tag", "lib.xml", "--dry-run", "--offline"][..],
    ] {
        let mut child = sb
            .spawnable()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(code(&out), 0, "{args:?}: {stderr}");
    }
}

#[test]
fn colour_and_rating_are_opt_in_and_red_is_kept() {
    let sb = Sandbox::new();
    let input = sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    sb.import(
        &DAFT_PUNK
            .replace("Daft Punk", "Rhythim Is Rhythim")
            .replace("Around The World", "Strings Of Life"),
    );
    sb.run(&[
        "tag",
        "lib.xml",
        "--offline",
        "--write",
        "genre,colour,rating",
        "-o",
        "c.xml",
    ]);
    let before = std::fs::read(&input).unwrap();
    let after = std::fs::read(sb.path("c.xml")).unwrap();
    assert_only_attributes_changed(&before, &after, &["Genre", "Colour", "Rating"]);
    let after = text(&after);
    assert!(
        after.contains(r#"Mix="" Colour="0xFF007F">"#),
        "inserted colour"
    );
    assert!(after.contains(r#"Colour="0xFF0000""#), "red kept");
    assert_eq!(after.matches(r#"Rating="255""#).count(), 3);
    assert!(!after.contains("/* E:"), "comments not written");
    let out = sb.run(&["clear", "c.xml", "-o", "back.xml"]);
    assert_eq!(code(&out), 0);
    assert!(
        std::fs::read(sb.path("back.xml")).unwrap() == before,
        "clear(tag(x)) != x"
    );
}

#[cfg(unix)]
#[test]
fn the_output_is_an_ordinary_file_not_a_private_temp_file() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let out = sb.run(&["tag", "lib.xml", "--offline", "-o", "out.xml", "-q"]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    // What `File::create` gives here, whatever the umask of the test run.
    let plain = sb.write("plain.txt", "x");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sb.path("out.xml")), mode(&plain));
}

#[test]
fn a_field_named_twice_in_write_is_written_once() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    let once = sb.run(&["retag", "lib.xml", "-o", "once.xml", "-q"]);
    let twice = sb.run(&[
        "retag",
        "lib.xml",
        "--write",
        "genre,comments,genre,comments",
        "-o",
        "twice.xml",
        "-q",
    ]);
    assert_eq!(code(&once), 3, "{}", text(&once.stderr));
    assert_eq!(code(&twice), 3, "{}", text(&twice.stderr));
    let tagged = std::fs::read(sb.path("once.xml")).unwrap();
    assert!(text(&tagged).contains("French House"));
    assert!(std::fs::read(sb.path("twice.xml")).unwrap() == tagged);
}

#[test]
fn malformed_xml_is_one_line_exit_1_and_nothing_written() {
    let sb = Sandbox::new();
    sb.write("bad.xml", "<?xml version=\"1.0\"?>\n<DJ_PLAYLISTS>\n  <COLLECTION>\n    <TRACK Name=\"a\">\n  </COLLECTION>\n</DJ_PLAYLISTS>\n");
    let out = sb.run(&["tag", "bad.xml"]);
    assert_eq!(code(&out), 1);
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("taggenius: bad.xml: line 5, column"),
        "{stderr}"
    );
    assert_eq!(sb.files(), ["bad.xml"]);
}

#[test]
fn output_naming_the_input_is_refused() {
    let sb = Sandbox::new();
    let input = sb.copy(&fixture("sample.xml"), "lib.xml");
    let before = std::fs::read(&input).unwrap();
    let out = sb.run(&["tag", "lib.xml", "-o", "./lib.xml"]);
    assert_eq!(code(&out), 1);
    assert!(text(&out.stderr).contains("would overwrite the input"));
    assert!(std::fs::read(&input).unwrap() == before, "input modified");
}

#[test]
fn cache_show_export_and_import_round_trip_without_downgrades() {
    let sb = Sandbox::new();
    sb.import(DAFT_PUNK);
    let out = sb.run(&["cache", "show", "daft punk", "around the  world"]);
    assert_eq!(code(&out), 0);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["energy_level"], 9);
    let exported = sb.run(&["cache", "export"]).stdout;
    assert_eq!(text(&exported).lines().count(), 1);
    let older = DAFT_PUNK
        .replace("1700000000", "1600000000")
        .replace("\"energy_level\":9", "\"energy_level\":2");
    sb.import(&older);
    let shown: serde_json::Value = serde_json::from_slice(
        &sb.run(&["cache", "show", "Daft Punk", "Around The World"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        shown["energy_level"], 9,
        "an older blueprint never replaces a newer one"
    );
    let out = sb
        .cmd()
        .args(["cache", "import", "-"])
        .write_stdin("{\"nope\":1}\n")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("<stdin>: line 1"),
        "{}",
        text(&out.stderr)
    );
    let out = sb.run(&["cache", "show", "Nobody", "Nothing"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn cache_stats_reports_blueprints_and_runs() {
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    sb.import(DAFT_PUNK);
    sb.run(&["tag", "lib.xml", "--offline", "-q"]);
    let out = sb.run(&["cache", "stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["blueprints"], 1);
    assert_eq!(stats["runs"], 1);
    assert!(stats["last_library"].as_str().unwrap().ends_with("lib.xml"));
    let out = sb.run(&["cache", "stats"]);
    assert!(
        text(&out.stdout).contains("blueprints   1 (1 gpt-4o-mini)"),
        "{}",
        text(&out.stdout)
    );
    // Re-renders with nothing new to remember record their runs without waiting for the disk;
    // each is still there for the next process. (Exit 3: the sample's other tracks have no
    // blueprint.)
    for _ in 0..2 {
        assert_eq!(code(&sb.run(&["retag", "lib.xml", "-q"])), 3);
    }
    let out = sb.run(&["cache", "stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["runs"], 3, "{stats}");
}

#[test]
fn completions_are_printed() {
    let sb = Sandbox::new();
    let out = sb.run(&["completions", "bash"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out.stdout).contains("retag"));
}

#[test]
fn a_field_the_format_lacks_is_a_usage_error_naming_the_fields_it_has() {
    let sb = Sandbox::new();
    sb.write("lib.xml", crate::util::library_of(&[("A", "T", "House")]));
    let out = sb.run(&["tag", "lib.xml", "--write", "genre,comment2"]);
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--write comment2: a rekordbox XML library has no such field; it has genre, comments, colour, rating"),
        "{stderr}"
    );
    assert!(!sb.path("lib.tagged.xml").exists());
}
