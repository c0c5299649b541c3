//! `--playlists`: the taggenius folder in rekordbox's and Traktor's own playlist trees, read
//! back as the DJ apps read them, replaced on each run, removed by `clear`; and as .m3u8 files
//! for VirtualDJ.

use std::path::Path;

use crate::mock::Mock;
use crate::util::{code, real_exports, real_traktor_collections, summary, text, Sandbox};
use crate::varied::{varied_blueprints, varied_library, vdj_database};
use crate::xmltree::{rekordbox_tree, traktor_tree, Shown};

const USER_PLAYLIST: &str = "      <NODE Name=\"My set\" Type=\"1\" KeyType=\"0\" Entries=\"1\">\n        <TRACK Key=\"1000\"/>\n      </NODE>\n";

/// `text` without the lines of the folder named `name`, in either layout: from the line that
/// opens it to the line that closes its last NODE.
fn without_folder(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let opens = |l: &str| {
        l.contains(&format!("Name=\"{name}\"")) || l.contains(&format!("NAME=\"{name}\""))
    };
    let Some(start) = lines.iter().position(|l| opens(l)) else {
        return text.to_string();
    };
    let mut depth = 0i64;
    let mut end = start;
    for (i, line) in lines.iter().enumerate().skip(start) {
        depth += line.matches("<NODE ").count() as i64 - line.matches("</NODE>").count() as i64;
        if depth == 0 {
            end = i;
            break;
        }
    }
    [&lines[..start], &lines[end + 1..]].concat().concat()
}

fn taggenius_folder(tree: &[Shown]) -> &Shown {
    let folders: Vec<&Shown> = tree
        .iter()
        .filter(|n| n.name().starts_with("taggenius"))
        .collect();
    assert_eq!(folders.len(), 1, "one taggenius folder: {tree:?}");
    folders[0]
}

/// Tags `name` online with and without `--playlists`, checks the folder as the app reads it
/// (`read`), that it is all that differs between the two (besides the root's count), that a
/// second run gives the same file, and that `clear` gives back the input.
fn check_real_file(path: &Path, read: fn(&str) -> Vec<Shown>, count: &str) {
    let mock = Mock::ok();
    let sb = Sandbox::new();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    sb.copy(path, &name);
    let input = std::fs::read_to_string(path).unwrap();
    let out = mock.run(&sb, &["tag", &name, "-q", "-o", "plain.out"]);
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    let out = mock.run(
        &sb,
        &["tag", &name, "--playlists", "-o", "lists.out", "--json"],
    );
    assert!(matches!(code(&out), 0 | 3), "{name}: {}", text(&out.stderr));
    assert!(summary(&out)["playlists"]["count"].as_u64().unwrap() > 0);
    let plain = std::fs::read_to_string(sb.path("plain.out")).unwrap();
    let lists = std::fs::read_to_string(sb.path("lists.out")).unwrap();
    let folder = taggenius_folder(&read(&lists)).clone();
    assert_eq!(folder.name(), "taggenius");
    assert!(
        folder.at(&["Energy"]).is_some() && folder.at(&["Genre"]).is_some(),
        "{name}"
    );
    // A playlist names each track once, even where the export lists a track twice under one
    // key (djsynctool's export holds one TrackID three times).
    fn each_once(node: &Shown, name: &str) {
        let mut entries = node.entries().to_vec();
        let all = entries.len();
        entries.sort();
        entries.dedup();
        assert_eq!(
            entries.len(),
            all,
            "{name}: {} lists a track twice",
            node.name()
        );
        node.children().iter().for_each(|c| each_once(c, name));
    }
    each_once(&folder, &name);
    let before = read(&input);
    let after = read(&lists);
    assert_eq!(after.len(), before.len() + 1, "{name}");
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "{name}: the user's playlists changed"
    );
    // Only the folder and the root's count differ from the run without playlists.
    let count_of = |t: &str| {
        let at = t.find("<PLAYLISTS").unwrap();
        let from = at + t[at..].find(count).unwrap() + count.len();
        let digits: String = t[from..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<usize>().unwrap()
    };
    assert_eq!(count_of(&lists), count_of(&plain) + 1, "{name}");
    let stripped = without_folder(&lists, "taggenius");
    let at = stripped.find("<PLAYLISTS").unwrap();
    let tail = stripped[at..].replacen(
        &format!("{count}{}\"", count_of(&lists)),
        &format!("{count}{}\"", count_of(&plain)),
        1,
    );
    let stripped = format!("{}{tail}", &stripped[..at]);
    assert!(stripped == plain, "{name}: more than the folder differs");
    // Again on the tagged file: the same bytes, one folder.
    let out = mock.run(
        &sb,
        &["retag", "lists.out", "-q", "--playlists", "-o", "again.out"],
    );
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(sb.path("again.out")).unwrap() == lists,
        "{name}: not stable"
    );
    let out = sb.run(&["clear", "again.out", "-q", "-o", "cleared.out"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(sb.path("cleared.out")).unwrap() == input,
        "{name}: clear"
    );
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn every_real_rekordbox_export_gets_a_folder_rekordbox_can_read() {
    let files = real_exports();
    for file in files {
        check_real_file(&file, rekordbox_tree, "Count=\"");
    }
}

#[test]
#[cfg_attr(
    not(real_exports),
    ignore = "needs the real exports in ../shared/fixtures/real"
)]
fn every_real_traktor_collection_gets_a_folder_traktor_can_read() {
    let files = real_traktor_collections();
    for file in files {
        check_real_file(&file, traktor_tree, "COUNT=\"");
    }
}

