//! The command line and what it resolves to: clap's structs as parsed (`args`), the environment
//! (`env`), and the settings a run uses, each value with where it came from (`settings`).

pub mod args;
pub mod env;
pub mod query_args;
pub mod set_settings;
pub mod settings;

pub use args::*;
pub use query_args::{FilterArgs, FindArgs, OnOff, SavedTo, SetArgs};
