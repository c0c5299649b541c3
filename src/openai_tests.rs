//! The provider against a real HTTP server on 127.0.0.1 (tiny_http, or a raw socket where a
//! broken reply is needed).

use crate::blueprint::GENRES;
use crate::openai::{estimate, fetch, Event, Job, OpenAiConfig};
use crate::track::TrackInfo;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../tests/support/quick_server.rs"]
mod quick_server;

const KEY: &str = "sk-test-SECRET0123456789";

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

struct Seen {
    body: Value,
    auth: Option<String>,
}

type Handler = dyn Fn(usize, &Value) -> Reply + Send + Sync;

struct Mock {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_concurrent: Arc<AtomicUsize>,
    server: Arc<tiny_http::Server>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl Mock {
    fn requests(&self) -> usize {
        self.seen().len()
    }

    /// The requests so far; a handler thread that panicked leaves them readable.
    fn seen(&self) -> std::sync::MutexGuard<'_, Vec<Seen>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A server answering every request on its own thread, so that parallel requests overlap.
fn mock(handler: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static) -> Result<Mock> {
    let server = Arc::new(quick_server::quick_server(0).map_err(|e| anyhow!(e))?);
    let port = server
        .server_addr()
        .to_ip()
        .context("no IP address")?
        .port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let max_concurrent = Arc::new(AtomicUsize::new(0));
    let handler: Arc<Handler> = Arc::new(handler);
    let (srv, log, max) = (server.clone(), seen.clone(), max_concurrent.clone());
    let current = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for mut request in srv.incoming_requests() {
            // A body that cannot be read or parsed is kept as null, which no test expects.
            let mut text = String::new();
            let _ = request.as_reader().read_to_string(&mut text);
            let body: Value = serde_json::from_str(&text).unwrap_or_default();
            let auth = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.to_string());
            let n = {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.push(Seen {
                    body: body.clone(),
                    auth,
                });
                log.len() - 1
            };
            let (handler, max, current) = (handler.clone(), max.clone(), current.clone());
            std::thread::spawn(move || {
                let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                let answer = handler(n, &body);
                std::thread::sleep(answer.delay);
                current.fetch_sub(1, Ordering::SeqCst);
                let mut response =
                    tiny_http::Response::from_string(answer.body).with_status_code(answer.status);
                for (name, value) in answer.headers {
                    if let Ok(header) = tiny_http::Header::from_bytes(name, value) {
                        response.add_header(header);
                    }
                }
                let _ = request.respond(response);
            });
        }
    });
    Ok(Mock {
        url: format!("http://127.0.0.1:{port}/v1"),
        seen,
        max_concurrent,
        server,
    })
}

/// The tracks of a request: (local id, title); none when the request is not as expected.
fn tracks_of(body: &Value) -> Vec<(String, String)> {
    let content = body["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .and_then(|last| last["content"].as_str())
        .unwrap_or_default();
    let user: Value = serde_json::from_str(content).unwrap_or_default();
    let tracks = user["tracks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    tracks
        .iter()
        .map(|t| {
            let text = |field: &str| t[field].as_str().unwrap_or_default().to_string();
            (text("id"), text("title"))
        })
        .collect()
}

/// Energy is derived from the title ("Title 7" → 8) so tests can tell entries apart.
fn entry(id: &str, title: &str) -> Value {
    let n: u8 = title.trim_start_matches("Title ").parse().unwrap_or(0);
    json!({"id": id, "primary_genre": "House", "sub_genre": ["French House"],
           "energy_level": n % 10 + 1, "energy_vibe": ["Uplifting"],
           "situation_environment": ["Peak Hour"], "components": ["Vocal"],
           "time_period": ["2000s"]})
}

fn completion(content: &str) -> String {
    json!({"model": "gpt-4o-mini-2024-07-18",
           "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content}}],
           "usage": {"prompt_tokens": 1000, "completion_tokens": 100,
                     "prompt_tokens_details": {"cached_tokens": 200}}})
    .to_string()
}

fn answer_all(body: &Value) -> Reply {
    let entries: Vec<Value> = tracks_of(body).iter().map(|(i, t)| entry(i, t)).collect();
    reply(200, completion(&json!({ "tracks": entries }).to_string()))
}

fn jobs(n: usize) -> Vec<Job> {
    (0..n)
        .map(|i| Job {
            id: format!("job{i}"),
            info: TrackInfo {
                artist: format!("Artist {i}"),
                title: format!("Title {i}"),
                bpm: Some(124.0),
                ..TrackInfo::default()
            },
        })
        .collect()
}

fn config(url: &str, batch: usize) -> OpenAiConfig {
    OpenAiConfig {
        base_url: url.to_string(),
        api_key: Some(KEY.to_string()),
        batch,
        max_attempts: 3,
        timeout: Duration::from_secs(10),
        ..OpenAiConfig::default()
    }
}

fn run(cfg: &OpenAiConfig, jobs: Vec<Job>) -> (anyhow::Result<()>, Vec<Event>) {
    let mut events = Vec::new();
    let result = fetch(cfg, jobs, |event| {
        events.push(event);
        ControlFlow::Continue(())
    });
    (result, events)
}

fn count(events: &[Event], want: fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| want(e)).count()
}

fn is_request(e: &Event) -> bool {
    matches!(e, Event::Request)
}

/// Every blueprint the events carry, by job id, in the order they came.
fn blueprints(events: &[Event]) -> Vec<(String, u8)> {
    events
        .iter()
        .flat_map(|e| match e {
            Event::Blueprints(got) => got.as_slice(),
            _ => &[],
        })
        .map(|(id, blueprint)| (id.clone(), blueprint.energy_level))
        .collect()
}

fn failures(events: &[Event]) -> Vec<(String, String)> {
    let mut failed: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Failed { id, reason } => Some((id.clone(), reason.clone())),
            _ => None,
        })
        .collect();
    failed.sort();
    failed
}

