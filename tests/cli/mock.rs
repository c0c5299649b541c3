//! A scriptable OpenAI-compatible chat-completions server on 127.0.0.1, running on threads of
//! the test process (tiny_http). By default it answers every track of a request with a valid
//! blueprint; a script decides per request (by its number and the tracks it asks for) to answer
//! otherwise: error statuses, broken bodies, refusals, odd entries, slowness.
//!
//! Every request is answered on its own thread, so parallel requests really overlap, and the
//! mock records what it saw: bodies, Authorization headers, arrival times, the peak number of
//! requests in flight. Dropping the mock (or `stop`) stops its thread and closes the port; the
//! accept loop is bounded in time besides, so a test can never hang on it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{json, Value};

use crate::util::Sandbox;

/// The key the tests configure; recognisable, so it can be searched for.
pub const KEY: &str = "sk-test-mock-0123456789";
/// No mock lives longer than this, whatever a test does.
const LIFETIME: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(10);

/// One track as a request asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The id the reply must echo (the request-local one).
    pub id: String,
    pub artist: String,
    pub title: String,
}

/// One request as the mock received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    /// The body as JSON (`Null` when it was not JSON).
    pub body: Value,
    /// The tracks of the last message, if it was `{"tracks":[…]}`.
    pub tracks: Vec<Asked>,
}

impl Seen {
    pub fn titles(&self) -> Vec<String> {
        self.tracks.iter().map(|t| t.title.clone()).collect()
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A valid blueprint for every track asked.
    Ok,
    /// 200 whose content is `{"tracks": entries}`.
    Entries(Vec<Value>),
    /// 200 whose content is this text.
    Content(String),
    /// 200 with `message.refusal` set and `content` null.
    Refusal(String),
    /// 200 with `finish_reason: "length"` and the content cut in half.
    CutContent,
    /// 200 with `finish_reason: "length"`: a model that goes on writing entries for ids it
    /// made up (…, "7", "8", …) until the server's output limit stops it mid-entry.
    Runaway,
    /// 200 whose body is the first half of a valid completion.
    TruncatedBody,
    /// Any status with this body and an optional `Retry-After` header.
    Status {
        status: u16,
        body: String,
        retry_after: Option<String>,
    },
    /// This reply, after an extra pause.
    Slow(Duration, Box<Reply>),
}

impl Reply {
    pub fn rate_limited(retry_after_secs: u32) -> Reply {
        Reply::Status {
            status: 429,
            body: error_body(
                "Rate limit reached for gpt-4o-mini on requests per min (RPM).",
                "requests",
                "rate_limit_exceeded",
            ),
            retry_after: Some(retry_after_secs.to_string()),
        }
    }

    pub fn server_error(status: u16) -> Reply {
        Reply::Status {
            status,
            body: error_body(
                "The server had an error while processing your request.",
                "server_error",
                "",
            ),
            retry_after: None,
        }
    }

    /// 401 echoing (the start of) the key, as OpenAI does.
    pub fn unauthorized(key: &str) -> Reply {
        Reply::Status {
            status: 401,
            body: error_body(
                &format!("Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."),
                "invalid_request_error",
                "invalid_api_key",
            ),
            retry_after: None,
        }
    }

    pub fn insufficient_quota() -> Reply {
        Reply::Status {
            status: 429,
            body: error_body(
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
            retry_after: None,
        }
    }
}

pub fn error_body(message: &str, kind: &str, code: &str) -> String {
    let code = if code.is_empty() {
        Value::Null
    } else {
        json!(code)
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}}).to_string()
}

/// A valid reply entry for a track.
pub fn entry(asked: &Asked) -> Value {
    json!({
        "id": asked.id,
        "primary_genre": "House",
        "sub_genre": ["Deep House", "Garage House", "Soulful House"],
        "energy_level": 7,
        "energy_vibe": ["Uplifting", "Funky", "Soulful"],
        "situation_environment": ["Peak Hour", "Warmup", "Sunset"],
        "components": ["Vocal", "Keys", "Strings"],
        "time_period": ["1990s"],
    })
}

type Script = dyn Fn(usize, &Value, &[Asked]) -> Reply + Send + Sync;

#[derive(Default)]
struct State {
    seen: Mutex<Vec<Seen>>,
    /// Request numbers whose reply was sent in full.
    answered: Mutex<Vec<usize>>,
    current: AtomicUsize,
    peak: AtomicUsize,
}

