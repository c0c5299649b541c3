//! The cache's tables, and bringing an older cache up to them.

use std::time::Duration;

use anyhow::{bail, Result};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use crate::cache::originals::original_digest;
use crate::cache::Cache;
use crate::library::track::composed;

/// 1: the tables; 2: digests of remembered originals; 3: keys in Unicode's composed form.
const USER_VERSION: i64 = 3;

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
        self.conn.execute_batch(crate::cache::folders::TABLES)?;
        self.conn.execute_batch(crate::cache::outbox::TABLES)?;
        self.add_vocabulary_column()?;
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
        if version < 2 {
            self.add_original_digests()?;
        }
        if version < 3 {
            self.compose_keys()?;
        }
        self.conn
            .pragma_update(None, "user_version", USER_VERSION)?;
        Ok(())
    }
}

impl Cache {
    /// The vocabulary each blueprint was asked under (NULL: the built-in one), added without a
    /// new schema version: older releases name their columns, and leave this one alone.
    fn add_vocabulary_column(&self) -> Result<()> {
        let has = self
            .conn
            .prepare("SELECT vocabulary FROM blueprints LIMIT 0")
            .is_ok();
        let added = match has {
            true => Ok(()),
            false => self
                .conn
                .execute_batch("ALTER TABLE blueprints ADD COLUMN vocabulary TEXT"),
        };
        // Another run may have added it meanwhile.
        match added {
            Err(e)
                if self
                    .conn
                    .prepare("SELECT vocabulary FROM blueprints LIMIT 0")
                    .is_err() =>
            {
                Err(e.into())
            }
            _ => Ok(()),
        }
    }

    /// Migrates to schema 3: a key, or a track known by its key, folded from decomposed accents
    /// by an earlier release gets the composed key this release folds. Where both spellings
    /// were stored, the newer blueprint and the first remembered original are kept.
    fn compose_keys(&self) -> Result<()> {
        let decomposed = |text: &String| !text.is_ascii() && composed(text.clone()) != *text;
        let keys: Vec<(i64, String, i64)> = self
            .conn
            .prepare("SELECT rowid, key, created_at FROM blueprints")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (rowid, key, created_at) in keys.into_iter().filter(|(_, k, _)| decomposed(k)) {
            let new_key = composed(key);
            let existing: Option<(i64, i64)> = self
                .conn
                .query_row(
                    "SELECT rowid, created_at FROM blueprints WHERE key = ?1",
                    [&new_key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let delete = |rowid: i64| {
                self.conn
                    .execute("DELETE FROM blueprints WHERE rowid = ?1", [rowid])
            };
            match existing {
                Some((_, theirs)) if theirs >= created_at => {
                    delete(rowid)?;
                    continue;
                }
                Some((older, _)) => delete(older)?,
                None => 0,
            };
            self.conn.execute(
                "UPDATE blueprints SET key = ?1 WHERE rowid = ?2",
                params![new_key, rowid],
            )?;
        }
        let tracks: Vec<(i64, String, String, Option<Vec<u8>>)> = self
            .conn
            .prepare("SELECT rowid, track, field, raw FROM originals WHERE track LIKE 'key:%'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (rowid, track, field, raw) in tracks.into_iter().filter(|t| decomposed(&t.1)) {
            let track = composed(track);
            let digest = original_digest(track.as_bytes(), &field, raw.as_deref());
            self.conn.execute(
                "UPDATE OR IGNORE originals SET track = ?1, digest = ?2 WHERE rowid = ?3",
                params![track, digest, rowid],
            )?;
            // Ignored where the composed spelling already has this field remembered: that
            // original stays, this one goes.
            self.conn.execute(
                "DELETE FROM originals WHERE rowid = ?1 AND track != ?2",
                params![rowid, track],
            )?;
        }
        Ok(())
    }
}

fn not_a_cache(e: &rusqlite::Error) -> anyhow::Error {
    anyhow::anyhow!("is not a taggenius cache ({e}); it was left as it is: move it aside or point TAGGENIUS_DB elsewhere")
}
