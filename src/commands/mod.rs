//! One file a subcommand: each takes its arguments and the resolved settings, and returns the
//! exit code.

pub(crate) mod cache;
pub(crate) mod clear;
pub(crate) mod config;
pub(crate) mod find;
pub(crate) mod man;
pub(crate) mod pool;
pub(crate) mod retag;
pub(crate) mod saved;
pub(crate) mod set;
pub(crate) mod tag;
