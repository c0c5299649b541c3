//! The shared blueprint pool: one PostgreSQL database a crew shares, so that each track is paid
//! for once by all of them. Its table `taggenius_blueprints` is a public contract other versions
//! and tools read; `init` creates it (idempotent, versioned). A pool only ever holds a track's
//! normalised key, its blueprint, the model that made it, the schema version and a random id of
//! the installation that sent it: no paths, library names, comments, originals or keys.

pub mod tls;
pub mod url;

use std::time::Duration;

use anyhow::{Context, Result};

use crate::blueprint::{Blueprint, SCHEMA_VERSION};
use url::{PoolUrl, SslMode};

/// The version of the pool's own schema, kept in `taggenius_pool`.
const POOL_SCHEMA: i32 = 1;
/// Keys asked for in one query.
const LOOKUP_CHUNK: usize = 5_000;
/// Blueprints sent in one statement.
pub const PUSH_CHUNK: usize = 1_000;

/// What a member takes from the pool (config.toml's `[pool]`).
#[derive(Debug, Clone)]
pub struct Trust {
    /// Rows confirmed by fewer contributors are passed over.
    pub min_confirmations: i32,
    /// Only rows made by these models; `None`: any.
    pub models: Option<Vec<String>>,
}

impl Default for Trust {
    fn default() -> Trust {
        Trust {
            min_confirmations: 1,
            models: None,
        }
    }
}

/// A blueprint the pool gave, checked like a model's reply.
pub struct Found {
    pub key: String,
    pub model: String,
    pub blueprint: Blueprint,
}

/// A blueprint to send: the local cache's key, the blueprint, the model that made it.
pub struct Sent<'a> {
    pub key: &'a str,
    pub blueprint: &'a Blueprint,
    pub model: &'a str,
}

/// An open connection to a pool.
pub struct Pool {
    client: postgres::Client,
    pub url: PoolUrl,
}

impl Pool {
    /// Connects within a few seconds (a pool that does not answer costs no more than that).
    /// Returns the pool and, where a `prefer` connection to another host ended up in plain
    /// text, a line to say so.
    pub fn connect(url: &PoolUrl) -> Result<(Pool, Option<String>)> {
        let shown = &url.shown;
        let client = connect_within(url, CONNECT_WITHIN)
            .map_err(|e| anyhow::anyhow!("pool {shown}: {e}"))?;
        let mut pool = Pool {
            client,
            url: url.clone(),
        };
        let notice = match (url.ssl, url.is_loopback()) {
            (SslMode::Prefer, false) if !pool.encrypted()? => Some(format!(
                "pool {shown}: the server offers no TLS; blueprints travel in plain text (sslmode=require refuses that)"
            )),
            _ => None,
        };
        Ok((pool, notice))
    }

    fn encrypted(&mut self) -> Result<bool> {
        let row = self.client.query_opt(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )?;
        Ok(row.is_some_and(|r| r.get::<_, bool>(0)))
    }

    /// Creates the pool's tables where they are missing; safe to run again, and by two members
    /// at once.
    pub fn init(&mut self) -> Result<()> {
        let shown = self.url.shown.clone();
        self.create()
            .with_context(|| format!("pool {shown}: cannot create its tables"))
    }

