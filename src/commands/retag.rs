//! `taggenius retag`: render from the cache only. It never opens a socket.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, Result};

use crate::cache::originals::Remembered;
use crate::cache::{Cache, Found};
use crate::cli::settings::Settings;
use crate::cli::RetagArgs;
use crate::interrupt;
use crate::job::open::open;
use crate::job::playlist_plan;
use crate::job::prepared::Prepared;
use crate::job::report::report;
use crate::job::summary::Summary;
use crate::job::{render_and_write_all, Job};
use crate::library::output::Output;
use crate::library::{self, Library};
use crate::render::check_writable;

/// The remembered originals, and every blueprint when the cache is not much larger than the
/// library can hold (by the fewest bytes a track takes in any format); a larger cache is looked
/// up key by key once the library's keys are known.
fn preload(db: &Path, library_size: Option<u64>) -> Result<(Remembered, Option<Found>)> {
    let cache = Cache::open(db)?;
    let blueprints = cache.blueprints_at_most()?;
    let remembered = cache.remembered_values()?;
    let most_tracks = library_size.map(|bytes| bytes / library::min_track_bytes() as u64 + 1);
    let all = match most_tracks {
        Some(tracks) if blueprints as u64 <= 4 * tracks => Some(cache.load_all(blueprints)?),
        _ => None,
    };
    Ok((remembered, all))
}

pub fn run(args: &RetagArgs, settings: &Settings) -> Result<u8> {
    let render = settings.render(&args.render);
    let db = settings.db()?;
    let (cache, library) = open(db, args.library.as_deref())?;
    args.render.check_json(&library)?;
    let output = Output::choose(&library, args.render.target(), "tagged")?;
    // The cache is read on a second connection while the library is parsed and its keys are
    // folded.
    let size = std::fs::metadata(&library).map(|m| m.len()).ok();
    interrupt::phase("reading");
    let (prepared, preloaded) = std::thread::scope(|s| {
        let preloaded = s.spawn(|| preload(db, size));
        (Library::read(&library).map(Prepared::new), preloaded.join())
    });
    let prepared = prepared?;
    interrupt::check()?;
    check_writable(prepared.library.format(), &render.fields)?;
    playlist_plan::check(prepared.library.format(), &render)?;
    let (remembered, all) =
        preloaded.map_err(|_| anyhow!("internal error: reading the cache failed"))??;
    let found = match all {
        Some(all) => all,
        None => prepared.lookup(&cache)?,
    };
    let blueprints = prepared.blueprints(&found);
    let cached = Prepared::distinct(&blueprints);
    let mut summary = Summary {
        cached,
        saved_usd: cache.saving(cached)?,
        ..Summary::default()
    };
    let job = Job {
        prepared: &prepared,
        blueprints: &blueprints,
        reasons: &HashMap::new(),
        remembered: &remembered,
        output: &output,
        command: "retag",
        library: None,
    };
    render_and_write_all(job, &render, &cache, &mut summary)?;
    report("retagged", &summary, render.json, render.quiet)?;
    let code = summary.exit_code();
    // The process ends next, and the system takes its memory back at once: freeing these
    // hundreds of thousands of allocations one by one took 40 ms of a 50,000-track re-render.
    std::mem::forget(blueprints);
    std::mem::forget((found, prepared, summary));
    Ok(code)
}