#[test]
fn batches_are_matched_back_by_id() -> Result<()> {
    // Entries come back reversed, with an unknown id and a worse duplicate of the first.
    let server = mock(|_, body| {
        let tracks = tracks_of(body);
        let mut entries: Vec<Value> = tracks.iter().rev().map(|(i, t)| entry(i, t)).collect();
        entries.push(json!({"id": "99", "primary_genre": "Techno", "energy_level": 3}));
        let mut dup = entry(&tracks[0].0, &tracks[0].1);
        dup["energy_level"] = json!(10);
        entries.push(dup);
        reply(200, completion(&json!({ "tracks": entries }).to_string()))
    })?;
    let (result, events) = run(&config(&server.url, 4), jobs(10));
    result?;
    assert_eq!(server.requests(), 3);
    assert_eq!(count(&events, is_request), 3);
    let mut got = blueprints(&events);
    got.sort();
    let mut want: Vec<(String, u8)> = (0..10).map(|i| (format!("job{i}"), i % 10 + 1)).collect();
    want.sort();
    assert_eq!(got, want);
    Ok(())
}

#[test]
fn request_body_follows_the_contract() -> Result<()> {
    let server = mock(|_, body| answer_all(body))?;
    let cfg = OpenAiConfig {
        jobs: 1,
        ..config(&server.url, 2)
    };
    let (result, _) = run(&cfg, jobs(4));
    result?;
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].auth.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body = &seen[0].body;
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["temperature"], 0);
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    let item = &format["json_schema"]["schema"]["properties"]["tracks"]["items"];
    assert_eq!(item["additionalProperties"], false);
    assert_eq!(item["properties"]["primary_genre"]["enum"], json!(GENRES));
    assert_eq!(item["properties"]["time_period"]["maxItems"], 1);
    let messages = body["messages"].as_array().context("no messages")?;
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(
        messages[0], seen[1].body["messages"][0],
        "static prefix differs"
    );
    let last = messages.last().context("no last message")?;
    assert_eq!(last["role"], "user");
    let user: Value = serde_json::from_str(last["content"].as_str().context("no content")?)?;
    assert_eq!(user.as_object().context("not an object")?.len(), 1);
    assert_eq!(
        user["tracks"][1],
        json!({"id": "2", "artist": "Artist 1", "title": "Title 1", "bpm": 124})
    );
    Ok(())
}

#[test]
fn no_key_means_no_authorization_header() -> Result<()> {
    let server = mock(|_, body| answer_all(body))?;
    let cfg = OpenAiConfig {
        api_key: None,
        ..config(&server.url, 2)
    };
    run(&cfg, jobs(1)).0?;
    assert_eq!(server.seen()[0].auth, None);
    Ok(())
}

