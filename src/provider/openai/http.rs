//! One chat-completion request over HTTP, with the retry policy: what is worth retrying, for
//! how long, and what must stop the whole run.

use crate::provider::openai::reply::{self, Envelope};
use crate::provider::openai::request::Shape;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// A server asking for a longer pause than this is asked again sooner rather than hanging a run.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
/// Naps are cut in slices so that a stop request is noticed quickly.
const NAP_SLICE: Duration = Duration::from_millis(25);

/// State every worker shares.
#[derive(Debug, Default)]
pub struct Shared {
    pub stop: AtomicBool,
    /// Set by a 429: nobody sends before this instant, since the limit is per account.
    not_before: Mutex<Option<Instant>>,
    /// Set once the server rejected `temperature`, so later requests leave it out at once.
    pub no_temperature: AtomicBool,
    /// Set once the server rejected the schema's item counts, so later requests send the
    /// looser schema at once.
    pub loose_schema: AtomicBool,
}

impl Shared {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn pause_all_until(&self, until: Instant) {
        let mut slot = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(slot.map_or(until, |current| current.max(until)));
    }

    /// Waits before attempt `attempts + 1`: as long as the server asked, else a backoff; a rate
    /// limit pauses every worker. False if stopped meanwhile.
    fn wait_to_retry(&self, attempts: u32, asked: Option<Duration>, pause_all: bool) -> bool {
        let until = Instant::now() + asked.unwrap_or_else(|| backoff(attempts));
        if pause_all {
            self.pause_all_until(until);
        }
        self.nap_until(until)
    }

    /// Sleeps until `until` or the shared pause ends, whichever is later; false if stopped.
    fn nap_until(&self, until: Instant) -> bool {
        loop {
            if self.stopped() {
                return false;
            }
            let paused = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
            let until = paused.map_or(until, |p| p.max(until));
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(NAP_SLICE));
        }
    }
}

/// How to reach the server; cheap to clone into every worker (the agent shares its pool).
#[derive(Clone)]
pub struct Client {
    pub agent: ureq::Agent,
    pub url: String,
    pub api_key: Option<String>,
    pub model: String,
    pub max_attempts: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .finish()
    }
}

pub fn agent(timeout: Duration, connections: usize) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
        .max_idle_connections_per_host(connections.max(1))
        .user_agent(concat!("taggenius/", env!("CARGO_PKG_VERSION")))
        .build();
    config.into()
}

/// How sending one request ended, after its retries.
#[derive(Debug)]
pub enum Sent {
    Answered(Envelope),
    /// A batch of several tracks took longer than the timeout: smaller ones may not.
    TimedOut,
    /// This batch cannot be answered (retries exhausted, request rejected).
    GaveUp(String),
    /// Nothing further can succeed: the run must stop.
    Fatal(String),
    Stopped,
}

/// What one HTTP exchange amounted to.
#[derive(Debug)]
enum Attempt {
    Answered(Envelope),
    /// No answer within the timeout.
    TimedOut,
    Retry {
        reason: String,
        wait: Option<Duration>,
        pause_all: bool,
    },
    Rejected(String),
    Fatal(String),
    Temperature,
    /// A 400 naming the response schema: the server does not take one of its keywords.
    Schema(String),
}

/// What `Client::send` tells its caller while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// An HTTP request is about to be sent.
    Request,
    /// The server rejected the batch-bound schema; this run goes on with the looser one.
    LooseSchema(String),
}

