//! The SQLite cache: blueprints by normalised artist and title, the original value of every
//! field taggenius overwrote, and the history of runs.

mod busy;
pub(crate) mod history;
pub(crate) mod originals;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OptionalExtension};

use crate::blueprint::{Blueprint, BlueprintRef, SCHEMA_VERSION};
use crate::fasthash::FastMap;

const USER_VERSION: i64 = 2;

pub(crate) const MIGRATION_1: &str = "
CREATE TABLE blueprints (
    key TEXT PRIMARY KEY,
    artist TEXT NOT NULL,
    title TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    blueprint TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE originals (
    track TEXT NOT NULL,
    field TEXT NOT NULL,
    raw BLOB,
    PRIMARY KEY (track, field)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    command TEXT NOT NULL,
    library TEXT,
    level TEXT,
    tracks INTEGER NOT NULL,
    cached INTEGER NOT NULL,
    fetched INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    saved_usd REAL NOT NULL
);
";

/// A blueprint as stored, with where it came from: a model name, or `local`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    /// Shared: a cache holds a handful of different sources over tens of thousands of rows.
    pub source: Arc<str>,
    /// Kept as the stored JSON and decoded when rendered: a decoded blueprint takes about three
    /// times the memory, which on a 50,000-track library was a third of the peak.
    json: String,
    pub created_at: i64,
}

impl Cached {
    pub fn new(source: &str, blueprint: &Blueprint) -> Cached {
        Cached {
            source: Arc::from(source),
            json: blueprint.to_json(),
            created_at: now(),
        }
    }

    /// The blueprint; `None` when a stored row no longer parses (edited by hand).
    pub fn blueprint(&self) -> Option<Blueprint> {
        Blueprint::from_stored_json(&self.json)
    }

    /// Calls `f` with the blueprint, borrowed from the stored JSON where it can be; `None`
    /// when the stored row no longer parses.
    pub fn with_blueprint<T>(&self, f: impl FnOnce(&BlueprintRef) -> T) -> Option<T> {
        if let Some(bp) = BlueprintRef::from_stored_json(&self.json) {
            return Some(f(&bp));
        }
        let owned = self.blueprint()?;
        Some(f(&BlueprintRef::of(&owned)))
    }

    pub fn is_local(&self) -> bool {
        &*self.source == LOCAL_SOURCE
    }
}

/// The blueprints found for a library, by cache key.
pub type Found = FastMap<String, Cached>;

pub const LOCAL_SOURCE: &str = "local";

pub struct Cache {
    pub conn: Connection,
    pub path: PathBuf,
}

