//! `taggenius man`: the man pages, made from the command line's own definition.

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::UsageError;

pub fn run(args: &ManArgs) -> Result<u8> {
    let mut top = Cli::command().disable_help_subcommand(true);
    // Built, every subcommand knows its page's name: taggenius-tag, taggenius-cache-stats.
    top.build();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(top, dir))
            .with_context(|| format!("{}: cannot write the man pages", dir.display()))?;
        return Ok(0);
    }
    let mut page = &top;
    for name in &args.command {
        page = page.find_subcommand(name).ok_or_else(|| {
            let known: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            UsageError(format!(
                "no page for {name:?}: the commands are {}",
                known.join(", ")
            ))
        })?;
    }
    clap_mangen::Man::new(page.clone()).render(&mut std::io::stdout().lock())?;
    Ok(0)
}
