//! `taggenius tag`: cache first, then the sources that answer its misses, then render.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

use crate::cache::{Cache, Found};
use crate::cli::settings::Settings;
use crate::cli::TagArgs;
use crate::error::Interrupted;
use crate::interrupt;
use crate::job::playlist_plan;
use crate::job::prepared::Prepared;
use crate::job::report::report;
use crate::job::sources::pool::warn;
use crate::job::sources::{ask_in_order, needs_asking, sources_for, Asking, Store, Wanted};
use crate::job::summary::Summary;
use crate::job::{dry_run, render_and_write_all, Job, RenderSettings};
use crate::library::output::Output;
use crate::library::Library;
use crate::pool::{Pool, Trust};
use crate::provider::Provider;
use crate::render::check_writable;
use rustc_hash::FxHashSet;

pub fn run(args: &TagArgs, settings: &Settings) -> Result<u8> {
    // Stopped before any blueprint was asked for, the run has saved none.
    tag(args, settings).map_err(|e| Interrupted::saving(e, 0))
}

fn tag(args: &TagArgs, settings: &Settings) -> Result<u8> {
    let render = settings.render(&args.render);
    // A dry run writes no library, so its --json summary has standard output to itself.
    if !args.dry_run {
        args.render.check_json(&args.library)?;
    }
    let provider = Provider::from_settings(&settings.provider(args))?;
    let output = Output::choose(&args.library, args.render.target(), "tagged")?;
    interrupt::phase("reading");
    let prepared = Prepared::new(Library::read(&args.library)?);
    interrupt::check()?;
    check_writable(prepared.library.format(), &render.fields)?;
    playlist_plan::check(prepared.library.format(), &render)?;
    let cache = open_cache(args, settings)?;
    interrupt::phase("looking up");
    let mut found = prepared.lookup(&cache)?;
    interrupt::check()?;
    let unique = prepared.unique();
    let wanted = wanted(args, &prepared, &unique, &found, &provider, &cache)?;
    let pool = RefCell::new(match provider {
        Provider::Offline => None,
        _ => connect(settings),
    });
    if args.dry_run {
        let (wanted, from_pool) = without_pool_hits(wanted, &pool, &settings.trust);
        let (json, unique_tracks) = (render.json, unique.len());
        return dry_run::print(
            &prepared,
            unique_tracks,
            &wanted,
            &provider,
            json,
            from_pool,
        );
    }
    let mut summary = Summary {
        cached: unique.len() - wanted.len(),
        guessed_locally: matches!(provider, Provider::Local),
        ..Summary::default()
    };
    let asker = Asker {
        settings,
        quiet: render.quiet,
        provider: &provider,
        pool: &pool,
        cache: &cache,
    };
    let reasons = asker.ask(&wanted, &mut found, &mut summary)?;
    let fetched = summary.fetched;
    let written = Written {
        args,
        render: &render,
        cache: &cache,
        prepared: &prepared,
        output: &output,
    };
    written
        .write(&found, &reasons, summary)
        .map_err(|e| Interrupted::saving(e, fetched))
}

/// The cache; a dry run on a machine without one looks into an empty one and makes none.
fn open_cache(args: &TagArgs, settings: &Settings) -> Result<Cache> {
    let db = settings.db()?;
    if args.dry_run && !db.exists() {
        Cache::in_memory()
    } else {
        Cache::open(db)
    }
}

/// The tracks whose blueprint must be asked for, once each.
fn wanted<'a>(
    args: &TagArgs,
    prepared: &'a Prepared,
    unique: &[(&'a str, usize)],
    found: &Found,
    provider: &Provider,
    cache: &Cache,
) -> Result<Vec<Wanted<'a>>> {
    let stale = match (args.refresh_vocabulary, provider) {
        (true, Provider::OpenAi(_) | Provider::Local) => cache.stale_keys()?,
        _ => Default::default(),
    };
    Ok(unique
        .iter()
        .filter(|(key, _)| {
            needs_asking(found.get(*key), provider, args.refresh) || stale.contains(*key)
        })
        .map(|&(key, index)| (key, prepared.info(index)))
        .collect())
}

