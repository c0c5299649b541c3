//! `taggenius find`: which tracks are…, offline, from the cache and the library; checked
//! against the tags written at `detailed` level, which show every word it searches.

use crate::util::{code, text, Sandbox};
use crate::varied::{holds, varied_blueprints, varied_library, varied_titles};
use crate::xmltree::{parse, rekordbox_tree, Shown};

const TRACKS: usize = 40;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(TRACKS));
    sb.write("lib.xml", varied_library(TRACKS, ""));
    sb
}

/// The titles `find` prints for `filters`, in its order.
fn found(sb: &Sandbox, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["find", "lib.xml"];
    args.extend_from_slice(filters);
    let out = sb.run(&args);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|line| {
            let who = line.split('\t').next().unwrap();
            who.split(" – ").nth(1).unwrap().to_string()
        })
        .collect()
}

/// Each track's title and the Comments and Genre written at `detailed` level.
fn detailed_tags(sb: &Sandbox) -> Vec<(String, String, String, f64)> {
    let out = sb.run(&[
        "retag",
        "lib.xml",
        "-q",
        "--level",
        "detailed",
        "-o",
        "detailed.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc = parse(&std::fs::read_to_string(sb.path("detailed.xml")).unwrap());
    let collection = doc.child("COLLECTION").unwrap();
    collection
        .all("TRACK")
        .map(|t| {
            let get = |n: &str| t.attr(n).unwrap_or("").to_string();
            let bpm = get("AverageBpm").parse().unwrap();
            (get("Name"), get("Comments"), get("Genre"), bpm)
        })
        .collect()
}

/// Whether a track's written Comments and Genre say it matches.
type Written = Box<dyn Fn(&str, &str) -> bool>;

#[test]
fn find_agrees_with_the_tags_written_at_detailed_level() {
    let sb = sandbox();
    let tags = detailed_tags(&sb);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // What the block or the Genre says: "Sit: Peak Hour, Warmup, Sunset" and so on.
    let part = |label: &'static str, word: &'static str| -> Written {
        Box::new(move |comments: &str, _: &str| {
            let prefix = format!("{label}: ");
            comments
                .split(" / ")
                .any(|p| p.starts_with(&prefix) && p.contains(word))
        })
    };
    let questions: [(&str, &str, Written); 6] = [
        ("--situation", "Peak Hour", part("Sit", "Peak Hour")),
        ("--vibe", "dark", part("Vibe", "Dark")),
        ("--component", "Piano", part("Comp", "Piano")),
        ("--decade", "90s", part("Time", "1990s")),
        (
            "--sub",
            "Jump Up",
            Box::new(|_, g| g.split(", ").skip(1).any(|s| s == "Jump Up")),
        ),
        (
            "--genre",
            "Drum & Bass",
            Box::new(|_, g| g.starts_with("Drum & Bass")),
        ),
    ];
    for (flag, value, written) in questions {
        let from_tags: Vec<String> = tags
            .iter()
            .filter(|(_, comments, genre, _)| written(comments, genre))
            .map(|(title, ..)| title.clone())
            .collect();
        let asked = sorted(found(&sb, &[flag, value]));
        // By the generator's blueprints, not by anything taggenius wrote.
        let expected = sorted(varied_titles(TRACKS, |bp| match flag {
            "--situation" => holds(bp, "situation_environment", value),
            "--vibe" => holds(bp, "energy_vibe", "Dark"),
            "--component" => holds(bp, "components", value),
            "--decade" => holds(bp, "time_period", "1990s"),
            "--sub" => holds(bp, "sub_genre", value),
            _ => bp["primary_genre"] == value,
        }));
        assert!(
            !expected.is_empty() && expected.len() < TRACKS,
            "{flag} {value}"
        );
        assert_eq!(asked, expected, "{flag} {value}");
        // The tags written at detailed level show the same words.
        assert_eq!(
            sorted(from_tags),
            expected,
            "{flag} {value} in the written tags"
        );
    }
    let expected = varied_titles(TRACKS, |bp| bp["energy_level"].as_u64().unwrap() >= 8);
    assert_eq!(
        sorted(found(&sb, &["--energy", "8-10"])),
        sorted(expected.clone())
    );
    // Energy as the block writes it (E: 07).
    let from_tags: Vec<String> = tags
        .iter()
        .filter(|(_, c, ..)| ["E: 08", "E: 09", "E: 10"].iter().any(|e| c.contains(e)))
        .map(|(title, ..)| title.clone())
        .collect();
    assert_eq!(sorted(from_tags), sorted(expected));
}

#[test]
fn filters_combine_with_and_a_repeated_one_means_either() {
    let sb = sandbox();
    let warmup = found(&sb, &["--situation", "Warmup"]);
    let closer = found(&sb, &["--situation", "Closer"]);
    let either = found(&sb, &["--situation", "Warmup", "--situation", "closer"]);
    let mut union: Vec<String> = warmup.iter().chain(&closer).cloned().collect();
    union.sort();
    union.dedup();
    let mut sorted_either = either.clone();
    sorted_either.sort();
    assert_eq!(sorted_either, union);
    let both = found(&sb, &["--situation", "Warmup", "--genre", "house"]);
    assert!(!both.is_empty() && both.len() < warmup.len());
    assert!(both.iter().all(|t| warmup.contains(t)));
    // Tracks come in playing order: by BPM.
    let out = sb.run(&["find", "lib.xml", "--energy", "1-10"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tempos: Vec<f64> = text(&out.stdout)
        .lines()
        .map(|l| l.split('\t').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(tempos.len(), TRACKS);
    assert!(tempos.windows(2).all(|w| w[0] <= w[1]), "{tempos:?}");
}

#[test]
fn keys_are_found_in_every_notation_and_harmonically() {
    let sb = sandbox();
    // The library spells A minor three ways: 8A, Am and 1m.
    let a_minor = found(&sb, &["--key", "Am"]);
    assert_eq!(a_minor.len(), 15, "{a_minor:?}");
    assert_eq!(found(&sb, &["--key", "8A"]), a_minor);
    assert_eq!(found(&sb, &["--key", "1m"]), a_minor);
    // Harmonic: 8A, 9A, 7A and 8B (which C is).
    let harmonic = found(&sb, &["--key", "8a", "--harmonic"]);
    assert_eq!(harmonic.len(), 35, "{harmonic:?}");
    let out = sb.run(&["find", "lib.xml", "--key", "H#"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--key \"H#\""),
        "{}",
        text(&out.stderr)
    );
    let out = sb.run(&["find", "lib.xml", "--bpm", "fast"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn json_lists_the_whole_blueprint_and_bpm_filters_the_tempo() {
    let sb = sandbox();
    let out = sb.run(&["find", "lib.xml", "--json", "--bpm", "120-126"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let bpm = row["bpm"].as_f64().unwrap();
        assert!((120.0..=126.0).contains(&bpm), "{row}");
        assert_eq!(row["situation"].as_array().unwrap().len(), 3, "{row}");
        assert!(row["location"]
            .as_str()
            .unwrap()
            .starts_with("file://localhost/Music/"));
    }
    let out = sb.run(&["find", "lib.xml", "--json", "--bpm", "300"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "[]");
}

#[test]
fn a_query_becomes_a_playlist_that_later_runs_keep() {
    let sb = sandbox();
    let out = sb.run(&["retag", "lib.xml", "-q", "-o", "tagged.xml"]);
    assert_eq!(code(&out), 0);
    // Without LIBRARY, find takes the library of the last tag: there was none yet.
    let out = sb.run(&["find", "--vibe", "Dark"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let out = sb.run(&[
        "find",
        "lib.xml",
        "--vibe",
        "Dark",
        "--playlist",
        "Dark ones",
        "-o",
        "q1.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // Its size by the generator's blueprints, not by find's own printout.
    let dark = varied_titles(TRACKS, |bp| holds(bp, "energy_vibe", "Dark"));
    let q1 = std::fs::read_to_string(sb.path("q1.xml")).unwrap();
    let tree = rekordbox_tree(&q1);
    let list = tree[0].at(&["Queries", "Dark ones"]).unwrap();
    assert_eq!(list.entries().len(), dark.len());
    // tag --playlists replaces the folder but keeps the queries; a second query is added.
    let out = sb.run(&["retag", "q1.xml", "-q", "--playlists", "-o", "q2.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sb.run(&[
        "find",
        "q2.xml",
        "--energy",
        "10",
        "--playlist",
        "Tens",
        "-o",
        "q3.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let q3 = std::fs::read_to_string(sb.path("q3.xml")).unwrap();
    let tree = rekordbox_tree(&q3);
    assert_eq!(tree.len(), 1);
    let names: Vec<&str> = tree[0].children().iter().map(Shown::name).collect();
    assert_eq!(names, ["Energy", "Situation", "Genre", "Queries"]);
    let queries: Vec<&str> = tree[0]
        .at(&["Queries"])
        .unwrap()
        .children()
        .iter()
        .map(Shown::name)
        .collect();
    assert_eq!(queries, ["Dark ones", "Tens"]);
    let out = sb.run(&["clear", "q3.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0);
    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    assert!(std::fs::read(sb.path("cleared.xml")).unwrap() == input);
}

#[test]
fn a_word_no_blueprint_can_hold_is_a_usage_error_naming_the_nearest() {
    let sb = sandbox();
    for (filters, message) in [
        (
            &["--situation", "Peek Hour"][..],
            "--situation \"Peek Hour\": no blueprint holds that word; did you mean Peak Hour?",
        ),
        (&["--genre", "Tehcno"], "did you mean Techno?"),
        (&["--vibe", "Drivng"], "did you mean Driving?"),
        (&["--decade", "1910s"], "did you mean 1920s?"),
        (
            &["--energy", "11-12"],
            "--energy \"11-12\": energy runs from 1 to 10",
        ),
        (&["--energy", "0"], "energy runs from 1 to 10"),
    ] {
        let mut args = vec!["find", "lib.xml"];
        args.extend_from_slice(filters);
        let out = sb.run(&args);
        assert_eq!(code(&out), 2, "{filters:?}: {}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(message) && stderr.lines().count() == 1,
            "{filters:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    // Known words in any case, and the edges of the energy scale, are fine.
    let out = sb.run(&[
        "find",
        "lib.xml",
        "--situation",
        "peak hour",
        "--energy",
        "1-10",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // No match is no error without --playlist; with one, nothing is written and the exit is 1.
    let out = sb.run(&["find", "lib.xml", "--bpm", "300"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("no track matches"));
    let args = [
        "find",
        "lib.xml",
        "--bpm",
        "300",
        "--playlist",
        "X",
        "-o",
        "q.xml",
    ];
    let out = sb.run(&args);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(!sb.path("q.xml").exists());
}