impl Client {
    /// Sends the request built by `body` (given the shape the server accepts so far),
    /// retrying as the policy allows; `note` is told of every HTTP request before it is sent,
    /// and of a change of schema.
    pub fn send(
        &self,
        shared: &Shared,
        splittable: bool,
        temperature: bool,
        body: &dyn Fn(Shape) -> String,
        note: &mut dyn FnMut(Note),
    ) -> Sent {
        let mut shape = Shape {
            temperature: temperature && !shared.no_temperature.load(Ordering::Relaxed),
            loose: shared.loose_schema.load(Ordering::Relaxed),
        };
        let max_attempts = self.max_attempts.max(1);
        let mut attempts = 0;
        let mut last = String::new();
        while attempts < max_attempts {
            if !shared.nap_until(Instant::now()) {
                return Sent::Stopped;
            }
            note(Note::Request);
            attempts += 1;
            let attempt = match self.post(&body(shape)) {
                Attempt::TimedOut if splittable => return Sent::TimedOut,
                Attempt::TimedOut => Attempt::Retry {
                    reason: "the request timed out".into(),
                    wait: None,
                    pause_all: false,
                },
                other => other,
            };
            match attempt {
                Attempt::Answered(envelope) => return Sent::Answered(envelope),
                // Split above, or made a retry for a single track.
                Attempt::TimedOut => return Sent::TimedOut,
                Attempt::Fatal(message) => return Sent::Fatal(message),
                Attempt::Rejected(message) => return Sent::GaveUp(message),
                Attempt::Temperature if shape.temperature => {
                    // Does not count: the request was malformed for this model, not failed.
                    shape.temperature = false;
                    attempts -= 1;
                    shared.no_temperature.store(true, Ordering::Relaxed);
                }
                Attempt::Temperature => {
                    return Sent::GaveUp("the server rejected the temperature setting".into())
                }
                Attempt::Schema(message) if !shape.loose => {
                    // Does not count either; the first worker to see it says so, once a run.
                    shape.loose = true;
                    attempts -= 1;
                    if !shared.loose_schema.swap(true, Ordering::Relaxed) {
                        note(Note::LooseSchema(message));
                    }
                }
                Attempt::Schema(message) => return Sent::GaveUp(message),
                Attempt::Retry {
                    reason,
                    wait,
                    pause_all,
                } => {
                    last = reason;
                    if attempts >= max_attempts {
                        break;
                    }
                    if !shared.wait_to_retry(attempts, wait, pause_all) {
                        return Sent::Stopped;
                    }
                }
            }
        }
        Sent::GaveUp(format!("gave up after {attempts} attempts: {last}"))
    }

    fn post(&self, body: &str) -> Attempt {
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json");
        if let Some(key) = &self.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let attempt = match request.send(body) {
            Ok(response) => self.read(response),
            Err(error) => self.transport_error(&error),
        };
        self.redacted(attempt)
    }

    fn read(&self, response: ureq::http::Response<ureq::Body>) -> Attempt {
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let mut body = response.into_body();
        if (200..300).contains(&status) {
            return match body.read_to_string() {
                Ok(text) => match reply::parse_envelope(&text) {
                    Ok(envelope) => Attempt::Answered(envelope),
                    Err(reason) => retry(reason, None),
                },
                Err(e) => retry(format!("the reply was cut off ({e})"), None),
            };
        }
        let text = body
            .with_config()
            .limit(ERROR_BODY_LIMIT)
            .lossy_utf8(true)
            .read_to_string()
            .unwrap_or_default();
        self.status_error(status, &text, wait)
    }

    fn status_error(&self, status: u16, body: &str, wait: Option<Duration>) -> Attempt {
        let error = reply::parse_error(body);
        let detail = if error.message.is_empty() {
            String::new()
        } else {
            format!(": {}", error.message)
        };
        match status {
            401 if self.api_key.is_none() => {
                Attempt::Fatal("the server requires an API key (401); set OPENAI_API_KEY".into())
            }
            401 => Attempt::Fatal("the server rejected the API key (401)".into()),
            403 => Attempt::Fatal(format!("the server refused access (403){detail}")),
            429 if error.code == "insufficient_quota" || error.kind == "insufficient_quota" => {
                Attempt::Fatal(
                    "the API account has no quota left (429 insufficient_quota); check billing"
                        .into(),
                )
            }
            404 if error.code == "model_not_found" || error.message.contains("model") => {
                Attempt::Fatal(format!(
                    "the server does not know the model {:?} (404)",
                    self.model
                ))
            }
            404 => Attempt::Fatal(format!("the server has no endpoint {} (404)", self.url)),
            400 if body.contains("temperature") => Attempt::Temperature,
            400 if names_the_schema(body) => Attempt::Schema(format!(
                "the server rejected the response schema (400){detail}"
            )),
            408 | 409 | 429 | 500..=599 => Attempt::Retry {
                reason: format!("HTTP {status}{detail}"),
                wait,
                pause_all: status == 429,
            },
            _ => Attempt::Rejected(format!(
                "the server rejected the request ({status}){detail}"
            )),
        }
    }

