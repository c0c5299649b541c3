//! `taggenius set`: the hard rules checked from the crate's own figures (not the set's
//! printout), the error when no set meets them, the tracks the DJ names, half and double time,
//! master tempo, the three key notations, alternatives, seeds.

use std::collections::HashMap;

use proptest::prelude::*;

use crate::crates::{blueprints, names, random_crate, sandbox_with, set_json, Song};
use crate::util::{code, text, Sandbox};

/// The tempo step between two tempos in percent, half and double time folded.
fn step(a: f64, b: f64) -> f64 {
    let octaves = (b / a).log2();
    (2f64.powf(octaves - octaves.round()) - 1.0).abs() * 100.0
}

/// Every hard rule, checked against the crate: each track once, no artist twice among `gap`
/// tracks in a row, no step above `max_step`, the length within 5 % of `minutes`.
fn assert_rules(songs: &[Song], set: &serde_json::Value, minutes: f64, gap: usize, max_step: f64) {
    let by_name: HashMap<String, &Song> = songs.iter().map(|s| (s.name(), s)).collect();
    let played: Vec<&Song> = names(set).iter().map(|n| by_name[n.as_str()]).collect();
    let mut unique: Vec<String> = played.iter().map(|s| s.name()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), played.len(), "a track twice");
    for (i, song) in played.iter().enumerate() {
        for earlier in &played[i.saturating_sub(gap - 1)..i] {
            assert_ne!(earlier.artist, song.artist, "artist within {gap} at {i}");
        }
        if i > 0 {
            let s = step(played[i - 1].bpm, song.bpm);
            assert!(s <= max_step + 1e-6, "step {s} at {i}");
        }
    }
    let length: u32 = played.iter().map(|s| s.seconds).sum();
    let off = (f64::from(length) / 60.0 - minutes).abs();
    assert!(off <= minutes * 0.05, "{length} s for {minutes} minutes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn every_set_keeps_the_hard_rules(seed in 1u64..10_000, minutes in 30u32..90, gap in 2usize..6) {
        let songs = random_crate(160, seed, (118.0, 132.0), 25);
        let sb = sandbox_with(&songs);
        let (m, g) = (minutes.to_string(), gap.to_string());
        let set = set_json(&sb, "lib.xml", &["--minutes", &m, "--artist-gap", &g, "--max-bpm-step", "4"]);
        assert_rules(&songs, &set, f64::from(minutes), gap, 4.0);
        let share = set["summary"]["harmonic_share"].as_f64().unwrap();
        prop_assert!(share >= 0.9, "harmonic share {share}");
    }
}

#[test]
fn filters_pick_the_crate_and_the_summary_says_what_was_left_out() {
    let mut songs = random_crate(120, 7, (120.0, 128.0), 30);
    for s in songs.iter_mut().step_by(3) {
        s.genre = "Techno";
    }
    songs[1].key = String::new();
    // The same recording twice (another copy of Track 0): a set plays it once at most.
    songs.push(songs[0].clone());
    let sb = sandbox_with(&songs);
    let set = set_json(&sb, "lib.xml", &["--minutes", "40", "--genre", "Techno"]);
    let techno: Vec<String> = songs.iter().step_by(3).map(Song::name).collect();
    for name in names(&set) {
        assert!(techno.contains(&name), "{name} is not Techno");
    }
    assert_eq!(set["left_out"]["outside the filters"], 79);
    assert_eq!(set["left_out"]["no key"], 1);
    assert_eq!(set["left_out"]["the same track again"], 1);
    assert_eq!(set["candidates"], 40);
    let out = sb.run(&["set", "lib.xml", "--minutes", "40", "--genre", "Techno"]);
    assert!(text(&out.stderr).contains(
        "40 candidates; left out: 1 no key, 79 outside the filters, 1 the same track again"
    ));
}

