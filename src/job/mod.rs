//! The job `tag` and `retag` share: the library with its cache keys (`prepared`), blueprints
//! looked up and asked for where missing (`sources`), the tracks rendered and the library
//! written (`write`) with its playlists (`playlist_plan`), the run recorded and reported
//! (`summary`, `report`). `open` is the opening every command on a library and its cache shares.

pub mod dry_run;
pub mod open;
pub mod playlist_plan;
pub mod prepared;
pub mod report;
pub mod sources;
pub mod summary;
pub mod write;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;

use crate::cache::originals::Remembered;
use crate::cache::{Cache, Cached};
use crate::interrupt;
use crate::job::playlist_plan::{finish, plan};
use crate::job::prepared::Prepared;
use crate::job::summary::Summary;
use crate::job::write::{render_and_write, RenderPlan};
use crate::library::output::Output;
use crate::playlists::Group;
use crate::render::look::Look;
use crate::render::{Level, WriteField};

/// How `tag` and `retag` render and write, every value resolved.
#[derive(Debug, Clone)]
pub struct RenderSettings {
    pub level: Level,
    /// The fields to write.
    pub fields: Vec<WriteField>,
    /// The playlist groups to build; `None`: no playlists.
    pub playlists: Option<Vec<Group>>,
    /// Whether the playlists came from config.toml rather than a flag: a library that keeps no
    /// playlists then simply gets none.
    pub playlists_from_config: bool,
    /// Where VirtualDJ's .m3u8 playlists go.
    pub playlists_dir: Option<PathBuf>,
    /// The renames and block template.
    pub look: Look,
    pub json: bool,
    pub quiet: bool,
}

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

/// Renders the tracks, with the playlists `settings` ask for, writes the library (and any files
/// that follow it), and fills in the summary.
pub fn render_and_write_all(
    job: Job,
    settings: &RenderSettings,
    cache: &Cache,
    summary: &mut Summary,
) -> Result<()> {
    let look = settings.look.clone().knowing(&cache.block_templates()?);
    interrupt::phase("playlists");
    let planned = plan(job.prepared, job.blueprints, settings, cache)?;
    interrupt::check()?;
    let render = RenderPlan {
        level: settings.level,
        fields: &settings.fields,
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
    finish(planned, job.prepared, summary, settings.quiet)
}
