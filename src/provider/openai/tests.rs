//! The provider against a real HTTP server on 127.0.0.1: what it sends, how replies are matched
//! back, parallel requests, stopping, usage and cost.

use crate::blueprint::GENRES;
use crate::provider::openai::mock::*;
use crate::provider::openai::{estimate, fetch, Event, OpenAiConfig};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
fn requests_run_in_parallel() -> Result<()> {
    let server = mock(|_, body| Reply {
        delay: Duration::from_millis(300),
        ..answer_all(body)
    })?;
    let cfg = OpenAiConfig {
        jobs: 4,
        ..config(&server.url, 1)
    };
    let (result, events) = run(&cfg, jobs(8));
    result?;
    assert_eq!(blueprints(&events).len(), 8);
    assert_eq!(server.requests(), 8);
    assert!(server.peak() > 1 && server.peak() <= 4, "{}", server.peak());
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
    // The first reply is seen; at most the request already in flight follows it.
    assert!(
        (1..=2).contains(&server.requests()),
        "{} requests",
        server.requests()
    );
    assert!((1..=2).contains(&replies), "{replies} replies");
    Ok(())
}

#[test]
fn cancel_returns_promptly_with_requests_in_flight() -> Result<()> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // Cancelled once a request is in flight (an event, not a time); its answer takes 3 s.
    let server = mock(move |_, body| {
        flag.store(true, Ordering::SeqCst);
        Reply {
            delay: Duration::from_secs(3),
            ..answer_all(body)
        }
    })?;
    let cfg = OpenAiConfig {
        cancel: Some(cancel),
        jobs: 1,
        ..config(&server.url, 1)
    };
    let (result, events) = run(&cfg, jobs(4));
    result?;
    // It returned without waiting for the answer, and sent nothing more.
    assert_eq!(blueprints(&events).len(), 0);
    assert_eq!(server.requests(), 1);
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
    use crate::provider::openai::http::redact;
    assert_eq!(
        redact(&format!("bad key {KEY}."), Some(KEY)),
        "bad key [redacted]."
    );
    assert_eq!(redact("key: sk-proj-abcdefghijkl", None), "key: [redacted]");
    assert_eq!(redact("a task-list", None), "a task-list");
    Ok(())
}
