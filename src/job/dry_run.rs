//! `tag --dry-run`: what a run would do and cost, with nothing sent and nothing written.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::job::prepared::Prepared;
use crate::job::report::counted;
use crate::library::track::TrackInfo;
use crate::provider::openai;
use crate::provider::Provider;

#[derive(Debug, Serialize)]
struct DryRun {
    tracks: usize,
    unique: usize,
    cached: usize,
    to_fetch: usize,
    provider: String,
    requests: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_usd: f64,
    /// Of those to ask, how many the shared pool holds (left out of the estimate).
    #[serde(skip_serializing_if = "Option::is_none")]
    from_pool: Option<usize>,
}

pub fn print(
    prepared: &Prepared,
    unique: usize,
    wanted: &[(&str, TrackInfo)],
    provider: &Provider,
    json: bool,
    from_pool: Option<usize>,
) -> Result<u8> {
    let mut plan = DryRun {
        tracks: prepared.library.tracks.len(),
        unique,
        cached: unique - wanted.len(),
        to_fetch: wanted.len(),
        provider: provider.source_name().to_string(),
        requests: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0.0,
        from_pool,
    };
    if let Provider::OpenAi(cfg) = provider {
        let estimate = openai::estimate(cfg, &crate::job::sources::llm::jobs_for(wanted));
        plan.requests = estimate.requests;
        plan.prompt_tokens = estimate.prompt_tokens;
        plan.completion_tokens = estimate.completion_tokens;
        plan.cost_usd = estimate.cost_usd;
    }
    if json {
        crate::job::report::print_json(&plan)?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}, {} unique: {} in the cache, {} to ask {} in {}, about {} prompt + {} completion tokens, ${:.4}",
            counted(plan.tracks as u64, "track"), plan.unique, plan.cached, plan.to_fetch,
            plan.provider, counted(plan.requests, "request"),
            plan.prompt_tokens, plan.completion_tokens, plan.cost_usd
        )?;
        if let Some(hits) = from_pool {
            writeln!(
                out,
                "{} of them from the shared pool, at no cost",
                counted(hits as u64, "blueprint")
            )?;
        }
        writeln!(out, "dry run: nothing was sent and nothing was written")?;
    }
    Ok(0)
}
