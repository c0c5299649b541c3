//! Which provider a `tag` run asks, from settings already resolved.

pub(crate) mod local;
pub(crate) mod openai;
pub(crate) mod pricing;

use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::provider::openai::OpenAiConfig;
pub use crate::provider::openai::{DEFAULT_BASE_URL, DEFAULT_MODEL};
use crate::provider::pricing::Price;

/// Requests in flight, tracks a request and seconds a request, where no flag or file says.
pub const DEFAULT_JOBS: u16 = 4;
pub const DEFAULT_BATCH: u16 = 20;
pub const DEFAULT_TIMEOUT: u64 = 120;

/// `--provider`: which kind of source answers the cache's misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderChoice {
    Openai,
    Local,
}

/// What a run says of its provider, each value resolved (flag, environment, file, default).
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// `--offline`: the cache only.
    pub offline: bool,
    /// `None`: openai when a key or a base URL is set, else local.
    pub choice: Option<ProviderChoice>,
    pub api_key: Option<String>,
    /// config.toml's `api_key_command`, run only when no key is given.
    pub key_command: Option<String>,
    pub base_url: Option<String>,
    pub model: String,
    pub jobs: u16,
    pub batch: u16,
    pub timeout: u64,
    /// `--price IN,OUT`, or config.toml's price for the model, as text.
    pub price: Option<String>,
}

pub enum Provider {
    /// The cache only.
    Offline,
    /// Guesses from the track's own metadata.
    Local,
    OpenAi(OpenAiConfig),
}

impl Provider {
    pub fn from_settings(settings: &ProviderSettings) -> Result<Provider> {
        if settings.offline {
            return Ok(Provider::Offline);
        }
        let api_key = match &settings.api_key {
            Some(key) => Some(key.clone()),
            None => match &settings.key_command {
                Some(command) => key_from_command(command)?,
                None => None,
            },
        };
        let configured = api_key.is_some() || settings.base_url.is_some();
        let choice = settings.choice.unwrap_or(if configured {
            ProviderChoice::Openai
        } else {
            ProviderChoice::Local
        });
        if choice == ProviderChoice::Local {
            return Ok(Provider::Local);
        }
        if !configured {
            bail!("--provider openai needs OPENAI_API_KEY (or --api-key), or OPENAI_BASE_URL for a local server");
        }
        let base_url = settings.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(Provider::OpenAi(OpenAiConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            model: settings.model.clone(),
            jobs: usize::from(settings.jobs),
            batch: usize::from(settings.batch),
            timeout: Duration::from_secs(settings.timeout.max(1)),
            max_attempts: 6,
            price: settings.price.as_deref().map(parse_price).transpose()?,
            cancel: Some(crate::interrupt::shared_flag()),
        }))
    }

    pub fn source_name(&self) -> &str {
        match self {
            Provider::Offline => "offline",
            Provider::Local => crate::cache::LOCAL_SOURCE,
            Provider::OpenAi(cfg) => &cfg.model,
        }
    }
}

/// The API key config.toml's `api_key_command` prints; never shown, logged or stored.
fn key_from_command(command: &str) -> Result<Option<String>> {
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("api_key_command: cannot run it")?;
    if !out.status.success() {
        bail!("api_key_command failed ({}); no key", out.status);
    }
    let key = String::from_utf8(out.stdout).context("api_key_command: its output is not text")?;
    let key = key.trim().to_string();
    Ok((!key.is_empty()).then_some(key))
}

/// `--price IN,OUT` in US dollars per million tokens; cached input is billed at half of IN.
fn parse_price(text: &str) -> Result<Price> {
    let parse = |s: &str| -> Result<f64> {
        let v: f64 = s
            .trim()
            .parse()
            .with_context(|| format!("--price: {s:?} is not a number"))?;
        if !(v.is_finite() && v >= 0.0) {
            bail!("--price: {s:?} is not a price");
        }
        Ok(v)
    };
    match text.split_once(',') {
        Some((input, output)) => {
            let input = parse(input)?;
            Ok(Price {
                input,
                cached_input: input / 2.0,
                output: parse(output)?,
            })
        }
        None => {
            bail!("--price takes INPUT,OUTPUT in US dollars per million tokens, e.g. 0.15,0.60")
        }
    }
}
