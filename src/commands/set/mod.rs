//! `taggenius set`: an ordered DJ set from the tagged tracks, offline — the crate gathered
//! (`candidates`), the tracks the DJ named found (`pins`), the set built (`crate::set`), then
//! printed (`print`) and written as `taggenius/Sets/NAME` where `--playlist` asks.

mod candidates;
mod pins;
mod print;

use anyhow::Result;

use crate::cache::{Cached, Found};
use crate::cli::set_settings::SetSettings;
use crate::cli::settings::Settings;
use crate::cli::SetArgs;
use crate::commands::saved::{self, Destination};
use crate::error::UsageError;
use crate::interrupt;
use crate::job::prepared::Prepared;
use crate::library::output::Output;
use crate::library::playlist_tree::{Node, SETS};
use crate::query::Filters;
use crate::set::curve::Curve;
use crate::set::{build, Plan, Rules};

pub fn run(args: &SetArgs, settings: &Settings) -> Result<u8> {
    let rules = rules(args, &settings.set)?;
    let curve = Curve::parse(&settings.set.curve.value, args.minutes)
        .map_err(|e| UsageError(format!("--curve {e}")))?;
    let renames = &settings.look.renames;
    let filters = Filters::parse(&args.filters.asked(), renames)?;
    let playlist = args.playlist.is_some();
    let opened = saved::open(settings.db()?, args.library.as_deref(), playlist, &args.to)?;
    let blueprints = blueprints(&opened.prepared, &opened.found)?;
    let lib = &opened.prepared.library;
    let full = candidates::gather(lib, &blueprints, &filters, renames);
    let (crate_, pins) = pins::resolve(full, args)?;
    let plan = Plan {
        tracks: &crate_.tracks,
        curve: &curve,
        rules,
        pins,
        seed: args.seed,
    };
    interrupt::phase("building");
    let built = build(&plan, args.alternatives);
    interrupt::check()?;
    let sets =
        built.map_err(|unmet| anyhow::anyhow!("{unmet} ({})", print::crate_line(&crate_)))?;
    if !args.json {
        eprintln!("taggenius: {}", print::crate_line(&crate_));
    }
    // The library itself may go to standard output (`-o -`): then only it does.
    if !matches!(opened.output, Some(Output::Stdout)) {
        print::sets(lib, &crate_, &plan, &sets, args.json)?;
    }
    if let (Some(name), Some(output)) = (&args.playlist, &opened.output) {
        let playlists = playlists(name, &crate_.entries, &sets);
        let to = Destination {
            output,
            playlists_dir: args.to.playlists_dir.as_deref(),
        };
        saved::write(&opened.cache, lib, SETS, &playlists, to)?;
    }
    // Freed by the process's end: a large library's many small allocations take a while.
    drop(blueprints);
    std::mem::forget(opened);
    Ok(0)
}

/// The blueprints of the library's tracks; none at all is an error telling what to run.
fn blueprints<'c>(prepared: &Prepared, found: &'c Found) -> Result<Vec<Option<&'c Cached>>> {
    let blueprints = prepared.blueprints(found);
    if blueprints.iter().all(Option::is_none) {
        let name = &prepared.library.name;
        anyhow::bail!(
            "{name}: no track has a blueprint in this cache; run `taggenius tag {name}` first"
        );
    }
    Ok(blueprints)
}

fn rules(args: &SetArgs, set: &SetSettings) -> Result<Rules, UsageError> {
    let bad = |flag: &str, what: &str| Err(UsageError(format!("{flag}: {what}")));
    if !(args.minutes.is_finite() && args.minutes > 0.0 && args.minutes <= 1440.0) {
        return bad(
            "--minutes",
            "give the set's length in minutes, from 1 to 1440 (a day)",
        );
    }
    let max_step = set.max_bpm_step.value;
    if !(max_step.is_finite() && max_step >= 0.0) {
        return bad("--max-bpm-step", "give a percentage, 0 or more");
    }
    if args.alternatives == 0 {
        return bad("--alternatives", "give 1 or more sets");
    }
    Ok(Rules {
        minutes: args.minutes,
        artist_gap: set.artist_gap.value,
        max_step,
        master_tempo: set.master_tempo.value,
    })
}

/// The set as `NAME`, and each alternative as `NAME (2)`, `NAME (3)`…, tracks by library index.
fn playlists(name: &str, entries: &[usize], sets: &[Vec<usize>]) -> Vec<Node> {
    sets.iter()
        .enumerate()
        .map(|(n, set)| Node::Playlist {
            name: match n {
                0 => name.to_string(),
                _ => format!("{name} ({})", n + 1),
            },
            tracks: set.iter().map(|&i| entries[i]).collect(),
        })
        .collect()
}
