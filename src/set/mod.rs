//! `taggenius set`: tracks in order along an energy curve, every mix a small tempo step and,
//! wherever the crate allows, a harmonic key move. The hard rules (no track twice, no artist
//! twice among `artist_gap` tracks in a row, no tempo step above `max_step` %, the length
//! within 5 %, the pinned tracks) are never broken: a crate that cannot meet them is an error
//! naming the rule. Within them the search minimises one cost (`score`): energy off the curve,
//! key moves that clash, tempo steps, genre changes, situations out of place.

pub mod curve;
pub mod harmony;
mod score;
mod search;
pub mod summary;

use crate::query::keys::Key;
use curve::Curve;
use score::Scorer;

/// A candidate as the search sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Each credited artist, as a number shared by every track that credits them.
    pub artists: Vec<u32>,
    pub bpm: f64,
    pub key: Key,
    pub seconds: f64,
    pub energy: u8,
    /// The primary genre, as a number shared by every track of the genre.
    pub genre: u32,
    pub situation: Situation,
}

/// What the blueprint's situations say of where a track belongs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Situation {
    pub warmup: bool,
    pub peak: bool,
    pub closer: bool,
}

/// The hard rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub minutes: f64,
    pub artist_gap: usize,
    /// The largest tempo step, in percent.
    pub max_step: f64,
    pub master_tempo: bool,
}

/// Tracks the DJ named, by index into the candidates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pins {
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub include: Vec<usize>,
}

/// Everything a set is built from.
pub struct Plan<'a> {
    pub tracks: &'a [Track],
    pub curve: &'a Curve,
    pub rules: Rules,
    pub pins: Pins,
    pub seed: u64,
}

/// No set meets the rules: the one line that says which and how close the search got.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmet(pub String);

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unmet {}

/// `alternatives` sets (at least one), each an order of candidate indices; every set after the
/// first shares at most half its tracks with the sets before it.
pub fn build(plan: &Plan, alternatives: usize) -> Result<Vec<Vec<usize>>, Unmet> {
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut played = vec![false; plan.tracks.len()];
    for n in 0..alternatives.max(1) {
        let scorer = Scorer::new(plan, &played);
        let Some(found) = search::best(&scorer, plan.seed.wrapping_add(n as u64)) else {
            return Err(match n {
                0 => search::why_not(plan),
                _ => Unmet(format!(
                    "found only {n} of {alternatives} sets that share at most half their tracks with each other; the crate holds too few tracks for more"
                )),
            });
        };
        for &i in &found {
            played[i] = true;
        }
        sets.push(found);
    }
    Ok(sets)
}
