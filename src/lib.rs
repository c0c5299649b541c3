//! taggenius: tag a DJ library once with an LLM, render any detail level from a local cache.

pub mod attributes;
pub mod blueprint;
mod busy;
pub mod cache;
mod cache_cmd;
mod clear;
pub mod cli;
mod dry_run;
mod fast_scan;
pub mod fasthash;
pub mod fetch;
pub mod genre_aliases;
pub mod history;
pub mod library;
pub mod local;
pub mod openai;
#[cfg(test)]
mod openai_fault_tests;
mod openai_http;
#[cfg(test)]
mod openai_mock;
mod openai_reply;
mod openai_request;
#[cfg(test)]
mod openai_tests;
pub mod originals;
pub mod output;
pub mod pipeline;
pub mod pricing;
mod progress;
pub mod provider;
pub mod render;
pub mod render_library;
mod report;
mod retag;
mod scan;
mod stored_blueprint;
mod tag;
pub mod track;
pub mod writer;
mod xml_checks;

use std::path::PathBuf;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command};

/// A mistake in how the command was called: exit code 2, like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Runs one command and returns its exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let db = match cli.db.clone() {
        Some(db) => db,
        None => match std::env::var_os("TAGGENIUS_DB").filter(|v| !v.is_empty()) {
            Some(db) => PathBuf::from(db),
            None => cache::default_path()?,
        },
    };
    match &cli.command {
        Command::Tag(args) => tag::run(args, &db),
        Command::Retag(args) => retag::run(args, &db),
        Command::Clear(args) => clear::run(args, &db),
        Command::Cache(command) => cache_cmd::run(command, &db),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "taggenius",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}
