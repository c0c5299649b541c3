//! The crate by tempo, folded by octaves, so that the tracks a tempo step can reach are one or
//! two slices rather than the whole crate.

use std::ops::Range;

use crate::set::Track;

pub(in crate::set) struct Tempi {
    /// (log2 of the tempo, folded into 0..1, track), ascending.
    sorted: Vec<(f64, usize)>,
    /// The same for the tracks of each energy, 1 to 10: the beam looks first where the curve
    /// wants to be, and stops when no other energy can do better.
    by_energy: Vec<Vec<(f64, usize)>>,
    /// How far apart, in folded octaves, two tempos within the largest step can be.
    reach: f64,
    /// The shortest and the longest track, in seconds.
    pub lengths: (f64, f64),
}

impl Tempi {
    pub fn new(tracks: &[Track], max_step: f64) -> Tempi {
        let mut sorted: Vec<(f64, usize)> = tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (folded(t.bpm), i))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let step = (max_step / 100.0).min(0.5);
        let mut by_energy = vec![Vec::new(); ENERGIES];
        for &(folded, i) in &sorted {
            by_energy[level(tracks[i].energy)].push((folded, i));
        }
        let seconds = tracks.iter().map(|t| t.seconds);
        let lengths = seconds.fold((f64::MAX, 0.0f64), |(lo, hi), s| (lo.min(s), hi.max(s)));
        Tempi {
            sorted,
            by_energy,
            reach: (1.0 / (1.0 - step)).log2() + 1e-9,
            lengths,
        }
    }

    /// The slices of `sorted` whose tempos may be within the largest step of `bpm` (the scorer
    /// decides); the second is empty unless the window wraps round the octave.
    fn ranges(&self, bpm: f64) -> [Range<usize>; 2] {
        self.ranges_in(&self.sorted, bpm)
    }

    fn ranges_in(&self, sorted: &[(f64, usize)], bpm: f64) -> [Range<usize>; 2] {
        let n = sorted.len();
        if self.reach >= 0.5 {
            return [0..n, 0..0];
        }
        let index = |value: f64| sorted.partition_point(|p| p.0 < value);
        let at = folded(bpm);
        let (from, to) = (at - self.reach, at + self.reach);
        if from < 0.0 {
            [0..index(to), index(from + 1.0)..n]
        } else if to >= 1.0 {
            [index(from)..n, 0..index(to - 1.0)]
        } else {
            [index(from)..index(to), 0..0]
        }
    }

    /// Every track whose tempo may be within the largest step of `bpm`, in tempo order.
    pub fn near(&self, bpm: f64) -> impl Iterator<Item = usize> + '_ {
        let [a, b] = self.ranges(bpm);
        self.sorted[a].iter().chain(&self.sorted[b]).map(|p| p.1)
    }

    /// The tracks of one energy (1-10) that `near` would give.
    pub fn near_with_energy(&self, energy: u8, bpm: f64) -> impl Iterator<Item = usize> + '_ {
        let sorted = &self.by_energy[level(energy)];
        let [a, b] = self.ranges_in(sorted, bpm);
        sorted[a].iter().chain(&sorted[b]).map(|p| p.1)
    }

    /// How many tracks `near` gives, and the `n`th of them.
    pub fn count_near(&self, bpm: f64) -> usize {
        let [a, b] = self.ranges(bpm);
        a.len() + b.len()
    }

    pub fn nth_near(&self, bpm: f64, n: usize) -> Option<usize> {
        self.near(bpm).nth(n)
    }
}

const ENERGIES: usize = 10;

fn level(energy: u8) -> usize {
    usize::from(energy.clamp(1, 10) - 1)
}

fn folded(bpm: f64) -> f64 {
    bpm.log2().rem_euclid(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::keys::Key;

    fn at(bpm: f64) -> Track {
        Track {
            artists: Vec::new(),
            bpm,
            key: Key {
                number: 8,
                minor: true,
            },
            seconds: 300.0,
            energy: 5,
            genre: 0,
            situation: Default::default(),
        }
    }

    #[test]
    fn neighbours_wrap_round_the_octave_and_fold_half_time() {
        // 128 folds to 0.0: 127 sits just under 1.0, 129 and 64.5 just over 0.0.
        let tracks: Vec<Track> = [127.0, 129.0, 64.5, 100.0, 256.0, 140.0]
            .map(at)
            .into_iter()
            .collect();
        let tempi = Tempi::new(&tracks, 6.0);
        let mut near: Vec<usize> = tempi.near(128.0).collect();
        near.sort_unstable();
        assert_eq!(near, [0, 1, 2, 4]);
        assert_eq!(tempi.count_near(128.0), 4);
        let mut near: Vec<usize> = tempi.near(101.0).collect();
        near.sort_unstable();
        assert_eq!(near, [3]);
        assert_eq!(Tempi::new(&tracks, 60.0).count_near(100.0), tracks.len());
        let fives: Vec<usize> = tempi.near_with_energy(5, 128.0).collect();
        assert_eq!(fives.len(), 4);
        assert_eq!(tempi.near_with_energy(6, 128.0).count(), 0);
    }
}
