//! Blueprints in the cache: stored as they arrive, found by key, exported whole.

use std::sync::Arc;

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use crate::blueprint::{vocabulary, Blueprint, SCHEMA_VERSION};
use crate::cache::{now, Cache, Cached, Found};

/// One stored blueprint; `blueprint` is `None` when its row no longer parses.
pub struct Stored {
    pub source: String,
    pub created_at: i64,
    pub blueprint: Option<Blueprint>,
}

/// A blueprint row as `cache export` writes it out.
pub struct Row {
    pub artist: String,
    pub title: String,
    pub source: String,
    pub schema_version: i64,
    pub created_at: i64,
    pub json: String,
}

impl Cache {
    /// Calls `each` with every stored blueprint, by artist and title.
    pub fn for_each_row(&self, mut each: impl FnMut(Row) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT artist, title, source, schema_version, created_at, blueprint FROM blueprints ORDER BY artist, title",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(Row {
                artist: row.get(0)?,
                title: row.get(1)?,
                source: row.get(2)?,
                schema_version: row.get(3)?,
                created_at: row.get(4)?,
                json: row.get(5)?,
            })?;
        }
        Ok(())
    }

    /// How many blueprints the cache holds at most, from the largest row id, found at once
    /// where a count(*) reads the whole key index (30 ms of CPU in a 37,000-blueprint cache).
    /// Replaced or removed rows leave gaps, so it can run over; it only sizes a map and picks
    /// how to look blueprints up.
    pub fn blueprints_at_most(&self) -> Result<usize> {
        let largest: Option<i64> =
            self.conn
                .query_row("SELECT max(rowid) FROM blueprints", [], |r| r.get(0))?;
        Ok(usize::try_from(largest.unwrap_or(0)).unwrap_or(0))
    }

    /// The cached blueprints for `keys`. A large share of the cache is read in one pass, which
    /// beats a point lookup per track by far on big libraries.
    pub fn lookup<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Result<Found> {
        let keys: Vec<&str> = keys.into_iter().collect();
        let total = self.blueprints_at_most()?;
        let mut found = Found::with_capacity_and_hasher(keys.len().min(total), Default::default());
        if total <= keys.len() * 4 {
            let mut all = self.load_all(total)?;
            for key in keys {
                if let Some((key, cached)) = all.remove_entry(key) {
                    found.insert(key, cached);
                }
            }
        } else {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT key, source, blueprint FROM blueprints WHERE key = ?1")?;
            let mut sources = Sources::default();
            for key in keys {
                let row = stmt
                    .query_row([key], |row| Ok(decode_row(row, &mut sources)))
                    .optional()?;
                if let Some(cached) = row.transpose()? {
                    found.insert(key.to_string(), cached);
                }
            }
        }
        Ok(found)
    }

    /// One blueprint whole (every word of every list, which rendering does not need), with
    /// where it came from and when; `None` when the cache has no row for `key`.
    pub fn stored(&self, key: &str) -> Result<Option<Stored>> {
        let row = self
            .conn
            .prepare_cached("SELECT source, created_at, blueprint FROM blueprints WHERE key = ?1")?
            .query_row([key], |row| {
                Ok(Stored {
                    source: row.get(0)?,
                    created_at: row.get(1)?,
                    blueprint: Blueprint::from_stored_json(row.get_ref(2)?.as_str()?),
                })
            })
            .optional()?;
        Ok(row)
    }

    /// How many blueprints were asked under another vocabulary than the run's.
    pub fn stale_blueprints(&self) -> Result<i64> {
        let fingerprint = vocabulary::current().fingerprint();
        Ok(self.conn.query_row(
            "SELECT count(*) FROM blueprints WHERE vocabulary IS NOT ?1",
            [fingerprint],
            |r| r.get(0),
        )?)
    }

    /// The keys of the blueprints asked under another vocabulary than the run's.
    pub fn stale_keys(&self) -> Result<rustc_hash::FxHashSet<String>> {
        let fingerprint = vocabulary::current().fingerprint();
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM blueprints WHERE vocabulary IS NOT ?1")?;
        let keys = stmt.query_map([fingerprint], |r| r.get::<_, String>(0))?;
        Ok(keys.collect::<rusqlite::Result<_>>()?)
    }

    /// Every blueprint in the cache.
    pub fn load_all(&self, capacity: usize) -> Result<Found> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, source, blueprint FROM blueprints")?;
        let mut rows = stmt.query([])?;
        let mut all = Found::with_capacity_and_hasher(capacity, Default::default());
        let mut sources = Sources::default();
        while let Some(row) = rows.next()? {
            all.insert(row.get(0)?, decode_row(row, &mut sources)?);
        }
        Ok(all)
    }

    /// Stores a blueprint; committed at once so that nothing paid for is lost.
    pub fn store(
        &self,
        key: &str,
        artist: &str,
        title: &str,
        source: &str,
        bp: &Blueprint,
    ) -> Result<()> {
        self.store_at(key, artist, title, source, bp, now())
    }

    pub fn store_at(
        &self,
        key: &str,
        artist: &str,
        title: &str,
        source: &str,
        bp: &Blueprint,
        created_at: i64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO blueprints (key, artist, title, schema_version, source, blueprint, created_at, vocabulary)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![key, artist, title, SCHEMA_VERSION, source, bp.to_json(), created_at, vocabulary::current().fingerprint()])?;
        Ok(())
    }
}

/// A row of `SELECT key, source, blueprint`.
fn decode_row(row: &rusqlite::Row, sources: &mut Sources) -> rusqlite::Result<Cached> {
    let source = sources.get(row.get_ref(1)?.as_str()?);
    Ok(Cached::from_json(source, row.get_ref(2)?.as_str()?))
}

/// The sources met so far, each allocated once: a cache holds a handful of them (`local` and
/// the models used) over tens of thousands of rows.
#[derive(Default)]
struct Sources(Vec<Arc<str>>);

impl Sources {
    const MOST: usize = 32;

    fn get(&mut self, source: &str) -> Arc<str> {
        if let Some(known) = self.0.iter().find(|s| &***s == source) {
            return Arc::clone(known);
        }
        let new: Arc<str> = Arc::from(source);
        if self.0.len() < Self::MOST {
            self.0.push(Arc::clone(&new));
        }
        new
    }
}
