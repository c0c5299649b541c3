//! Waiting for a cache that another process is writing to: SQLite's own busy timeout waits in
//! silence, and a run that sat for 24 s without a word looked hung.

use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a run waits for the write lock before giving up with "database is locked".
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How long it waits in silence: a short wait is normal when two runs share a cache.
const QUIET_FOR: Duration = Duration::from_secs(1);

static SHOWN_PATH: OnceLock<String> = OnceLock::new();
static SAID: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// When the current wait began, for the handler, which SQLite gives only a count.
    static WAITING_SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Installs the handler on `conn`; `path` is what the line on stderr calls the cache.
pub fn wait_politely(conn: &rusqlite::Connection, path: &Path) -> rusqlite::Result<()> {
    let _ = SHOWN_PATH.set(path.display().to_string());
    conn.busy_handler(Some(on_busy))
}

/// Called by SQLite while the lock is held elsewhere, `count` times before in this wait; true
/// to try again. Sleeps as SQLite's own handler does, short at first.
fn on_busy(count: i32) -> bool {
    let now = Instant::now();
    let since = WAITING_SINCE.with(|cell| {
        let since = match cell.get() {
            Some(since) if count > 0 => since,
            _ => now,
        };
        cell.set(Some(since));
        since
    });
    let waited = now - since;
    if waited >= PATIENCE {
        return false;
    }
    if waited >= QUIET_FOR && !SAID.swap(true, Ordering::Relaxed) {
        let path = SHOWN_PATH.get().map_or("", String::as_str);
        eprintln!(
            "taggenius: the cache {path} is busy: another process is writing to it; waiting up to {} s",
            PATIENCE.as_secs()
        );
    }
    const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let delay = DELAYS_MS[(count.max(0) as usize).min(DELAYS_MS.len() - 1)];
    std::thread::sleep(Duration::from_millis(delay));
    true
}
