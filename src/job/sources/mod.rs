//! Where blueprints come from. The local cache is asked first (`misses` says which tracks it
//! cannot answer); then each source in `sources_for`'s order is asked for what the ones before
//! it left, and every answer goes into the local cache as it arrives, with its source. A shared
//! pool would stand in that list before the model, answering from its database what others
//! have paid for.

pub mod guess;
pub mod llm;
pub mod pool;
pub mod progress;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use rustc_hash::FxHashSet;

use crate::blueprint::Blueprint;
use crate::cache::{Cache, Cached, Found, LOCAL_SOURCE};
use crate::job::summary::Summary;
use crate::library::track::TrackInfo;
use crate::pool::{Pool, Trust};
use crate::provider::Provider;

/// A track whose blueprint is wanted: its cache key, and what a source is told of it.
pub type Wanted<'a> = (&'a str, TrackInfo);

/// Why each track a source could not answer got no blueprint, by cache key.
pub type Reasons = HashMap<String, String>;

/// One place blueprints come from.
pub trait Source {
    /// Asks for the blueprints of `wanted`, none of which an earlier source answered. Each
    /// answer goes into `store` as it arrives; what the asking did (blueprints, requests,
    /// tokens, cost) is counted in `summary`. Returns why each track it could not answer got
    /// none.
    fn ask(&self, wanted: &[Wanted], store: &mut Store, summary: &mut Summary) -> Result<Reasons>;
}

/// The local cache as the store of every answer, and the blueprints found so far.
pub struct Store<'a> {
    cache: &'a Cache,
    found: &'a mut Found,
    answered: FxHashSet<String>,
    /// Whether a model's answers go to the shared pool (through the outbox).
    for_pool: bool,
    /// The pool they go to as they are committed, while it takes them, and who sends them.
    pool: Option<&'a RefCell<Option<Pool>>>,
    /// How many the pool took.
    pushed: usize,
    /// Answers committed since the pool last took what waited, and when that was.
    pending: usize,
    last_sent: Instant,
}

/// The pool takes what waits once this many answers wait, or this long after it last took.
const SEND_EVERY: (usize, Duration) = (crate::pool::PUSH_CHUNK, Duration::from_secs(1));

impl<'a> Store<'a> {
    pub fn new(cache: &'a Cache, found: &'a mut Found) -> Store<'a> {
        Store {
            cache,
            found,
            answered: FxHashSet::default(),
            for_pool: false,
            pool: None,
            pushed: 0,
            pending: 0,
            last_sent: Instant::now(),
        }
    }

    /// A model's answers also go to the pool, through the outbox, in batches as they are
    /// committed (never local guesses, what the pool itself gave, or blueprints asked under a
    /// vocabulary of the user's). What the pool does not take waits in the outbox.
    pub fn sending_to_pool(mut self, pool: &'a RefCell<Option<Pool>>) -> Store<'a> {
        self.for_pool = crate::blueprint::vocabulary::current()
            .fingerprint()
            .is_none();
        self.pool = Some(pool);
        self
    }

    /// How many blueprints the pool took as they were committed.
    pub fn pushed(&self) -> usize {
        self.pushed
    }

    /// Commits `answers` from `source` to the cache together (one commit for many answers is
    /// much cheaper than one each), then knows them as found.
    pub fn keep(&mut self, source: &str, answers: &[(&str, &TrackInfo, &Blueprint)]) -> Result<()> {
        let online = source != LOCAL_SOURCE && !source.starts_with("pool:");
        self.cache.in_transaction(|| {
            for (key, info, blueprint) in answers {
                self.cache
                    .store(key, &info.artist, &info.title, source, blueprint)?;
            }
            if self.for_pool && online {
                let keys: Vec<&str> = answers.iter().map(|(key, ..)| *key).collect();
                self.cache.to_send(&keys)?;
            }
            Ok(())
        })?;
        for (key, _, blueprint) in answers {
            self.found
                .insert(key.to_string(), Cached::new(source, blueprint));
            self.answered.insert(key.to_string());
        }
        if self.for_pool && online {
            self.pending += answers.len();
            let (most, every) = SEND_EVERY;
            if self.pending >= most || self.last_sent.elapsed() >= every {
                self.send_waiting()?;
            }
        }
        Ok(())
    }

    /// Sends the pool what waits in the outbox; a pool that fails is let go for the rest of the
    /// run, with one line, and what it did not take stays in the outbox.
    pub fn send_waiting(&mut self) -> Result<()> {
        let Some(pool) = self.pool else {
            return Ok(());
        };
        let mut slot = pool.borrow_mut();
        let Some(live) = slot.as_mut() else {
            return Ok(());
        };
        match crate::pool::send_outbox(live, self.cache) {
            Ok(sent) => self.pushed += sent,
            Err(e) => {
                pool::warn(&format!(
                    "pool {}: {e:#}; what it did not take waits for the next run with a pool (or `taggenius pool push`)",
                    live.url.shown
                ));
                *slot = None;
            }
        }
        self.pending = 0;
        self.last_sent = Instant::now();
        Ok(())
    }

    fn answered(&self, key: &str) -> bool {
        self.answered.contains(key)
    }
}

/// What `tag` asks, besides the cache, for the provider it runs with.
pub struct Asking<'a> {
    pub budget: Option<f64>,
    pub quiet: bool,
    /// The shared pool, while it answers, and what this member takes from it.
    pub pool: Option<(&'a RefCell<Option<Pool>>, &'a Trust)>,
}

/// The sources a provider stands for, in the order they are asked after the cache: the shared
/// pool (never `--offline`), then the model or the offline guesser.
pub fn sources_for<'a>(provider: &'a Provider, asking: &Asking<'a>) -> Vec<Box<dyn Source + 'a>> {
    let mut sources: Vec<Box<dyn Source + 'a>> = Vec::new();
    if let (Some((pool, trust)), false) = (asking.pool, matches!(provider, Provider::Offline)) {
        sources.push(Box::new(pool::Shared { pool, trust }));
    }
    sources.push(match provider {
        Provider::Offline => Box::new(guess::Offline),
        Provider::Local => Box::new(guess::Guesser),
        Provider::OpenAi(cfg) => Box::new(llm::Model {
            cfg,
            budget: asking.budget,
            quiet: asking.quiet,
        }),
    });
    sources
}

/// Asks `sources` in order, each for what the ones before left unanswered; returns why each
/// track still without a blueprint has none (the last source that tried says).
pub fn ask_in_order(
    sources: &[Box<dyn Source + '_>],
    wanted: &[Wanted],
    store: &mut Store,
    summary: &mut Summary,
) -> Result<Reasons> {
    let mut reasons = Reasons::new();
    let mut rest: Vec<Wanted> = wanted.to_vec();
    for source in sources {
        if rest.is_empty() {
            break;
        }
        reasons.extend(source.ask(&rest, store, summary)?);
        rest.retain(|(key, _)| !store.answered(key));
    }
    reasons.retain(|key, _| !store.answered(key));
    Ok(reasons)
}

/// Whether a track's blueprint must be asked for, given what the cache holds: a local guess
/// gives way to an online answer, `--refresh` asks again for everything.
pub fn needs_asking(cached: Option<&Cached>, provider: &Provider, refresh: bool) -> bool {
    match (cached, provider) {
        (None, _) => true,
        (_, Provider::Offline) => false,
        (Some(_), _) if refresh => true,
        (Some(c), Provider::OpenAi(_)) => c.is_local(),
        (Some(_), Provider::Local) => false,
    }
}
