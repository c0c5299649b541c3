//! The shared pool as a source: between the local cache and the model, one batched lookup of
//! every miss. What it answers goes into the local cache (source `pool:<model>`) and counts as
//! cached: it cost nothing. A pool that fails costs one warning line; the run goes on without.

use std::cell::RefCell;

use anyhow::Result;

use crate::interrupt;
use crate::job::sources::{Reasons, Source, Store, Wanted};
use crate::job::summary::{PoolCounts, Summary};
use crate::pool::{Found, Pool, Trust};
use rustc_hash::FxHashMap;

/// The pool a run asks, while it answers.
pub struct Shared<'a> {
    pub pool: &'a RefCell<Option<Pool>>,
    pub trust: &'a Trust,
}

impl Source for Shared<'_> {
    fn ask(&self, wanted: &[Wanted], store: &mut Store, summary: &mut Summary) -> Result<Reasons> {
        interrupt::phase("pool");
        let mut slot = self.pool.borrow_mut();
        let Some(pool) = slot.as_mut() else {
            return Ok(Reasons::new());
        };
        let keys: Vec<&str> = wanted.iter().map(|(key, _)| *key).collect();
        let (found, invalid) = match pool.lookup(&keys, self.trust) {
            Ok(answer) => answer,
            Err(e) => {
                warn(&format!(
                    "pool {}: {e:#}; going on without it",
                    pool.url.shown
                ));
                *slot = None;
                return Ok(Reasons::new());
            }
        };
        let hits = keep_rows(&found, wanted, store)?;
        summary.cached += hits;
        let counts = summary.pool.get_or_insert_with(PoolCounts::default);
        counts.invalid += invalid;
        counts.hits += hits;
        Ok(Reasons::new())
    }
}

/// Keeps the pool's rows for `wanted` in the local cache, each under `pool:<model>`, one
/// commit a model; returns how many.
pub fn keep_rows(rows: &[Found], wanted: &[Wanted], store: &mut Store) -> Result<usize> {
    let at: FxHashMap<&str, &Wanted> = wanted.iter().map(|w| (w.0, w)).collect();
    let mut by_model: Vec<(String, Vec<_>)> = Vec::new();
    for row in rows {
        let Some((key, info)) = at.get(row.key.as_str()) else {
            continue;
        };
        let source = format!("pool:{}", row.model);
        let answer = (*key, info, &row.blueprint);
        match by_model.iter_mut().find(|(s, _)| *s == source) {
            Some((_, list)) => list.push(answer),
            None => by_model.push((source, vec![answer])),
        }
    }
    let mut kept = 0;
    for (source, answers) in &by_model {
        store.keep(source, answers)?;
        kept += answers.len();
    }
    Ok(kept)
}

/// A pool that fails is worth a line even with `--quiet`: the run costs more than it would.
pub fn warn(line: &str) {
    eprintln!("taggenius: {line}");
}
