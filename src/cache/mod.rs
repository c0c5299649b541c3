//! The SQLite cache: blueprints by normalised artist and title, the original value of every
//! field taggenius overwrote, and the history of runs.

pub(crate) mod blueprints;
mod busy;
mod digest;
pub(crate) mod folders;
pub(crate) mod history;
pub(crate) mod originals;
pub mod outbox;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::blueprint::{packed, Blueprint, BlueprintRef};
use rustc_hash::FxHashMap;

/// A blueprint as stored, with where it came from: a model name, or `local`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    /// Shared: a cache holds a handful of different sources over tens of thousands of rows.
    pub source: Arc<str>,
    /// Packed (`blueprint::packed`) where it can be, else the stored JSON; decoded when
    /// rendered: a decoded blueprint takes about three times the memory of its JSON, and the
    /// JSON twice that of the packed words.
    stored: Box<str>,
}

impl Cached {
    pub fn new(source: &str, blueprint: &Blueprint) -> Cached {
        Cached::from_json(Arc::from(source), &blueprint.to_json())
    }

    /// A blueprint from its stored JSON, packed when rendering needs no more than the packed
    /// form keeps (every list's first three words).
    pub(crate) fn from_json(source: Arc<str>, json: &str) -> Cached {
        let packed = BlueprintRef::from_stored_json(json).and_then(|bp| packed::pack(&bp));
        Cached {
            source,
            stored: packed.map_or_else(|| Box::from(json), String::into_boxed_str),
        }
    }

    /// Calls `f` with the blueprint, borrowed from what is stored where it can be; `None`
    /// when the stored row no longer parses (edited by hand).
    pub fn with_blueprint<T>(&self, f: impl FnOnce(&BlueprintRef) -> T) -> Option<T> {
        if let Some(bp) = packed::unpack(&self.stored) {
            return Some(f(&bp));
        }
        if let Some(bp) = BlueprintRef::from_stored_json(&self.stored) {
            return Some(f(&bp));
        }
        let owned = Blueprint::from_stored_json(&self.stored)?;
        Some(f(&BlueprintRef::of(&owned)))
    }

    pub fn is_local(&self) -> bool {
        &*self.source == LOCAL_SOURCE
    }
}

/// The blueprints found for a library, by cache key.
pub type Found = FxHashMap<String, Cached>;

pub const LOCAL_SOURCE: &str = "local";

pub struct Cache {
    /// Private: every query of the cache is a method of its own.
    conn: Connection,
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

    /// Runs `work` in one transaction that holds the write lock from its start; an error or a
    /// panic in `work` rolls it back (rusqlite's `Transaction` does on drop).
    pub fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let transaction = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let value = work()?;
        transaction.commit()?;
        Ok(value)
    }
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
        let found = all["k3"].with_blueprint(|found| *found == BlueprintRef::of(&bp()));
        assert_eq!(found, Some(true));
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
