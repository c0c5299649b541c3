//! The provider against servers that fail: rate limits, server errors, replies cut short or
//! malformed, refused keys and models, and no server at all (a raw socket where a broken reply
//! is needed).

use crate::provider::openai::mock::*;
use crate::provider::openai::OpenAiConfig;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

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
    let message = run(&config(&server.url, 4), jobs(2))
        .0
        .unwrap_err()
        .to_string();
    assert!(message.contains("quota"), "{message}");
    assert_eq!(server.requests(), 1);
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
    let cfg = config(&format!("http://127.0.0.1:{port}/v1"), 4);
    let message = run(&cfg, jobs(20)).0.unwrap_err().to_string();
    assert!(message.contains("connection refused"), "{message}");
    Ok(())
}
