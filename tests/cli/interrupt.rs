//! Ctrl-C in every phase of every command that writes a library: exit 130, one line saying what
//! was kept, the input as it was, and no output, backup or temp file left behind.
//!
//! The signal is timed from the phase line the run prints (`TAGGENIUS_PHASES`), never from a
//! sleep. `hold:PHASE` has the run wait at the start of PHASE until the signal has come, so the
//! signal is known to land inside the phase whatever the machine's load; the runs on a large
//! library send it mid-phase with no hold at all.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::*;

/// A run in progress, its standard error read line by line.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(sb: &Sandbox, args: &[&str], phases: &str) -> Running {
        let mut child = sb
            .spawnable()
            .args(args)
            .env("TAGGENIUS_PHASES", phases)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the line `taggenius: phase NAME`; fails if the run ends first.
    fn wait_for_phase(&mut self, name: &str) {
        let wanted = format!("taggenius: phase {name}");
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    let found = line == wanted;
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!("no {wanted:?} line; stderr: {:#?}", self.seen),
            }
        }
    }

    fn ctrl_c(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The exit code and the whole of standard error.
    fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(line);
        }
        let mut rest = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut rest);
        }
        (status.code().unwrap_or(-1), self.seen.join("\n") + &rest)
    }
}

/// Presses Ctrl-C once the run reaches `phase` (held there until it comes), and checks what an
/// interrupted run leaves: exit 130, the one line, `files` unchanged and nothing else in the
/// folder. Returns standard error.
fn interrupt_at(sb: &Sandbox, args: &[&str], phase: &str) -> String {
    let before = sb.files();
    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    let mut run = Running::start(sb, args, &format!("hold:{phase}"));
    run.wait_for_phase(phase);
    run.ctrl_c();
    let (status, stderr) = run.finish();
    assert_eq!(status, 130, "{args:?} at {phase}: {stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("taggenius: interrupted: ")
            && last.ends_with("no library was written and the input is as it was"),
        "{args:?} at {phase}: {stderr}"
    );
    assert_eq!(
        std::fs::read(sb.path("lib.xml")).unwrap(),
        input,
        "{args:?} at {phase}: the input changed"
    );
    let mut after = sb.files();
    // The cache may come into being; it is no output.
    after.retain(|f| !before.contains(f) && !f.starts_with("cache.sqlite3"));
    assert_eq!(
        after,
        Vec::<String>::new(),
        "{args:?} at {phase}: left behind"
    );
    stderr
}

fn sandbox_with(tracks: usize) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=tracks));
    sb
}

#[test]
fn ctrl_c_in_each_phase_of_tag_writes_nothing() {
    for target in [&["-o", "out.xml"][..], &["--in-place"]] {
        // A cache of its own: the phases after guessing fill it, and guessing needs misses.
        let sb = sandbox_with(2_000);
        for phase in [
            "reading",
            "looking up",
            "guessing",
            "playlists",
            "rendering",
        ] {
            let mut args = vec!["tag", "lib.xml", "--provider", "local", "--playlists"];
            args.extend(target);
            let before = blueprints(&sb);
            let stderr = interrupt_at(&sb, &args, phase);
            // What the line says is kept is what the cache gained.
            assert_eq!(blueprints(&sb) - before, kept(&stderr), "{stderr}");
        }
    }
}

/// The count of blueprints the interrupted line says are kept.
fn kept(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("taggenius: interrupted: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of blueprints kept: {stderr}"))
}

