//! `taggenius retag`: render from the cache only. It never opens a socket.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Result};

use crate::cache::Cache;
use crate::cli::RetagArgs;
use crate::history::Summary;
use crate::library::Library;
use crate::pipeline::{render_and_write, Prepared, RenderPlan};
use crate::report::report;
use crate::writer::Output;

pub fn run(args: &RetagArgs, db: &Path) -> Result<u8> {
    let cache = Cache::open(db)?;
    let library = match &args.library {
        Some(library) => library.clone(),
        None => match cache.last_library()? {
            Some(library) => library,
            None => {
                bail!("no LIBRARY given, and this cache has no earlier `tag` run to take it from")
            }
        },
    };
    args.render.check_json(&library)?;
    let output = Output::choose(&library, args.render.output.as_deref(), "tagged")?;
    // The remembered originals are read on a second connection while the library is parsed.
    let (read, remembered) = std::thread::scope(|s| {
        let remembered = s.spawn(|| Cache::open(db).and_then(|c| c.remembered_values()));
        (Library::read(&library), remembered.join())
    });
    let prepared = Prepared::new(read?);
    let remembered =
        remembered.map_err(|_| anyhow!("internal error: reading the cache failed"))??;
    let found = prepared.lookup(&cache)?;
    let mut summary = Summary {
        cached: prepared
            .unique()
            .iter()
            .filter(|(k, _)| found.contains_key(*k))
            .count(),
        ..Summary::default()
    };
    let plan = RenderPlan {
        level: args.render.level,
        fields: &args.render.write,
        output: &output,
    };
    let reasons = HashMap::new();
    render_and_write(
        &prepared,
        &found,
        &reasons,
        &plan,
        &cache,
        &remembered,
        &mut summary,
    )?;
    cache.record_run("retag", None, &summary)?;
    report("retagged", &summary, args.render.json, args.render.quiet)?;
    Ok(summary.exit_code())
}