#[test]
fn rate_limit_waits_for_retry_after_then_succeeds() -> Result<()> {
    let server = mock(|n, body| match n {
        0 => Reply {
            headers: vec![("Retry-After", "1".into())],
            ..reply(
                429,
                r#"{"error":{"message":"Rate limit","code":"rate_limit_exceeded"}}"#,
            )
        },
        _ => answer_all(body),
    })?;
    let started = Instant::now();
    let (result, events) = run(&config(&server.url, 4), jobs(3));
    result?;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(count(&events, is_request), 2);
    assert_eq!(blueprints(&events).len(), 3);
    Ok(())
}

#[test]
fn retry_after_given_as_an_http_date_is_waited_for() -> Result<()> {
    // Whole seconds only: two ahead is a wait of more than one.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let server = mock(move |n, body| match n {
        0 => Reply {
            headers: vec![("Retry-After", date.clone())],
            ..reply(503, "busy")
        },
        _ => answer_all(body),
    })?;
    let started = Instant::now();
    let (result, events) = run(&config(&server.url, 4), jobs(3));
    assert!(result.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(count(&events, is_request), 2);
    assert_eq!(blueprints(&events).len(), 3);
    Ok(())
}

#[test]
fn server_error_is_retried() -> Result<()> {
    let server = mock(|n, body| match n {
        0 => reply(500, "oops"),
        _ => answer_all(body),
    })?;
    let (result, events) = run(&config(&server.url, 4), jobs(3));
    result?;
    assert_eq!(server.requests(), 2);
    assert_eq!(blueprints(&events).len(), 3);
    Ok(())
}

#[test]
fn retries_run_out_into_failures() -> Result<()> {
    let server = mock(|_, _| reply(503, "busy"))?;
    let cfg = OpenAiConfig {
        max_attempts: 2,
        ..config(&server.url, 4)
    };
    let (result, events) = run(&cfg, jobs(2));
    result?;
    assert_eq!(server.requests(), 2);
    let failed = failures(&events);
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0].1.contains("gave up after 2 attempts"),
        "{failed:?}"
    );
    Ok(())
}

#[test]
fn truncated_json_body_is_retried() -> Result<()> {
    let server = mock(|n, body| match n {
        0 => reply(200, r#"{"choices":[{"message":{"content":"{\"tra"#),
        _ => answer_all(body),
    })?;
    let (result, events) = run(&config(&server.url, 4), jobs(2));
    result?;
    assert_eq!(server.requests(), 2);
    assert_eq!(blueprints(&events).len(), 2);
    Ok(())
}

/// Reads one HTTP request from a raw socket and returns its body.
fn read_request(stream: &mut std::net::TcpStream) -> Result<Value> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            bail!("the request ended early");
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse().ok())
                })
                .context("no Content-Length")?;
            if data.len() >= end + 4 + length {
                return Ok(serde_json::from_slice(&data[end + 4..end + 4 + length])?);
            }
        }
    }
}

/// Answers the first request with half its body, the rest in full.
fn answer_cut_off_once(n: usize, stream: std::io::Result<std::net::TcpStream>) -> Result<()> {
    let mut stream = stream?;
    let body = read_request(&mut stream)?;
    let full = answer_all(&body).body;
    let sent = if n == 0 {
        &full[..full.len() / 2]
    } else {
        &full[..]
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        full.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(sent.as_bytes())?;
    Ok(())
}

#[test]
fn body_cut_off_in_transit_is_retried() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/v1", listener.local_addr()?);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            // A connection that fails leaves its request unanswered, which the test sees.
            let _ = answer_cut_off_once(n, stream);
        }
    });
    let (result, events) = run(&config(&url, 4), jobs(2));
    result?;
    assert_eq!(count(&events, is_request), 2);
    assert_eq!(blueprints(&events).len(), 2);
    Ok(())
}

#[test]
fn invalid_content_is_asked_again_track_by_track() -> Result<()> {
    let server = mock(|_, body| match tracks_of(body).len() {
        1 => answer_all(body),
        _ => reply(200, completion("Sure! Here are your tags: none")),
    })?;
    let (result, events) = run(&config(&server.url, 4), jobs(3));
    result?;
    assert_eq!(server.requests(), 4);
    assert_eq!(blueprints(&events).len(), 3);
    Ok(())
}

