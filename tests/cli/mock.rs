//! The integration tests' side of the shared OpenAI-compatible server
//! (tests/support/openai_server.rs): it answers every track of a request with a valid
//! blueprint unless a script decides otherwise, and runs taggenius against it.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

pub use crate::openai_server::{entry, error_body, Asked, Reply, Seen};
use crate::openai_server::{Config, Server};
use crate::util::Sandbox;

/// The key the tests configure; recognisable, so it can be searched for.
pub const KEY: &str = "sk-test-mock-0123456789";

pub struct Mock {
    pub url: String,
    server: Server,
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
        let config = Config {
            latency,
            ..Config::default()
        };
        let server = Server::start(0, config, move |n, seen| {
            if seen.path == "/v1/chat/completions" {
                script(n, &seen.body, &seen.tracks)
            } else {
                Reply::status(
                    404,
                    error_body("Unknown URL", "invalid_request_error", "unknown_url"),
                )
            }
        })
        .expect("mock server");
        Mock {
            url: server.url.clone(),
            server,
        }
    }

    /// Stops answering and closes the port; requests still being handled are dropped.
    pub fn stop(&mut self) {
        self.server.stop();
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
        self.server.requests()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.server.seen()
    }

    /// Requests from number `from` on (to look at one run of several).
    pub fn seen_since(&self, from: usize) -> Vec<Seen> {
        self.seen().into_iter().skip(from).collect()
    }

    /// The most requests that were being handled at one time.
    pub fn peak(&self) -> usize {
        self.server.peak()
    }

    /// Titles of the tracks of every reply sent in full, with repeats.
    pub fn answered_titles(&self) -> Vec<String> {
        let seen = self.seen();
        let answered = self.server.answered();
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
