//! taggenius: tag a DJ library once with an LLM, render any detail level from a local cache.

pub mod blueprint;
pub mod cache;
pub mod cli;
pub mod color;
mod commands;
pub mod config;
pub mod error;
pub mod interrupt;
pub mod library;
pub mod playlists;
mod provider;
pub mod query;
pub mod render;

use std::path::PathBuf;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::config::Config;

/// Runs one command and returns its exit code.
pub fn run(mut cli: Cli) -> Result<u8> {
    color::choose(cli.color);
    if let Command::Config(command) = &cli.command {
        return commands::config::run(command, &cli);
    }
    let config = Config::load(cli.config.as_deref())?;
    blueprint::vocabulary::set(config.vocabulary()?);
    config::apply(&mut cli, &config)?;
    let db = match cli.db.clone() {
        Some(db) => db,
        None => match std::env::var_os("TAGGENIUS_DB").filter(|v| !v.is_empty()) {
            Some(db) => PathBuf::from(db),
            None => cache::default_path()?,
        },
    };
    match &cli.command {
        Command::Tag(args) => commands::tag::run(args, &db),
        Command::Retag(args) => commands::retag::run(args, &db),
        Command::Clear(args) => commands::clear::run(args, &db),
        Command::Find(args) => commands::find::run(args, &db),
        Command::Cache(command) => commands::cache::run(command, &db),
        Command::Config(_) => Ok(0),
        Command::Man(args) => commands::man::run(args),
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
