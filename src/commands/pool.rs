//! `taggenius pool init|push|pull|stats`: create a shared pool's tables, send it what waits for
//! it, fill the local cache from it, see what it holds.

use std::io::Write;

use anyhow::{anyhow, Result};
use serde::Serialize;

use crate::cache::Cache;
use crate::cli::settings::Settings;
use crate::cli::PoolCommand;
use crate::job::open::open;
use crate::job::prepared::Prepared;
use crate::job::report::{counted, print_json};
use crate::job::sources::pool::keep_rows;
use crate::job::sources::{Store, Wanted};
use crate::library::Library;
use crate::pool::{Pool, Stats};

pub fn run(command: &PoolCommand, settings: &Settings) -> Result<u8> {
    let url = settings.pool.value.as_ref().ok_or_else(|| {
        anyhow!("no pool: give --pool URL, set TAGGENIUS_POOL, or pool = \"…\" in config.toml")
    })?;
    let (mut pool, notice) = Pool::connect(url)?;
    if let Some(notice) = notice {
        eprintln!("taggenius: {notice}");
    }
    match command {
        PoolCommand::Init { .. } => {
            pool.init()?;
            eprintln!("taggenius: pool {} is ready", url.shown);
        }
        PoolCommand::Push { .. } => {
            let cache = Cache::open(settings.db()?)?;
            // Every blueprint fetched online waits, then goes: the pool keeps one of each.
            let keys = cache.online_keys()?;
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            cache.in_transaction(|| cache.to_send(&keys))?;
            let sent = crate::pool::send_outbox(&mut pool, &cache)?;
            eprintln!(
                "taggenius: sent {} to pool {}",
                counted(sent as u64, "blueprint"),
                url.shown
            );
        }
        PoolCommand::Pull { library, .. } => pull(&mut pool, settings, library.as_deref())?,
        PoolCommand::Stats { library, json, .. } => {
            stats(&mut pool, settings, library.as_deref(), *json)?
        }
    }
    Ok(0)
}

/// Takes the pool's blueprints for the library's tracks the cache lacks.
fn pull(pool: &mut Pool, settings: &Settings, library: Option<&str>) -> Result<()> {
    let (cache, library) = open(settings.db()?, library)?;
    let prepared = Prepared::new(Library::read(&library)?);
    let mut found = prepared.lookup(&cache)?;
    let missing: Vec<Wanted> = (prepared.unique().into_iter())
        .filter(|(key, _)| !found.contains_key(*key))
        .map(|(key, index)| (key, prepared.info(index)))
        .collect();
    let keys: Vec<&str> = missing.iter().map(|(key, _)| *key).collect();
    let (rows, invalid) = pool.lookup(&keys, &settings.trust)?;
    let kept = keep_rows(&rows, &missing, &mut Store::new(&cache, &mut found))?;
    eprintln!(
        "taggenius: {} of the {} the cache lacked came from pool {}{}",
        counted(kept as u64, "blueprint"),
        missing.len(),
        pool.url.shown,
        match invalid {
            0 => String::new(),
            n => format!(" ({n} of its rows failed the checks and were left)"),
        }
    );
    Ok(())
}

/// The pool's figures, and the share of a library it covers.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    pool: Stats,
    /// Of the library's unique tracks, how many the pool holds.
    library: Option<Coverage>,
}

#[derive(Serialize)]
struct Coverage {
    path: String,
    tracks: usize,
    in_pool: usize,
}

fn stats(pool: &mut Pool, settings: &Settings, library: Option<&str>, json: bool) -> Result<()> {
    let figures = pool.stats()?;
    let coverage = match open(settings.db()?, library) {
        Ok((_, path)) => {
            let prepared = Prepared::new(Library::read(&path)?);
            let keys: Vec<&str> = prepared.unique().into_iter().map(|(k, _)| k).collect();
            let (rows, _) = pool.lookup(&keys, &settings.trust)?;
            Some(Coverage {
                path,
                tracks: keys.len(),
                in_pool: rows.len(),
            })
        }
        // No library named and none tagged yet: the pool's own figures only.
        Err(_) if library.is_none() => None,
        Err(e) => return Err(e),
    };
    let shown = Shown {
        pool: figures,
        library: coverage,
    };
    if json {
        return print_json(&shown);
    }
    let mut out = std::io::stdout().lock();
    let p = &shown.pool;
    writeln!(out, "pool         {}", pool.url.shown)?;
    writeln!(
        out,
        "blueprints   {} ({} disabled)",
        p.blueprints, p.disabled
    )?;
    writeln!(out, "contributors {}", p.contributors)?;
    writeln!(
        out,
        "confirmed    {} by more than one contributor",
        p.confirmed
    )?;
    let models: Vec<String> = p.models.iter().map(|(m, n)| format!("{n} {m}")).collect();
    writeln!(out, "models       {}", models.join(", "))?;
    if let Some(c) = &shown.library {
        let share = if c.tracks == 0 {
            0.0
        } else {
            100.0 * c.in_pool as f64 / c.tracks as f64
        };
        writeln!(
            out,
            "library      {} of {} unique tracks in the pool ({share:.1} %): {}",
            c.in_pool, c.tracks, c.path
        )?;
    }
    Ok(())
}
