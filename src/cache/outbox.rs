//! What the local cache keeps for a shared pool: the installation's random contributor id, and
//! the outbox of blueprints fetched online that the pool has not taken yet (it was away, or the
//! run stopped before sending them).

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use crate::blueprint::Blueprint;
use crate::cache::Cache;

/// Created when a cache is opened, like `folders::TABLES`: older releases leave them alone.
pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS pool_outbox (key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS install (name TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// A blueprint waiting for the pool.
pub struct Waiting {
    pub key: String,
    pub model: String,
    pub blueprint: Blueprint,
}

impl Cache {
    /// This installation's contributor id: random, made once, the only thing a pool learns of
    /// who sent a blueprint.
    pub fn contributor(&self) -> Result<String> {
        let known: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM install WHERE name = 'contributor'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = known {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.conn.execute(
            "INSERT OR IGNORE INTO install (name, value) VALUES ('contributor', ?1)",
            params![id],
        )?;
        // Another run may have made one first: that one stands.
        Ok(self.conn.query_row(
            "SELECT value FROM install WHERE name = 'contributor'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Puts keys in the outbox.
    pub fn to_send(&self, keys: &[&str]) -> Result<()> {
        let mut insert = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO pool_outbox (key) VALUES (?1)")?;
        for key in keys {
            insert.execute(params![key])?;
        }
        Ok(())
    }

    /// The blueprints in the outbox, with the model that made each.
    pub fn waiting(&self) -> Result<Vec<Waiting>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.key, b.source, b.blueprint FROM pool_outbox o JOIN blueprints b ON b.key = o.key",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut waiting = Vec::new();
        for row in rows {
            let (key, model, json) = row?;
            if let Some(blueprint) = Blueprint::from_stored_json(&json) {
                waiting.push(Waiting {
                    key,
                    model,
                    blueprint,
                });
            }
        }
        Ok(waiting)
    }

    /// Takes keys the pool has taken out of the outbox.
    pub fn sent(&self, keys: &[&str]) -> Result<()> {
        self.in_transaction(|| {
            let mut delete = self
                .conn
                .prepare_cached("DELETE FROM pool_outbox WHERE key = ?1")?;
            for key in keys {
                delete.execute(params![key])?;
            }
            Ok(())
        })
    }

    /// Every blueprint fetched online under the built-in vocabulary, for `pool push`.
    pub fn online_keys(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT key FROM blueprints WHERE source <> 'local' AND source NOT LIKE 'pool:%' AND vocabulary IS NULL",
        )?;
        let keys = stmt.query_map([], |r| r.get(0))?;
        Ok(keys.collect::<rusqlite::Result<_>>()?)
    }
}
