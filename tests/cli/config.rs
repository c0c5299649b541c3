//! config.toml: precedence (flag > environment > file > default), errors that name the file,
//! line and key, custom levels, renames everywhere a name is written, a block template that
//! changes, a vocabulary of the user's, api_key_command, prices; and the man page.

use std::time::Duration;

use serde_json::Value;

use crate::mock::{entry, Mock, Reply};
use crate::util::{code, fixture, summary, text, Sandbox};
use crate::varied::{varied_blueprints, varied_library};
use crate::xmltree::{parse, rekordbox_tree, Shown};

/// A sandbox whose config.toml (in its config folder) says `toml`.
fn with_config(toml: &str) -> Sandbox {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("config/taggenius")).unwrap();
    std::fs::write(sb.path("config/taggenius/config.toml"), toml).unwrap();
    sb
}

fn set_config(sb: &Sandbox, toml: &str) {
    std::fs::write(sb.path("config/taggenius/config.toml"), toml).unwrap();
}

/// Each track's Genre and Comments in a rekordbox file.
fn tags(sb: &Sandbox, name: &str) -> Vec<(String, String)> {
    let doc = parse(&std::fs::read_to_string(sb.path(name)).unwrap());
    doc.child("COLLECTION")
        .unwrap()
        .all("TRACK")
        .map(|t| {
            let get = |n: &str| t.attr(n).unwrap_or("").to_string();
            (get("Genre"), get("Comments"))
        })
        .collect()
}

fn show(sb: &Sandbox, envs: &[(&str, &str)]) -> String {
    let out = sb
        .cmd()
        .args(["config", "show"])
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    text(&out.stdout)
}

fn line_of<'a>(shown: &'a str, key: &str) -> &'a str {
    shown
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no {key} in {shown}"))
}

