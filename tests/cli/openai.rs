//! The OpenAI provider through the binary, against the mock server: what is sent, what is
//! cached, retries, fatal errors, parallelism, dry runs and budgets.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::mock::{entry, Mock, Reply, KEY};
use crate::util::*;

/// The 9 unique titles of fixtures/sample.xml (Daft Punk's "Around The World" is there twice).
const SAMPLE_UNIQUE: usize = 9;

fn sample(sb: &Sandbox) -> Vec<u8> {
    let input = sb.copy(&fixture("sample.xml"), "lib.xml");
    std::fs::read(input).unwrap()
}

fn blueprints(sb: &Sandbox) -> i64 {
    let out = sb.run(&["cache", "stats", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    summary(&out)["blueprints"].as_i64().unwrap()
}

fn all_once(counts: &BTreeMap<String, usize>) -> bool {
    counts.values().all(|&c| c == 1)
}

#[test]
fn a_cold_run_asks_each_unique_track_once_and_later_runs_ask_nothing() {
    let sb = Sandbox::new();
    let before = sample(&sb);
    let mut mock = Mock::ok();
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "4", "--jobs", "2",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["tracks"], 10);
    assert_eq!(s["cached"], 0);
    assert_eq!(s["fetched"], SAMPLE_UNIQUE);
    assert_eq!(s["failed"], 0);
    assert_eq!(s["requests"], 3, "9 tracks in batches of 4");
    assert_eq!(s["missing"].as_array().unwrap().len(), 0);
    assert!(s["prompt_tokens"].as_u64().unwrap() > 1000, "{s}");
    assert_eq!(s["completion_tokens"], 3 * 5 + 70 * SAMPLE_UNIQUE as u64);
    assert!(
        s["cost_usd"].as_f64().unwrap() > 0.0,
        "gpt-4o-mini is priced"
    );

    // Every unique track asked exactly once, several per request.
    assert_eq!(mock.requests(), 3);
    let counts = mock.asked_counts(0);
    assert_eq!(counts.len(), SAMPLE_UNIQUE, "{counts:?}");
    assert!(all_once(&counts), "{counts:?}");
    for seen in mock.seen() {
        assert_eq!(
            (seen.method.as_str(), seen.path.as_str()),
            ("POST", "/v1/chat/completions")
        );
        assert_eq!(
            seen.authorization.as_deref(),
            Some(&*format!("Bearer {KEY}"))
        );
        assert!((1..=4).contains(&seen.tracks.len()));
        let format = &seen.body["response_format"];
        assert_eq!(format["type"], "json_schema", "{format}");
        assert_eq!(format["json_schema"]["strict"], true, "{format}");
        assert_eq!(seen.body["temperature"], 0);
        assert_eq!(seen.body["model"], "gpt-4o-mini");
        let messages = seen.body["messages"].as_array().unwrap();
        assert_eq!(messages[0]["role"], "system", "static instructions first");
        let last = messages.last().unwrap();
        assert_eq!(last["role"], "user");
        let user: Value = serde_json::from_str(last["content"].as_str().unwrap())
            .expect("the last user message is one JSON object");
        let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["tracks"]);
        let ids: Vec<&str> = seen.tracks.iter().map(|t| t.id.as_str()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "ids unique within a request: {ids:?}"
        );
    }
    assert!(
        mock.seen().iter().filter(|s| s.tracks.len() > 1).count() >= 2,
        "several tracks per request"
    );

    // The output: only Genre and Comments changed, both duplicates tagged.
    let tagged = std::fs::read(sb.path("lib.tagged.xml")).unwrap();
    assert_only_attributes_changed(&before, &tagged, &["Genre", "Comments"]);
    let tagged = text(&tagged);
    assert_eq!(
        tagged
            .matches(r#"Genre="House, Deep House, Garage House""#)
            .count(),
        10
    );
    assert!(tagged.contains(
        r#"Comments="Sunset set /* E: 07 / Sit: Peak Hour, Warmup / Vibe: Uplifting, Funky / Comp: Vocal, Keys / Time: 1990s */""#
    ));
    assert_eq!(blueprints(&sb), SAMPLE_UNIQUE as i64);
    let shown = sb.run(&["cache", "show", "Massive Attack", "Teardrop"]);
    assert_eq!(code(&shown), 0, "{}", text(&shown.stderr));
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(shown.to_string().contains("Soulful House"), "{shown}");

    // The next tag costs nothing.
    let out = mock.run(&sb, &["tag", "lib.xml", "--json", "-q", "-o", "again.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(
        (s["cached"].as_u64(), s["fetched"].as_u64()),
        (Some(9), Some(0))
    );
    assert_eq!(s["requests"], 0);
    assert_eq!(mock.requests(), 3, "a warm run sent a request");
    assert!(std::fs::read(sb.path("again.xml")).unwrap() == tagged.as_bytes());

    // Offline never sends, even with the server configured.
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "--offline",
            "--refresh",
            "-q",
            "-o",
            "off.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(mock.requests(), 3, "--offline sent a request");

    // retag never touches the network: not while the server runs, nor once it is gone.
    let out = mock.run(
        &sb,
        &["retag", "--level", "detailed", "--json", "-o", "d.xml"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["requests"], 0);
    assert_eq!(mock.requests(), 3, "retag sent a request");
    mock.stop();
    let out = mock.run(&sb, &["retag", "--level", "detailed", "-q", "-o", "d2.xml"]);
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    let detailed = text(&std::fs::read(sb.path("d2.xml")).unwrap());
    assert!(detailed.contains(r#"Genre="House, Deep House, Garage House, Soulful House""#));
}

#[test]
fn cache_stats_counts_what_tags_and_retags_saved() {
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::ok();
    let out = mock.run(&sb, &["tag", "lib.xml", "--json", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let spent = summary(&out)["cost_usd"].as_f64().unwrap();
    assert!(spent > 0.0);
    let asked = mock.requests();
    let saved = || {
        let out = sb.run(&["cache", "stats", "--json"]);
        summary(&out)["saved_usd"].as_f64().unwrap()
    };
    assert_eq!(saved(), 0.0, "a cold run saved nothing");
    // Each of the 9 blueprints again, at another level: what asking again would have cost.
    let out = mock.run(&sb, &["retag", "--level", "detailed", "-q", "-o", "d.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        (saved() - spent).abs() < 1e-9,
        "{} against {spent}",
        saved()
    );
    let out = mock.run(&sb, &["tag", "lib.xml", "-q", "-o", "again.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        (saved() - 2.0 * spent).abs() < 1e-9,
        "{} against {spent}",
        saved()
    );
    assert_eq!(mock.requests(), asked, "the warm runs asked again");
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_retried() {
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::start(Duration::ZERO, |n, _| {
        if n == 0 {
            Reply::rate_limited(1)
        } else {
            Reply::Ok
        }
    });
    let started = Instant::now();
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "5", "--jobs", "1",
        ],
    );
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["fetched"], SAMPLE_UNIQUE);
    assert_eq!(s["requests"], 3, "two batches and one retry");
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[0].titles(),
        seen[1].titles(),
        "the same batch asked again"
    );
    let waited = seen[1].at - seen[0].at;
    assert!(
        waited >= Duration::from_millis(1000),
        "Retry-After: 1 honoured: {waited:?}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(blueprints(&sb), SAMPLE_UNIQUE as i64);
}

#[test]
fn server_errors_and_a_truncated_body_are_retried_with_backoff() {
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::start(Duration::ZERO, |n, _| match n {
        0 => Reply::server_error(500),
        1 => Reply::server_error(503),
        2 => Reply::TruncatedBody,
        _ => Reply::Ok,
    });
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "5", "--jobs", "1",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["fetched"], SAMPLE_UNIQUE);
    assert_eq!(s["failed"], 0);
    assert_eq!(s["requests"], 5, "two batches and three retries");
    let seen = mock.seen();
    assert_eq!(seen.len(), 5);
    for pair in seen[..4].windows(2) {
        assert_eq!(
            pair[0].titles(),
            pair[1].titles(),
            "the batch is retried whole"
        );
        assert!(
            pair[1].at - pair[0].at >= Duration::from_millis(200),
            "backoff"
        );
    }
    assert!(all_once(&mock.asked_counts(3)));
    assert_eq!(blueprints(&sb), SAMPLE_UNIQUE as i64);
}

#[test]
fn requests_run_in_parallel() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=8));
    let mock = Mock::start(Duration::from_millis(300), |_, _| Reply::Ok);
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "1", "--jobs", "4",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["requests"], 8);
    assert_eq!(mock.requests(), 8);
    assert!(mock.peak() >= 2, "peak concurrency {}", mock.peak());
    assert!(mock.peak() <= 4, "--jobs 4 but {} at once", mock.peak());
    eprintln!("parallel: peak {} in flight", mock.peak());
}

#[test]
fn a_rejected_key_stops_the_run_keeping_what_was_paid_for() {
    let sb = Sandbox::new();
    let before = sample(&sb);
    let mock = Mock::start(Duration::ZERO, |n, _| {
        if n == 0 {
            Reply::Ok
        } else {
            Reply::unauthorized(KEY)
        }
    });
    let out = mock.run(&sb, &["tag", "lib.xml", "--batch", "3", "--jobs", "1"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear message: {stderr}");
    assert!(
        stderr.contains("API key") && stderr.contains("401"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(mock.requests(), 2, "a 401 is not retried");
    assert!(!sb.path("lib.tagged.xml").exists(), "nothing written");
    assert!(std::fs::read(sb.path("lib.xml")).unwrap() == before);
    assert_eq!(blueprints(&sb), 3, "the first batch stays cached");
    for asked in &mock.seen()[0].tracks {
        let (artist, title) = (&asked.artist, &asked.title);
        let shown = sb.run(&["cache", "show", artist, title]);
        assert_eq!(
            code(&shown),
            0,
            "{artist} - {title}: {}",
            text(&shown.stderr)
        );
    }
}

#[test]
fn an_exhausted_quota_stops_the_run_with_a_clear_message() {
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::start(Duration::ZERO, |_, _| Reply::insufficient_quota());
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--json", "--batch", "3", "--jobs", "1"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("quota"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(mock.requests(), 1, "insufficient_quota is not retried");
    assert!(!sb.path("lib.tagged.xml").exists());
    assert_eq!(blueprints(&sb), 0);
}

#[test]
fn a_fatal_error_keeps_the_answers_already_in_flight() {
    // Two workers: one request is answered slowly, the other meets an exhausted quota. The run
    // stops sending at once, but the slow answer is paid for and must reach the cache.
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::start(Duration::ZERO, |n, _| match n {
        0 => Reply::Slow(Duration::from_millis(600), Box::new(Reply::Ok)),
        _ => Reply::insufficient_quota(),
    });
    let out = mock.run(&sb, &["tag", "lib.xml", "--batch", "3", "--jobs", "2"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("quota"), "{stderr}");
    assert_eq!(mock.requests(), 2, "nothing sent after the fatal error");
    assert!(!sb.path("lib.tagged.xml").exists());
    assert_eq!(blueprints(&sb), 3, "the answer in flight was lost");
}

#[test]
fn a_refused_connection_fails_fast_with_a_clear_message() {
    let sb = Sandbox::new();
    sample(&sb);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let out = sb
        .cmd()
        .env("OPENAI_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .env("OPENAI_API_KEY", KEY)
        .args(["tag", "lib.xml"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("connect"),
        "{stderr}"
    );
    assert!(!sb.path("lib.tagged.xml").exists());
}

#[test]
fn a_dry_run_sends_and_writes_nothing_and_prices_the_run() {
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::ok();
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--dry-run", "--json", "--batch", "4"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let plan = summary(&out);
    assert_eq!(plan["requests"], 3, "{plan}");
    assert_eq!(plan["to_fetch"], SAMPLE_UNIQUE);
    assert!(plan["prompt_tokens"].as_u64().unwrap() > 3000, "{plan}");
    assert!(plan["completion_tokens"].as_u64().unwrap() > 0, "{plan}");
    assert!(plan["cost_usd"].as_f64().unwrap() > 0.0, "{plan}");
    let out = mock.run(&sb, &["tag", "lib.xml", "--dry-run", "--batch", "4"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("3 requests") && said.contains("tokens") && said.contains('$'),
        "{said}"
    );
    assert_eq!(mock.requests(), 0, "a dry run sent a request");
    assert_eq!(
        sb.files(),
        ["lib.xml"],
        "a dry run wrote a file, or created a cache"
    );
    assert_eq!(blueprints(&sb), 0);
}

#[test]
fn a_budget_stops_fetching_before_it_is_spent() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=8));
    let mock = Mock::ok();
    let args = [
        "tag", "lib.xml", "--json", "-q", "--batch", "1", "--jobs", "1",
    ];
    let plan = mock.cmd(&sb).args(args).arg("--dry-run").output().unwrap();
    let full = summary(&plan)["cost_usd"].as_f64().unwrap();
    assert!(full > 0.0);

    // A budget that buys nothing sends nothing.
    let out = mock
        .cmd(&sb)
        .args(args)
        .args(["--budget", "0.000001"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["requests"], 0);
    assert_eq!(mock.requests(), 0);
    let missing = s["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 8);
    assert!(
        missing[0]["reason"].as_str().unwrap().contains("budget"),
        "{s}"
    );

    // Half the estimate buys about half the tracks, and spends no more than it.
    let budget = full / 2.0;
    let out = mock
        .cmd(&sb)
        .args(args)
        .args(["--budget", &format!("{budget}")])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    let sent = mock.requests();
    assert!(
        (1..8).contains(&sent),
        "{sent} requests for half the budget"
    );
    assert!(s["cost_usd"].as_f64().unwrap() <= budget, "{s}");
    assert_eq!(s["fetched"].as_u64().unwrap() as usize, sent);
    eprintln!("budget {budget:.6} of {full:.6}: {sent} of 8 requests");
}

#[test]
fn odd_entries_are_dropped_never_cached() {
    // Per request: Teardrop gets an unknown genre; Strings Of Life's entry comes twice (an
    // invalid one first, then a Techno one, then another House one); Inner City Life is
    // answered under an id that was not asked; an unknown vibe is dropped, the rest kept.
    let sb = Sandbox::new();
    sample(&sb);
    let mock = Mock::start(Duration::ZERO, |_, tracks| {
        let mut entries = Vec::new();
        for t in tracks {
            let mut e = entry(t);
            match t.title.as_str() {
                "Teardrop" => e["primary_genre"] = "Polka".into(),
                "Strings Of Life" => {
                    let mut bad = e.clone();
                    bad["energy_level"] = 42.into();
                    entries.push(bad);
                    e["primary_genre"] = "techno".into();
                    let mut later = entry(t);
                    later["sub_genre"] = serde_json::json!(["Later"]);
                    entries.push(e);
                    e = later;
                }
                "Inner City Life" => e["id"] = "99".into(),
                _ => e["energy_vibe"] = serde_json::json!(["Groovy", "Dark"]),
            }
            entries.push(e);
        }
        Reply::Entries(entries)
    });
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "9", "--jobs", "1",
        ],
    );
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    let missing: Vec<String> = s["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} - {}: {}", m["artist"], m["title"], m["reason"]))
        .collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(
        missing
            .iter()
            .any(|m| m.contains("Teardrop") && m.contains("Polka")),
        "{missing:?}"
    );
    assert!(
        missing.iter().any(|m| m.contains("Inner City Life")),
        "{missing:?}"
    );
    let counts = mock.asked_counts(0);
    assert_eq!(counts["Teardrop"], 2, "asked again alone once: {counts:?}");
    assert_eq!(counts["Inner City Life"], 2, "{counts:?}");
    assert_eq!(counts["Strings Of Life"], 1, "{counts:?}");
    assert_eq!(mock.requests(), 3);
    assert_eq!(
        code(&sb.run(&["cache", "show", "Massive Attack", "Teardrop"])),
        1
    );
    assert_eq!(
        code(&sb.run(&["cache", "show", "Goldie", "Inner City Life"])),
        1
    );
    let strings = sb.run(&["cache", "show", "Rhythim Is Rhythim", "Strings Of Life"]);
    let strings: Value = serde_json::from_slice(&strings.stdout).unwrap();
    assert_eq!(
        strings["primary_genre"], "Techno",
        "first valid entry wins: {strings}"
    );
    let daft = sb.run(&["cache", "show", "Daft Punk", "Around The World"]);
    let daft: Value = serde_json::from_slice(&daft.stdout).unwrap();
    assert_eq!(daft["energy_vibe"], serde_json::json!(["Dark"]), "{daft}");
    assert_eq!(blueprints(&sb), 7);
}

#[test]
fn markup_and_control_characters_in_replies_are_escaped() {
    let sb = Sandbox::new();
    let before = sample(&sb);
    let nasty = "<b>\"x\"&amp;</b>\u{1}";
    let mock = Mock::start(Duration::ZERO, move |_, tracks| {
        let entries = tracks
            .iter()
            .map(|t| {
                let mut e = entry(t);
                e["sub_genre"] = serde_json::json!([nasty, "Tab\there\u{7}", "]]> <!-- x"]);
                e["energy_vibe"] = serde_json::json!(["Dark\u{0}", "Happy"]);
                e
            })
            .collect();
        Reply::Entries(entries)
    });
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "-q", "--level", "detailed", "-o", "out.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let tagged = std::fs::read(sb.path("out.xml")).unwrap();
    assert_only_attributes_changed(&before, &tagged, &["Genre", "Comments"]);
    let tagged = text(&tagged);
    let line = tagged
        .lines()
        .find(|l| l.contains("Genre=\"House"))
        .unwrap_or_default();
    assert!(
        line.contains(r#"Genre="House, &lt;b&gt;&quot;x&quot;&amp;amp;&lt;/B&gt;, "#)
            && line.contains(r#", ]]&gt; &lt;!-- X" "#),
        "{line}"
    );
    assert!(!tagged.contains('\u{1}') && !tagged.contains('\u{7}') && !tagged.contains('\u{0}'));
    assert!(!tagged.contains("<b>") && !tagged.contains("<!-- x"));
    // The output parses again (as a library taggenius reads) and every track is found.
    let again = sb.run(&[
        "tag",
        "out.xml",
        "--offline",
        "--json",
        "-q",
        "-o",
        "again.xml",
    ]);
    assert_eq!(code(&again), 0, "{}", text(&again.stderr));
    assert_eq!(summary(&again)["cached"], SAMPLE_UNIQUE);
    // And as XML, where the attribute reads back as the (cleaned) text the model sent.
    let mut reader = quick_xml::Reader::from_str(&tagged);
    let mut genres = Vec::new();
    loop {
        match reader.read_event().expect("well-formed output") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                for attr in e.attributes() {
                    let attr = attr.expect("well-formed attribute");
                    if attr.key.as_ref() == b"Genre" {
                        genres.push(attr.unescape_value().unwrap().into_owned());
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(genres.len(), 10);
    assert!(
        genres[0].starts_with("House, <b>\"x\"&amp;</B>, ") && genres[0].ends_with(", ]]> <!-- X"),
        "{genres:?}"
    );
    assert!(
        genres.iter().all(|g| !g.chars().any(char::is_control)),
        "{genres:?}"
    );
}
