//! A cache whose write lock another process holds: the run waits, and says so once.

use std::time::Duration;

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
    use std::io::{BufRead, BufReader, Read};
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=3));
    // The cache exists before another process holds it.
    let out = sb.run(&["cache", "stats"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mock = Mock::ok();
    let conn = rusqlite::Connection::open(sb.db()).expect("open the cache");
    conn.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let mut child = mock
        .spawnable(&sb)
        .args(["tag", "lib.xml", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The lock is held until the run says it waits for it: an event, not a time.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("busy") {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).unwrap();
        assert!(read > 0, "the run ended without waiting: {said}");
        said.push_str(&line);
    }
    conn.execute_batch("COMMIT")
        .expect("release the write lock");
    stderr.read_to_string(&mut said).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert_eq!(summary(&out)["fetched"], 3);
    let busy: Vec<&str> = said.lines().filter(|l| l.contains("busy")).collect();
    assert_eq!(busy.len(), 1, "{said}");
    assert!(
        busy[0].contains(&sb.db().display().to_string()) && busy[0].contains("waiting up to 30 s"),
        "{said}"
    );
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