#[test]
fn refusal_is_asked_again_once_then_fails() -> Result<()> {
    let refusal = json!({"choices": [{"finish_reason": "stop", "message":
        {"role": "assistant", "content": null, "refusal": "I can't help with that."}}]});
    let server = mock(move |_, _| reply(200, refusal.to_string()))?;
    let (result, events) = run(&config(&server.url, 4), jobs(2));
    result?;
    assert_eq!(server.requests(), 3);
    let failed = failures(&events);
    assert_eq!(failed.len(), 2);
    assert!(
        failed.iter().all(|(_, r)| r.contains("refused")),
        "{failed:?}"
    );
    Ok(())
}

#[test]
fn missing_ids_are_asked_again_singly_then_fail() -> Result<()> {
    // Batches get only their first entry back; single requests get nothing.
    let server = mock(|_, body| {
        let tracks = tracks_of(body);
        let entries: Vec<Value> = match tracks.len() {
            1 => Vec::new(),
            _ => vec![entry(&tracks[0].0, &tracks[0].1)],
        };
        reply(200, completion(&json!({ "tracks": entries }).to_string()))
    })?;
    let (result, events) = run(&config(&server.url, 4), jobs(3));
    result?;
    assert_eq!(server.requests(), 3);
    assert_eq!(blueprints(&events).len(), 1);
    let failed = failures(&events);
    assert_eq!(
        failed.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["job1", "job2"]
    );
    assert!(failed[0].1.contains("no entry"), "{failed:?}");
    Ok(())
}

#[test]
fn bad_key_is_fatal_and_never_shown() -> Result<()> {
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}","code":"invalid_api_key"}}}}"#
    );
    let server = mock(move |_, _| reply(401, body.clone()))?;
    let cfg = config(&server.url, 4);
    let (result, _) = run(&cfg, jobs(8));
    let message = result.unwrap_err().to_string();
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains(KEY) && !message.contains("SECRET"));
    assert!(server.requests() <= 4, "a bad key must not be retried");
    assert!(!format!("{cfg:?}").contains("SECRET"));
    Ok(())
}

#[test]
fn forbidden_message_is_redacted() -> Result<()> {
    let body = format!(r#"{{"error":{{"message":"key {KEY} is not allowed here"}}}}"#);
    let server = mock(move |_, _| reply(403, body.clone()))?;
    let message = run(&config(&server.url, 4), jobs(1))
        .0
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("403") && message.contains("[redacted]"),
        "{message}"
    );
    assert!(!message.contains("SECRET"), "{message}");
    Ok(())
}

