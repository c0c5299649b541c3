//! A cache whose write lock another process holds: the run waits, and says so once.

use std::time::{Duration, Instant};

use crate::mock::Mock;
use crate::util::{code, numbered_library, summary, text, Sandbox};

/// Holds the cache's write lock for `hold` on a thread of the test, as another process would.
fn hold_the_write_lock(sb: &Sandbox, hold: Duration) -> std::thread::JoinHandle<()> {
    let conn = rusqlite::Connection::open(sb.db()).expect("open the cache");
    conn.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.execute_batch("COMMIT")
            .expect("release the write lock");
    })
}

#[test]
fn a_run_that_waits_for_a_busy_cache_says_so_once_then_goes_on() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=3));
    // The cache exists before another process holds it.
    let out = sb.run(&["cache", "stats"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mock = Mock::ok();
    let holder = hold_the_write_lock(&sb, Duration::from_millis(2500));
    let started = Instant::now();
    let out = mock.run(&sb, &["tag", "lib.xml", "--json"]);
    let took = started.elapsed();
    holder.join().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert_eq!(summary(&out)["fetched"], 3);
    let said: Vec<&str> = stderr.lines().filter(|l| l.contains("busy")).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].contains(&sb.db().display().to_string()) && said[0].contains("waiting up to 30 s"),
        "{stderr}"
    );
    assert!(took >= Duration::from_secs(2), "it did wait: {took:?}");
}

#[test]
fn a_short_wait_is_silent() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=3));
    let out = sb.run(&["cache", "stats"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mock = Mock::ok();
    let holder = hold_the_write_lock(&sb, Duration::from_millis(200));
    let out = mock.run(&sb, &["tag", "lib.xml", "--json"]);
    holder.join().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(!stderr.contains("busy"), "{stderr}");
}