#[test]
fn a_setting_comes_from_the_flag_then_the_environment_then_the_file() {
    let sb = with_config("model = \"file-model\"\nlevel = \"detailed\"\njobs = 2\n");
    let shown = show(&sb, &[]);
    assert!(
        line_of(&shown, "model").contains("file-model")
            && line_of(&shown, "model").ends_with("(file)")
    );
    let batch: Vec<&str> = line_of(&shown, "batch").split_whitespace().collect();
    assert_eq!(batch, ["batch", "20", "(default)"], "{shown}");
    let shown = show(&sb, &[("TAGGENIUS_MODEL", "env-model")]);
    assert!(
        line_of(&shown, "model").contains("env-model")
            && line_of(&shown, "model").ends_with("(environment)")
    );
    assert!(line_of(&shown, "config").ends_with("(default)"), "{shown}");

    let mock = Mock::ok();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let model_sent = |envs: &[(&str, &str)], flags: &[&str]| {
        let from = mock.requests();
        let mut args = vec!["tag", "lib.xml", "-q", "--refresh", "-o", "out.xml"];
        args.extend_from_slice(flags);
        let out = mock
            .cmd(&sb)
            .args(&args)
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        mock.seen_since(from)[0].body["model"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(model_sent(&[], &[]), "file-model");
    assert_eq!(
        model_sent(&[("TAGGENIUS_MODEL", "env-model")], &[]),
        "env-model"
    );
    assert_eq!(
        model_sent(
            &[("TAGGENIUS_MODEL", "env-model")],
            &["--model", "flag-model"]
        ),
        "flag-model"
    );
    // The file's level, unless --level says otherwise.
    let sit = |name: &str| {
        tags(&sb, name)[0]
            .1
            .split(" / ")
            .find(|p| p.starts_with("Sit:"))
            .unwrap()
            .matches(", ")
            .count()
            + 1
    };
    assert_eq!(sit("out.xml"), 3);
    let out = sb.run(&[
        "retag",
        "lib.xml",
        "-q",
        "--level",
        "essential",
        "-o",
        "ess.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(sit("ess.xml"), 1);
    // --config names another file, which then wins over the default one.
    std::fs::write(sb.path("other.toml"), "level = \"essential\"\n").unwrap();
    let out = sb.run(&[
        "--config",
        "other.toml",
        "retag",
        "lib.xml",
        "-q",
        "-o",
        "other.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(sit("other.xml"), 1);
}

#[test]
fn the_file_can_choose_the_local_provider_and_a_flag_overrides_it() {
    let mock = Mock::ok();
    let sb = with_config("provider = \"local\"\n");
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let out = mock.run(&sb, &["tag", "lib.xml", "-q", "-o", "out.xml"]);
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    assert_eq!(mock.requests(), 0, "the file chose the local provider");
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "-q",
            "--provider",
            "openai",
            "-o",
            "out.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(mock.requests() > 0);
}

#[test]
fn a_bad_config_is_a_usage_error_naming_the_file_line_and_key() {
    let cases = [
        (
            "model = \"m\"\nlevel = detailed\n",
            "config.toml:2:",
            "level",
        ),
        ("model = \"m\"\n\njobz = 3\n", "config.toml:3:1", "jobz"),
        ("jobs = \"four\"\n", "config.toml:1:8", "jobs"),
        (
            "[levels.club]\nsub_genre = 1\n",
            "config.toml:1:",
            "levels.club",
        ),
        (
            "[block]\ntemplate = \"E: {energy}\"\n",
            "config.toml",
            "block.template",
        ),
        (
            "[vocabulary]\nenergy_vibe = [\"Spooky\"]\n",
            "config.toml",
            "vocabulary.energy_vibe",
        ),
        ("level = \"club\"\n", "config.toml", "club"),
        ("provider = \"cloud\"\n", "config.toml", "provider"),
    ];
    for (toml, place, key) in cases {
        let sb = with_config(toml);
        sb.copy(&fixture("sample.xml"), "lib.xml");
        let out = sb.run(&["retag", "lib.xml", "-o", "out.xml"]);
        assert_eq!(code(&out), 2, "{toml}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(place) && err.contains(key), "{toml}: {err}");
        assert!(!sb.path("out.xml").exists());
    }
}

#[test]
fn config_init_writes_a_commented_template_and_never_overwrites() {
    let sb = Sandbox::new();
    let out = sb.run(&["config", "path"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let path = text(&out.stdout).trim().to_string();
    assert!(path.ends_with("config/taggenius/config.toml"), "{path}");
    assert_eq!(code(&sb.run(&["config", "init"])), 0);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("# api_key_command") && written.contains("# [levels.club]"));
    std::fs::write(&path, "level = \"detailed\"\n").unwrap();
    let out = sb.run(&["config", "init"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "level = \"detailed\"\n"
    );
    // The template, uncommented key by key, is a valid file.
    assert_eq!(code(&sb.run(&["config", "show"])), 0);
}

#[test]
fn api_key_command_supplies_the_key_which_is_never_shown() {
    let mock = Mock::ok();
    let sb = with_config(&format!(
        "base_url = \"{}\"\napi_key_command = \"echo sk-from-the-command\"\n",
        mock.url
    ));
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let out = sb.run(&["tag", "lib.xml", "--json", "-o", "out.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(mock.seen()[0].key(), "sk-from-the-command");
    let shown = show(&sb, &[]);
    for all in [text(&out.stdout), text(&out.stderr), shown.clone()] {
        assert!(!all.contains("sk-from-the-command"), "{all}");
    }
    assert!(line_of(&shown, "api_key").contains("set, by api_key_command"));
}

#[test]
fn a_price_from_the_file_counts_the_cost() {
    let mock = Mock::ok();
    let sb = with_config(
        "model = \"my-model\"\n[prices.\"my-model\"]\ninput = 1000.0\noutput = 2000.0\n",
    );
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let out = mock.run(&sb, &["tag", "lib.xml", "--json", "-o", "out.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    let (prompt, completion) = (
        s["prompt_tokens"].as_f64().unwrap(),
        s["completion_tokens"].as_f64().unwrap(),
    );
    let want = prompt * 1000.0 / 1e6 + completion * 2000.0 / 1e6;
    let cost = s["cost_usd"].as_f64().unwrap();
    // The mock reports exact token counts (none cached): the cost is exact.
    assert!(
        prompt > 0.0 && completion > 0.0 && (cost - want).abs() <= want * 1e-9,
        "{cost} vs {want}"
    );
}

const LEVELS_AND_RENAMES: &str = "[levels.club]\nsub_genre = 1\nenergy_vibe = 0\nsituation_environment = 3\ncomponents = 0\ntime_period = 1\n\n[rename]\n\"Peak Hour\" = \"Peak Time\"\n\"House\" = \"Haus\"\n\"Deep House\" = \"Deep Haus\"\n";

#[test]
fn custom_levels_and_renames_reach_every_place_a_name_is_written() {
    let sb = with_config(LEVELS_AND_RENAMES);
    sb.import(&varied_blueprints(30));
    sb.write("lib.xml", varied_library(30, ""));
    let out = sb.run(&[
        "retag",
        "lib.xml",
        "-q",
        "--level",
        "club",
        "--playlists=situation,genre",
        "-o",
        "club.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let written = tags(&sb, "club.xml");
    // Track 0: House, subs Deep House…; situations from Warmup.
    assert_eq!(written[0].0, "Haus, Deep Haus");
    assert!(
        written.iter().all(|(g, _)| g.matches(", ").count() == 1),
        "{written:?}"
    );
    assert!(written.iter().any(|(_, c)| c.contains("Peak Time")));
    assert!(written
        .iter()
        .all(|(_, c)| !c.contains("Peak Hour") && !c.contains("Vibe:") && !c.contains("Comp:")));
    let sits = written[0]
        .1
        .split(" / ")
        .find(|p| p.starts_with("Sit:"))
        .unwrap();
    assert_eq!(sits.matches(", ").count(), 2, "{sits}");
    let tree = rekordbox_tree(&std::fs::read_to_string(sb.path("club.xml")).unwrap());
    let folder = &tree[0];
    assert!(
        folder.at(&["Situation", "Peak Time"]).is_some(),
        "{folder:?}"
    );
    assert!(folder.at(&["Genre", "Haus", "All Haus"]).is_some());
    let names: Vec<&str> = folder
        .at(&["Situation"])
        .unwrap()
        .children()
        .iter()
        .map(Shown::name)
        .collect();
    assert!(!names.contains(&"Peak Hour"));
    // find prints and filters by the user's words, and still knows the stored ones.
    let out = sb.run(&[
        "find",
        "lib.xml",
        "--situation",
        "peak time",
        "--genre",
        "Haus",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    assert!(
        !lines.is_empty()
            && lines.lines().all(
                |l| l.ends_with("Haus, Deep Haus, Tech House, Soulful House")
                    || l.contains("\tHaus")
            ),
        "{lines}"
    );
    let stored = sb.run(&[
        "find",
        "lib.xml",
        "--situation",
        "Peak Hour",
        "--genre",
        "House",
    ]);
    assert_eq!(text(&stored.stdout), lines);
    // And clear gives the library back.
    let out = sb.run(&["clear", "club.xml", "-q", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0);
    assert!(
        std::fs::read(sb.path("cleared.xml")).unwrap()
            == std::fs::read(sb.path("lib.xml")).unwrap()
    );
}

#[test]
fn a_changed_block_template_is_replaced_and_cleared_byte_for_byte() {
    let sb = with_config("[block]\ntemplate = \"/* E:{energy:02} | {situation} */\"\n");
    sb.import(&varied_blueprints(12));
    let input = varied_library(12, "").replace("Comments=\"\"", "Comments=\"my own words\"");
    sb.write("lib.xml", &input);
    let out = sb.run(&["retag", "lib.xml", "-q", "-o", "a.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let first = tags(&sb, "a.xml");
    assert!(
        first[0].1.starts_with("my own words /* E:01 | "),
        "{:?}",
        first[0]
    );
    // Another template: re-running leaves one block, of the new template.
    set_config(
        &sb,
        "[block]\ntemplate = \"/* {vibe} -- {decade} ({energy}) */\"\n",
    );
    let out = sb.run(&["retag", "a.xml", "-q", "-o", "b.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    for (_, comments) in tags(&sb, "b.xml") {
        assert_eq!(comments.matches("/*").count(), 1, "{comments}");
        assert!(
            comments.starts_with("my own words /* ") && comments.contains(" -- "),
            "{comments}"
        );
    }
    // clear knows both templates' blocks, and gives the input back byte for byte.
    for tagged in ["a.xml", "b.xml"] {
        let out = sb.run(&["clear", tagged, "-q", "-o", "cleared.xml"]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        assert!(
            std::fs::read_to_string(sb.path("cleared.xml")).unwrap() == input,
            "{tagged}"
        );
    }
    // Without any config, the default block replaces a templated one too.
    std::fs::remove_file(sb.path("config/taggenius/config.toml")).unwrap();
    let out = sb.run(&["retag", "b.xml", "-q", "-o", "c.xml"]);
    assert_eq!(code(&out), 0);
    for (_, comments) in tags(&sb, "c.xml") {
        assert!(
            comments.starts_with("my own words /* E: ") && comments.matches("/*").count() == 1,
            "{comments}"
        );
    }
}

/// A reply that uses the user's own situation word.
fn first_dance(tracks: &[crate::mock::Asked]) -> Reply {
    let entries: Vec<Value> = tracks
        .iter()
        .map(|t| {
            let mut e = entry(t);
            e["situation_environment"] = serde_json::json!(["First Dance", "Dinner", "Filler"]);
            e
        })
        .collect();
    Reply::Entries(entries)
}

#[test]
fn a_vocabulary_reaches_the_request_and_only_stale_blueprints_are_asked_again() {
    let mock = Mock::start_seeing(Duration::ZERO, |_, _, tracks| first_dance(tracks));
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("config/taggenius")).unwrap();
    sb.write("lib.xml", crate::util::numbered_library(1..=6));
    // Two blueprints asked under the built-in vocabulary.
    sb.write("two.xml", crate::util::numbered_library(1..=2));
    let out = mock.run(&sb, &["tag", "two.xml", "-q", "-o", "two.out.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let built_in = &mock.seen()[0].body;
    let enum_of = |body: &Value| {
        body["response_format"]["json_schema"]["schema"]["properties"]["tracks"]["items"]
            ["properties"]["situation_environment"]["items"]["enum"]
            .clone()
    };
    assert!(!enum_of(built_in)
        .as_array()
        .unwrap()
        .contains(&Value::from("First Dance")));
    set_config(
        &sb,
        "[vocabulary]\nsituation_environment = [\"+First Dance\", \"+Dinner\", \"-Filler\"]\n",
    );
    let shown = show(&sb, &[]);
    assert!(
        shown.contains("situation_environment adds First Dance, Dinner")
            && shown.contains("situation_environment removes Filler"),
        "{shown}"
    );
    let stats = text(&sb.run(&["cache", "stats"]).stdout);
    assert!(
        stats.contains("2 blueprints asked under another vocabulary"),
        "{stats}"
    );
    // The other four are asked under the new vocabulary, whose words the schema carries.
    let from = mock.requests();
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "-q",
            "--level",
            "detailed",
            "-o",
            "lib.out.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let asked = mock.seen_since(from);
    let titles: Vec<String> = asked.iter().flat_map(|s| s.titles()).collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    let words = enum_of(&asked[0].body);
    let words = words.as_array().unwrap();
    assert!(words.contains(&Value::from("First Dance")) && !words.contains(&Value::from("Filler")));
    assert!(asked[0].body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("First Dance"));
    let written = tags(&sb, "lib.out.xml");
    assert!(
        written[5].1.contains("Sit: First Dance, Dinner */")
            || written[5].1.contains("Sit: First Dance, Dinner /"),
        "{:?}",
        written[5]
    );
    // A dry run says what asking the stale two again costs; the real run asks exactly them.
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "--dry-run",
            "--json",
            "--refresh-vocabulary",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let dry = summary(&out);
    assert_eq!(dry["to_fetch"], 2, "{dry}");
    let from = mock.requests();
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "-q",
            "--refresh-vocabulary",
            "-o",
            "lib.out.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mut again: Vec<String> = mock
        .seen_since(from)
        .iter()
        .flat_map(|s| s.titles())
        .collect();
    again.sort();
    assert_eq!(again, ["Track 1", "Track 2"]);
    let stats = text(&sb.run(&["cache", "stats"]).stdout);
    assert!(!stats.contains("another vocabulary"), "{stats}");
}

#[test]
fn words_the_vocabulary_removes_are_dropped_from_older_blueprints() {
    let sb = with_config(
        "[vocabulary]\nsituation_environment = [\"-Peak Hour\"]\nenergy_vibe = [\"-Dark\"]\n",
    );
    sb.import(&varied_blueprints(12));
    sb.write("lib.xml", varied_library(12, ""));
    let out = sb.run(&[
        "retag",
        "lib.xml",
        "-q",
        "--level",
        "detailed",
        "--playlists=situation,vibe",
        "-o",
        "out.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tagged = std::fs::read_to_string(sb.path("out.xml")).unwrap();
    assert!(
        !tagged.contains("Peak Hour") && !tagged.contains("Dark"),
        "removed words were written"
    );
    assert!(tagged.contains("Warmup"));
    // A removed word is no longer one a blueprint holds.
    let out = sb.run(&["find", "lib.xml", "--situation", "Peak Hour"]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn the_man_page_is_roff_from_the_command_line() {
    let sb = Sandbox::new();
    let out = sb.run(&["man"]);
    assert_eq!(code(&out), 0);
    let page = text(&out.stdout);
    assert!(
        page.contains(".TH taggenius 1") && page.contains("retag") && page.contains("\\-\\-config"),
        "{page}"
    );
    let out = sb.run(&["--color", "never", "config", "path"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn every_subcommand_has_its_man_page() {
    let sb = Sandbox::new();
    let out = sb.run(&["man", "tag"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH taggenius-tag 1"), "{page}");
    assert!(
        page.contains("\\fB\\-\\-in\\-place\\fR\n") && page.contains("keeping a backup"),
        "--in-place is not documented: {page}"
    );
    let out = sb.run(&["man", "cache", "stats"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(".TH taggenius-cache-stats 1"));
    let out = sb.run(&["man", "tga"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("the commands are tag, retag"),
        "{}",
        text(&out.stderr)
    );

    let out = sb.run(&["man", "--dir", "pages"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mut pages: Vec<String> = std::fs::read_dir(sb.path("pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "taggenius.1",
        "taggenius-tag.1",
        "taggenius-retag.1",
        "taggenius-clear.1",
        "taggenius-find.1",
        "taggenius-cache-stats.1",
        "taggenius-config-show.1",
    ] {
        assert!(
            pages.contains(&page.to_string()),
            "{page} missing from {pages:?}"
        );
    }
    // Every page the top one refers to exists.
    let top = std::fs::read_to_string(sb.path("pages/taggenius.1")).unwrap();
    for referred in top.split("taggenius\\-").skip(1) {
        let name = referred.split('(').next().unwrap().replace("\\-", "-");
        assert!(
            pages.contains(&format!("taggenius-{name}.1")),
            "taggenius-{name}(1) missing"
        );
    }
}
