//! The search: a wide beam that keeps different last tracks apart, then local improvement
//! (swap a track in from the crate, move one, swap two, reverse a stretch, add or drop one) under a
//! seeded generator, each change kept only when the whole set still meets every rule and costs
//! less.

mod beam;
mod tempi;

use super::score::Scorer;
use super::{Plan, Unmet};
use tempi::Tempi;

/// Sets the beam keeps at each step, and how many of them may end in the same track.
const WIDTH: usize = 200;
const PER_LAST: usize = 2;
/// Changes the local search tries.
const ROUNDS: usize = 30_000;

/// The best set the search finds, or `None` when no set meets the rules.
pub(super) fn best(scorer: &Scorer, seed: u64) -> Option<Vec<usize>> {
    let tempi = Tempi::new(scorer.plan.tracks, scorer.plan.rules.max_step);
    let found = beam::run(scorer, &tempi, WIDTH, PER_LAST, seed);
    let (mut order, mut cost) = found.best?;
    let mut rng = Rng::new(seed);
    for round in 0..ROUNDS {
        if round % 1024 == 0 && crate::interrupt::requested() {
            break;
        }
        let Some(tried) = change(scorer, &tempi, &order, &mut rng) else {
            continue;
        };
        if let Some(c) = scorer.evaluate(&tried) {
            if c < cost - 1e-12 {
                (order, cost) = (tried, c);
            }
        }
    }
    Some(order)
}

/// Which rule keeps every set out, and how close the beam came: the rules are loosened one at
/// a time until a set exists.
pub(super) fn why_not(plan: &Plan) -> Unmet {
    let minutes = plan.rules.minutes;
    let total: f64 = plan.tracks.iter().map(|t| t.seconds).sum::<f64>() / 60.0;
    if total < minutes * 0.95 {
        return Unmet(format!(
            "the crate holds only {total:.0} minutes of tracks, too few for a {minutes:.0}-minute set"
        ));
    }
    let longest = |plan: &Plan| {
        let played = vec![false; plan.tracks.len()];
        let scorer = Scorer::new(plan, &played);
        let tempi = Tempi::new(plan.tracks, plan.rules.max_step);
        let found = beam::run(&scorer, &tempi, WIDTH, PER_LAST, plan.seed);
        (found.best.is_some(), found.longest / 60.0)
    };
    let (_, got) = longest(plan);
    let mut loose = Plan {
        pins: plan.pins.clone(),
        ..*plan
    };
    loose.rules.max_step = 100.0;
    if longest(&loose).0 {
        return Unmet(format!(
            "the crate holds only {got:.0} connected minutes with --max-bpm-step {}",
            plan.rules.max_step
        ));
    }
    loose.rules.artist_gap = 0;
    if longest(&loose).0 {
        return Unmet(format!(
            "no {minutes:.0}-minute set keeps --artist-gap {} (the longest found runs {got:.0} minutes): the crate has too few artists",
            plan.rules.artist_gap
        ));
    }
    Unmet(format!(
        "no {minutes:.0}-minute set starts, ends and includes the tracks named (the longest found runs {got:.0} minutes)"
    ))
}

/// One random change to `order`; `None` when the one drawn does not apply.
fn change(scorer: &Scorer, tempi: &Tempi, order: &[usize], rng: &mut Rng) -> Option<Vec<usize>> {
    let pins = &scorer.plan.pins;
    let len = order.len();
    // Positions a change may touch: not a pinned start or end.
    let low = usize::from(pins.start.is_some());
    let high = len - usize::from(pins.end.is_some());
    if high <= low {
        return None;
    }
    let pick = |rng: &mut Rng| low + rng.below(high - low);
    let removable = |i: usize| !pins.include.contains(&i);
    let mut tried = order.to_vec();
    match rng.below(7) {
        0 | 1 => {
            let at = pick(rng);
            if !removable(order[at]) {
                return None;
            }
            tried[at] = fresh(scorer, tempi, order, at, rng)?;
        }
        2 => {
            let (a, b) = (pick(rng), pick(rng));
            tried[a.min(b)..=a.max(b)].reverse();
        }
        6 => tried.swap(pick(rng), pick(rng)),
        3 => {
            let moved = tried.remove(pick(rng));
            tried.insert(low + rng.below(high - low), moved);
        }
        4 => {
            let at = pick(rng);
            if !removable(order[at]) {
                return None;
            }
            tried.remove(at);
        }
        _ => {
            let at = low + rng.below(high - low + 1);
            let added = fresh(scorer, tempi, order, at, rng)?;
            tried.insert(at, added);
        }
    }
    Some(tried)
}

/// A track of the crate not in `order` whose tempo mixes from the one before position `at`
/// (or into the one at it, at the start).
fn fresh(
    scorer: &Scorer,
    tempi: &Tempi,
    order: &[usize],
    at: usize,
    rng: &mut Rng,
) -> Option<usize> {
    let beside = match at {
        0 => *order.first()?,
        _ => order[at - 1],
    };
    let bpm = scorer.track(beside).bpm;
    let count = tempi.count_near(bpm);
    if count == 0 {
        return None;
    }
    let track = tempi.nth_near(bpm, rng.below(count))?;
    let pins = &scorer.plan.pins;
    let pinned = pins.start == Some(track) || pins.end == Some(track);
    (!pinned && !order.contains(&track)).then_some(track)
}

/// xorshift64*, seeded through splitmix64: the same seed, the same changes.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}
