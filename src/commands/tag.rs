//! `taggenius tag`: cache first, then the provider, then render.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

use crate::cache::history::Summary;
use crate::cache::{Cache, Cached, Found, LOCAL_SOURCE};
use crate::cli::TagArgs;
use crate::commands::dry_run;
use crate::commands::playlists;
use crate::commands::report::report;
use crate::commands::write::{render_and_write_all, Job};
use crate::error::Interrupted;
use crate::interrupt;
use crate::library::output::Output;
use crate::library::track::TrackInfo;
use crate::library::Library;
use crate::provider::fetch::{self, Online};
use crate::provider::local::local_blueprint;
use crate::provider::Provider;
use crate::render::check_writable;
use crate::render::prepared::Prepared;

pub fn run(args: &TagArgs, db: &Path) -> Result<u8> {
    // Stopped before any blueprint was asked for, the run has saved none.
    tag(args, db).map_err(|e| Interrupted::saving(e, 0))
}

fn tag(args: &TagArgs, db: &Path) -> Result<u8> {
    // A dry run writes no library, so its --json summary has standard output to itself.
    if !args.dry_run {
        args.render.check_json(&args.library)?;
    }
    let provider = Provider::from_args(args)?;
    let output = Output::choose(&args.library, args.render.target(), "tagged")?;
    interrupt::phase("reading");
    let prepared = Prepared::new(Library::read(&args.library)?);
    interrupt::check()?;
    check_writable(prepared.library.format(), args.render.fields())?;
    playlists::check(prepared.library.format(), &args.render)?;
    let cache = if args.dry_run && !db.exists() {
        Cache::in_memory()?
    } else {
        Cache::open(db)?
    };
    interrupt::phase("looking up");
    let mut found = prepared.lookup(&cache)?;
    interrupt::check()?;
    let unique = prepared.unique();
    let stale = match (args.refresh_vocabulary, &provider) {
        (true, Provider::OpenAi(_) | Provider::Local) => cache.stale_keys()?,
        _ => Default::default(),
    };
    let wanted: Vec<(&str, TrackInfo)> = unique
        .iter()
        .filter(|(key, _)| {
            needs_fetch(found.get(*key), &provider, args.refresh) || stale.contains(*key)
        })
        .map(|&(key, index)| (key, prepared.info(index)))
        .collect();
    if args.dry_run {
        return dry_run::print(
            &prepared,
            unique.len(),
            &wanted,
            &provider,
            args.render.json,
        );
    }
    let mut summary = Summary {
        cached: unique.len() - wanted.len(),
        guessed_locally: matches!(provider, Provider::Local),
        ..Summary::default()
    };
    let reasons = ask(args, &provider, &cache, &wanted, &mut found, &mut summary)?;
    let fetched = summary.fetched;
    write(args, &cache, &prepared, &found, &output, &reasons, summary)
        .map_err(|e| Interrupted::saving(e, fetched))
}

/// Renders and writes the library once each track's blueprint is known, and reports.
fn write(
    args: &TagArgs,
    cache: &Cache,
    prepared: &Prepared,
    found: &Found,
    output: &Output,
    reasons: &HashMap<String, String>,
    mut summary: Summary,
) -> Result<u8> {
    let library = remembered_path(&args.library);
    let blueprints = prepared.blueprints(found);
    summary.saved_usd = cache.saving(summary.cached)?;
    let job = Job {
        prepared,
        blueprints: &blueprints,
        reasons,
        remembered: &cache.remembered_values()?,
        output,
        command: "tag",
        library: library.as_deref(),
    };
    render_and_write_all(job, &args.render, cache, &mut summary)?;
    report("tagged", &summary, args.render.json, args.render.quiet)?;
    Ok(summary.exit_code())
}

/// Asks the provider for the blueprints of `wanted`, storing each as it comes; returns why
/// each track that got none got none.
fn ask(
    args: &TagArgs,
    provider: &Provider,
    cache: &Cache,
    wanted: &[(&str, TrackInfo)],
    found: &mut Found,
    summary: &mut Summary,
) -> Result<HashMap<String, String>> {
    match provider {
        Provider::Offline => Ok(wanted
            .iter()
            .map(|(k, _)| (k.to_string(), "not in the cache (offline)".to_string()))
            .collect()),
        Provider::Local => {
            interrupt::phase("guessing");
            fill_locally(cache, wanted, found, summary)
        }
        Provider::OpenAi(cfg) => {
            interrupt::phase("fetching");
            let online = Online {
                cache,
                cfg,
                budget: args.budget,
                quiet: args.render.quiet,
            };
            fetch::fetch(&online, wanted, found, summary)
        }
    }
}

/// Whether a track's blueprint must be asked for: a local guess gives way to an online answer.
fn needs_fetch(cached: Option<&Cached>, provider: &Provider, refresh: bool) -> bool {
    match (cached, provider) {
        (None, _) => true,
        (_, Provider::Offline) => false,
        (Some(_), _) if refresh => true,
        (Some(c), Provider::OpenAi(_)) => c.is_local(),
        (Some(_), Provider::Local) => false,
    }
}

/// The library `retag` falls back to: an absolute path, so it works from any folder.
fn remembered_path(library: &str) -> Option<String> {
    if library == "-" {
        return None;
    }
    let path = Path::new(library);
    Some(
        path.canonicalize()
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string(),
    )
}

fn fill_locally(
    cache: &Cache,
    wanted: &[(&str, TrackInfo)],
    found: &mut Found,
    summary: &mut Summary,
) -> Result<HashMap<String, String>> {
    let mut reasons = HashMap::new();
    cache.in_transaction(|| {
        for (key, info) in wanted {
            // What is guessed so far is committed; the run stops after the commit.
            if interrupt::requested() {
                break;
            }
            let Some(blueprint) = local_blueprint(info) else {
                let reason = if info.genre.is_empty() {
                    "offline guess impossible: no Genre to go on (set OPENAI_API_KEY for online tagging)".to_string()
                } else {
                    format!("offline guess impossible: genre {:?} is not one it knows", info.genre)
                };
                reasons.insert(key.to_string(), reason);
                continue;
            };
            cache.store(key, &info.artist, &info.title, LOCAL_SOURCE, &blueprint)?;
            found.insert(
                key.to_string(),
                Cached::new(LOCAL_SOURCE, &blueprint),
            );
            summary.fetched += 1;
        }
        Ok(())
    })?;
    if interrupt::requested() {
        return Err(Interrupted {
            saved: Some(summary.fetched),
        }
        .into());
    }
    Ok(reasons)
}
