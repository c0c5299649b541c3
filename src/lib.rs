//! taggenius: tag a DJ library once with an LLM, render any detail level from a local cache.

pub mod blueprint;
pub mod cache;
pub mod cli;
pub mod color;
mod commands;
pub mod config;
pub mod error;
pub mod interrupt;
pub mod job;
pub mod library;
pub mod playlists;
pub mod pool;
mod provider;
pub mod query;
pub mod render;
pub mod set;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::env::Environment;
use crate::cli::settings::Settings;
use crate::cli::{Cli, Command};

/// Runs one command and returns its exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let env = Environment::read();
    interrupt::watch_phases(env.phases.clone());
    if let Command::Config(command) = &cli.command {
        // `config path` and `config init` work with a config file that does not parse.
        return commands::config::run(command, &cli, &env);
    }
    let settings = Settings::resolve(&cli, &env)?;
    color::choose(settings.color);
    blueprint::vocabulary::set(settings.vocabulary.clone());
    match &cli.command {
        Command::Tag(args) => commands::tag::run(args, &settings),
        Command::Retag(args) => commands::retag::run(args, &settings),
        Command::Clear(args) => commands::clear::run(args, &settings),
        Command::Find(args) => commands::find::run(args, &settings),
        Command::Set(args) => commands::set::run(args, &settings),
        Command::Cache(command) => commands::cache::run(command, settings.db()?),
        Command::Config(_) => Ok(0),
        Command::Pool(command) => commands::pool::run(command, &settings),
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