#[test]
fn playlists_follow_the_level_and_play_in_bpm_order() {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(40));
    sb.write("lib.xml", varied_library(40, USER_PLAYLIST));
    for (level, most) in [("essential", 1), ("detailed", 3)] {
        let out_name = format!("{level}.xml");
        let out = sb.run(&[
            "retag",
            "lib.xml",
            "-q",
            "--level",
            level,
            "--playlists=situation,genre,energy,vibe,decade,component",
            "-o",
            &out_name,
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        let tagged = std::fs::read_to_string(sb.path(&out_name)).unwrap();
        let tree = rekordbox_tree(&tagged);
        let folder = taggenius_folder(&tree);
        let names: Vec<&str> = folder.children().iter().map(Shown::name).collect();
        assert_eq!(
            names,
            [
                "Situation",
                "Genre",
                "Energy",
                "Vibe",
                "Decade",
                "Component"
            ]
        );
        // Each track is in as many situation playlists as the level shows situations.
        let situations = folder.at(&["Situation"]).unwrap().children();
        for i in 0..40 {
            let id = (1000 + i).to_string();
            let in_lists = situations
                .iter()
                .filter(|p| p.entries().contains(&id))
                .count();
            assert_eq!(in_lists, most, "track {i} at {level}");
        }
        let bands: Vec<&str> = folder
            .at(&["Energy"])
            .unwrap()
            .children()
            .iter()
            .map(Shown::name)
            .collect();
        assert_eq!(bands, ["9-10", "8", "6-7", "4-5", "1-3"]);
        // Sub-genre playlists need three tracks; every genre has its "All" playlist first.
        for genre in folder.at(&["Genre"]).unwrap().children() {
            let lists = genre.children();
            assert_eq!(lists[0].name(), format!("All {}", genre.name()));
            assert!(
                lists[1..].iter().all(|l| l.entries().len() >= 3),
                "{lists:?}"
            );
        }
        // Played in BPM order.
        let bpm = |id: &String| {
            let at = tagged.find(&format!("TrackID=\"{id}\"")).unwrap();
            let from = at + tagged[at..].find("AverageBpm=\"").unwrap() + 12;
            tagged[from..from + 3].parse::<u32>().unwrap()
        };
        for list in situations {
            let tempos: Vec<u32> = list.entries().iter().map(bpm).collect();
            assert!(tempos.windows(2).all(|w| w[0] <= w[1]), "{tempos:?}");
        }
        assert!(folder
            .at(&["Genre", "Drum & Bass", "All Drum & Bass"])
            .is_some());
        assert!(tagged.contains("Name=\"Drum &amp; Bass\""));
    }
}

#[test]
fn a_folder_of_the_users_named_taggenius_is_left_alone() {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(12));
    let users = "      <NODE Name=\"taggenius\" Type=\"1\" KeyType=\"0\" Entries=\"1\">\n        <TRACK Key=\"1001\"/>\n      </NODE>\n";
    let input = varied_library(12, users);
    sb.write("lib.xml", &input);
    let out = sb.run(&["retag", "lib.xml", "--playlists", "-o", "one.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("\"taggenius (2)\""),
        "{}",
        text(&out.stderr)
    );
    let once = std::fs::read_to_string(sb.path("one.xml")).unwrap();
    let tree = rekordbox_tree(&once);
    let names: Vec<&str> = tree.iter().map(Shown::name).collect();
    assert_eq!(names, ["taggenius", "taggenius (2)"]);
    assert_eq!(
        tree[0],
        Shown::Playlist("taggenius".into(), vec!["1001".into()])
    );
    let out = sb.run(&[
        "retag",
        "one.xml",
        "-q",
        "--playlists",
        "--level",
        "detailed",
        "-o",
        "two.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let twice = std::fs::read_to_string(sb.path("two.xml")).unwrap();
    let names: Vec<String> = rekordbox_tree(&twice)
        .iter()
        .map(|n| n.name().to_string())
        .collect();
    assert_eq!(names, ["taggenius", "taggenius (2)"]);
    let out = sb.run(&["clear", "two.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(sb.path("cleared.xml")).unwrap() == input);
}

#[test]
fn an_empty_playlist_root_is_opened_and_closed_again() {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(5));
    let input = varied_library(5, "").replace(
        "    <NODE Type=\"0\" Name=\"ROOT\" Count=\"1\">\n    </NODE>\n",
        "    <NODE Type=\"0\" Name=\"ROOT\" Count=\"0\"/>\n",
    );
    sb.write("lib.xml", &input);
    let out = sb.run(&[
        "retag",
        "lib.xml",
        "-q",
        "--playlists=energy",
        "-o",
        "tagged.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tagged = std::fs::read_to_string(sb.path("tagged.xml")).unwrap();
    assert!(tagged.contains("    <NODE Type=\"0\" Name=\"ROOT\" Count=\"1\">\n      <NODE Type=\"0\" Name=\"taggenius\" Count=\"1\">\n"), "{tagged}");
    assert_eq!(rekordbox_tree(&tagged).len(), 1);
    let out = sb.run(&["clear", "tagged.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(sb.path("cleared.xml")).unwrap() == input);
}

#[test]
fn a_library_without_a_playlist_tree_is_refused_whole() {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(3));
    let input = varied_library(3, "");
    let start = input.find("  <PLAYLISTS>").unwrap();
    let end = input.find("</DJ_PLAYLISTS>").unwrap();
    sb.write("lib.xml", format!("{}{}", &input[..start], &input[end..]));
    let out = sb.run(&["retag", "lib.xml", "--playlists", "-o", "out.xml"]);
    assert_eq!(code(&out), 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("lib.xml: cannot add playlists") && err.contains("no PLAYLISTS"),
        "{err}"
    );
    assert!(!sb.path("out.xml").exists());
}

#[test]
fn virtualdj_playlists_are_m3u8_files_replaced_and_cleared() {
    let sb = Sandbox::new();
    sb.import(&varied_blueprints(12));
    sb.write("database.xml", vdj_database(12));
    let out = sb.run(&["retag", "database.xml", "--playlists", "-o", "tagged.xml"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--playlists-dir"),
        "{}",
        text(&out.stderr)
    );
    std::fs::create_dir(sb.path("Playlists")).unwrap();
    std::fs::create_dir(sb.path("Playlists/taggenius")).unwrap();
    std::fs::write(sb.path("Playlists/taggenius/mine.m3u"), "#EXTM3U\n").unwrap();
    let dir = sb.path("Playlists");
    let dir = dir.to_str().unwrap();
    let out = sb.run(&[
        "retag",
        "database.xml",
        "--playlists-dir",
        dir,
        "-o",
        "tagged.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("taggenius (2)"),
        "{}",
        text(&out.stderr)
    );
    let ours = sb.path("Playlists/taggenius (2)");
    let band = std::fs::read_to_string(ours.join("Energy/9-10.m3u8")).unwrap();
    assert!(band.starts_with("#EXTM3U\n#EXTINF:-1,Artist "), "{band}");
    assert!(band.contains("\nC:\\Music\\8.mp3\n"), "{band}");
    assert!(ours
        .join("Genre/Drum & Bass/All Drum & Bass.m3u8")
        .is_file());
    // Again, at another level and with other groups: the folder is replaced, not added to.
    let out = sb.run(&[
        "retag",
        "database.xml",
        "-q",
        "--playlists=vibe",
        "--playlists-dir",
        dir,
        "-o",
        "tagged.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(!ours.join("Energy").exists() && ours.join("Vibe/Dark.m3u8").is_file());
    let out = sb.run(&[
        "clear",
        "tagged.xml",
        "-q",
        "--playlists-dir",
        dir,
        "-o",
        "cleared.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(!ours.exists());
    assert!(
        sb.path("Playlists/taggenius/mine.m3u").is_file(),
        "the user's folder went"
    );
}

#[test]
#[cfg_attr(
    not(all(real_exports, pyrekordbox)),
    ignore = "needs the real exports and TAGGENIUS_PYTHON, a python with pyrekordbox (.ci/run makes one)"
)]
fn pyrekordbox_reads_every_playlist_taggenius_writes() {
    let files = real_exports();
    let python = option_env!("TAGGENIUS_PYTHON").unwrap_or("python3");
    let mock = Mock::ok();
    let sb = Sandbox::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/pyrekordbox_check.py");
    for file in files {
        sb.copy(&file, "lib.xml");
        let out = mock.run(
            &sb,
            &[
                "tag",
                "lib.xml",
                "-q",
                "--playlists",
                "--level",
                "detailed",
                "-o",
                "tagged.xml",
            ],
        );
        assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
        let out = std::process::Command::new(python)
            .arg(&script)
            .arg(sb.path("tagged.xml"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            text(&out.stderr)
        );
        let read: usize = text(&out.stdout).trim().parse().unwrap();
        assert!(
            read >= 5,
            "{}: pyrekordbox read {read} playlists",
            file.display()
        );
    }
}
