//! What one run did: counted as it goes, recorded in the cache, reported on stderr or as JSON.

use serde::Serialize;

use crate::cache::history::Run;

/// A track left without a blueprint, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Missing {
    pub artist: String,
    pub title: String,
    pub reason: String,
}

/// What a run had of the shared pool.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PoolCounts {
    /// Blueprints the pool gave (counted as cached too).
    pub hits: usize,
    /// Rows it gave that failed the checks a model's reply must pass, and were asked again.
    pub invalid: usize,
    /// Blueprints this run sent to it.
    pub pushed: usize,
}

/// The playlists a run wrote, and where.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PlaylistsWritten {
    pub count: usize,
    /// The folder's name in the library, or its path on disk (`--playlists-dir`).
    pub folder: String,
}

/// What one run did; `--json` prints it as one object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub tracks: usize,
    pub cached: usize,
    pub fetched: usize,
    pub failed: usize,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    /// Replies stopped at the server's token limit, whose batches were asked again in halves,
    /// and the output tokens and dollars they cost.
    pub cut_short: u64,
    pub cut_short_tokens: u64,
    pub cut_short_usd: f64,
    pub output: String,
    pub level: String,
    pub missing: Vec<Missing>,
    /// The playlists written (`--playlists`), where there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlists: Option<PlaylistsWritten>,
    /// What the shared pool gave and took, where a run has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolCounts>,
    /// The copy of the library `--in-place` kept before replacing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(skip)]
    pub saved_usd: f64,
    /// Whether new blueprints were guessed offline rather than fetched, for the stderr line.
    #[serde(skip)]
    pub guessed_locally: bool,
}

impl Summary {
    pub fn exit_code(&self) -> u8 {
        if self.missing.is_empty() {
            0
        } else {
            3
        }
    }
}

impl Summary {
    /// What the cache's history keeps of the run.
    pub fn run<'a>(&'a self, command: &'a str, library: Option<&'a str>) -> Run<'a> {
        Run {
            command,
            library,
            level: &self.level,
            tracks: self.tracks,
            cached: self.cached,
            fetched: self.fetched,
            failed: self.missing.len(),
            requests: self.requests,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cost_usd: self.cost_usd,
            saved_usd: self.saved_usd,
        }
    }
}