/// `TAGGENIUS_DB` (or `--db`) wins; else `cache.sqlite3` in the platform's data folder.
pub fn default_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "taggenius")
        .context("cannot find a home folder for the cache; set TAGGENIUS_DB")?;
    Ok(dirs.data_dir().join("cache.sqlite3"))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Cache {
    pub fn open(path: &Path) -> Result<Cache> {
        let shown = path.display();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cache {shown}: cannot create {}", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("cache {shown}: cannot open"))?;
        crate::cache::busy::wait_politely(&conn, path)?;
        let cache = Cache {
            conn,
            path: path.to_path_buf(),
        };
        cache.prepare().with_context(|| format!("cache {shown}"))?;
        Ok(cache)
    }

    /// An empty cache in memory, for a `--dry-run` on a machine with no cache yet: a dry run
    /// writes nothing, not even a new cache file.
    pub fn in_memory() -> Result<Cache> {
        let cache = Cache {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        };
        cache.prepare()?;
        Ok(cache)
    }

    fn prepare(&self) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| not_a_cache(&e))?;
        if version > USER_VERSION {
            bail!(
                "was written by a newer taggenius (schema {version}, this one knows {USER_VERSION}); upgrade taggenius or point TAGGENIUS_DB elsewhere"
            );
        }
        if version < USER_VERSION {
            self.migrate()?;
        }
        self.set_wal()?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// Two runs creating a cache at once can find the database locked while switching journal
    /// mode, which the busy handler does not cover: retry for a while.
    fn set_wal(&self) -> Result<()> {
        let mut last = None;
        for _ in 0..100 {
            match self
                .conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        match last {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Creates or upgrades the schema under the write lock, so that two first runs at once
    /// neither both create it nor take each other's half-made cache for a foreign database.
    fn migrate(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self.migrate_locked();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(())
    }

    fn migrate_locked(&self) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version >= USER_VERSION {
            return Ok(());
        }
        if version == 0 {
            let tables: i64 =
                self.conn
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
            if tables > 0 {
                bail!("is an SQLite database but not a taggenius cache; it was left as it is");
            }
            self.conn.execute_batch(MIGRATION_1)?;
        }
        self.add_original_digests()?;
        self.conn
            .pragma_update(None, "user_version", USER_VERSION)?;
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
            let mut stmt = self.conn.prepare_cached(
                "SELECT key, source, blueprint, created_at FROM blueprints WHERE key = ?1",
            )?;
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

    /// Every blueprint in the cache.
    pub fn load_all(&self, capacity: usize) -> Result<Found> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, source, blueprint, created_at FROM blueprints")?;
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
                "INSERT OR REPLACE INTO blueprints (key, artist, title, schema_version, source, blueprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![key, artist, title, SCHEMA_VERSION, source, bp.to_json(), created_at])?;
        Ok(())
    }

    /// Copies the write-ahead log into the database file now rather than when the connection
    /// closes. Only a matter of timing: a checkpoint another process holds up is fine to skip.
    pub fn checkpoint(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }

    /// Commits `work`, for what is only a record (a run's history), and leaves the log for a
    /// later run to copy into the database instead of checkpointing when the connection closes:
    /// while a large output is being written out every wait for the disk queues behind it, 10
    /// to 30 ms for a 50 MB library. Commits never wait for the disk here (WAL with
    /// synchronous=NORMAL, set on open): a power cut may lose the last ones, never corrupt the
    /// cache.
    pub fn commit_lazily<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        self.in_transaction(work)
    }

    pub fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match work() {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// A row of `SELECT key, source, blueprint, created_at`.
fn decode_row(row: &rusqlite::Row, sources: &mut Sources) -> rusqlite::Result<Cached> {
    Ok(Cached {
        source: sources.get(row.get_ref(1)?.as_str()?),
        json: row.get(2)?,
        created_at: row.get(3).unwrap_or_default(),
    })
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

fn not_a_cache(e: &rusqlite::Error) -> anyhow::Error {
    anyhow::anyhow!("is not a taggenius cache ({e}); it was left as it is: move it aside or point TAGGENIUS_DB elsewhere")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp() -> Blueprint {
        Blueprint::from_json(r#"{"primary_genre":"Techno","energy_level":7}"#).unwrap()
    }

    #[test]
    fn stores_and_finds_blueprints_both_ways() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.sqlite3")).unwrap();
        for i in 0..10 {
            cache
                .store(&format!("k{i}"), "a", "t", "gpt", &bp())
                .unwrap();
        }
        let few = cache.lookup(["k1", "zz"]).unwrap();
        assert_eq!(few.len(), 1);
        let many: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let all = cache.lookup(many.iter().map(String::as_str)).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all["k3"].blueprint(), Some(bp()));
    }

    #[test]
    fn foreign_and_newer_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not a database at all, just some text here....").unwrap();
        let err = Cache::open(&junk).err().unwrap();
        assert!(
            format!("{err:#}").contains("not a taggenius cache"),
            "{err:#}"
        );
        assert_eq!(
            std::fs::read(&junk).unwrap(),
            b"not a database at all, just some text here...."
        );
        let newer = dir.path().join("newer");
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Cache::open(&newer).err().unwrap();
        assert!(format!("{err:#}").contains("newer taggenius"), "{err:#}");
    }
}
