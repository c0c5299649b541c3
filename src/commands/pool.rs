//! `taggenius pool init|push`: create a shared pool's tables; send it what waits for it.

use anyhow::{anyhow, Result};

use crate::cache::Cache;
use crate::cli::settings::Settings;
use crate::cli::PoolCommand;
use crate::pool::Pool;

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
            eprintln!("taggenius: sent {sent} blueprints to pool {}", url.shown);
        }
    }
    Ok(0)
}
