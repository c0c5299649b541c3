//! The errors `main` maps to their own exit codes, and the Ctrl-C flag behind one of them.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

/// A mistake in how the command was called: exit code 2, like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Set by the Ctrl-C handler; the fetch stops handing out work when it sees it.
pub fn interrupted() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(Arc::default).clone()
}

/// Returned when Ctrl-C ended a run: what was saved is reported, nothing is written.
#[derive(Debug)]
pub struct Interrupted {
    pub saved: usize,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted: {} new blueprints are saved in the cache; no library was written",
            self.saved
        )
    }
}

impl std::error::Error for Interrupted {}