pub struct Mock {
    pub url: String,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Mock {
    /// Answers every request with valid blueprints, at once.
    pub fn ok() -> Mock {
        Mock::start(Duration::ZERO, |_, _| Reply::Ok)
    }

    /// `script(n, tracks)` decides how request number `n` (from 0) is answered; every reply
    /// waits `latency` first.
    pub fn start(
        latency: Duration,
        script: impl Fn(usize, &[Asked]) -> Reply + Send + Sync + 'static,
    ) -> Mock {
        Mock::start_seeing(latency, move |n, _, tracks| script(n, tracks))
    }

    /// Like `start`, for a script that reads the whole request body too (its schema).
    pub fn start_seeing(
        latency: Duration,
        script: impl Fn(usize, &Value, &[Asked]) -> Reply + Send + Sync + 'static,
    ) -> Mock {
        let server = crate::quick_server::quick_server(0).expect("mock server");
        let port = server.server_addr().to_ip().expect("ip address").port();
        let state = Arc::new(State::default());
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let born = Instant::now();
            while !sp.load(Ordering::SeqCst) && born.elapsed() < LIFETIME {
                let request = match server.recv_timeout(POLL) {
                    Ok(Some(request)) => request,
                    Ok(None) | Err(_) => continue,
                };
                let (st, sp, script) = (st.clone(), sp.clone(), script.clone());
                std::thread::spawn(move || handle(request, &st, &sp, &*script, latency));
            }
            // `server` is dropped here, which closes the port.
        });
        Mock {
            url: format!("http://127.0.0.1:{port}/v1"),
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops answering and closes the port; requests still being handled are dropped.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// `taggenius` with this server and the test key configured.
    pub fn cmd(&self, sb: &Sandbox) -> Command {
        self.cmd_with_key(sb, KEY)
    }

    /// Runs taggenius against this server and waits for it.
    pub fn run(&self, sb: &Sandbox, args: &[&str]) -> std::process::Output {
        self.cmd(sb).args(args).output().expect("run taggenius")
    }

    pub fn cmd_with_key(&self, sb: &Sandbox, key: &str) -> Command {
        let mut cmd = sb.cmd();
        cmd.env("OPENAI_BASE_URL", &self.url)
            .env("OPENAI_API_KEY", key);
        cmd
    }

    /// Like `cmd`, to be spawned.
    pub fn spawnable(&self, sb: &Sandbox) -> std::process::Command {
        let mut cmd = sb.spawnable();
        cmd.env("OPENAI_BASE_URL", &self.url)
            .env("OPENAI_API_KEY", KEY);
        cmd
    }

    pub fn requests(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests from number `from` on (to look at one run of several).
    pub fn seen_since(&self, from: usize) -> Vec<Seen> {
        self.seen().into_iter().skip(from).collect()
    }

    /// The most requests that were being handled at one time.
    pub fn peak(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }

    /// Titles of the tracks of every reply sent in full, with repeats.
    pub fn answered_titles(&self) -> Vec<String> {
        let answered = self.state.answered.lock().unwrap().clone();
        let seen = self.seen();
        answered.iter().flat_map(|&n| seen[n].titles()).collect()
    }

    /// How many times each title was asked for, from request `from` on.
    pub fn asked_counts(&self, from: usize) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for seen in self.seen_since(from) {
            for title in seen.titles() {
                *counts.entry(title).or_insert(0) += 1;
            }
        }
        counts
    }
}

fn handle(
    mut request: tiny_http::Request,
    state: &State,
    stop: &AtomicBool,
    script: &Script,
    latency: Duration,
) {
    let mut raw = String::new();
    let _ = request.as_reader().read_to_string(&mut raw);
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let tracks = tracks_of(&body);
    let authorization = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.to_string());
    let n = {
        let mut seen = state.seen.lock().unwrap();
        let n = seen.len();
        seen.push(Seen {
            at: Instant::now(),
            method: request.method().to_string(),
            path: request.url().to_string(),
            authorization,
            body: body.clone(),
            tracks: tracks.clone(),
        });
        n
    };
    let now = state.current.fetch_add(1, Ordering::SeqCst) + 1;
    state.peak.fetch_max(now, Ordering::SeqCst);
    let mut reply = if request.url() == "/v1/chat/completions" {
        script(n, &body, &tracks)
    } else {
        Reply::Status {
            status: 404,
            body: error_body("Unknown URL", "invalid_request_error", "unknown_url"),
            retry_after: None,
        }
    };
    let mut pause = latency;
    while let Reply::Slow(extra, inner) = reply {
        pause += extra;
        reply = *inner;
    }
    let alive = nap(pause, stop);
    state.current.fetch_sub(1, Ordering::SeqCst);
    if !alive {
        return;
    }
    let model = body["model"].as_str().unwrap_or("gpt-4o-mini").to_string();
    let (status, text, retry_after) = render(&reply, n, &model, &tracks, raw.len());
    let mut response = tiny_http::Response::from_string(text).with_status_code(status);
    response.add_header(
        tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]).unwrap(),
    );
    if let Some(wait) = retry_after {
        response.add_header(tiny_http::Header::from_bytes(&b"Retry-After"[..], wait).unwrap());
    }
    if request.respond(response).is_ok() {
        state.answered.lock().unwrap().push(n);
    }
}