/// What asks the sources for the cache's misses.
struct Asker<'a> {
    settings: &'a Settings,
    quiet: bool,
    provider: &'a Provider,
    pool: &'a RefCell<Option<Pool>>,
    cache: &'a Cache,
}

impl Asker<'_> {
    /// Asks the sources in order, keeping every answer in the cache (and sending the model's to
    /// the pool); returns why each track that got none got none.
    fn ask(
        &self,
        wanted: &[Wanted],
        found: &mut Found,
        summary: &mut Summary,
    ) -> Result<HashMap<String, String>> {
        let with_pool = self.settings.pool.value.is_some();
        let asking = Asking {
            budget: self.settings.budget.value,
            quiet: self.quiet,
            pool: with_pool.then_some((self.pool, &self.settings.trust)),
        };
        let sources = sources_for(self.provider, &asking);
        let mut store = Store::new(self.cache, found);
        if with_pool {
            store = store.sending_to_pool(self.pool);
        }
        let reasons = ask_in_order(&sources, wanted, &mut store, summary)?;
        // The last batch, and what waited from earlier runs.
        store.send_waiting()?;
        if store.pushed() > 0 {
            summary.pool.get_or_insert_with(Default::default).pushed += store.pushed();
        }
        Ok(reasons)
    }
}

/// Where and how the run writes, once each track's blueprint is known.
struct Written<'a> {
    args: &'a TagArgs,
    render: &'a RenderSettings,
    cache: &'a Cache,
    prepared: &'a Prepared,
    output: &'a Output,
}

impl Written<'_> {
    /// Renders and writes the library, and reports.
    fn write(
        &self,
        found: &Found,
        reasons: &HashMap<String, String>,
        mut summary: Summary,
    ) -> Result<u8> {
        let library = remembered_path(&self.args.library);
        let blueprints = self.prepared.blueprints(found);
        summary.saved_usd = self.cache.saving(summary.cached)?;
        let job = Job {
            prepared: self.prepared,
            blueprints: &blueprints,
            reasons,
            remembered: &self.cache.remembered_values()?,
            output: self.output,
            command: "tag",
            library: library.as_deref(),
        };
        render_and_write_all(job, self.render, self.cache, &mut summary)?;
        report("tagged", &summary, self.render.json, self.render.quiet)?;
        Ok(summary.exit_code())
    }
}

/// The pool `settings` name, connected; `None`, after one line saying why, when it cannot be.
fn connect(settings: &Settings) -> Option<Pool> {
    let url = settings.pool.value.as_ref()?;
    match Pool::connect(url) {
        Ok((pool, notice)) => {
            if let Some(notice) = notice {
                warn(&notice);
            }
            Some(pool)
        }
        Err(e) => {
            warn(&format!("{e:#}; going on without it"));
            None
        }
    }
}

/// `wanted` less what the pool holds, and how many that was (for a dry run).
fn without_pool_hits<'a>(
    wanted: Vec<Wanted<'a>>,
    pool: &RefCell<Option<Pool>>,
    trust: &Trust,
) -> (Vec<Wanted<'a>>, Option<usize>) {
    let mut pool = pool.borrow_mut();
    let Some(pool) = pool.as_mut() else {
        return (wanted, None);
    };
    let keys: Vec<&str> = wanted.iter().map(|(key, _)| *key).collect();
    match pool.lookup(&keys, trust) {
        Ok((found, _)) => {
            let held: FxHashSet<&str> = found.iter().map(|f| f.key.as_str()).collect();
            let rest: Vec<Wanted> = wanted
                .into_iter()
                .filter(|(k, _)| !held.contains(k))
                .collect();
            (rest, Some(held.len()))
        }
        Err(e) => {
            warn(&format!("pool {}: {e:#}", pool.url.shown));
            (wanted, None)
        }
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
