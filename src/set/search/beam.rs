//! The beam: sets grown a track at a time, the cheapest kept at each step, no more than a few
//! of them ending in the same track so that the beam does not collapse onto one path.

use super::tempi::Tempi;
use crate::set::score::Scorer;

/// How hard a track the DJ asked to include pulls, per track still missing, as the set fills.
const INCLUDE_PULL: f64 = 3.0;

pub(in crate::set) struct Found {
    /// The cheapest whole set that meets every rule, with its cost.
    pub best: Option<(Vec<usize>, f64)>,
    /// The longest set grown, in seconds: how close a crate that cannot make a set came.
    pub longest: f64,
}

#[derive(Clone)]
struct State {
    order: Vec<usize>,
    elapsed: f64,
    cost: f64,
}

/// A way to grow the beam: the parent set, the track added, its cost, and its rank.
struct Grown {
    rank: f64,
    parent: usize,
    track: usize,
    cost: f64,
}

pub(in crate::set) fn run(
    scorer: &Scorer,
    tempi: &Tempi,
    width: usize,
    per_last: usize,
    seed: u64,
) -> Found {
    let plan = scorer.plan;
    let n = plan.tracks.len();
    let first = |i: usize| Grown {
        rank: scorer.placement(i, 0.0) + jitter(seed, i),
        parent: 0,
        track: i,
        cost: scorer.placement(i, 0.0),
    };
    let starts: Vec<Grown> = match plan.pins.start {
        Some(s) => vec![first(s)],
        None => (0..n)
            .filter(|&i| plan.pins.end != Some(i))
            .map(first)
            .collect(),
    };
    let mut beam = grow(&[], keep(starts, n, width, per_last), scorer);
    let mut found = Found {
        best: None,
        longest: 0.0,
    };
    while !beam.is_empty() {
        for state in &beam {
            found.longest = found.longest.max(state.elapsed);
            finish(scorer, state, &mut found);
        }
        let mut grown = Vec::new();
        for (p, state) in beam.iter().enumerate() {
            extend(scorer, tempi, state, p, seed, &mut grown);
        }
        beam = grow(&beam, keep(grown, n, width, per_last), scorer);
    }
    found
}

/// Every track the rules let follow `state`, as a way to grow the beam.
fn extend(
    scorer: &Scorer,
    tempi: &Tempi,
    state: &State,
    parent: usize,
    seed: u64,
    grown: &mut Vec<Grown>,
) {
    let pins = &scorer.plan.pins;
    let Some(&last) = state.order.last() else {
        return;
    };
    let missing = |extra: Option<usize>| {
        pins.include
            .iter()
            .filter(move |&&i| !state.order.contains(&i) && Some(i) != extra)
    };
    let end = pins.end.map_or(0.0, |e| scorer.track(e).seconds);
    let reserved: f64 = end + missing(None).map(|&i| scorer.track(i).seconds).sum::<f64>();
    for next in tempi.near(scorer.track(last).bpm) {
        let t = scorer.track(next);
        let is_missing = pins.include.contains(&next) && !state.order.contains(&next);
        let reserve = reserved - if is_missing { t.seconds } else { 0.0 };
        if pins.start == Some(next)
            || pins.end == Some(next)
            || state.elapsed + t.seconds + reserve > scorer.longest()
            || state.order.contains(&next)
            || scorer.artist_too_soon(&state.order, next)
        {
            continue;
        }
        let Some(mix) = scorer.transition(last, next) else {
            continue;
        };
        let cost = state.cost + mix + scorer.placement(next, state.elapsed);
        let elapsed = state.elapsed + t.seconds;
        let still_missing = missing(Some(next)).count() as f64;
        let pull = INCLUDE_PULL * still_missing * elapsed / scorer.target;
        grown.push(Grown {
            rank: cost + pull + jitter(seed, next),
            parent,
            track: next,
            cost,
        });
    }
}

/// The `width` best ways to grow, no more than `per_last` of them ending in the same track.
fn keep(mut grown: Vec<Grown>, tracks: usize, width: usize, per_last: usize) -> Vec<Grown> {
    grown.sort_by(|a, b| {
        (a.rank.total_cmp(&b.rank))
            .then(a.parent.cmp(&b.parent))
            .then(a.track.cmp(&b.track))
    });
    let mut ending_in = vec![0usize; tracks];
    let mut kept = Vec::with_capacity(width);
    for g in grown {
        if kept.len() == width {
            break;
        }
        if ending_in[g.track] < per_last {
            ending_in[g.track] += 1;
            kept.push(g);
        }
    }
    kept
}

fn grow(beam: &[State], kept: Vec<Grown>, scorer: &Scorer) -> Vec<State> {
    kept.into_iter()
        .map(|g| {
            let mut state = match beam.get(g.parent) {
                Some(parent) => parent.clone(),
                None => State {
                    order: Vec::new(),
                    elapsed: 0.0,
                    cost: 0.0,
                },
            };
            state.order.push(g.track);
            state.elapsed += scorer.track(g.track).seconds;
            state.cost = g.cost;
            state
        })
        .collect()
}

/// Keeps `state`, closed with the pinned end track where there is one, if it is a whole set
/// cheaper than the best so far.
fn finish(scorer: &Scorer, state: &State, found: &mut Found) {
    let end = scorer.plan.pins.end;
    let length = state.elapsed + end.map_or(0.0, |e| scorer.track(e).seconds);
    if length < scorer.shortest() {
        return;
    }
    let mut order = state.order.clone();
    order.extend(end);
    if let Some(cost) = scorer.evaluate(&order) {
        if found.best.as_ref().is_none_or(|(_, best)| cost < *best) {
            found.best = Some((order, cost));
        }
    }
}

/// A tiny cost from the seed and the track: ties fall the same way for the same seed.
fn jitter(seed: u64, track: usize) -> f64 {
    let mut z = seed ^ (track as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 29;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 1e-6
}
