//! A set laid out in time: when each track starts, the energy the curve wants there, how each
//! mix moves key and tempo, and the figures a DJ judges a set by.

use super::curve::Curve;
use super::harmony::Transition;
use super::Track;

/// One track of a set, in place.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Index into the candidates.
    pub track: usize,
    /// Seconds from the start of the set.
    pub start: f64,
    /// The curve's energy at the track's middle.
    pub target: f64,
    /// The mix into it; `None` for the first track.
    pub transition: Option<Transition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub minutes: f64,
    /// The share of mixes that are the same key, ±1 or the relative major/minor.
    pub harmonic_share: f64,
    /// The largest and mean tempo step, in percent.
    pub largest_step: f64,
    pub mean_step: f64,
    /// The root mean square of each track's energy against the curve's target at its middle.
    pub energy_rmse: f64,
    /// Tracks whose artist plays earlier in the set.
    pub artist_repeats: usize,
}

/// `order` laid out from second 0, with its summary.
pub fn lay_out(
    tracks: &[Track],
    order: &[usize],
    curve: &Curve,
    master_tempo: bool,
) -> (Vec<Placed>, Summary) {
    let mut placed = Vec::with_capacity(order.len());
    let mut start = 0.0;
    for (at, &i) in order.iter().enumerate() {
        let t = &tracks[i];
        let transition = at.checked_sub(1).map(|before| {
            let b = &tracks[order[before]];
            Transition::new((b.bpm, b.key), (t.bpm, t.key), master_tempo)
        });
        placed.push(Placed {
            track: i,
            start,
            target: curve.at((start + t.seconds / 2.0) / 60.0),
            transition,
        });
        start += t.seconds;
    }
    let mixes: Vec<&Transition> = placed
        .iter()
        .filter_map(|p| p.transition.as_ref())
        .collect();
    let share = |count: usize| match mixes.len() {
        0 => 1.0,
        n => count as f64 / n as f64,
    };
    let steps = mixes.iter().map(|m| m.step.abs());
    let squares: f64 = placed
        .iter()
        .map(|p| (f64::from(tracks[p.track].energy) - p.target).powi(2))
        .sum();
    let summary = Summary {
        minutes: start / 60.0,
        harmonic_share: share(mixes.iter().filter(|m| m.key_move.is_compatible()).count()),
        largest_step: steps.clone().fold(0.0, f64::max),
        mean_step: steps.sum::<f64>() / mixes.len().max(1) as f64,
        energy_rmse: (squares / placed.len().max(1) as f64).sqrt(),
        artist_repeats: repeats(tracks, order),
    };
    (placed, summary)
}

fn repeats(tracks: &[Track], order: &[usize]) -> usize {
    (0..order.len())
        .filter(|&at| {
            let artists = &tracks[order[at]].artists;
            order[..at]
                .iter()
                .any(|&i| tracks[i].artists.iter().any(|a| artists.contains(a)))
        })
        .count()
}
