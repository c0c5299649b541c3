//! One file a subcommand, and what they share: the prepared library and the report of a run.

pub(crate) mod cache;
pub(crate) mod clear;
pub(crate) mod config;
mod dry_run;
pub(crate) mod find;
pub(crate) mod man;
mod playlists;
mod report;
pub(crate) mod retag;
pub(crate) mod tag;
mod write;
