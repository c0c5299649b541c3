//! A real OpenAI-compatible HTTP server on 127.0.0.1 for the provider's tests, and the
//! helpers that ask it and read what came back.

use crate::library::track::TrackInfo;
use crate::provider::openai::{fetch, Event, Job, OpenAiConfig};
use anyhow::Result;
use serde_json::{json, Value};
use std::ops::ControlFlow;
use std::time::Duration;

#[path = "../../../tests/support/openai_server.rs"]
mod openai_server;

pub(crate) const KEY: &str = "sk-test-SECRET0123456789";

/// How the server answers one request: exactly this status, body and headers, after `delay`.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) delay: Duration,
}

pub(crate) fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

impl Reply {
    fn into_shared(self) -> openai_server::Reply {
        let headers = self
            .headers
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        let status = openai_server::Reply::status(self.status, self.body);
        let with_headers = openai_server::Reply::Headers(headers, Box::new(status));
        openai_server::Reply::Slow(self.delay, Box::new(with_headers))
    }
}

pub(crate) struct Seen {
    pub(crate) body: Value,
    pub(crate) auth: Option<String>,
}

/// The shared test server (tests/support/openai_server.rs), answering as a handler says.
pub(crate) struct Mock {
    pub(crate) url: String,
    server: openai_server::Server,
}

impl Mock {
    pub(crate) fn requests(&self) -> usize {
        self.server.requests()
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        let seen = self.server.seen().into_iter();
        seen.map(|s| Seen {
            body: s.body,
            auth: s.authorization,
        })
        .collect()
    }

    /// The most requests that were being answered at one time.
    pub(crate) fn peak(&self) -> usize {
        self.server.peak()
    }
}

/// A server answering every request on its own thread, so that parallel requests overlap.
pub(crate) fn mock(
    handler: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static,
) -> Result<Mock> {
    let config = openai_server::Config::default();
    let server = openai_server::Server::start(0, config, move |n, seen| {
        handler(n, &seen.body).into_shared()
    })?;
    Ok(Mock {
        url: server.url.clone(),
        server,
    })
}

/// The tracks of a request: (local id, title); none when the request is not as expected.
pub(crate) fn tracks_of(body: &Value) -> Vec<(String, String)> {
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
pub(crate) fn entry(id: &str, title: &str) -> Value {
    let n: u8 = title.trim_start_matches("Title ").parse().unwrap_or(0);
    json!({"id": id, "primary_genre": "House", "sub_genre": ["French House"],
           "energy_level": n % 10 + 1, "energy_vibe": ["Uplifting"],
           "situation_environment": ["Peak Hour"], "components": ["Vocal"],
           "time_period": ["2000s"]})
}

pub(crate) fn completion(content: &str) -> String {
    json!({"model": "gpt-4o-mini-2024-07-18",
           "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content}}],
           "usage": {"prompt_tokens": 1000, "completion_tokens": 100,
                     "prompt_tokens_details": {"cached_tokens": 200}}})
    .to_string()
}

pub(crate) fn answer_all(body: &Value) -> Reply {
    let entries: Vec<Value> = tracks_of(body).iter().map(|(i, t)| entry(i, t)).collect();
    reply(200, completion(&json!({ "tracks": entries }).to_string()))
}

pub(crate) fn jobs(n: usize) -> Vec<Job> {
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

pub(crate) fn config(url: &str, batch: usize) -> OpenAiConfig {
    OpenAiConfig {
        base_url: url.to_string(),
        api_key: Some(KEY.to_string()),
        batch,
        max_attempts: 3,
        timeout: Duration::from_secs(10),
        ..OpenAiConfig::default()
    }
}

pub(crate) fn run(cfg: &OpenAiConfig, jobs: Vec<Job>) -> (anyhow::Result<()>, Vec<Event>) {
    let mut events = Vec::new();
    let result = fetch(cfg, jobs, |event| {
        events.push(event);
        ControlFlow::Continue(())
    });
    (result, events)
}

pub(crate) fn count(events: &[Event], want: fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| want(e)).count()
}

pub(crate) fn is_request(e: &Event) -> bool {
    matches!(e, Event::Request)
}

/// Every blueprint the events carry, by job id, in the order they came.
pub(crate) fn blueprints(events: &[Event]) -> Vec<(String, u8)> {
    events
        .iter()
        .flat_map(|e| match e {
            Event::Blueprints(got) => got.as_slice(),
            _ => &[],
        })
        .map(|(id, blueprint)| (id.clone(), blueprint.energy_level))
        .collect()
}

pub(crate) fn failures(events: &[Event]) -> Vec<(String, String)> {
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
