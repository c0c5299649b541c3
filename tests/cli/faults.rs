//! Reliability against a misbehaving server and a misbehaving user: unusable answers, slow
//! servers, kill -9, Ctrl-C, two runs on one cache, and the API key never leaking.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::mock::{self, entry, Asked, Mock, Reply};
use crate::util::*;

const TARGET: &str = "Teardrop";

fn blueprints(sb: &Sandbox) -> i64 {
    let out = sb.run(&["cache", "stats", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    summary(&out)["blueprints"].as_i64().unwrap()
}

/// Titles of every blueprint in the cache.
fn cached_titles(sb: &Sandbox) -> Vec<String> {
    let out = sb.run(&["cache", "export", "-"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["title"].as_str().unwrap().to_string()
        })
        .collect()
}

fn has(tracks: &[Asked], title: &str) -> bool {
    tracks.iter().any(|t| t.title == title)
}

/// Temp files a writer may leave behind, and the output.
fn leftovers(sb: &Sandbox) -> Vec<String> {
    sb.files()
        .into_iter()
        .filter(|f| f.starts_with(".taggenius-") || f.ends_with(".tmp") || f.contains("tagged"))
        .collect()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the cache");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .expect("integrity_check")
}

/// Waits until `done`: an event, not a time (a minute at most, so a broken run fails the test
/// instead of hanging it).
pub fn until(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute in vain"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for a child at most `limit`; kills it and fails if it takes longer.
fn wait_for(child: &mut Child, limit: Duration) -> (i32, String, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |r: Option<&mut dyn Read>| {
        let mut s = String::new();
        if let Some(r) = r {
            let _ = r.read_to_string(&mut s);
        }
        s
    };
    let stdout = read(child.stdout.as_mut().map(|r| r as &mut dyn Read));
    let stderr = read(child.stderr.as_mut().map(|r| r as &mut dyn Read));
    (status.code().unwrap_or(-1), stdout, stderr)
}

/// The tracks of the batch holding Teardrop get an unusable answer; alone, every other track is
/// answered and Teardrop gets the same unusable answer again, `asks` times in all. Returns the
/// failure reason.
fn unusable_answers_fail_only_their_tracks(fault: fn(&[Asked]) -> Reply, asks: usize) -> String {
    let sb = Sandbox::new();
    let before = std::fs::read(sb.copy(&fixture("sample.xml"), "lib.xml")).unwrap();
    let mock = Mock::start(Duration::ZERO, move |_, tracks| {
        if has(tracks, TARGET) {
            fault(tracks)
        } else {
            Reply::Ok
        }
    });
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--json", "-q", "--batch", "3", "--jobs", "1",
        ],
    );
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    let missing = s["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{s}");
    assert_eq!(missing[0]["artist"], "Massive Attack");
    assert_eq!(missing[0]["title"], TARGET);
    assert_eq!(s["fetched"], 8);
    assert_eq!(s["failed"], 1);
    let counts = mock.asked_counts(0);
    assert_eq!(counts[TARGET], asks, "{counts:?}");
    let seen = mock.seen();
    let alone = seen
        .iter()
        .filter(|s| s.tracks.len() == 1)
        .collect::<Vec<_>>();
    assert!(
        alone.iter().any(|s| has(&s.tracks, TARGET)),
        "the second ask is on its own"
    );
    assert_eq!(s["requests"].as_u64().unwrap() as usize, seen.len());
    // Never cached; the output is written faithfully with that track untouched.
    let show = sb.run(&["cache", "show", "Massive Attack", TARGET]);
    assert_eq!(code(&show), 1, "{}", text(&show.stdout));
    assert_eq!(blueprints(&sb), 8);
    let tagged = std::fs::read(sb.path("lib.tagged.xml")).unwrap();
    assert_only_attributes_changed(&before, &tagged, &["Genre", "Comments"]);
    let tagged = text(&tagged);
    assert!(tagged.contains(r#"Genre="Trip Hop" Kind="MP3 File" Size="4000012""#));
    assert!(tagged.contains(r#"Comments="Sunset set" PlayCount="4""#));
    assert_eq!(tagged.matches("Genre=\"House, Deep House").count(), 9);

    // The next run asks for Teardrop alone, once.
    let healed = Mock::ok();
    let out = healed
        .cmd(&sb)
        .args(["tag", "lib.xml", "--json", "-q", "--batch", "3"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["cached"], 8);
    assert_eq!(healed.requests(), 1);
    assert_eq!(healed.seen()[0].titles(), [TARGET]);
    missing[0]["reason"].as_str().unwrap().to_string()
}

#[test]
fn cut_off_content_fails_only_its_tracks() {
    // Asked in its batch of 3, in the half of 2 it fell in, then alone.
    let reason = unusable_answers_fail_only_their_tracks(|_| Reply::CutContent, 3);
    assert!(reason.contains("cut off"), "{reason}");
}

#[test]
fn invalid_json_content_fails_only_its_tracks() {
    // Asked in its batch, then once alone.
    let reason = unusable_answers_fail_only_their_tracks(
        |_| Reply::Content("Sure! Here are your tags: {\"tracks\": [{\"id\": \"1\",".into()),
        2,
    );
    assert!(reason.contains("JSON"), "{reason}");
}

#[test]
fn a_refusal_fails_only_its_tracks() {
    let reason = unusable_answers_fail_only_their_tracks(
        |_| Reply::Refusal("I can't help with that.".into()),
        2,
    );
    assert!(
        reason.contains("refused") && reason.contains("can't help"),
        "{reason}"
    );
}

#[test]
fn a_missing_id_fails_only_its_track() {
    let reason = unusable_answers_fail_only_their_tracks(
        |tracks| {
            Reply::Entries(
                tracks
                    .iter()
                    .filter(|t| t.title != TARGET)
                    .map(entry)
                    .collect(),
            )
        },
        2,
    );
    assert!(reason.contains("no entry"), "{reason}");
}

#[test]
fn a_server_slower_than_the_timeout_ends_the_run_with_the_rest_tagged() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=3));
    let mock = Mock::start(Duration::ZERO, |_, tracks| {
        if has(tracks, "Track 2") {
            Reply::Slow(Duration::from_secs(3), Box::new(Reply::Ok))
        } else {
            Reply::Ok
        }
    });
    let started = Instant::now();
    let out = mock.run(
        &sb,
        &[
            "tag",
            "lib.xml",
            "--json",
            "-q",
            "--batch",
            "1",
            "--jobs",
            "3",
            "--timeout",
            "1",
        ],
    );
    let took = started.elapsed();
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["fetched"], 2);
    let missing = s["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["title"], "Track 2");
    assert!(
        missing[0]["reason"].as_str().unwrap().contains("timed out"),
        "{s}"
    );
    let slow = mock.asked_counts(0)["Track 2"];
    assert!(slow >= 2, "a timeout is retried: {slow}");
    assert_eq!(cached_titles(&sb).len(), 2);
    assert!(!cached_titles(&sb).contains(&"Track 2".to_string()));
    assert!(sb.path("lib.tagged.xml").exists());
    eprintln!("timeout: {slow} attempts for the slow track, {took:?}");
}

#[test]
fn kill_9_mid_run_leaves_a_sound_cache_and_no_partial_output() {
    const TRACKS: usize = 12;
    const JOBS: usize = 2;
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=TRACKS));
    let mock = Mock::start(Duration::from_millis(300), |_, _| Reply::Ok);
    let mut child = mock
        .spawnable(&sb)
        .args(["tag", "lib.xml", "-q", "--batch", "1", "--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // More answers than requests in flight: some are surely committed by now.
    until(|| mock.answered_titles().len() > JOBS);
    child.kill().unwrap();
    let answered = mock.answered_titles();
    child.wait().unwrap();
    let sent = mock.requests();

    assert_eq!(integrity(&sb.db()), "ok");
    assert!(leftovers(&sb).is_empty(), "{:?}", sb.files());
    let saved = cached_titles(&sb);
    assert!(saved.len() < TRACKS, "the run was not interrupted");
    // Every answer given before the kill is saved, but those the run was still reading.
    assert!(
        saved.iter().all(|t| answered.contains(t)),
        "saved but never answered: {saved:?} {answered:?}"
    );
    assert!(
        saved.len() + JOBS >= answered.len() && !saved.is_empty(),
        "answers lost: {} answered, {} saved",
        answered.len(),
        saved.len()
    );

    let healed = Mock::ok();
    let out = healed
        .cmd(&sb)
        .args([
            "tag", "lib.xml", "--json", "-q", "--batch", "1", "--jobs", "2",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["cached"].as_u64().unwrap() as usize, saved.len());
    assert_eq!(healed.requests(), TRACKS - saved.len());
    let asked: Vec<String> = healed.asked_counts(0).into_keys().collect();
    assert!(
        asked.iter().all(|t| !saved.contains(t)),
        "asked again for a saved track"
    );
    let paid_twice = asked.iter().filter(|t| answered.contains(t)).count();
    assert!(
        paid_twice <= JOBS,
        "{paid_twice} answered tracks asked again"
    );
    eprintln!(
        "kill -9: {sent} requests sent, {} answered, {} saved; next run {} requests",
        answered.len(),
        saved.len(),
        healed.requests()
    );
}

#[test]
fn ctrl_c_stops_promptly_and_says_what_was_saved() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=12));
    let mock = Mock::start(Duration::from_millis(300), |_, _| Reply::Ok);
    let mut child = mock
        .spawnable(&sb)
        .args(["tag", "lib.xml", "--batch", "1", "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until(|| mock.answered_titles().len() > 2);
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (status, stdout, stderr) = wait_for(&mut child, Duration::from_secs(60));
    assert_eq!(status, 130, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let saved = blueprints(&sb);
    assert!((1..12).contains(&saved), "{saved}");
    // No batch is handed out after the signal: at most those in flight are answered after.
    assert!(mock.requests() < 12, "{} requests", mock.requests());
    assert!(
        stderr.contains(&format!(
            "interrupted: {saved} new blueprints are kept in the cache"
        )),
        "{stderr}"
    );
    assert!(leftovers(&sb).is_empty(), "{:?}", sb.files());
    assert_eq!(integrity(&sb.db()), "ok");
    eprintln!("Ctrl-C: exit 130, {saved} saved");
}

fn spawn_tag(mock: &Mock, sb: &Sandbox, library: &str) -> Child {
    mock.spawnable(sb)
        .args([
            "tag", library, "--json", "-q", "--batch", "2", "--jobs", "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Creates the cache first: creating it at once is `first_runs_at_once_all_open_a_new_cache`'s
/// business, these tests are about fetching, storing and writing side by side.
fn created(sb: &Sandbox) {
    let out = sb.run(&["cache", "stats"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn first_runs_at_once_all_open_a_new_cache() {
    // Rounds of 8 processes opening the same fresh cache file at the same moment.
    let sb = Sandbox::new();
    let mut failures = Vec::new();
    for round in 0..20 {
        let db = sb.path(&format!("fresh-{round}.sqlite3"));
        let children: Vec<Child> = (0..8)
            .map(|_| {
                sb.spawnable()
                    .env("TAGGENIUS_DB", &db)
                    .args(["cache", "stats", "--json"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            let (status, _, stderr) = wait_for(&mut child, Duration::from_secs(60));
            if status != 0 {
                failures.push(format!("round {round}: {}", stderr.trim()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 160 failed: {failures:#?}",
        failures.len()
    );
}

#[test]
fn two_runs_at_once_on_one_cache_both_succeed() {
    let sb = Sandbox::new();
    sb.write("a.xml", numbered_library(1..=10));
    sb.write("b.xml", numbered_library(6..=15));
    created(&sb);
    let mock = Mock::start(Duration::from_millis(100), |_, _| Reply::Ok);
    let mut a = spawn_tag(&mock, &sb, "a.xml");
    let mut b = spawn_tag(&mock, &sb, "b.xml");
    let (code_a, out_a, err_a) = wait_for(&mut a, Duration::from_secs(30));
    let (code_b, out_b, err_b) = wait_for(&mut b, Duration::from_secs(30));
    assert_eq!((code_a, code_b), (0, 0), "{err_a}\n{err_b}");
    let (sa, sb_): (Value, Value) = (
        serde_json::from_str(&out_a).unwrap(),
        serde_json::from_str(&out_b).unwrap(),
    );
    assert_eq!(sa["tracks"], 10);
    assert_eq!(sb_["tracks"], 10);
    assert_eq!(blueprints(&sb), 15);
    assert!(sb.path("a.tagged.xml").exists() && sb.path("b.tagged.xml").exists());
    assert_eq!(integrity(&sb.db()), "ok");
    let stats = summary(&sb.run(&["cache", "stats", "--json"]));
    assert_eq!(stats["runs"], 2, "{stats}");
}

#[test]
fn two_runs_of_the_same_library_at_once_both_succeed() {
    let sb = Sandbox::new();
    let before = std::fs::read(sb.copy(&fixture("sample.xml"), "lib.xml")).unwrap();
    created(&sb);
    let mock = Mock::start(Duration::from_millis(100), |_, _| Reply::Ok);
    let mut a = spawn_tag(&mock, &sb, "lib.xml");
    let mut b = spawn_tag(&mock, &sb, "lib.xml");
    let (code_a, _, err_a) = wait_for(&mut a, Duration::from_secs(30));
    let (code_b, _, err_b) = wait_for(&mut b, Duration::from_secs(30));
    assert_eq!((code_a, code_b), (0, 0), "{err_a}\n{err_b}");
    assert_eq!(blueprints(&sb), 9);
    let tagged = std::fs::read(sb.path("lib.tagged.xml")).unwrap();
    assert_only_attributes_changed(&before, &tagged, &["Genre", "Comments"]);
    assert!(leftovers(&sb) == ["lib.tagged.xml"], "{:?}", sb.files());
    // clear still gives the input back: both runs remembered the same originals.
    let out = sb.run(&["clear", "lib.tagged.xml", "-o", "cleared.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(std::fs::read(sb.path("cleared.xml")).unwrap() == before);
}

#[test]
fn the_api_key_never_leaks() {
    const CANARY: &str = "sk-canary-1234567890";
    let sb = Sandbox::new();
    sb.copy(&fixture("sample.xml"), "lib.xml");
    let echo = |what: &str| format!("{what} (key {CANARY}, Bearer {CANARY})");
    let mock = Mock::start(Duration::ZERO, move |n, tracks| {
        if n == 0 {
            return Reply::Status {
                status: 500,
                body: mock::error_body(&echo("Internal error"), "server_error", ""),
                retry_after: None,
            };
        }
        if has(tracks, "Teardrop") {
            return Reply::Refusal(echo("I refuse"));
        }
        if has(tracks, "Get Lucky (Radio Edit)") {
            return Reply::Status {
                status: 400,
                body: mock::error_body(&echo("Bad request"), "invalid_request_error", ""),
                retry_after: None,
            };
        }
        Reply::Ok
    });
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut keep = |what: &str, out: &std::process::Output| {
        outputs.push((format!("{what} stdout"), out.stdout.clone()));
        outputs.push((format!("{what} stderr"), out.stderr.clone()));
    };

    let out = mock
        .cmd_with_key(&sb, CANARY)
        .args(["tag", "lib.xml", "--json", "--batch", "3", "--jobs", "1"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    let reasons: Vec<&str> = s["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("refused")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("400")), "{reasons:?}");
    keep("failing run", &out);
    let out = mock
        .cmd_with_key(&sb, CANARY)
        .args(["tag", "lib.xml", "--dry-run", "--json"])
        .output()
        .unwrap();
    keep("dry run", &out);

    let rejecting = Mock::start(Duration::ZERO, |_, _| Reply::unauthorized(CANARY));
    let out = rejecting
        .cmd_with_key(&sb, CANARY)
        .args(["tag", "lib.xml", "--json", "-o", "rejected.xml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    keep("401", &out);
    let out = rejecting
        .cmd_with_key(&sb, CANARY)
        .args(["tag", "lib.xml", "--api-key", CANARY, "-o", "flag.xml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    keep("401 with --api-key", &out);

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let out = sb
        .cmd()
        .env("OPENAI_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .env("OPENAI_API_KEY", CANARY)
        .args(["tag", "lib.xml", "--json", "-o", "refused.xml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    keep("connection refused", &out);
    for args in [&["cache", "stats", "--json"][..], &["cache", "export", "-"]] {
        let out = sb
            .cmd()
            .env("OPENAI_API_KEY", CANARY)
            .args(args)
            .output()
            .unwrap();
        keep(&args.join(" "), &out);
    }

    for name in sb.files() {
        let bytes = std::fs::read(sb.path(&name)).unwrap();
        outputs.push((name, bytes));
    }
    assert!(outputs.iter().any(|(n, _)| n == "cache.sqlite3"));
    assert!(outputs.iter().any(|(n, _)| n == "lib.tagged.xml"));
    for (what, bytes) in &outputs {
        let found = bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes());
        assert!(
            !found,
            "the key leaked into {what}: {}",
            text(bytes).chars().take(2000).collect::<String>()
        );
        assert!(
            !bytes.windows(14).any(|w| w == b"sk-canary-1234"),
            "part of the key leaked into {what}"
        );
    }
    for m in [&mock, &rejecting] {
        for seen in m.seen() {
            assert_eq!(
                seen.authorization.as_deref(),
                Some(&*format!("Bearer {CANARY}"))
            );
            assert!(
                !seen.body.to_string().contains(CANARY),
                "the key is in a request body"
            );
        }
    }
    assert!(mock.requests() >= 5 && rejecting.requests() == 2);
}

#[test]
fn a_batch_slower_than_the_timeout_is_asked_again_in_halves() {
    // A server that takes 0.6 s a track: 4 tracks take longer than the 1 s timeout, 1 does not.
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=4));
    let mock = Mock::start(Duration::ZERO, |_, tracks| {
        let took = Duration::from_millis(600 * tracks.len() as u64);
        Reply::Slow(took, Box::new(Reply::Ok))
    });
    let args = [
        "tag",
        "lib.xml",
        "--json",
        "-q",
        "--jobs",
        "2",
        "--timeout",
        "1",
    ];
    let out = mock.run(&sb, &args);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["fetched"], 4);
    let sizes: Vec<usize> = mock.seen().iter().map(|s| s.tracks.len()).collect();
    // 4 (timed out), 2 + 2 (timed out), then 1 + 1 + 1 + 1.
    assert_eq!(sizes.len(), 7, "{sizes:?}");
    assert_eq!(sizes[0], 4);
    assert_eq!(sizes.iter().filter(|&&n| n == 1).count(), 4, "{sizes:?}");
}