#[test]
fn ctrl_c_in_each_phase_of_retag_clear_and_find_writes_nothing() {
    let sb = sandbox_with(2_000);
    let out = sb.run(&["tag", "lib.xml", "--provider", "local", "-q", "-o", "t.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    for target in [&["-o", "out.xml"][..], &["--in-place"]] {
        for phase in ["reading", "playlists", "rendering"] {
            let mut args = vec!["retag", "lib.xml", "--playlists"];
            args.extend(target);
            interrupt_at(&sb, &args, phase);
        }
        for phase in ["reading", "restoring", "writing"] {
            let mut args = vec!["clear", "lib.xml"];
            args.extend(target);
            interrupt_at(&sb, &args, phase);
        }
        for phase in ["reading", "writing"] {
            let mut args = vec!["find", "lib.xml", "--genre", "House", "--playlist", "All"];
            args.extend(target);
            interrupt_at(&sb, &args, phase);
        }
    }
}

#[test]
fn ctrl_c_in_each_phase_of_set_writes_nothing() {
    let songs = crate::crates::random_crate(300, 4, (120.0, 128.0), 60);
    let sb = crate::crates::sandbox_with(&songs);
    for target in [&["-o", "out.xml"][..], &["--in-place"]] {
        for phase in ["reading", "building", "writing"] {
            let mut args = vec!["set", "lib.xml", "--minutes", "60", "--playlist", "Set"];
            args.extend(target);
            interrupt_at(&sb, &args, phase);
        }
    }
}

#[test]
fn a_second_ctrl_c_ends_the_run_at_once_and_still_removes_its_files() {
    let sb = sandbox_with(500);
    let out = sb.run(&["tag", "lib.xml", "--provider", "local", "-q", "-o", "t.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let before = sb.files();
    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    let args = ["retag", "lib.xml", "--in-place"];
    let mut run = Running::start(&sb, &args, "stuck:rendering");
    run.wait_for_phase("rendering");
    let backup_and_temp: Vec<String> = sb
        .files()
        .into_iter()
        .filter(|f| !before.contains(f) && !f.starts_with("cache.sqlite3"))
        .collect();
    assert_eq!(backup_and_temp.len(), 2, "{backup_and_temp:?}");
    run.ctrl_c();
    // The run is stuck past its checks: only the second Ctrl-C can end it.
    run.wait_for_phase("stuck");
    run.ctrl_c();
    let (status, stderr) = run.finish();
    assert_eq!(status, 130, "{stderr}");
    assert_eq!(std::fs::read(sb.path("lib.xml")).unwrap(), input);
    let mut after = sb.files();
    after.retain(|f| !before.contains(f) && !f.starts_with("cache.sqlite3"));
    assert_eq!(after, Vec::<String>::new(), "left behind");
}

/// No hold: the signal lands while a large library is being guessed, then rendered, with
/// `--in-place`.
#[test]
fn ctrl_c_mid_phase_on_a_large_library_keeps_what_was_guessed() {
    let sb = sandbox_with(40_000);
    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    let mut run = Running::start(
        &sb,
        &["tag", "lib.xml", "--provider", "local", "--in-place"],
        "1",
    );
    run.wait_for_phase("guessing");
    run.ctrl_c();
    let (status, stderr) = run.finish();
    assert_eq!(status, 130, "{stderr}");
    let kept = kept(&stderr);
    assert_eq!(blueprints(&sb), kept, "{stderr}");
    assert!(kept < 40_000, "the run was not interrupted: {stderr}");
    assert_eq!(std::fs::read(sb.path("lib.xml")).unwrap(), input);
    assert_eq!(outputs(&sb), Vec::<String>::new());

    let mut run = Running::start(&sb, &["retag", "lib.xml", "--in-place"], "1");
    run.wait_for_phase("rendering");
    run.ctrl_c();
    let (status, stderr) = run.finish();
    assert_eq!(status, 130, "{stderr}");
    assert_eq!(std::fs::read(sb.path("lib.xml")).unwrap(), input);
    assert_eq!(outputs(&sb), Vec::<String>::new());
}

/// Files in the sandbox other than the library and the cache.
fn outputs(sb: &Sandbox) -> Vec<String> {
    let mut files = sb.files();
    files.retain(|f| f != "lib.xml" && !f.starts_with("cache.sqlite3"));
    files
}

fn blueprints(sb: &Sandbox) -> u64 {
    let out = sb.run(&["cache", "stats", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    summary(&out)["blueprints"].as_u64().unwrap()
}