    fn transport_error(&self, error: &ureq::Error) -> Attempt {
        let base = &self.url;
        match error {
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Attempt::Fatal(format!("cannot connect to {base}: connection refused"))
            }
            ureq::Error::HostNotFound => {
                Attempt::Fatal(format!("cannot resolve the host of {base}"))
            }
            ureq::Error::Io(e) if e.to_string().contains("lookup address") => {
                Attempt::Fatal(format!("cannot resolve the host of {base}"))
            }
            ureq::Error::ConnectionFailed => Attempt::Fatal(format!("cannot connect to {base}")),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                Attempt::Fatal(format!("invalid server URL {base}"))
            }
            ureq::Error::Tls(_) | ureq::Error::RequireHttpsOnly(_) => {
                Attempt::Fatal(format!("TLS failure talking to {base}: {error}"))
            }
            ureq::Error::Timeout(_) => Attempt::TimedOut,
            other => retry(format!("transport error: {other}"), None),
        }
    }

    fn redacted(&self, attempt: Attempt) -> Attempt {
        let clean = |text: String| redact(&text, self.api_key.as_deref());
        match attempt {
            Attempt::Retry {
                reason,
                wait,
                pause_all,
            } => Attempt::Retry {
                reason: clean(reason),
                wait,
                pause_all,
            },
            Attempt::Rejected(message) => Attempt::Rejected(clean(message)),
            Attempt::Fatal(message) => Attempt::Fatal(clean(message)),
            Attempt::Schema(message) => Attempt::Schema(clean(message)),
            other => other,
        }
    }
}

/// Whether a 400's body is about the response schema: OpenAI says "Invalid schema for
/// response_format '…': … 'minItems' is not permitted", other servers name the keyword or the
/// schema in their own words.
fn names_the_schema(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    ["schema", "response_format", "minitems", "maxitems"]
        .iter()
        .any(|word| body.contains(word))
}

fn retry(reason: String, wait: Option<Duration>) -> Attempt {
    Attempt::Retry {
        reason,
        wait,
        pause_all: false,
    }
}

/// `retry-after-ms` (OpenAI), or `Retry-After` in seconds or as an HTTP date (which proxies
/// in front of a server may send).
fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let text = |name: &str| Some(headers.get(name)?.to_str().ok()?.trim());
    let number = |name: &str| {
        text(name)?
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    let until_date = || {
        let date = httpdate::parse_http_date(text("retry-after")?).ok()?;
        // A date already past means: now.
        Some(date.duration_since(SystemTime::now()).unwrap_or_default())
    };
    let wait = number("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| number("retry-after").map(Duration::from_secs_f64))
        .or_else(until_date)?;
    // A little jitter so that paused workers do not all return in the same millisecond.
    Some(wait.min(RETRY_AFTER_CAP).mul_f64(1.0 + 0.1 * random_unit()))
}

/// Exponential backoff with jitter: after attempt n, between half and all of base·2ⁿ⁻¹.
fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(BACKOFF_CAP).mul_f64(0.5 + 0.5 * random_unit())
}

/// A number in [0, 1) from a per-thread xorshift seeded by the clock; jitter needs no more.
fn random_unit() -> f64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn seed() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .hash(&mut hasher);
    std::thread::current().id().hash(&mut hasher);
    hasher.finish() | 1
}

/// Removes the key, and anything shaped like an OpenAI key, from text that may be shown.
pub fn redact(text: &str, key: Option<&str>) -> String {
    let mut text = text.to_string();
    if let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) {
        text = text.replace(key, "[redacted]");
    }
    text.split(' ')
        .map(|word| match key_start(word) {
            Some(at) => format!("{}[redacted]", &word[..at]),
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where an `sk-…` key starts in a word, if one does (not the "sk-" inside "task-list").
fn key_start(word: &str) -> Option<usize> {
    let at = word.find("sk-")?;
    let starts_word = at == 0 || !word.as_bytes()[at - 1].is_ascii_alphanumeric();
    (starts_word && word.len() >= at + 12).then_some(at)
}
