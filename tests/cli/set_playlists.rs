//! `set --playlist`: the set in order as `taggenius/Sets/NAME` in a real rekordbox export and a
//! real Traktor collection, read back by the tests' own XML reader; `clear` gives the file back
//! byte for byte; later `--playlists` runs keep the set; VirtualDJ gets an `.m3u8`.

use std::collections::HashMap;

use crate::crates::{blueprints, random_crate, sandbox_with, set_json, virtualdj};
use crate::mock::Mock;
use crate::util::{code, real_exports, real_traktor_collections, text, Sandbox};
use crate::xmltree::{parse, rekordbox_tree, traktor_tree, Shown};

/// Tags `file` (copied in as `name`) through the mock server, so that its tracks have
/// blueprints; returns the sandbox and the file's bytes.
fn tagged(file: &std::path::Path, name: &str) -> (Sandbox, Vec<u8>) {
    let sb = Sandbox::new();
    sb.copy(file, name);
    let mut mock = Mock::ok();
    let out = mock.run(&sb, &["tag", name, "-q", "-o", "ignored.out"]);
    mock.stop();
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    let bytes = std::fs::read(sb.path(name)).unwrap();
    (sb, bytes)
}

/// The set's tracks by location, as `--json` gives them.
fn locations(set: &serde_json::Value) -> Vec<String> {
    set["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["location"].as_str().unwrap().to_string())
        .collect()
}

fn largest(files: Vec<std::path::PathBuf>) -> std::path::PathBuf {
    files
        .into_iter()
        .max_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .unwrap()
}

/// `set --json LIBRARY ARGS`, then the same set written as `--playlist NAME -o OUTPUT`: the set,
/// and the library as written.
fn set_and_write(
    sb: &Sandbox,
    library: &str,
    args: &[&str],
    name: &str,
    output: &str,
) -> (serde_json::Value, String) {
    let set = set_json(sb, library, args);
    let mut write = vec!["set", library, "--playlist", name, "-o", output];
    write.extend(args);
    let out = sb.run(&write);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let shown = format!("tracks in taggenius/Sets/{name} → {output}");
    assert!(text(&out.stderr).contains(&shown), "{}", text(&out.stderr));
    (set, std::fs::read_to_string(sb.path(output)).unwrap())
}

/// The entries of `taggenius/Sets/NAME` in a tree read back.
fn set_entries(tree: &[Shown], name: &str) -> Vec<String> {
    let ours = tree
        .iter()
        .find(|n| n.name() == "taggenius")
        .expect("taggenius folder");
    let list = ours.at(&["Sets", name]).expect("the set's playlist");
    list.entries().to_vec()
}

/// `clear OUTPUT` gives the library back byte for byte.
fn assert_clears_back(sb: &Sandbox, output: &str, before: &[u8]) {
    let out = sb.run(&["clear", output, "-q", "-o", "back"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        std::fs::read(sb.path("back")).unwrap() == before,
        "clear is not byte-exact"
    );
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn a_set_goes_into_a_real_rekordbox_export_in_order_and_clear_takes_it_out() {
    let (sb, before) = tagged(&largest(real_exports()), "lib.xml");
    let args = ["--minutes", "30", "--max-bpm-step", "8"];
    let (set, written) = set_and_write(&sb, "lib.xml", &args, "Friday", "out.xml");
    // The TrackID of each Location, from the collection as written.
    let doc = parse(&written);
    let ids: HashMap<String, String> = doc
        .child("COLLECTION")
        .unwrap()
        .all("TRACK")
        .map(|t| {
            (
                t.attr("Location").unwrap_or("").to_string(),
                t.attr("TrackID").unwrap().to_string(),
            )
        })
        .collect();
    let wanted: Vec<String> = locations(&set).iter().map(|l| ids[l].clone()).collect();
    assert_eq!(set_entries(&rekordbox_tree(&written), "Friday"), wanted);
    assert_clears_back(&sb, "out.xml", &before);
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn a_set_goes_into_a_real_traktor_collection_in_order_and_clear_takes_it_out() {
    let (sb, before) = tagged(&largest(real_traktor_collections()), "collection.nml");
    let args = [
        "--minutes",
        "20",
        "--max-bpm-step",
        "10",
        "--artist-gap",
        "2",
    ];
    let (set, written) = set_and_write(&sb, "collection.nml", &args, "Warm", "out.nml");
    assert_eq!(
        set_entries(&traktor_tree(&written), "Warm"),
        locations(&set)
    );
    assert_clears_back(&sb, "out.nml", &before);
}

#[test]
fn later_playlists_runs_keep_the_sets_and_a_second_set_joins_them() {
    let songs = random_crate(120, 21, (120.0, 128.0), 30);
    let sb = sandbox_with(&songs);
    let before = std::fs::read(sb.path("lib.xml")).unwrap();
    let set = |input: &str, name: &str, output: &str| {
        let out = sb.run(&[
            "set",
            input,
            "--minutes",
            "30",
            "--playlist",
            name,
            "-o",
            output,
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    };
    set("lib.xml", "One", "a.xml");
    let out = sb.run(&["retag", "a.xml", "-q", "--playlists", "-o", "b.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    set("b.xml", "Two", "c.xml");
    let tree = rekordbox_tree(&std::fs::read_to_string(sb.path("c.xml")).unwrap());
    let names: Vec<&str> = tree[0].children().iter().map(Shown::name).collect();
    assert_eq!(names, ["Energy", "Situation", "Genre", "Sets"]);
    let sets: Vec<&str> = tree[0]
        .at(&["Sets"])
        .unwrap()
        .children()
        .iter()
        .map(Shown::name)
        .collect();
    assert_eq!(sets, ["One", "Two"]);
    assert_clears_back(&sb, "c.xml", &before);
}

#[test]
fn a_virtualdj_set_is_an_m3u8_in_order() {
    let songs = random_crate(100, 8, (120.0, 128.0), 30);
    let sb = Sandbox::new();
    sb.write("database.xml", virtualdj(&songs));
    sb.import(&blueprints(&songs));
    let set = set_json(&sb, "database.xml", &["--minutes", "30"]);
    let out = sb.run(&[
        "set",
        "database.xml",
        "--minutes",
        "30",
        "--playlist",
        "Late",
    ]);
    assert_eq!(code(&out), 2, "VirtualDJ needs --playlists-dir");
    let dir = sb.path("Playlists");
    let dir = dir.to_str().unwrap();
    let out = sb.run(&[
        "set",
        "database.xml",
        "--minutes",
        "30",
        "--playlist",
        "Late",
        "--playlists-dir",
        dir,
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let m3u = std::fs::read_to_string(sb.path("Playlists/taggenius/Sets/Late.m3u8")).unwrap();
    let files: Vec<&str> = m3u
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(files, locations(&set));
    // A later --playlists run replaces taggenius's folder and keeps the set.
    let retag = [
        "retag",
        "database.xml",
        "-q",
        "--playlists",
        "--playlists-dir",
        dir,
        "-o",
        "out.xml",
    ];
    let out = sb.run(&retag);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(sb.path("Playlists/taggenius/Energy").is_dir());
    let kept = std::fs::read_to_string(sb.path("Playlists/taggenius/Sets/Late.m3u8")).unwrap();
    assert_eq!(kept, m3u);
}

#[test]
fn in_place_keeps_a_backup_and_the_library_gets_the_sets() {
    let songs = random_crate(100, 9, (120.0, 128.0), 30);
    let sb = sandbox_with(&songs);
    let before = std::fs::read(sb.path("lib.xml")).unwrap();
    let args = [
        "set",
        "lib.xml",
        "--minutes",
        "30",
        "--playlist",
        "Now",
        "--in-place",
        "--alternatives",
        "2",
    ];
    let out = sb.run(&args);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let kept = "tracks in taggenius/Sets/Now (2) → lib.xml (the library as it was is kept in lib.taggenius-backup-";
    assert!(err.contains(kept), "{err}");
    let backup = (sb.files().into_iter())
        .find(|f| f.starts_with("lib.taggenius-backup-"))
        .unwrap();
    assert!(std::fs::read(sb.path(&backup)).unwrap() == before);
    let tree = rekordbox_tree(&std::fs::read_to_string(sb.path("lib.xml")).unwrap());
    let sets: Vec<&str> = (tree[0].at(&["Sets"]).unwrap().children().iter())
        .map(Shown::name)
        .collect();
    assert_eq!(sets, ["Now", "Now (2)"]);
    // With the library on standard output, nothing else is printed there.
    let to_stdout = [
        "set",
        "lib.xml",
        "--minutes",
        "30",
        "--playlist",
        "Out",
        "-o",
        "-",
        "--json",
    ];
    let out = sb.run(&to_stdout);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("<?xml"));
    assert_clears_back(&sb, "lib.xml", &before);
}
