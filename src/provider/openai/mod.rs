//! The OpenAI-compatible provider: asks a chat-completions server for the blueprints of many
//! tracks, several per request, on a few worker threads, and reports every result to the
//! calling thread as it arrives (docs/DESIGN.md, "The request contract").
//!
//! Within a request each track is sent under a short local id ("1", "2", …) rather than the
//! caller's id: fewer tokens, and nothing for the model to mangle.

#[cfg(test)]
mod fault_tests;
mod http;
#[cfg(test)]
pub(crate) mod mock;
mod queue;
mod reply;
pub(crate) mod request;
#[cfg(test)]
mod tests;

use crate::blueprint::Blueprint;
use crate::library::track::TrackInfo;
use crate::provider::pricing::{self, Price};
use http::{Client, Note, Sent};
use queue::{Batch, Pool};
use reply::Envelope;
use request::Shape;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// How often the calling thread looks at `OpenAiConfig::cancel` while no event arrives.
const POLL: Duration = Duration::from_millis(50);

#[derive(Clone)]
pub struct OpenAiConfig {
    /// POST `{base_url}/chat/completions`.
    pub base_url: String,
    /// Sent only as `Authorization: Bearer …`; local servers need none.
    pub api_key: Option<String>,
    pub model: String,
    /// Worker threads.
    pub jobs: usize,
    /// Tracks per request.
    pub batch: usize,
    /// Whole-request timeout (connecting is limited to 10 s of it).
    pub timeout: Duration,
    pub max_attempts: u32,
    /// Overrides the price table (USD per 1M input / cached input / output tokens).
    pub price: Option<Price>,
    /// Set to true (e.g. by a Ctrl-C handler) to make `fetch` return `Ok` within ~50 ms,
    /// abandoning requests in flight, even while no event arrives.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        OpenAiConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: None,
            model: DEFAULT_MODEL.into(),
            jobs: 4,
            batch: 10,
            timeout: Duration::from_secs(120),
            max_attempts: 6,
            price: None,
            cancel: None,
        }
    }
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("jobs", &self.jobs)
            .field("batch", &self.batch)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("price", &self.price)
            .finish()
    }
}

impl OpenAiConfig {
    /// The price of this run's model: the override, else the table, else free.
    pub fn price(&self) -> Price {
        self.price
            .or_else(|| pricing::price_for(&self.model))
            .unwrap_or(Price::FREE)
    }