#[test]
fn exhausted_quota_is_fatal() -> Result<()> {
    let server = mock(|_, _| {
        reply(
            429,
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        )
    })?;
    let started = Instant::now();
    let message = run(&config(&server.url, 4), jobs(2))
        .0
        .unwrap_err()
        .to_string();
    assert!(message.contains("quota"), "{message}");
    assert_eq!(server.requests(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    Ok(())
}

#[test]
fn unknown_model_is_fatal() -> Result<()> {
    let server = mock(|_, _| {
        reply(
            404,
            r#"{"error":{"message":"The model `gpt-9` does not exist","code":"model_not_found"}}"#,
        )
    })?;
    let cfg = OpenAiConfig {
        model: "gpt-9".into(),
        ..config(&server.url, 4)
    };
    let message = run(&cfg, jobs(2)).0.unwrap_err().to_string();
    assert!(
        message.contains("gpt-9") && message.contains("404"),
        "{message}"
    );
    Ok(())
}

#[test]
fn connection_refused_is_fatal_at_once() -> Result<()> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let started = Instant::now();
    let cfg = config(&format!("http://127.0.0.1:{port}/v1"), 4);
    let message = run(&cfg, jobs(20)).0.unwrap_err().to_string();
    assert!(message.contains("connection refused"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(2));
    Ok(())
}

#[test]
fn requests_run_in_parallel() -> Result<()> {
    let server = mock(|_, body| Reply {
        delay: Duration::from_millis(300),
        ..answer_all(body)
    })?;
    let cfg = OpenAiConfig {
        jobs: 4,
        ..config(&server.url, 1)
    };
    let started = Instant::now();
    let (result, events) = run(&cfg, jobs(8));
    result?;
    assert_eq!(blueprints(&events).len(), 8);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(server.max_concurrent.load(Ordering::SeqCst) > 1);
    Ok(())
}

#[test]
fn break_stops_further_requests() -> Result<()> {
    // The delay lets the Break land before the request already in flight is answered.
    let server = mock(|_, body| Reply {
        delay: Duration::from_millis(100),
        ..answer_all(body)
    })?;
    let cfg = OpenAiConfig {
        jobs: 1,
        ..config(&server.url, 1)
    };
    let mut replies = 0;
    let result = fetch(&cfg, jobs(6), |event| {
        if let Event::Blueprints(_) = event {
            replies += 1;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    result?;
    assert!(server.requests() <= 2, "{} requests", server.requests());
    assert!(replies <= 2);
    Ok(())
}

#[test]
fn cancel_returns_promptly_with_requests_in_flight() -> Result<()> {
    let server = mock(|_, body| Reply {
        delay: Duration::from_secs(3),
        ..answer_all(body)
    })?;
    let cancel = Arc::new(AtomicBool::new(false));
    let cfg = OpenAiConfig {
        cancel: Some(cancel.clone()),
        ..config(&server.url, 1)
    };
    let flag = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.store(true, Ordering::SeqCst);
    });
    let started = Instant::now();
    run(&cfg, jobs(4)).0?;
    assert!(started.elapsed() < Duration::from_secs(1));
    Ok(())
}

#[test]
fn usage_and_cost_are_reported_per_request() -> Result<()> {
    let server = mock(|_, body| answer_all(body))?;
    let (result, events) = run(&config(&server.url, 2), jobs(6));
    result?;
    let (mut prompt, mut cached, mut completion_tokens, mut cost) = (0, 0, 0, 0.0_f64);
    for event in &events {
        if let Event::Usage {
            prompt_tokens,
            cached_tokens,
            completion_tokens: c,
            cost_usd,
        } = event
        {
            prompt += prompt_tokens;
            cached += cached_tokens;
            completion_tokens += c;
            cost += cost_usd;
        }
    }
    assert_eq!((prompt, cached, completion_tokens), (3000, 600, 300));
    let want = 3.0 * (800.0 * 0.15 + 200.0 * 0.075 + 100.0 * 0.60) / 1e6;
    assert!((cost - want).abs() < 1e-12, "{cost} vs {want}");
    Ok(())
}

#[test]
fn rejected_temperature_is_dropped() -> Result<()> {
    let server = mock(|_, body| match body.get("temperature") {
        Some(_) => reply(
            400,
            r#"{"error":{"message":"Unsupported value: 'temperature' does not support 0 with this model.","param":"temperature"}}"#,
        ),
        None => answer_all(body),
    })?;
    let cfg = OpenAiConfig {
        jobs: 1,
        ..config(&server.url, 1)
    };
    let (result, events) = run(&cfg, jobs(3));
    result?;
    assert_eq!(blueprints(&events).len(), 3);
    assert_eq!(
        server.requests(),
        4,
        "only the first request may carry temperature"
    );
    Ok(())
}

#[test]
fn estimate_counts_the_bodies_fetch_sends() -> Result<()> {
    let server = mock(|_, body| answer_all(body))?;
    let cfg = config(&server.url, 4);
    let estimate = estimate(&cfg, &jobs(10));
    run(&cfg, jobs(10)).0?;
    let sent: u64 = server
        .seen()
        .iter()
        .map(|s| (s.body.to_string().len() as u64).div_ceil(4))
        .sum();
    assert_eq!(estimate.requests, 3);
    assert_eq!(estimate.prompt_tokens, sent);
    assert_eq!(estimate.completion_tokens, 3 * 5 + 10 * 70);
    let want = (sent as f64 * 0.15 + estimate.completion_tokens as f64 * 0.60) / 1e6;
    assert!((estimate.cost_usd - want).abs() < 1e-12);
    Ok(())
}

#[test]
fn keys_are_redacted_from_text() -> Result<()> {
    use crate::openai_http::redact;
    assert_eq!(
        redact(&format!("bad key {KEY}."), Some(KEY)),
        "bad key [redacted]."
    );
    assert_eq!(redact("key: sk-proj-abcdefghijkl", None), "key: [redacted]");
    assert_eq!(redact("a task-list", None), "a task-list");
    Ok(())
}
