//! The one OpenAI-compatible chat-completions server of the unit tests, the integration tests
//! and `examples/mock_openai`: tiny_http on 127.0.0.1, each request answered on a thread of its
//! own (so parallel requests really overlap), as a script decides from the request: valid
//! blueprints, error statuses, broken bodies, refusals, replies cut short, slowness. It records
//! what it saw (bodies, Authorization headers, arrival times, the peak number of requests in
//! flight). Dropping it stops its thread and closes the port; a test server's accept loop is
//! bounded in time besides, so that a test can never hang on it.
//!
//! Included with `#[path]` by each of its three users, which are separate crates; each uses a
//! part of it, hence no warnings for the rest.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const POLL: Duration = Duration::from_millis(10);

/// One track as a request asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The id the reply must echo (the request-local one).
    pub id: String,
    pub artist: String,
    pub title: String,
    /// The track as sent, with its hints (genre, year, bpm…).
    pub sent: Value,
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    /// The body as JSON (`Null` when it was not JSON).
    pub body: Value,
    /// The body's length in bytes.
    pub len: usize,
    /// The tracks of the last message, if it was `{"tracks":[…]}`.
    pub tracks: Vec<Asked>,
}

impl Seen {
    pub fn titles(&self) -> Vec<String> {
        self.tracks.iter().map(|t| t.title.clone()).collect()
    }

