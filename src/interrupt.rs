//! Ctrl-C. The first one asks the run to stop at its next check: every phase checks often, so a
//! run stops within a fraction of a second, leaving the input as it was and no file behind. A
//! second one ends the process at once, after removing the files the run had begun (its temp
//! file, the backup of a library not yet replaced).
//!
//! The one moment a run cannot be stopped is the rename that puts the new library in place:
//! `complete` makes the last check and the rename under one lock, which the second Ctrl-C takes
//! too, so either the library is replaced and the run is complete, or it is not and nothing of
//! the run is left.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::error::Interrupted;

fn flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(Arc::default)
}

/// Files to remove if the process is ended before the run completes.
fn begun() -> MutexGuard<'static, Vec<PathBuf>> {
    static BEGUN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    // A panic while the lock was held leaves the list as it was: still the right list.
    BEGUN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The flag the online fetch's workers share: set once Ctrl-C is pressed.
pub fn shared_flag() -> Arc<AtomicBool> {
    flag().clone()
}

/// What the Ctrl-C handler does (on a thread of its own, not in the signal's context).
pub fn on_signal() {
    if flag().swap(true, Ordering::SeqCst) {
        for path in begun().drain(..) {
            let _ = std::fs::remove_file(path);
        }
        std::process::exit(130);
    }
}

pub fn requested() -> bool {
    flag().load(Ordering::Relaxed)
}

/// Stops the run here if Ctrl-C was pressed.
pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted::default())
    } else {
        Ok(())
    }
}

/// A file the run has made and will either keep (`complete`) or remove: registered so that a
/// second Ctrl-C removes it too. Dropping the mark only forgets it; the owner removes the file.
#[derive(Debug)]
pub struct Begun(PathBuf);

impl Begun {
    pub fn new(path: &Path) -> Begun {
        begun().push(path.to_path_buf());
        Begun(path.to_path_buf())
    }
}

impl Drop for Begun {
    fn drop(&mut self) {
        let mut list = begun();
        if let Some(at) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(at);
        }
    }
}

/// Makes the run's last check and its final step (the rename) as one: a Ctrl-C before it stops
/// the run, one after it finds the run complete.
pub fn complete<T>(
    step: impl FnOnce() -> anyhow::Result<T>,
    marks: Vec<Begun>,
) -> anyhow::Result<T> {
    let mut list = begun();
    let done = check().map_err(anyhow::Error::from).and_then(|()| step());
    if done.is_ok() {
        for mark in marks {
            list.retain(|p| *p != mark.0);
            // Forgotten here, under the lock its drop would take again.
            std::mem::forget(mark);
        }
    } else {
        drop(list);
        drop(marks);
    }
    done
}

/// `TAGGENIUS_PHASES`, as the environment gave it.
static TRACE: OnceLock<Option<String>> = OnceLock::new();

/// Where a run is, for the tests that press Ctrl-C at a known point (`TAGGENIUS_PHASES`):
/// `1` prints a line on standard error as each phase begins; `hold:PHASE` also waits there for
/// the first Ctrl-C, then goes on as if it had come mid-phase; `stuck:PHASE` then stays put (as
/// a step that never checks would) until a second Ctrl-C ends the process.
pub fn watch_phases(trace: Option<String>) {
    let _ = TRACE.set(trace.filter(|v| v != "0"));
}

pub fn phase(name: &str) {
    let Some(trace) = TRACE.get().and_then(Option::as_deref) else {
        return;
    };
    eprintln!("taggenius: phase {name}");
    let (mode, at) = trace.split_once(':').unwrap_or((trace, ""));
    if at == name {
        wait_for(requested);
        if mode == "stuck" {
            eprintln!("taggenius: phase stuck");
            wait_for(|| false);
        }
    }
}

/// Waits until `done`, for 30 seconds at most: a test hook never hangs a run for good.
fn wait_for(done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !done() && start.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