#[test]
fn a_crate_that_cannot_make_the_set_says_which_rule_and_how_close() {
    // Tempos 10 % apart: nothing mixes into anything with steps of 6 %.
    let songs: Vec<Song> = (0..12)
        .map(|i| {
            Song::new(
                i,
                &format!("A{i}"),
                100.0 * 1.1f64.powi(i as i32 % 7),
                "8A",
                300,
                5,
            )
        })
        .collect();
    let sb = sandbox_with(&songs);
    let out = sb.run(&["set", "lib.xml", "--minutes", "40"]);
    assert_eq!(code(&out), 1);
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("the crate holds only 10 connected minutes with --max-bpm-step 6"),
        "{err}"
    );
    let out = sb.run(&["set", "lib.xml", "--minutes", "90"]);
    assert!(text(&out.stderr)
        .contains("the crate holds only 60 minutes of tracks, too few for a 90-minute set"));
    // One artist only: the gap cannot be kept.
    let alone: Vec<Song> = (0..20)
        .map(|i| Song::new(i, "Solo", 124.0, "8A", 300, 5))
        .collect();
    let sb = sandbox_with(&alone);
    let out = sb.run(&["set", "lib.xml", "--minutes", "30"]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("keeps --artist-gap 4"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        set_json(&sb, "lib.xml", &["--minutes", "30", "--artist-gap", "1"])["tracks"].is_array()
    );
}

#[test]
fn start_end_and_include_are_honoured_and_names_must_be_clear() {
    let songs = random_crate(150, 11, (120.0, 128.0), 40);
    let sb = sandbox_with(&songs);
    let (first, last, middle) = (songs[3].name(), songs[77].name(), songs[120].name());
    let set = set_json(
        &sb,
        "lib.xml",
        &[
            "--minutes",
            "60",
            "--start",
            &first,
            "--end",
            &last,
            "--include",
            &middle,
            "--exclude",
            &songs[5].name(),
        ],
    );
    let order = names(&set);
    assert_eq!(order.first(), Some(&first));
    assert_eq!(order.last(), Some(&last));
    assert!(order.contains(&middle));
    assert!(!order.contains(&songs[5].name()));
    assert_rules(&songs, &set, 60.0, 4, 6.0);
    // "Track 14" is part of Track 14 and 140-149; a name of no track is unknown.
    let out = sb.run(&["set", "lib.xml", "--minutes", "60", "--start", "Track 14"]);
    assert_eq!(code(&out), 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("could be any of") && err.contains("Track 140"),
        "{err}"
    );
    let out = sb.run(&[
        "set",
        "lib.xml",
        "--minutes",
        "60",
        "--include",
        "Nobody - Nothing",
    ]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("no track of the crate"));
}

