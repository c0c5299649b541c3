//! The model: asks an OpenAI-compatible server for the blueprints of the tracks before it,
//! keeping each reply's the moment it arrives.

use std::collections::HashMap;
use std::ops::ControlFlow;

use anyhow::Result;

use crate::blueprint::Blueprint;
use crate::error::Interrupted;
use crate::interrupt;
use crate::job::sources::progress::Progress;
use crate::job::sources::{Reasons, Source, Store, Wanted};
use crate::job::summary::Summary;
use crate::library::track::TrackInfo;
use crate::provider::openai::{self, Event, Job, OpenAiConfig};

/// The model a run asks, within its budget.
pub struct Model<'a> {
    pub cfg: &'a OpenAiConfig,
    pub budget: Option<f64>,
    pub quiet: bool,
}

impl Source for Model<'_> {
    fn ask(&self, wanted: &[Wanted], store: &mut Store, summary: &mut Summary) -> Result<Reasons> {
        interrupt::phase("fetching");
        fetch(self, wanted, store, summary)
    }
}

/// Fetches `wanted`; returns why each track that got no blueprint got none.
fn fetch(
    online: &Model,
    wanted: &[(&str, TrackInfo)],
    store: &mut Store,
    summary: &mut Summary,
) -> Result<HashMap<String, String>> {
    let mut reasons = HashMap::new();
    let affordable = affordable(online, wanted);
    for (key, _) in &wanted[affordable..] {
        reasons.insert(
            key.to_string(),
            "not fetched: over the --budget".to_string(),
        );
    }
    let wanted = &wanted[..affordable];
    let jobs = jobs_for(wanted);
    let progress = Progress::new(jobs.len(), online.quiet);
    let mut store_error = None;
    let result = openai::fetch(online.cfg, jobs, |event| {
        if let Event::Notice(line) = &event {
            if !online.quiet {
                progress.say(&format!("taggenius: {line}"));
            }
        }
        let step = on_event(online, wanted, event, store, summary, &mut reasons);
        match step {
            Ok(settled) => {
                if settled > 0 {
                    progress.advance(
                        settled,
                        summary.missing.len() + reasons.len(),
                        summary.cost_usd,
                    );
                }
                keep_going(online, summary)
            }
            Err(e) => {
                store_error = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    progress.finish();
    if let Some(e) = store_error {
        return Err(e);
    }
    result?;
    if interrupt::requested() {
        return Err(Interrupted {
            saved: Some(summary.fetched),
        }
        .into());
    }
    for (key, _) in wanted {
        if !store.answered(key) && !reasons.contains_key(*key) {
            reasons.insert(key.to_string(), "not fetched: the run stopped early".into());
        }
    }
    Ok(reasons)
}

/// The provider's jobs for `wanted`: the id is the index, short to spare tokens.
pub fn jobs_for(wanted: &[(&str, TrackInfo)]) -> Vec<Job> {
    wanted
        .iter()
        .enumerate()
        .map(|(i, (_, info))| Job {
            id: i.to_string(),
            info: info.clone(),
        })
        .collect()
}

fn keep_going(online: &Model, summary: &Summary) -> ControlFlow<()> {
    let over_budget = online.budget.is_some_and(|b| summary.cost_usd >= b);
    if over_budget || interrupt::requested() {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// How many of `wanted` fit in the budget by the estimate, in order.
fn affordable(online: &Model, wanted: &[(&str, TrackInfo)]) -> usize {
    let Some(budget) = online.budget else {
        return wanted.len();
    };
    let estimate = openai::estimate(online.cfg, &jobs_for(wanted));
    if estimate.cost_usd <= budget || estimate.cost_usd <= 0.0 {
        return wanted.len();
    }
    let per_track = estimate.cost_usd / wanted.len() as f64;
    ((budget / per_track).floor() as usize).min(wanted.len())
}

/// Keeps a reply's blueprints in one commit: each commit writes the pages it changed to the
/// log again, which against a fast local server was a fifth to a third of a cold run.
fn store(
    online: &Model,
    known: &[(&(&str, TrackInfo), &Blueprint)],
    store: &mut Store,
    reasons: &mut HashMap<String, String>,
) -> Result<()> {
    let answers: Vec<_> = known
        .iter()
        .map(|((key, info), bp)| (*key, info, *bp))
        .collect();
    store.keep(&online.cfg.model, &answers)?;
    for ((key, _), _) in known {
        reasons.remove(*key);
    }
    Ok(())
}

/// Handles one event; returns how many tracks it settled (for the progress bar).
fn on_event(
    online: &Model,
    wanted: &[(&str, TrackInfo)],
    event: Event,
    kept: &mut Store,
    summary: &mut Summary,
    reasons: &mut HashMap<String, String>,
) -> Result<usize> {
    let lookup = |id: &str| id.parse::<usize>().ok().and_then(|i| wanted.get(i));
    match event {
        Event::Blueprints(blueprints) => {
            let known: Vec<_> = blueprints
                .iter()
                .filter_map(|(id, blueprint)| Some((lookup(id)?, blueprint)))
                .collect();
            store(online, &known, kept, reasons)?;
            summary.fetched += known.len();
            Ok(known.len())
        }
        Event::Failed { id, reason } => {
            let Some((key, _)) = lookup(&id) else {
                return Ok(0);
            };
            reasons.insert(key.to_string(), reason);
            summary.failed += 1;
            Ok(1)
        }
        Event::Usage {
            prompt_tokens,
            completion_tokens,
            cost_usd,
            ..
        } => {
            summary.prompt_tokens += prompt_tokens;
            summary.completion_tokens += completion_tokens;
            summary.cost_usd += cost_usd;
            Ok(0)
        }
        Event::Request => {
            summary.requests += 1;
            Ok(0)
        }
        Event::CutShort {
            completion_tokens,
            cost_usd,
            ..
        } => {
            summary.cut_short += 1;
            summary.cut_short_tokens += completion_tokens;
            summary.cut_short_usd += cost_usd;
            Ok(0)
        }
        Event::Notice(_) => Ok(0),
    }
}
