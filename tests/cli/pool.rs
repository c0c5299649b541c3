//! The shared pool against a real PostgreSQL: each test in a database of its own, dropped
//! after. Servers that misbehave (a refused password, no TLS, no answer at all) are scripted on
//! 127.0.0.1 in the test.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::mock::{Mock, Reply};
use crate::util::{code, numbered_library, summary, text, Sandbox};

/// The tests' server, as its administrator: `TAGGENIUS_TEST_DATABASE_URL`, else the machine's.
fn admin_url() -> String {
    std::env::var("TAGGENIUS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own on the tests' server, dropped when the test ends.
pub struct TestDb {
    admin: String,
    name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin = admin_url();
        let name = format!(
            "taggenius_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("the tests' PostgreSQL at {admin}: {e}"));
        for statement in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            client.batch_execute(&statement).unwrap();
        }
        let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
        let server = &base[..base.rfind('/').unwrap()];
        let url = match query {
            "" => format!("{server}/{name}"),
            q => format!("{server}/{name}?{q}"),
        };
        TestDb { admin, name, url }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

pub fn init(sb: &Sandbox, url: &str) {
    let out = sb.run(&["pool", "init", url]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

/// `tag lib.xml --pool URL --json` through `mock`, with its summary.
pub fn tag(sb: &Sandbox, mock: &Mock, url: &str) -> (i32, Value, String) {
    let out = mock.run(
        sb,
        &["tag", "lib.xml", "--pool", url, "--json", "-o", "out.xml"],
    );
    let stderr = text(&out.stderr);
    (code(&out), summary(&out), stderr)
}

fn titles_asked(mock: &Mock) -> Vec<String> {
    let mut titles: Vec<String> = mock.asked_counts(0).into_keys().collect();
    titles.sort();
    titles
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn a_second_member_asks_the_model_only_for_what_the_pool_lacks() {
    let db = TestDb::new();
    let first = Sandbox::new();
    init(&first, &db.url);
    first.write("lib.xml", numbered_library(1..=6));
    let (status, s, stderr) = tag(&first, &Mock::ok(), &db.url);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(s["pool"]["pushed"], 6, "{s}");
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints"), 6);

    let second = Sandbox::new();
    second.write("lib.xml", numbered_library(1..=9));
    let mock = Mock::ok();
    let (status, s, stderr) = tag(&second, &mock, &db.url);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(titles_asked(&mock), ["Track 7", "Track 8", "Track 9"]);
    assert_eq!(
        (
            s["pool"]["hits"].as_u64(),
            s["cached"].as_u64(),
            s["fetched"].as_u64()
        ),
        (Some(6), Some(6), Some(3))
    );
    assert!(stderr.contains("the pool gave 6 and took 3"), "{stderr}");
    let show = second.run(&["cache", "show", "Artist 1", "Track 1"]);
    assert_eq!(code(&show), 0);
    let stats = text(&second.run(&["cache", "stats"]).stdout);
    assert!(stats.contains("6 pool:gpt-4o-mini"), "{stats}");
    // Both render the same library the same way.
    let first_out = std::fs::read(first.path("out.xml")).unwrap();
    let out = second.run(&["retag", "lib.xml", "-q", "-o", "again.xml"]);
    assert_eq!(code(&out), 0);
    assert!(!first_out.is_empty());
    // A dry run counts what the pool holds as costing nothing.
    let third = Sandbox::new();
    third.write("lib.xml", numbered_library(1..=10));
    let out = Mock::ok().run(
        &third,
        &["tag", "lib.xml", "--pool", &db.url, "--dry-run", "--json"],
    );
    let plan = summary(&out);
    assert_eq!(
        (plan["from_pool"].as_u64(), plan["to_fetch"].as_u64()),
        (Some(9), Some(1)),
        "{plan}"
    );

    // Before a gig without a network: pull what the pool holds, then tag offline.
    let gig = Sandbox::new();
    gig.write("lib.xml", numbered_library(1..=9));
    let out = gig.run(&["pool", "pull", "lib.xml", "--pool", &db.url]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("9 blueprints of the 9 the cache lacked"),
        "{}",
        text(&out.stderr)
    );
    let out = gig.run(&["tag", "lib.xml", "--offline", "-q", "-o", "gig.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = gig.run(&["pool", "stats", "lib.xml", "--json", "--pool", &db.url]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stats = summary(&out);
    assert_eq!(
        (stats["blueprints"].as_i64(), stats["contributors"].as_i64()),
        (Some(9), Some(2)),
        "{stats}"
    );
    assert_eq!(stats["library"]["in_pool"], 9, "{stats}");
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn contributors_confirm_an_equal_blueprint_once_each_and_a_different_one_changes_nothing() {
    let db = TestDb::new();
    let lib = numbered_library(1..=4);
    let members: Vec<Sandbox> = (0..3).map(|_| Sandbox::new()).collect();
    for member in &members {
        member.write("lib.xml", &lib);
    }
    init(&members[0], &db.url);
    // A row of an older schema, much confirmed, is replaced by the first push of track 1.
    db.client()
        .batch_execute(
            "INSERT INTO taggenius_blueprints (key, schema_version, blueprint, model, contributor, confirmations)
             VALUES (E'artist 1\\x1ftrack 1', 0, '{\"primary_genre\":\"Techno\",\"energy_level\":3}', 'old-model', gen_random_uuid(), 5);
             INSERT INTO taggenius_confirmations SELECT key, gen_random_uuid() FROM taggenius_blueprints",
        )
        .unwrap();
    // Two members fetch the same answers on their own, then send them, twice each, at once.
    for member in &members[..2] {
        let out = Mock::ok().run(member, &["tag", "lib.xml", "-q", "-o", "out.xml"]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    }
    let pushes: Vec<_> = [0, 1, 0, 1]
        .iter()
        .map(|&m| {
            members[m]
                .spawnable()
                .args(["pool", "push", "--pool", &db.url])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for push in pushes {
        let out = push.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints WHERE confirmations = 2"),
        4
    );
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints WHERE schema_version = 1"),
        4
    );
    // The first sender is the row's contributor; the table holds the confirmations of others.
    assert_eq!(db.count("SELECT count(*) FROM taggenius_confirmations"), 4);
    // A third member whose model answers otherwise leaves the first blueprints in place.
    let other = Mock::start(std::time::Duration::ZERO, |_, tracks| {
        let entries = tracks
            .iter()
            .map(|t| serde_json::json!({"id": t.id, "primary_genre": "Techno", "energy_level": 3}))
            .collect();
        Reply::Entries(entries)
    });
    let out = other.run(&members[2], &["tag", "lib.xml", "-q", "-o", "out.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = members[2].run(&["pool", "push", "--pool", &db.url]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints WHERE confirmations = 2"),
        4
    );
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints WHERE blueprint->>'primary_genre' = 'Techno'"), 0);
    assert_eq!(
        db.count("SELECT count(DISTINCT contributor) FROM taggenius_blueprints"),
        1
    );
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn a_hostile_pool_cannot_break_the_output_and_untrusted_rows_are_passed_over() {
    let db = TestDb::new();
    let sb = Sandbox::new();
    init(&sb, &db.url);
    sb.write("lib.xml", numbered_library(1..=8));
    let key = |i: u32| format!("artist {i}\u{1f}track {i}");
    let huge = "x".repeat(1 << 20);
    let good =
        r#"{"primary_genre":"House","energy_level":7,"sub_genre":["Deep House"]}"#.to_string();
    let rows: Vec<(String, String, &str, bool, i32)> = vec![
        (
            key(1),
            r#"{"not":"a blueprint"}"#.into(),
            "gpt-4o-mini",
            false,
            1,
        ),
        (
            key(2),
            r#"{"primary_genre":"Spam","energy_level":7}"#.into(),
            "gpt-4o-mini",
            false,
            1,
        ),
        (
            key(3),
            r#"{"primary_genre":"House","energy_level":42}"#.into(),
            "gpt-4o-mini",
            false,
            1,
        ),
        (
            key(4),
            format!(
                r#"{{"primary_genre":"House","energy_level":7,"sub_genre":["{huge}","<b>\"&amp;</b>\u0001"]}}"#
            ),
            "gpt-4o-mini",
            false,
            1,
        ),
        (key(5), good.clone(), "gpt-4o-mini", true, 1),
        (key(6), good.clone(), "gpt-4o-mini", false, 1),
        (key(7), good.clone(), "gpt-4o-mini", false, 2),
        (key(8), good, "some-other-model", false, 2),
    ];
    let mut client = db.client();
    for (key, blueprint, model, disabled, confirmations) in &rows {
        client
            .execute(
                "INSERT INTO taggenius_blueprints (key, schema_version, blueprint, model, contributor, disabled, confirmations)
                 VALUES ($1, 1, $2::text::jsonb, $3, gen_random_uuid(), $4, $5)",
                &[key, blueprint, model, disabled, confirmations],
            )
            .unwrap();
    }
    let mock = Mock::ok();
    let (status, s, stderr) = tag(&sb, &mock, &db.url);
    assert_eq!(status, 0, "{stderr}");
    // Track 4's row is usable once its 1 MB word and markup are cut; 1-3 fail; 5 is disabled.
    assert_eq!(s["pool"]["invalid"], 3, "{s}");
    assert_eq!(s["pool"]["hits"], 4, "{s}");
    assert_eq!(
        titles_asked(&mock),
        ["Track 1", "Track 2", "Track 3", "Track 5"]
    );
    let out = std::fs::read_to_string(sb.path("out.xml")).unwrap();
    assert!(
        out.len() < 100_000 && !out.contains("<b>") && !out.contains('\u{1}'),
        "{}",
        &out[..out.len().min(2000)]
    );

    // A member who trusts only twice-confirmed rows of one model takes track 7 alone.
    let picky = Sandbox::new();
    picky.write("lib.xml", numbered_library(6..=8));
    std::fs::create_dir_all(picky.path("config/taggenius")).unwrap();
    picky.write(
        "config/taggenius/config.toml",
        format!(
            "[pool]\nurl = \"{}\"\nmin_confirmations = 2\nmodels = [\"gpt-4o-mini\"]\n",
            db.url
        ),
    );
    let mock = Mock::ok();
    let out = mock.run(&picky, &["tag", "lib.xml", "--json", "-o", "out.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(summary(&out)["pool"]["hits"], 1);
    assert_eq!(titles_asked(&mock), ["Track 6", "Track 8"]);
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn the_pool_learns_nothing_private_and_local_guesses_stay_home() {
    let db = TestDb::new();
    let sb = Sandbox::new();
    init(&sb, &db.url);
    let lib = numbered_library(1..=3).replace("Comments=\"\"", "Comments=\"my secret cue notes\"");
    sb.write("lib.xml", &lib);
    let out = sb.run(&[
        "tag",
        "lib.xml",
        "--provider",
        "local",
        "--pool",
        &db.url,
        "-q",
        "-o",
        "g.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints"),
        0,
        "local guesses were sent"
    );
    let (status, _, stderr) = tag(&sb, &Mock::ok(), &db.url);
    assert_eq!(status, 0, "{stderr}");
    let dump: String = db
        .client()
        .query(
            "SELECT concat_ws(' ', key, schema_version, blueprint::text, model, contributor, confirmations, disabled)
             FROM taggenius_blueprints
             UNION ALL SELECT concat_ws(' ', key, contributor) FROM taggenius_confirmations
             UNION ALL SELECT concat_ws(' ', name, value) FROM taggenius_pool",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints"),
        3,
        "{dump}"
    );
    for private in [
        "Music",
        "file://",
        "secret",
        "lib.xml",
        crate::mock::KEY,
        "/tmp",
    ] {
        assert!(
            !dump.contains(private),
            "{private:?} reached the pool:\n{dump}"
        );
    }
    // Blueprints asked under a vocabulary of the member's own stay home too.
    let own = Sandbox::new();
    own.write("lib.xml", numbered_library(4..=6));
    std::fs::create_dir_all(own.path("config/taggenius")).unwrap();
    own.write(
        "config/taggenius/config.toml",
        "[vocabulary]\nsituation_environment = [\"+First Dance\"]\n",
    );
    let (status, s, stderr) = tag(&own, &Mock::ok(), &db.url);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(s["fetched"], 3);
    assert_eq!(
        db.count("SELECT count(*) FROM taggenius_blueprints"),
        3,
        "custom vocabulary sent"
    );
}

/// A role of the tests' server, dropped after the test's database.
struct Role(String);

impl Drop for Role {
    fn drop(&mut self) {
        let admin = admin_url();
        if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.0));
        }
    }
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn a_member_who_may_only_take_takes_and_says_why_nothing_went() {
    let role = Role(format!("taggenius_guest_{}", std::process::id()));
    let db = TestDb::new();
    let first = Sandbox::new();
    init(&first, &db.url);
    first.write("lib.xml", numbered_library(1..=3));
    let (status, _, stderr) = tag(&first, &Mock::ok(), &db.url);
    assert_eq!(status, 0, "{stderr}");
    let mut client = db.client();
    client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {0}; CREATE ROLE {0} LOGIN; GRANT SELECT ON taggenius_blueprints TO {0}",
            role.0
        ))
        .unwrap();
    let guest_url = db
        .url
        .replacen("://postgres@", &format!("://{}@", role.0), 1);
    assert_ne!(guest_url, db.url);
    let guest = Sandbox::new();
    guest.write("lib.xml", numbered_library(1..=5));
    let mock = Mock::ok();
    let (status, s, stderr) = tag(&guest, &mock, &guest_url);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(s["pool"]["hits"], 3, "{s}");
    assert_eq!(titles_asked(&mock), ["Track 4", "Track 5"]);
    let lines: Vec<&str> = (stderr.lines())
        .filter(|l| l.starts_with("taggenius: pool"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("may only take"), "{stderr}");
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints"), 3);
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn blueprints_reach_the_pool_during_the_run_not_at_its_end() {
    let db = TestDb::new();
    let sb = Sandbox::new();
    init(&sb, &db.url);
    sb.write("lib.xml", numbered_library(1..=3));
    let url = db.url.clone();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let counts = seen.clone();
    // What the pool holds when each request arrives, one track a request; an answer takes longer
    // than the pool waits between two batches (a second).
    let mock = Mock::start(std::time::Duration::from_millis(1200), move |_, _| {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let held: i64 = client
            .query_one("SELECT count(*) FROM taggenius_blueprints", &[])
            .unwrap()
            .get(0);
        counts.lock().unwrap().push(held);
        Reply::Ok
    });
    let out = mock.run(
        &sb,
        &[
            "tag", "lib.xml", "--pool", &db.url, "--batch", "1", "--jobs", "1", "-q", "-o", "o.xml",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // The next request may leave before a reply is committed, never the one after it.
    let seen = seen.lock().unwrap().clone();
    assert!(seen[0] == 0 && seen[2] >= 1, "{seen:?}");
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints"), 3);
}