/// Sleeps `pause` in short slices; false if the mock was stopped meanwhile.
fn nap(pause: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + pause;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(POLL));
    }
}

fn tracks_of(body: &Value) -> Vec<Asked> {
    let Some(last) = body["messages"].as_array().and_then(|m| m.last()) else {
        return Vec::new();
    };
    let Some(user) = last["content"]
        .as_str()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
    else {
        return Vec::new();
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    user["tracks"]
        .as_array()
        .map(|tracks| {
            tracks
                .iter()
                .map(|t| Asked {
                    id: text(&t["id"]),
                    artist: text(&t["artist"]),
                    title: text(&t["title"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Status, body and Retry-After of a reply.
fn render(
    reply: &Reply,
    n: usize,
    model: &str,
    tracks: &[Asked],
    request_len: usize,
) -> (u16, String, Option<String>) {
    let entries = || tracks.iter().map(entry).collect::<Vec<_>>();
    let content_of = |entries: Vec<Value>| json!({ "tracks": entries }).to_string();
    let completion = |message: Value, finish: &str| {
        json!({
            "id": format!("chatcmpl-mock-{n}"),
            "object": "chat.completion",
            "created": 1_700_000_000u64,
            "model": format!("{model}-2024-07-18"),
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {
                "prompt_tokens": request_len / 4,
                "completion_tokens": 5 + 70 * tracks.len(),
                "total_tokens": request_len / 4 + 5 + 70 * tracks.len(),
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        })
        .to_string()
    };
    let answer = |content: String| {
        completion(
            json!({"role": "assistant", "content": content, "refusal": null}),
            "stop",
        )
    };
    match reply {
        Reply::Ok => (200, answer(content_of(entries())), None),
        Reply::Entries(list) => (200, answer(content_of(list.clone())), None),
        Reply::Content(text) => (200, answer(text.clone()), None),
        Reply::Refusal(text) => (
            200,
            completion(
                json!({"role": "assistant", "content": null, "refusal": text}),
                "stop",
            ),
            None,
        ),
        Reply::CutContent => {
            let full = content_of(entries());
            let cut = half(&full);
            (
                200,
                completion(
                    json!({"role": "assistant", "content": cut, "refusal": null}),
                    "length",
                ),
                None,
            )
        }
        Reply::Runaway => {
            let made_up = (1..=tracks.len() + 40).map(|id| {
                entry(&Asked {
                    id: id.to_string(),
                    artist: String::new(),
                    title: String::new(),
                })
            });
            let full = content_of(made_up.collect());
            let cut = &full[..full.len() - 37];
            let mut body: Value = serde_json::from_str(&completion(
                json!({"role": "assistant", "content": cut, "refusal": null}),
                "length",
            ))
            .unwrap_or(Value::Null);
            body["usage"]["completion_tokens"] = json!(full.len() / 4);
            (200, body.to_string(), None)
        }
        Reply::TruncatedBody => {
            let full = answer(content_of(entries()));
            (200, half(&full).to_string(), None)
        }
        Reply::Status {
            status,
            body,
            retry_after,
        } => (*status, body.clone(), retry_after.clone()),
        Reply::Slow(_, inner) => render(inner, n, model, tracks, request_len),
    }
}

fn half(text: &str) -> &str {
    let mut at = text.len() / 2;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}
