//! Which provider a `tag` run asks: flags win over the environment.

pub(crate) mod fetch;
pub(crate) mod local;
pub(crate) mod openai;
pub(crate) mod pricing;
mod progress;

use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::cli::{ProviderChoice, TagArgs};
use crate::provider::openai::OpenAiConfig;
pub use crate::provider::openai::{DEFAULT_BASE_URL, DEFAULT_MODEL};
use crate::provider::pricing::Price;

/// Requests in flight, tracks a request and seconds a request, where no flag or file says.
pub const DEFAULT_JOBS: u16 = 4;
pub const DEFAULT_BATCH: u16 = 20;
pub const DEFAULT_TIMEOUT: u64 = 120;

pub enum Provider {
    /// The cache only.
    Offline,
    /// Guesses from the track's own metadata.
    Local,
    OpenAi(OpenAiConfig),
}

impl Provider {
    pub fn from_args(args: &TagArgs) -> Result<Provider> {
        if args.offline {
            return Ok(Provider::Offline);
        }
        let api_key = match args.api_key.clone().or_else(|| env_var("OPENAI_API_KEY")) {
            Some(key) => Some(key),
            None => match &args.key_command {
                Some(command) => key_from_command(command)?,
                None => None,
            },
        };
        let base_url = args.base_url.clone().or_else(|| env_var("OPENAI_BASE_URL"));
        let configured = api_key.is_some() || base_url.is_some();
        let choice = args.provider.unwrap_or(if configured {
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
        let model = args
            .model
            .clone()
            .or_else(|| env_var("TAGGENIUS_MODEL"))
            .unwrap_or_else(|| DEFAULT_MODEL.to_string());
        Ok(Provider::OpenAi(OpenAiConfig {
            base_url: base_url
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
            api_key,
            model,
            jobs: usize::from(args.jobs.unwrap_or(DEFAULT_JOBS)),
            batch: usize::from(args.batch.unwrap_or(DEFAULT_BATCH)),
            timeout: Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT).max(1)),
            max_attempts: 6,
            price: args.price.as_deref().map(parse_price).transpose()?,
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

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
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
