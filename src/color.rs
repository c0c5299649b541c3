//! Whether to colour what goes to stderr, as the settings resolved it (`--color`, else a
//! terminal without `NO_COLOR`). Only the progress bar is coloured; stdout stays plain.

use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

static COLOURED: OnceLock<bool> = OnceLock::new();

/// Set once, from the settings, before anything is drawn.
pub fn choose(coloured: bool) {
    let _ = COLOURED.set(coloured);
}

/// Whether what goes to stderr is coloured.
pub fn on_stderr() -> bool {
    COLOURED.get().copied().unwrap_or(false)
}
