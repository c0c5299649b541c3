//! config.toml as written: every key a run setting with a flag has, the price table's
//! additions, the user's levels, renames, block template and vocabulary. An unknown key or a
//! wrong type is an error naming the file, line and key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::UsageError;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub level: Option<String>,
    pub write: Option<Vec<String>>,
    pub jobs: Option<u16>,
    pub batch: Option<u16>,
    pub timeout: Option<u64>,
    pub budget: Option<f64>,
    pub playlists: Option<Playlists>,
    pub api_key_command: Option<String>,
    #[serde(default)]
    pub prices: BTreeMap<String, PriceEntry>,
    #[serde(default)]
    pub levels: BTreeMap<String, LevelEntry>,
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    pub block: Option<BlockEntry>,
    pub vocabulary: Option<VocabularyEntry>,
    pub pool: Option<PoolEntry>,
    pub set: Option<SetTable>,
}

/// `[set]`: how `taggenius set` builds sets when its flags do not say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetTable {
    pub curve: Option<String>,
    pub artist_gap: Option<usize>,
    pub max_bpm_step: Option<f64>,
    pub master_tempo: Option<bool>,
}

/// `pool = "postgres://…"`, or a `[pool]` table with the URL and what to trust.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PoolEntry {
    Url(String),
    Table(PoolTable),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolTable {
    pub url: Option<String>,
    /// Rows confirmed by fewer contributors are not taken (default 1).
    pub min_confirmations: Option<i32>,
    /// Only rows these models made (default: any).
    pub models: Option<Vec<String>>,
}

impl PoolEntry {
    pub fn url(&self) -> Option<&str> {
        match self {
            PoolEntry::Url(url) => Some(url),
            PoolEntry::Table(table) => table.url.as_deref(),
        }
    }
}

/// `playlists = true` (the default groups) or a list of groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Playlists {
    On(bool),
    Groups(Vec<String>),
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub input: f64,
    pub output: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelEntry {
    pub sub_genre: u8,
    pub energy_vibe: u8,
    pub situation_environment: u8,
    pub components: u8,
    pub time_period: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockEntry {
    pub template: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VocabularyEntry {
    #[serde(default)]
    pub primary_genre: Vec<String>,
    #[serde(default)]
    pub energy_vibe: Vec<String>,
    #[serde(default)]
    pub situation_environment: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
}

impl ConfigFile {
    /// The file at `path`; a problem is a usage error naming the file, line, column and key.
    pub fn read(path: &Path) -> Result<ConfigFile, UsageError> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("config {shown}: cannot read: {e}")))?;
        ConfigFile::parse(&text).map_err(|e| UsageError(format!("config {shown}:{e}")))
    }

    /// The text as a config; the error starts `LINE:COLUMN: `.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            let (line, column) = line_column(text, at);
            let message = e.message().replace('\n', " ");
            match key_at(text, at) {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    format!("{line}:{column}: {key}: {message}")
                }
                _ => format!("{line}:{column}: {message}"),
            }
        })
    }
}

fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// The key of the `key = value` line that `at` is on, with its table (`prices."m".input`).
fn key_at(text: &str, at: usize) -> Option<String> {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?.trim();
    if line.starts_with('[') && line.ends_with(']') {
        return Some(line.trim_matches(|c| c == '[' || c == ']').to_string());
    }
    let key = line.split_once('=')?.0.trim();
    let table = text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    })
}

/// What `config init` writes: every key, commented out.
pub const TEMPLATE: &str = r##"# taggenius configuration. Flags win over the environment, which wins over this file.
# Every key is optional; remove the "# " to use one. `taggenius config show` prints what applies.

# provider = "openai"                       # openai (any OpenAI-compatible server) or local
# model = "gpt-4o-mini"
# base_url = "http://localhost:11434/v1"     # an OpenAI-compatible server (Ollama, llama.cpp)
# level = "recommended"                      # essential, recommended, detailed, or a level below
# write = ["genre", "comments"]              # genre, comments, comment2, colour, rating
# jobs = 4
# batch = 20
# timeout = 120                              # seconds
# budget = 1.00                              # US dollars a run may spend
# playlists = ["energy", "situation", "genre"]
# No API key in this file: a command that prints it, run when none is in the environment.
# api_key_command = "pass show openai"

# [prices."my-model"]                        # US dollars per million tokens
# input = 0.2
# output = 0.8

# [levels.club]                              # words of each list: --level club
# sub_genre = 2
# energy_vibe = 1
# situation_environment = 3
# components = 0
# time_period = 1

# [rename]                                   # what is written, never what is stored
# "Peak Hour" = "Peak Time"
# "Drum & Bass" = "DnB"

# [block]                                    # one /* ... */ block
# template = "/* E:{energy:02} | {situation} | {vibe} | {components} | {decade} */"

# [vocabulary]                               # + adds a word, - removes one
# situation_environment = ["+First Dance", "+Dinner", "-Filler"]

# [pool]                                     # a blueprint pool shared on PostgreSQL
# url = "postgres://me:secret@db.example.com/crew?sslmode=verify-full"
# min_confirmations = 1                      # take rows this many members agree on
# models = ["gpt-4o-mini"]                   # take rows these models made (default: any)

# [set]                                      # how `taggenius set` builds sets
# curve = "peak"                             # warmup, peak, journey, closing, or MIN:ENERGY,…
# artist_gap = 4                             # no artist twice among this many tracks in a row
# max_bpm_step = 6                           # the largest tempo step, in percent
# master_tempo = true                        # false: a tempo change transposes the key
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line_and_the_key() {
        let err = ConfigFile::parse("model = \"m\"\njobs = \"four\"\n").unwrap_err();
        assert!(err.starts_with("2:8: jobs: "), "{err}");
        let err = ConfigFile::parse("modle = \"m\"\n").unwrap_err();
        assert!(err.starts_with("1:1: ") && err.contains("`modle`"), "{err}");
        let err = ConfigFile::parse("[levels.club]\nsub_genre = -1\n").unwrap_err();
        assert!(err.contains("levels.club.sub_genre"), "{err}");
        let err = ConfigFile::parse("level = \n").unwrap_err();
        assert!(err.starts_with("1:"), "{err}");
        assert!(ConfigFile::parse(TEMPLATE).is_ok());
    }
}
