//! The beam: sets grown a track at a time, the cheapest kept at each step, no more than a few
//! of them ending in the same track so that the beam does not collapse onto one path.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::tempi::Tempi;
use crate::set::score::Scorer;

/// How hard a track the DJ asked to include pulls, per track still missing, as the set fills.
const INCLUDE_PULL: f64 = 3.0;
/// The ways to grow each set that compete for the beam.
const PER_STATE: usize = 16;

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
#[derive(Clone, Copy)]
struct Grown {
    rank: f64,
    parent: usize,
    track: usize,
    cost: f64,
}

/// By rank, then parent and track: a total order, so that the same crate and seed always keep
/// the same ways.
impl Ord for Grown {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.rank.total_cmp(&other.rank))
            .then(self.parent.cmp(&other.parent))
            .then(self.track.cmp(&other.track))
    }
}

impl PartialOrd for Grown {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Grown {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Grown {}

/// What growing the beam a step reuses: the ways found, and which tracks the set being
/// grown holds (marked with its number).
struct Growing {
    ways: Vec<Grown>,
    played: Vec<u32>,
    seed: u64,
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
    let first = |i: usize| {
        let cost = scorer.placement(i, 0.0);
        Grown {
            rank: cost + jitter(seed, i),
            parent: 0,
            track: i,
            cost,
        }
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
    let mut growing = Growing {
        ways: Vec::new(),
        played: vec![0; n],
        seed,
    };
    // Ctrl-C ends the search where it is; the command reports the interruption.
    while !beam.is_empty() && !crate::interrupt::requested() {
        for state in &beam {
            found.longest = found.longest.max(state.elapsed);
            finish(scorer, state, &mut found);
        }
        growing.ways.clear();
        growing.played.fill(0);
        for (p, state) in beam.iter().enumerate() {
            extend(scorer, tempi, state, p, &mut growing);
        }
        let ways = std::mem::take(&mut growing.ways);
        beam = grow(&beam, keep(ways, n, width, per_last), scorer);
    }
    found
}

/// The best ways to grow `state` by one track the rules let follow it. Energies are tried
/// nearest the curve first; once the best kept are cheaper than any track of the next energy
/// could be (its distance from the curve alone), the rest cannot get in and are not looked at.
fn extend(scorer: &Scorer, tempi: &Tempi, state: &State, parent: usize, grow: &mut Growing) {
    let Some(&last) = state.order.last() else {
        return;
    };
    // Which tracks the set holds, and the artists too recent to play again, looked up once.
    let stamp = parent as u32 + 1;
    for &i in &state.order {
        grow.played[i] = stamp;
    }
    let window = scorer.plan.rules.artist_gap.saturating_sub(1);
    let recent: Vec<u32> = (state.order.iter().rev().take(window))
        .flat_map(|&i| scorer.track(i).artists.iter().copied())
        .collect();
    let (shortest, longest) = tempi.lengths;
    let middles = (
        state.elapsed + shortest / 2.0,
        state.elapsed + longest / 2.0,
    );
    let (low, high) = scorer.plan.curve.range(middles.0 / 60.0, middles.1 / 60.0);
    let off = |e: f64| (low - e).max(e - high).max(0.0).powi(2);
    let mut energies: Vec<u8> = (1..=10).collect();
    energies.sort_by(|&a, &b| {
        off(f64::from(a))
            .total_cmp(&off(f64::from(b)))
            .then(a.cmp(&b))
    });
    let room = Room::of(scorer, state);
    let mut best: BinaryHeap<Grown> = BinaryHeap::with_capacity(PER_STATE + 1);
    let bpm = scorer.track(last).bpm;
    for energy in energies {
        let worst = best.peek().map_or(f64::MAX, |g| g.rank);
        if best.len() == PER_STATE && state.cost + off(f64::from(energy)) >= worst {
            break;
        }
        for next in tempi.near_with_energy(energy, bpm) {
            if grow.played[next] == stamp
                || scorer
                    .track(next)
                    .artists
                    .iter()
                    .any(|a| recent.contains(a))
            {
                continue;
            }
            let Some(way) = way(scorer, state, &room, parent, next, grow.seed) else {
                continue;
            };
            if best.len() < PER_STATE {
                best.push(way);
            } else if best.peek().is_some_and(|w| way < *w) {
                best.pop();
                best.push(way);
            }
        }
    }
    grow.ways.extend(best);
}

/// What the pinned tracks ask of a set being grown: the `--include` tracks it still lacks, and
/// the seconds to keep for them and the `--end` track.
struct Room {
    missing: Vec<usize>,
    reserved: f64,
}

impl Room {
    fn of(scorer: &Scorer, state: &State) -> Room {
        let pins = &scorer.plan.pins;
        let missing: Vec<usize> = (pins.include.iter())
            .filter(|i| !state.order.contains(i))
            .copied()
            .collect();
        let end = pins.end.map_or(0.0, |e| scorer.track(e).seconds);
        let reserved = end
            + missing
                .iter()
                .map(|&i| scorer.track(i).seconds)
                .sum::<f64>();
        Room { missing, reserved }
    }
}

/// `state` grown by `next`, if the length, the pins and the tempo step allow it.
fn way(
    scorer: &Scorer,
    state: &State,
    room: &Room,
    parent: usize,
    next: usize,
    seed: u64,
) -> Option<Grown> {
    let pins = &scorer.plan.pins;
    let t = scorer.track(next);
    let fills = room.missing.contains(&next);
    let reserved = room.reserved - if fills { t.seconds } else { 0.0 };
    if pins.start == Some(next)
        || pins.end == Some(next)
        || state.elapsed + t.seconds + reserved > scorer.longest()
    {
        return None;
    }
    let last = *state.order.last()?;
    let cost = state.cost + scorer.transition(last, next)? + scorer.placement(next, state.elapsed);
    let elapsed = state.elapsed + t.seconds;
    let still_missing = (room.missing.len() - usize::from(fills)) as f64;
    let pull = INCLUDE_PULL * still_missing * elapsed / scorer.target;
    Some(Grown {
        rank: cost + pull + jitter(seed, next),
        parent,
        track: next,
        cost,
    })
}

/// The `width` best ways to grow, no more than `per_last` of them ending in the same track.
fn keep(mut grown: Vec<Grown>, tracks: usize, width: usize, per_last: usize) -> Vec<Grown> {
    // Each set offers at most PER_STATE ways, so this sorts a few thousand (all the crate's
    // tracks only at the first step).
    grown.sort_unstable();
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
