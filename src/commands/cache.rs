//! `taggenius cache stats|show|export|import`.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::blueprint::{Blueprint, SCHEMA_VERSION};
use crate::cache::history::Stats;
use crate::cache::{Cache, LOCAL_SOURCE};
use crate::cli::CacheCommand;
use crate::job::report::counted;
use crate::library::track::cache_key;

/// One line of `cache export`, and what `cache import` reads.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    artist: String,
    title: String,
    source: String,
    #[serde(default = "schema_version")]
    schema_version: i64,
    created_at: i64,
    blueprint: Blueprint,
}

fn schema_version() -> i64 {
    SCHEMA_VERSION
}

pub fn run(command: &CacheCommand, db: &Path) -> Result<u8> {
    let cache = Cache::open(db)?;
    let mut out = std::io::stdout().lock();
    match command {
        CacheCommand::Stats { json } => {
            let stats = cache.stats()?;
            if *json {
                writeln!(out, "{}", serde_json::to_string(&stats)?)?;
            } else {
                writeln!(out, "{stats}")?;
            }
        }
        CacheCommand::Show { artist, title } => {
            let key = cache_key(artist, title);
            let Some(blueprint) = cache.stored(&key)?.and_then(|s| s.blueprint) else {
                bail!("no blueprint in the cache for {artist:?} - {title:?}");
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&blueprint)?)?;
        }
        CacheCommand::Export { file } => match file.as_deref() {
            None | Some("-") => export(&cache, &mut out)?,
            Some(path) => crate::library::output::write_atomically(Path::new(path), |w| {
                export(&cache, w).map_err(std::io::Error::other)
            })?,
        },
        CacheCommand::Import { file } => import(&cache, file)?,
    }
    out.flush()?;
    Ok(0)
}

fn export(cache: &Cache, out: &mut impl Write) -> Result<()> {
    cache.for_each_row(|row| {
        let Ok(blueprint) = Blueprint::from_json(&row.json) else {
            return Ok(());
        };
        let line = Line {
            artist: row.artist,
            title: row.title,
            source: row.source,
            schema_version: row.schema_version,
            created_at: row.created_at,
            blueprint,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
        Ok(())
    })
}

/// Merges in one transaction: a malformed line aborts the whole import, naming the line.
fn import(cache: &Cache, file: &str) -> Result<()> {
    let name = if file == "-" { "<stdin>" } else { file };
    let reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("{name}: cannot open"))?,
        ))
    };
    let (mut added, mut kept) = (0, 0);
    cache.in_transaction(|| {
        for (n, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("{name}: line {}: cannot read", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let entry: Line = serde_json::from_str(&line)
                .with_context(|| format!("{name}: line {}: not a blueprint line", n + 1))?;
            let blueprint = entry
                .blueprint
                .clone()
                .validated()
                .map_err(|e| anyhow::anyhow!("{name}: line {}: {e}", n + 1))?;
            if merge(cache, &entry, &blueprint)? {
                added += 1;
            } else {
                kept += 1;
            }
        }
        Ok(())
    })?;
    eprintln!(
        "imported {added} blueprints; kept {kept} that the cache already had newer or better"
    );
    Ok(())
}

/// Stores `entry` unless the cache holds a newer blueprint, or an online one where the
/// entry is only a local guess.
fn merge(cache: &Cache, entry: &Line, blueprint: &Blueprint) -> Result<bool> {
    let key = cache_key(&entry.artist, &entry.title);
    if let Some(existing) = cache.stored(&key)? {
        let downgrade = entry.source == LOCAL_SOURCE && existing.source != LOCAL_SOURCE;
        if existing.created_at >= entry.created_at || downgrade {
            return Ok(false);
        }
    }
    cache.store_at(
        &key,
        &entry.artist,
        &entry.title,
        &entry.source,
        blueprint,
        entry.created_at,
    )?;
    Ok(true)
}

/// What `cache stats` prints without `--json`.
impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "cache        {} ({:.1} MB)",
            self.cache,
            self.size_bytes as f64 / 1e6
        )?;
        let sources: Vec<String> = self
            .by_source
            .iter()
            .map(|s| format!("{} {}", s.count, s.source))
            .collect();
        writeln!(
            f,
            "blueprints   {} ({})",
            self.blueprints,
            sources.join(", ")
        )?;
        writeln!(
            f,
            "originals    {} remembered for `clear`",
            counted(self.originals as u64, "track")
        )?;
        writeln!(f, "runs         {}", self.runs)?;
        writeln!(f, "cache hits   {}", self.cache_hits)?;
        writeln!(f, "requests     {}", self.requests)?;
        writeln!(
            f,
            "tokens       {} prompt, {} completion",
            self.prompt_tokens, self.completion_tokens
        )?;
        if self.other_vocabulary > 0 {
            writeln!(
                f,
                "vocabulary   {} asked under another vocabulary than config.toml's (tag --refresh-vocabulary asks them again)",
                counted(self.other_vocabulary as u64, "blueprint")
            )?;
        }
        writeln!(f, "spent        ${:.4}", self.spent_usd)?;
        writeln!(f, "saved        ${:.4} by cache hits", self.saved_usd)?;
        write!(
            f,
            "last library {}",
            self.last_library.as_deref().unwrap_or("(none yet)")
        )
    }
}
