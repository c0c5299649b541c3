//! Whether to colour what goes to stderr: `--color`, else a terminal without `NO_COLOR` set
//! (no-color.org). Only the progress bar is coloured; everything on stdout stays plain.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Set once, from the command line, before anything is drawn.
pub fn choose(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

pub fn on_stderr() -> bool {
    match CHOICE.get().copied().unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && std::io::stderr().is_terminal()
        }
    }
}