    fn create(&mut self) -> Result<()> {
        let mut tx = self.client.transaction()?;
        // Two `init`s at once would both try to create the same types.
        tx.execute("SELECT pg_advisory_xact_lock(7134228560)", &[])?;
        tx.batch_execute(SCHEMA)?;
        tx.execute(
            "INSERT INTO taggenius_pool (name, value) VALUES ('schema_version', $1)
             ON CONFLICT (name) DO NOTHING",
            &[&POOL_SCHEMA.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The trusted rows for `keys`, asked for in chunks; rows that fail the checks a model's
    /// reply must pass are left out and counted.
    pub fn lookup(&mut self, keys: &[&str], trust: &Trust) -> Result<(Vec<Found>, usize)> {
        self.find(keys, trust).map_err(|e| match sql_state(&e) {
            Some("42P01") => {
                e.context("the pool has no tables yet: `taggenius pool init URL` makes them")
            }
            _ => e,
        })
    }

    fn find(&mut self, keys: &[&str], trust: &Trust) -> Result<(Vec<Found>, usize)> {
        let (mut found, mut invalid) = (Vec::new(), 0);
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            let rows = self.client.query(
                "SELECT key, model, blueprint::text FROM taggenius_blueprints
                 WHERE key = ANY($1) AND NOT disabled AND confirmations >= $2
                   AND schema_version <= $3 AND ($4::text[] IS NULL OR model = ANY($4))",
                &[
                    &chunk,
                    &trust.min_confirmations,
                    &(SCHEMA_VERSION as i32),
                    &trust.models,
                ],
            )?;
            for row in rows {
                let text: String = row.get(2);
                match Blueprint::from_json(&text) {
                    Ok(blueprint) => found.push(Found {
                        key: row.get(0),
                        model: row.get(1),
                        blueprint,
                    }),
                    Err(_) => invalid += 1,
                }
            }
        }
        Ok((found, invalid))
    }

    /// Sends blueprints as `contributor`: a key the pool lacks is added; the same blueprint
    /// sent again by another contributor confirms it once; a different one leaves the first.
    pub fn push(&mut self, sent: &[Sent], contributor: &str) -> Result<()> {
        self.send(sent, contributor)
            .map_err(|e| match sql_state(&e) {
                Some("42501") => {
                    e.context("this member may only take from the pool (no right to write)")
                }
                Some("42P01") => {
                    e.context("the pool has no tables yet: `taggenius pool init URL` makes them")
                }
                _ => e,
            })
    }

    fn send(&mut self, sent: &[Sent], contributor: &str) -> Result<()> {
        for chunk in sent.chunks(PUSH_CHUNK) {
            let keys: Vec<&str> = chunk.iter().map(|s| s.key).collect();
            let blueprints: Vec<String> = chunk.iter().map(|s| s.blueprint.to_json()).collect();
            let models: Vec<&str> = chunk.iter().map(|s| s.model).collect();
            let mut tx = self.client.transaction()?;
            // Rows of an older schema are replaced below: their confirmations go with them.
            tx.execute(
                "DELETE FROM taggenius_confirmations c USING taggenius_blueprints b
                 WHERE c.key = b.key AND b.key = ANY($1) AND b.schema_version < $2",
                &[&keys, &(SCHEMA_VERSION as i32)],
            )?;
            tx.execute(
                "INSERT INTO taggenius_blueprints (key, schema_version, blueprint, model, contributor)
                 SELECT key, $4, blueprint::jsonb, model, $5::text::uuid
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(key, blueprint, model)
                 ON CONFLICT (key) DO UPDATE
                   SET schema_version = EXCLUDED.schema_version, blueprint = EXCLUDED.blueprint,
                       model = EXCLUDED.model, contributor = EXCLUDED.contributor,
                       confirmations = 1, created_at = now()
                   WHERE taggenius_blueprints.schema_version < EXCLUDED.schema_version",
                &[&keys, &blueprints, &models, &(SCHEMA_VERSION as i32), &contributor],
            )?;
            tx.execute(CONFIRM, &[&keys, &blueprints, &contributor])?;
            tx.commit()?;
        }
        Ok(())
    }
}

/// What a pool holds, as `pool stats` shows it.
#[derive(Debug, Default, serde::Serialize)]
pub struct Stats {
    pub blueprints: i64,
    pub disabled: i64,
    pub contributors: i64,
    /// Blueprints confirmed by more than one contributor.
    pub confirmed: i64,
    /// Blueprints by the model that made them, most first.
    pub models: Vec<(String, i64)>,
}

impl Pool {
    pub fn stats(&mut self) -> Result<Stats> {
        let row = self.client.query_one(
            "SELECT count(*), count(*) FILTER (WHERE disabled), count(DISTINCT contributor),
                    count(*) FILTER (WHERE confirmations > 1)
             FROM taggenius_blueprints",
            &[],
        )?;
        let models = self
            .client
            .query(
                "SELECT model, count(*) FROM taggenius_blueprints GROUP BY model ORDER BY 2 DESC, 1",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(Stats {
            blueprints: row.get(0),
            disabled: row.get(1),
            contributors: row.get(2),
            confirmed: row.get(3),
            models,
        })
    }
}

/// Sends the pool what waits in the local outbox, and takes it out there; returns how many.
pub fn send_outbox(pool: &mut Pool, cache: &crate::cache::Cache) -> Result<usize> {
    let waiting = cache.waiting()?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let contributor = cache.contributor()?;
    for chunk in waiting.chunks(PUSH_CHUNK) {
        let sent: Vec<Sent> = chunk
            .iter()
            .map(|w| Sent {
                key: &w.key,
                blueprint: &w.blueprint,
                model: &w.model,
            })
            .collect();
        pool.push(&sent, &contributor)?;
        let keys: Vec<&str> = chunk.iter().map(|w| w.key.as_str()).collect();
        cache.sent(&keys)?;
    }
    Ok(waiting.len())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS taggenius_pool (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS taggenius_blueprints (
    key text PRIMARY KEY,
    schema_version int NOT NULL,
    blueprint jsonb NOT NULL,
    model text NOT NULL,
    contributor uuid NOT NULL,
    confirmations int NOT NULL DEFAULT 1,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS taggenius_confirmations (
    key text NOT NULL REFERENCES taggenius_blueprints (key) ON DELETE CASCADE,
    contributor uuid NOT NULL,
    PRIMARY KEY (key, contributor)
);
";

/// Each other contributor confirms an equal blueprint once; the one who sent it first is its
/// `contributor`, counted by the row's own `confirmations = 1`.
const CONFIRM: &str = "
WITH incoming AS (
    SELECT key, blueprint::jsonb AS blueprint FROM unnest($1::text[], $2::text[]) AS t(key, blueprint)
), equal AS (
    SELECT b.key FROM taggenius_blueprints b JOIN incoming i
      ON b.key = i.key AND b.blueprint = i.blueprint
    WHERE b.contributor <> $3::text::uuid
), added AS (
    INSERT INTO taggenius_confirmations (key, contributor)
    SELECT key, $3::text::uuid FROM equal
    ON CONFLICT DO NOTHING
    RETURNING key
)
UPDATE taggenius_blueprints b SET confirmations = b.confirmations + 1
FROM added a WHERE b.key = a.key
";

/// How long a pool may take to let a run in: one that does not answer costs no more.
const CONNECT_WITHIN: Duration = Duration::from_secs(5);

/// Connects on a thread of its own, given up after `limit`: the driver's own timeout covers the
/// TCP connection only, not a server that accepts it and then says nothing.
fn connect_within(url: &PoolUrl, limit: Duration) -> Result<postgres::Client, String> {
    let mut config = url.config.clone();
    config.connect_timeout(limit);
    config.application_name("taggenius");
    let connector = match url.ssl {
        SslMode::Disable => None,
        _ => Some(tls::connector(url).map_err(|e| format!("{e:#}"))?),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pool-connect".into())
        .spawn(move || {
            let client = match connector {
                None => config.connect(postgres::NoTls),
                Some(connector) => config.connect(connector),
            };
            let _ = tx.send(client.map_err(|e| one_line(&e)));
        })
        .map_err(|e| e.to_string())?;
    match rx.recv_timeout(limit) {
        Ok(client) => client,
        Err(_) => Err(format!("no answer within {} s", limit.as_secs())),
    }
}

/// The SQLSTATE of a server's error, if that is what `err` is.
fn sql_state(err: &anyhow::Error) -> Option<&str> {
    err.downcast_ref::<postgres::Error>()?
        .code()
        .map(|c| c.code())
}

/// An error as one line, its causes joined.
fn one_line(err: &postgres::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}