    fn url(&self) -> String {
        format!(
            "{}/chat/completions",
            self.base_url.trim().trim_end_matches('/')
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Unique within a run; events name their track by it.
    pub id: String,
    pub info: TrackInfo,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A reply's blueprints, already validated, by job id: stored together, in one commit.
    Blueprints(Vec<(String, Blueprint)>),
    /// Never to be cached.
    Failed { id: String, reason: String },
    /// Once per answered HTTP request.
    Usage {
        prompt_tokens: u64,
        cached_tokens: u64,
        completion_tokens: u64,
        cost_usd: f64,
    },
    /// Once per HTTP request sent, retries included.
    Request,
    /// A reply stopped at the server's token limit; its tracks are asked again in halves.
    /// Its tokens are in its `Usage` too: this says what the cut cost.
    CutShort {
        tracks: usize,
        completion_tokens: u64,
        cost_usd: f64,
    },
    /// Something the user should know about how the run goes on, in one line.
    Notice(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Estimate {
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

/// Requests, tokens and dollars that fetching `jobs` would take, from the very request bodies
/// `fetch` would send. Input is priced uncached, so that a budget errs on the safe side.
pub fn estimate(cfg: &OpenAiConfig, jobs: &[Job]) -> Estimate {
    let shape = Shape {
        temperature: request::supports_temperature(&cfg.model),
        loose: false,
    };
    let mut total = Estimate::default();
    for chunk in jobs.chunks(cfg.batch.max(1)) {
        total.requests += 1;
        total.prompt_tokens += request::prompt_tokens(&body(cfg, chunk, shape));
        total.completion_tokens += request::completion_tokens(chunk.len());
    }
    total.cost_usd = cfg
        .price()
        .cost(total.prompt_tokens, 0, total.completion_tokens);
    total
}

fn body(cfg: &OpenAiConfig, jobs: &[Job], shape: Shape) -> String {
    let ids: Vec<String> = (1..=jobs.len()).map(|n| n.to_string()).collect();
    let tracks: Vec<(&str, &TrackInfo)> = ids
        .iter()
        .map(String::as_str)
        .zip(jobs.iter().map(|job| &job.info))
        .collect();
    request::request_body(&cfg.model, &tracks, shape)
}

/// Runs the whole fetch: `jobs` worker threads sharing one agent take batches from a queue,
/// and `on_event` is called on the calling thread for every event as it arrives.
///
/// `on_event` returning `Break` stops handing out batches and retries; the events of requests
/// already in flight are still delivered (they are paid for), then `fetch` returns `Ok`.
/// `cfg.cancel` returns `Ok` at once instead. A fatal error (bad key, no quota, unknown model,
/// unreachable server) stops sending at once; once the requests in flight have been answered
/// and their events delivered, `fetch` returns `Err` with a one-line message.
pub fn fetch(
    cfg: &OpenAiConfig,
    jobs: Vec<Job>,
    mut on_event: impl FnMut(Event) -> ControlFlow<()>,
) -> anyhow::Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let pool = Arc::new(Pool::new(jobs, cfg.batch.max(1)));
    let workers = cfg.jobs.max(1).min(pool.len());
    let rx = spawn_workers(cfg, &pool, workers)?;
    let mut stopping = false;
    // After a fatal error nothing more is sent, but the answers to requests already in flight
    // are paid for: they are still delivered before the error is returned.
    let mut fatal: Option<String> = None;
    let ended = |fatal: Option<String>| fatal.map_or(Ok(()), |m| Err(anyhow::anyhow!(m)));
    loop {
        match rx.recv_timeout(POLL) {
            Ok(Msg::Fatal(message)) => {
                pool.stop();
                fatal.get_or_insert(message);
            }
            Ok(Msg::Event(event)) => {
                if on_event(event).is_break() && !stopping {
                    stopping = true;
                    pool.stop();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return ended(fatal),
        }
        if cfg
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
        {
            pool.stop();
            return ended(fatal);
        }
    }
}

/// Workers are detached rather than scoped so that `fetch` can return while a request is
/// still in flight (cancel, fatal error); each ends after its current request.
fn spawn_workers(
    cfg: &OpenAiConfig,
    pool: &Arc<Pool>,
    workers: usize,
) -> anyhow::Result<mpsc::Receiver<Msg>> {
    let (tx, rx) = mpsc::channel();
    let worker = Worker {
        client: Client {
            agent: http::agent(cfg.timeout, workers),
            url: cfg.url(),
            api_key: cfg.api_key.clone().filter(|k| !k.trim().is_empty()),
            model: cfg.model.clone(),
            max_attempts: cfg.max_attempts,
        },
        cfg: cfg.clone(),
        pool: Arc::clone(pool),
        tx,
    };
    for n in 0..workers {
        let worker = worker.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("taggenius-openai-{n}"))
            .spawn(move || worker.run());
        if let Err(e) = spawned {
            pool.stop();
            anyhow::bail!("cannot start a worker thread: {e}");
        }
    }
    Ok(rx)
}

enum Msg {
    Event(Event),
    Fatal(String),
}

#[derive(Clone)]
struct Worker {
    client: Client,
    cfg: OpenAiConfig,
    pool: Arc<Pool>,
    tx: Sender<Msg>,
}

impl Worker {
    fn run(self) {
        while let Some(batch) = self.pool.next() {
            let again = self.ask(batch);
            self.pool.done(again);
        }
    }

    fn emit(&self, event: Event) {
        // The receiver is gone only once `fetch` has returned; the results have no taker.
        let _ = self.tx.send(Msg::Event(event));
    }

    /// Asks for one batch and reports its results; returns the batches to ask again.
    fn ask(&self, batch: Batch) -> Vec<Batch> {
        let temperature = request::supports_temperature(&self.cfg.model);
        let build = |shape: Shape| body(&self.cfg, &batch.jobs, shape);
        let mut note = |note: Note| match note {
            Note::Request => self.emit(Event::Request),
            Note::LooseSchema(why) => self.emit(Event::Notice(format!(
                "{why}; asking with a looser schema (no item counts) for the rest of this run"
            ))),
        };
        match self.client.send(
            &self.pool.shared,
            batch.jobs.len() > 1,
            temperature,
            &build,
            &mut note,
        ) {
            Sent::Answered(envelope) => self.answered(batch, envelope),
            // A slow server (a local model on a small machine) answers fewer tracks in time.
            Sent::TimedOut => batch.halves(),
            Sent::GaveUp(reason) => {
                for job in batch.jobs {
                    self.fail(job, &reason);
                }
                Vec::new()
            }
            Sent::Fatal(message) => {
                self.pool.stop();
                let _ = self.tx.send(Msg::Fatal(message));
                Vec::new()
            }
            Sent::Stopped => Vec::new(),
        }
    }

    fn answered(&self, batch: Batch, envelope: Envelope) -> Vec<Batch> {
        let cost_usd = self.usage(&envelope);
        if envelope.cut_short {
            self.emit(Event::CutShort {
                tracks: batch.jobs.len(),
                completion_tokens: envelope.usage.completion_tokens,
                cost_usd,
            });
            // A smaller batch needs less output: halves, down to one track, get through a
            // server whose output limit the whole batch passes.
            if batch.jobs.len() > 1 {
                return batch.halves();
            }
        }
        let ids: Vec<String> = (1..=batch.jobs.len()).map(|n| n.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let results = envelope
            .content
            .and_then(|text| reply::parse_entries(&text, &ids))
            .unwrap_or_else(|reason| ids.iter().map(|_| Err(reason.clone())).collect());
        let mut again = Vec::new();
        let mut blueprints = Vec::new();
        for (job, result) in batch.jobs.into_iter().zip(results) {
            match result {
                Ok(blueprint) => blueprints.push((job.id, blueprint)),
                Err(_) if !batch.second_chance => again.push(Batch {
                    jobs: vec![job],
                    second_chance: true,
                }),
                Err(reason) => self.fail(job, &reason),
            }
        }
        if !blueprints.is_empty() {
            self.emit(Event::Blueprints(blueprints));
        }
        again
    }

    /// Reports what a reply cost, and returns the cost.
    fn usage(&self, envelope: &Envelope) -> f64 {
        let usage = envelope.usage;
        let price = self
            .cfg
            .price
            .or_else(|| pricing::price_for(&self.cfg.model))
            .or_else(|| envelope.model.as_deref().and_then(pricing::price_for))
            .unwrap_or(Price::FREE);
        let cost_usd = price.cost(
            usage.prompt_tokens,
            usage.cached_tokens,
            usage.completion_tokens,
        );
        self.emit(Event::Usage {
            prompt_tokens: usage.prompt_tokens,
            cached_tokens: usage.cached_tokens,
            completion_tokens: usage.completion_tokens,
            cost_usd,
        });
        cost_usd
    }

    fn fail(&self, job: Job, reason: &str) {
        let reason = http::redact(reason, self.client.api_key.as_deref());
        self.emit(Event::Failed { id: job.id, reason });
    }
}
