//! The runs table: what each run did and spent, the library `retag` falls back to, and the
//! figures `cache stats` reports.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::cache::{now, Cache};

/// What a run records of itself: the history `cache stats` sums and `retag` falls back on.
#[derive(Debug, Clone, Default)]
pub struct Run<'a> {
    pub command: &'a str,
    /// The library a `tag` of a file read.
    pub library: Option<&'a str>,
    pub level: &'a str,
    pub tracks: usize,
    pub cached: usize,
    pub fetched: usize,
    pub failed: usize,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    pub saved_usd: f64,
}

impl Cache {
    pub fn record_run(&self, s: &Run) -> Result<()> {
        self.conn.execute(
            "INSERT INTO runs (at, command, library, level, tracks, cached, fetched, failed, requests,
                               prompt_tokens, completion_tokens, cost_usd, saved_usd)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                now(),
                s.command,
                s.library,
                s.level,
                s.tracks as i64,
                s.cached as i64,
                s.fetched as i64,
                s.failed as i64,
                s.requests as i64,
                s.prompt_tokens as i64,
                s.completion_tokens as i64,
                s.cost_usd,
                s.saved_usd,
            ],
        )?;
        Ok(())
    }

    /// The library the last `tag` read from a file.
    pub fn last_library(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT library FROM runs WHERE command = 'tag' AND library IS NOT NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// What `cached` blueprints served from the cache would have cost to ask for again, at
    /// the average price of those fetched so far: a `tag` that finds them, or a `retag` at
    /// another level, which without the cache would have meant asking again.
    pub fn saving(&self, cached: usize) -> Result<f64> {
        let (cost, fetched): (f64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(cost_usd), 0), coalesce(sum(fetched), 0) FROM runs WHERE command = 'tag'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let per_blueprint = if fetched > 0 {
            cost / fetched as f64
        } else {
            0.0
        };
        Ok(per_blueprint * cached as f64)
    }

    pub fn stats(&self) -> Result<Stats> {
        let mut stats: Stats = self.conn.query_row(
            "SELECT count(*), coalesce(sum(requests), 0), coalesce(sum(prompt_tokens), 0),
                    coalesce(sum(completion_tokens), 0), coalesce(sum(cost_usd), 0),
                    coalesce(sum(saved_usd), 0), coalesce(sum(cached), 0) FROM runs",
            [],
            |r| {
                Ok(Stats {
                    runs: r.get(0)?,
                    requests: r.get(1)?,
                    prompt_tokens: r.get(2)?,
                    completion_tokens: r.get(3)?,
                    spent_usd: r.get(4)?,
                    saved_usd: r.get(5)?,
                    cache_hits: r.get(6)?,
                    ..Stats::default()
                })
            },
        )?;
        stats.other_vocabulary = self.stale_blueprints()?;
        let mut stmt = self
            .conn
            .prepare("SELECT source, count(*) FROM blueprints GROUP BY source ORDER BY 2 DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (source, count) = row?;
            stats.blueprints += count;
            stats.by_source.push(SourceCount { source, count });
        }
        stats.originals =
            self.conn
                .query_row("SELECT count(DISTINCT track) FROM originals", [], |r| {
                    r.get(0)
                })?;
        stats.last_library = self.last_library()?;
        stats.cache = self.path.display().to_string();
        stats.size_bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        Ok(stats)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct SourceCount {
    pub source: String,
    pub count: i64,
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub cache: String,
    pub size_bytes: u64,
    pub blueprints: i64,
    pub by_source: Vec<SourceCount>,
    pub originals: i64,
    pub runs: i64,
    pub cache_hits: i64,
    pub requests: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub spent_usd: f64,
    pub saved_usd: f64,
    pub last_library: Option<String>,
    /// Blueprints asked under another vocabulary than the one config.toml sets now.
    pub other_vocabulary: i64,
}
