//! The cache's tables, and bringing an older cache up to them.

use std::time::Duration;

use anyhow::{bail, Result};
use rusqlite::{Transaction, TransactionBehavior};

use crate::cache::Cache;

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

impl Cache {
    pub(super) fn prepare(&self) -> Result<()> {
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
        let transaction = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        self.migrate_locked()?;
        transaction.commit()?;
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
}

fn not_a_cache(e: &rusqlite::Error) -> anyhow::Error {
    anyhow::anyhow!("is not a taggenius cache ({e}); it was left as it is: move it aside or point TAGGENIUS_DB elsewhere")
}