#[test]
fn half_and_double_time_mix_as_the_same_tempo() {
    // Drum & bass at 172-176 and half-time tracks at 86-88: only together do they fill the set.
    let songs: Vec<Song> = (0..16)
        .map(|i| {
            let bpm = if i % 2 == 0 {
                172.0 + (i % 5) as f64
            } else {
                86.0 + (i % 3) as f64 * 0.5
            };
            Song::new(
                i,
                &format!("A{i}"),
                bpm,
                ["8A", "9A", "8B", "7A"][i % 4],
                300,
                6,
            )
        })
        .collect();
    let sb = sandbox_with(&songs);
    let set = set_json(&sb, "lib.xml", &["--minutes", "75"]);
    assert_rules(&songs, &set, 75.0, 4, 6.0);
    let halves = set["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["transition"]["half_or_double"] == true)
        .count();
    assert!(halves > 0);
}

#[test]
fn without_master_tempo_the_key_as_heard_must_mix() {
    // 120 → 127.2 BPM pitches the second track down a semitone: 3A sounds as 8A.
    let mut songs = vec![
        Song::new(0, "First", 120.0, "8A", 300, 5),
        Song::new(1, "Second", 127.2, "3A", 300, 5),
    ];
    songs.extend((2..8).map(|i| Song::new(i, &format!("Other {i}"), 140.0, "1A", 300, 5)));
    let sb = sandbox_with(&songs);
    let pins = [
        "--minutes",
        "10",
        "--start",
        "First - Track 0",
        "--end",
        "Second - Track 1",
    ];
    let mut args = pins.to_vec();
    args.extend(["--master-tempo", "off"]);
    let set = set_json(&sb, "lib.xml", &args);
    let mix = &set["tracks"][1]["transition"];
    assert_eq!(mix["pitch_shift"], -1);
    assert_eq!(mix["key"], "8A");
    assert_eq!(mix["harmonic"], true);
    assert_eq!(mix["text"], "8A → 8A (3A pitched -1) same key, +6.0 % BPM");
    let kept = set_json(&sb, "lib.xml", &pins);
    assert_eq!(kept["tracks"][1]["transition"]["harmonic"], false);
    assert_eq!(kept["summary"]["harmonic_share"], 0.0);
}

#[test]
fn keys_in_every_notation_give_the_same_set() {
    let songs = random_crate(100, 5, (122.0, 128.0), 30);
    let notations: [fn(&str) -> String; 3] = [|k| k.to_string(), open_key, classic];
    let mut sets = Vec::new();
    for notation in notations {
        let written: Vec<Song> = songs
            .iter()
            .map(|s| Song {
                key: notation(&s.key),
                ..s.clone()
            })
            .collect();
        let sb = sandbox_with(&written);
        let set = set_json(&sb, "lib.xml", &["--minutes", "45"]);
        let keys: Vec<String> = set["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].to_string())
            .collect();
        sets.push((names(&set), keys));
    }
    assert_eq!(sets[0], sets[1]);
    assert_eq!(sets[0], sets[2]);
}

fn camelot(key: &str) -> (usize, bool) {
    let (digits, letter) = key.split_at(key.len() - 1);
    (digits.parse().unwrap(), letter == "A")
}

fn open_key(key: &str) -> String {
    let (n, minor) = camelot(key);
    format!("{}{}", (n + 4) % 12 + 1, if minor { 'm' } else { 'd' })
}

fn classic(key: &str) -> String {
    const MAJOR: [&str; 12] = [
        "B", "F#", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E",
    ];
    const MINOR: [&str; 12] = [
        "G#m", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m",
    ];
    let (n, minor) = camelot(key);
    (if minor { MINOR[n - 1] } else { MAJOR[n - 1] }).to_string()
}

#[test]
fn alternatives_share_at_most_half_and_a_seed_repeats_the_set() {
    let songs = random_crate(200, 3, (120.0, 128.0), 50);
    let sb = sandbox_with(&songs);
    let set = set_json(&sb, "lib.xml", &["--minutes", "45", "--alternatives", "3"]);
    let mut all = vec![names(&set)];
    for alternative in set["alternatives"].as_array().unwrap() {
        all.push(names(alternative));
    }
    assert_eq!(all.len(), 3);
    for (i, a) in all.iter().enumerate() {
        for b in &all[..i] {
            let shared = a.iter().filter(|n| b.contains(n)).count();
            assert!(shared * 2 <= a.len(), "{shared} of {} shared", a.len());
        }
    }
    let again = |seed: &str| {
        sb.run(&["set", "lib.xml", "--minutes", "45", "--seed", seed])
            .stdout
    };
    assert_eq!(again("9"), again("9"));
    let out = sb.run(&["set", "lib.xml", "--minutes", "45"]);
    assert!(text(&out.stdout).contains(" → "), "{}", text(&out.stdout));
}

#[test]
fn a_library_without_blueprints_says_to_tag_it_first() {
    let songs = random_crate(10, 1, (120.0, 128.0), 5);
    let sb = crate::util::Sandbox::new();
    sb.write("lib.xml", crate::crates::rekordbox(&songs));
    let out = sb.run(&["set", "lib.xml", "--minutes", "30"]);
    assert_eq!(code(&out), 1);
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1);
    assert!(
        err.contains("no track has a blueprint in this cache; run `taggenius tag lib.xml` first"),
        "{err}"
    );
}

#[test]
fn the_three_formats_give_the_same_set() {
    let songs = random_crate(120, 17, (120.0, 128.0), 30);
    let sb = Sandbox::new();
    sb.write("lib.xml", crate::crates::rekordbox(&songs));
    sb.write("collection.nml", crate::crates::traktor(&songs));
    sb.write("database.xml", crate::crates::virtualdj(&songs));
    sb.import(&blueprints(&songs));
    let sets: Vec<serde_json::Value> = ["lib.xml", "collection.nml", "database.xml"]
        .iter()
        .map(|lib| set_json(&sb, lib, &["--minutes", "60"]))
        .collect();
    assert_rules(&songs, &sets[0], 60.0, 4, 6.0);
    let seen = |set: &serde_json::Value| (names(set), set["summary"].clone());
    let sets: Vec<_> = sets.iter().map(seen).collect();
    assert_eq!(sets[0], sets[1]);
    assert_eq!(sets[0], sets[2]);
}

#[test]
fn situations_place_warmup_tracks_early_and_closers_last() {
    // Twelve five-minute tracks alike but for their situations, on a flat curve: only the
    // situations say where each belongs.
    let songs: Vec<Song> = (0..12)
        .map(|i| {
            let mut song = Song::new(i, &format!("A{i}"), 124.0, "8A", 300, 5);
            song.situations = match i {
                0 | 5 | 9 => vec!["Warmup"],
                2 | 7 => vec!["Closer"],
                _ => vec!["Filler"],
            };
            song
        })
        .collect();
    let sb = sandbox_with(&songs);
    // Without LIBRARY, set takes the library the last tag read.
    let out = sb.run(&["tag", "lib.xml", "--offline", "-q", "-o", "tagged.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let set = set_json(&sb, "lib.xml", &["--minutes", "60", "--curve", "0:5,60:5"]);
    let order = names(&set);
    let at = |i: usize| order.iter().position(|n| *n == songs[i].name()).unwrap();
    for warmup in [0, 5, 9] {
        assert!(at(warmup) <= 4, "a warm-up track at {}", at(warmup));
    }
    let mut closers = [at(2), at(7)];
    closers.sort_unstable();
    assert_eq!(closers, [10, 11]);
    let out = sb.run(&["set", "--minutes", "60", "--curve", "0:5,60:5", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let without_library: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(names(&without_library).len(), 12);
}

#[test]
fn config_toml_sets_how_sets_are_built_and_flags_win() {
    let mut songs = vec![
        Song::new(0, "First", 120.0, "8A", 300, 5),
        Song::new(1, "Second", 127.2, "3A", 300, 5),
    ];
    songs.extend((2..6).map(|i| Song::new(i, &format!("Other {i}"), 140.0, "1A", 300, 5)));
    let sb = sandbox_with(&songs);
    let config = sb.write(
        "config.toml",
        "[set]\nmaster_tempo = false\nartist_gap = 2\nmax_bpm_step = 6.5\ncurve = \"warmup\"\n",
    );
    let config = config.to_str().unwrap();
    let shown = text(&sb.run(&["--config", config, "config", "show"]).stdout);
    for line in [
        "set.curve        warmup",
        "set.artist_gap   2",
        "set.max_bpm_step 6.5",
        "set.master_tempo off",
    ] {
        let found = shown.lines().find(|l| l.starts_with(line));
        assert!(
            found.is_some_and(|l| l.ends_with("(file)")),
            "{line}: {shown}"
        );
    }
    let pins = [
        "--minutes",
        "10",
        "--start",
        "First",
        "--end",
        "Second",
        "--config",
        config,
    ];
    let set = set_json(&sb, "lib.xml", &pins);
    assert_eq!(
        set["tracks"][1]["transition"]["harmonic"], true,
        "master_tempo = false"
    );
    let mut flagged = pins.to_vec();
    flagged.extend(["--master-tempo", "on"]);
    let set = set_json(&sb, "lib.xml", &flagged);
    assert_eq!(
        set["tracks"][1]["transition"]["harmonic"], false,
        "the flag wins"
    );
    let out = sb.run(&["set", "lib.xml", "--minutes", "10", "--curve", "0:3,x:5"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("--curve \"0:3,x:5\": \"x:5\" has no minute"));
    let bad = sb.write("bad.toml", "[set]\ncurve = \"loud\"\n");
    let out = sb.run(&[
        "--config",
        bad.to_str().unwrap(),
        "set",
        "lib.xml",
        "--minutes",
        "10",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("set.curve: \"loud\": not a shape"),
        "{}",
        text(&out.stderr)
    );
}
