//! What `tag` and `retag` share once each track's blueprint is known: the playlists, the
//! rendering and writing of the library, and what follows it.

use std::collections::HashMap;

use anyhow::Result;

use crate::cache::history::Summary;
use crate::cache::originals::Remembered;
use crate::cache::{Cache, Cached};
use crate::cli::RenderArgs;
use crate::commands::playlists::{finish, plan};
use crate::interrupt;
use crate::library::output::Output;
use crate::render::library::{render_and_write, RenderPlan};
use crate::render::prepared::Prepared;

/// What `tag` and `retag` write once each track's blueprint is known.
pub struct Job<'a> {
    pub prepared: &'a Prepared,
    pub blueprints: &'a [Option<&'a Cached>],
    /// Why a track has no blueprint, by cache key.
    pub reasons: &'a HashMap<String, String>,
    pub remembered: &'a Remembered,
    pub output: &'a Output,
    /// `tag` or `retag`.
    pub command: &'a str,
    /// The library `retag` falls back to, for a `tag` of a file.
    pub library: Option<&'a str>,
}

/// Renders the tracks, with the playlists `args` ask for, writes the library (and any files
/// that follow it), and fills in the summary.
pub fn render_and_write_all(
    job: Job,
    args: &RenderArgs,
    cache: &Cache,
    summary: &mut Summary,
) -> Result<()> {
    let look = args.look.clone().knowing(&cache.block_templates()?);
    interrupt::phase("playlists");
    let planned = plan(job.prepared, job.blueprints, args, cache)?;
    interrupt::check()?;
    let render = RenderPlan {
        level: args.chosen_level,
        fields: args.fields(),
        output: job.output,
        command: job.command,
        library: job.library,
        look: &look,
        tail: planned.tail(),
        playlist_folder: planned.folder(),
    };
    render_and_write(
        job.prepared,
        job.blueprints,
        job.reasons,
        &render,
        cache,
        job.remembered,
        summary,
    )?;
    finish(planned, job.prepared, summary, args.quiet)
}