    /// The API key sent, without `Bearer `.
    pub fn key(&self) -> &str {
        let auth = self.authorization.as_deref().unwrap_or("").trim();
        auth.strip_prefix("Bearer ").unwrap_or(auth).trim()
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A valid blueprint for every track asked (`Config::answer`).
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
    /// This reply with these headers added.
    Headers(Vec<(String, String)>, Box<Reply>),
    /// This reply, after an extra pause.
    Slow(Duration, Box<Reply>),
}

impl Reply {
    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply::Status {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

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

/// What every reply of one server shares.
#[derive(Clone)]
pub struct Config {
    /// Every reply waits this long first.
    pub latency: Duration,
    /// The entry `Reply::Ok` gives a track.
    pub answer: fn(&Asked) -> Value,
    /// `usage.completion_tokens` of a reply: from its content's bytes and its tracks.
    pub completion_tokens: fn(usize, usize) -> usize,
    /// Appended to the request's model in the reply (OpenAI names a dated snapshot).
    pub model_suffix: &'static str,
    /// How long the server lives at most; `None`: until dropped.
    pub lifetime: Option<Duration>,
    /// A line on stderr for every request.
    pub log: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            latency: Duration::ZERO,
            answer: entry,
            completion_tokens: |_, tracks| 5 + 70 * tracks,
            model_suffix: "-2024-07-18",
            lifetime: Some(Duration::from_secs(120)),
            log: false,
        }
    }
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

#[derive(Default)]
struct State {
    seen: Mutex<Vec<Seen>>,
    /// Request numbers whose reply was sent in full.
    answered: Mutex<Vec<usize>>,
    current: AtomicUsize,
    peak: AtomicUsize,
}

pub struct Server {
    pub url: String,
    pub port: u16,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler thread that panicked leaves what it recorded readable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    /// Listens on 127.0.0.1:`port` (0: any free port); `script(n, request)` decides how
    /// request number `n` (from 0) is answered.
    pub fn start(
        port: u16,
        config: Config,
        script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Server> {
        let server = quick_server(port)?;
        let port = server
            .server_addr()
            .to_ip()
            .map_or(port, |addr| addr.port());
        let state = Arc::new(State::default());
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let born = Instant::now();
            let alive = || config.lifetime.is_none_or(|life| born.elapsed() < life);
            while !sp.load(Ordering::SeqCst) && alive() {
                let request = match server.recv_timeout(POLL) {
                    Ok(Some(request)) => request,
                    Ok(None) | Err(_) => continue,
                };
                let (st, sp, script, config) =
                    (st.clone(), sp.clone(), script.clone(), config.clone());
                std::thread::spawn(move || handle(request, &st, &sp, &*script, &config));
            }
            // `server` is dropped here, which closes the port.
        });
        Ok(Server {
            url: format!("http://127.0.0.1:{port}/v1"),
            port,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops answering and closes the port; requests still being handled are dropped.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Waits until the server stops (a server without a lifetime: never).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    pub fn requests(&self) -> usize {
        lock(&self.state.seen).len()
    }

    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }

    /// The most requests that were being handled at one time.
    pub fn peak(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }

    /// The numbers of the requests whose reply was sent in full.
    pub fn answered(&self) -> Vec<usize> {
        lock(&self.state.answered).clone()
    }
}

fn handle(
    mut request: tiny_http::Request,
    state: &State,
    stop: &AtomicBool,
    script: &Script,
    config: &Config,
) {
    let mut raw = String::new();
    let _ = request.as_reader().read_to_string(&mut raw);
    // A body that cannot be read or parsed is kept as null, which no test expects.
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let seen = Seen {
        at: Instant::now(),
        method: request.method().to_string(),
        path: request.url().to_string(),
        authorization: request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.to_string()),
        tracks: tracks_of(&body),
        len: raw.len(),
        body,
    };
    let n = {
        let mut all = lock(&state.seen);
        all.push(seen.clone());
        all.len() - 1
    };
    let now = state.current.fetch_add(1, Ordering::SeqCst) + 1;
    state.peak.fetch_max(now, Ordering::SeqCst);
    let mut reply = script(n, &seen);
    let (mut pause, mut headers) = (config.latency, Vec::new());
    let reply = loop {
        match reply {
            Reply::Slow(extra, inner) => {
                pause += extra;
                reply = *inner;
            }
            Reply::Headers(mut more, inner) => {
                headers.append(&mut more);
                reply = *inner;
            }
            other => break other,
        }
    };
    let alive = nap(pause, stop);
    state.current.fetch_sub(1, Ordering::SeqCst);
    if !alive {
        return;
    }
    let (status, text, retry_after) = render(&reply, n, &seen, config);
    if config.log {
        eprintln!(
            "mock_openai: request #{} {} {} -> {status} ({} tracks)",
            n + 1,
            seen.method,
            seen.path,
            seen.tracks.len()
        );
    }
    let mut response = tiny_http::Response::from_string(text).with_status_code(status);
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.extend(retry_after.map(|wait| ("Retry-After".to_string(), wait)));
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    if request.respond(response).is_ok() {
        lock(&state.answered).push(n);
    }
}

/// Sleeps `pause` in short slices; false if the server was stopped meanwhile.
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
    let asked = |t: &Value| Asked {
        id: text(&t["id"]),
        artist: text(&t["artist"]),
        title: text(&t["title"]),
        sent: t.clone(),
    };
    user["tracks"]
        .as_array()
        .map(|tracks| tracks.iter().map(asked).collect())
        .unwrap_or_default()
}

/// An OpenAI error body.
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

/// A chat completion whose message content is `content`.
pub fn completion(
    n: usize,
    model: &str,
    message: Value,
    finish: &str,
    usage: [usize; 2],
) -> String {
    json!({
        "id": format!("chatcmpl-mock-{n}"),
        "object": "chat.completion",
        "created": 1_700_000_000u64,
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    })
    .to_string()
}

/// Status, body and Retry-After of a reply.
fn render(reply: &Reply, n: usize, seen: &Seen, config: &Config) -> (u16, String, Option<String>) {
    let tracks = &seen.tracks;
    let model = format!(
        "{}{}",
        seen.body["model"].as_str().unwrap_or("gpt-4o-mini"),
        config.model_suffix
    );
    let content_of = |entries: Vec<Value>| json!({ "tracks": entries }).to_string();
    let reply_of = |content: Option<&str>, refusal: Option<&str>, finish: &str, len: usize| {
        let message = json!({"role": "assistant", "content": content, "refusal": refusal});
        let usage = [seen.len / 4, (config.completion_tokens)(len, tracks.len())];
        completion(n, &model, message, finish, usage)
    };
    let answer = |content: String| reply_of(Some(&content), None, "stop", content.len());
    let answers = || content_of(tracks.iter().map(config.answer).collect());
    match reply {
        Reply::Ok => (200, answer(answers()), None),
        Reply::Entries(list) => (200, answer(content_of(list.clone())), None),
        Reply::Content(text) => (200, answer(text.clone()), None),
        Reply::Refusal(text) => (200, reply_of(None, Some(text), "stop", 0), None),
        Reply::CutContent => {
            let full = answers();
            (
                200,
                reply_of(Some(half(&full)), None, "length", full.len()),
                None,
            )
        }
        Reply::Runaway => {
            let made_up = (1..=tracks.len() + 40).map(|id| {
                entry(&Asked {
                    id: id.to_string(),
                    artist: String::new(),
                    title: String::new(),
                    sent: Value::Null,
                })
            });
            let full = content_of(made_up.collect());
            let cut = &full[..full.len() - 37];
            let mut body: Value =
                serde_json::from_str(&reply_of(Some(cut), None, "length", full.len()))
                    .unwrap_or(Value::Null);
            body["usage"]["completion_tokens"] = json!(full.len() / 4);
            (200, body.to_string(), None)
        }
        Reply::TruncatedBody => (200, half(&answer(answers())).to_string(), None),
        Reply::Status {
            status,
            body,
            retry_after,
        } => (*status, body.clone(), retry_after.clone()),
        Reply::Slow(_, inner) | Reply::Headers(_, inner) => render(inner, n, seen, config),
    }
}

fn half(text: &str) -> &str {
    let mut at = text.len() / 2;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

/// A tiny_http server on 127.0.0.1:`port` with TCP_NODELAY set, which Linux hands on from the
/// listening socket to every accepted one. tiny_http writes a reply's head and body separately;
/// with Nagle's algorithm on, the body waited for the client's delayed ACK, 40 ms a request,
/// which made a zero-latency server look like a slow one.
fn quick_server(port: u16) -> std::io::Result<tiny_http::Server> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    #[cfg(unix)]
    no_delay(&listener)?;
    tiny_http::Server::from_listener(listener, None).map_err(std::io::Error::other)
}

#[cfg(unix)]
fn no_delay(listener: &TcpListener) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket, and a pointer to an int that outlives the call, with its size.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}
