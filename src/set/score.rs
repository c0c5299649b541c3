//! What a set costs, and which sets the hard rules allow: one definition the beam and the local
//! search share, so that what either keeps is checked the same way.

use super::harmony::{step_percent, Move, Transition};
use super::{Plan, Track};

/// A key move that is not the same key, ±1 or the relative: a diagonal is the mildest.
const DIAGONAL: f64 = 4.0;
const TWO_STEPS: f64 = 6.0;
const CLASH: f64 = 10.0;
/// A tempo step as large as the rule allows costs this much; smaller ones by its square.
const TEMPO: f64 = 2.0;
const GENRE_CHANGE: f64 = 0.5;
/// A track's situation where it does not belong (a warm-up track late, a closer early).
const MISPLACED: f64 = 1.5;
/// Each track an earlier alternative played.
const REPLAYED: f64 = 3.0;
/// A set as long as the 5 % allows costs this much; nearer the target by the square.
const LENGTH: f64 = 1.0;

pub(super) struct Scorer<'a> {
    pub plan: &'a Plan<'a>,
    /// The set's target length, in seconds.
    pub target: f64,
    /// Tracks an earlier alternative played.
    pub played: &'a [bool],
    top: f64,
}

impl<'a> Scorer<'a> {
    pub fn new(plan: &'a Plan<'a>, played: &'a [bool]) -> Scorer<'a> {
        Scorer {
            plan,
            target: plan.rules.minutes * 60.0,
            played,
            top: plan.curve.top(),
        }
    }

    pub fn track(&self, i: usize) -> &Track {
        &self.plan.tracks[i]
    }

    pub fn shortest(&self) -> f64 {
        self.target * 0.95
    }

    pub fn longest(&self) -> f64 {
        self.target * 1.05
    }

    /// The cost of mixing `a` into `b`; `None` when the tempo step breaks the rule.
    pub fn transition(&self, a: usize, b: usize) -> Option<f64> {
        let (a, b) = (self.track(a), self.track(b));
        let rules = &self.plan.rules;
        let step = step_percent(a.bpm, b.bpm).abs();
        if step > rules.max_step + 1e-9 {
            return None;
        }
        let heard = Transition::new((a.bpm, a.key), (b.bpm, b.key), rules.master_tempo);
        let key = match heard.key_move {
            m if m.is_compatible() => 0.0,
            Move::Diagonal => DIAGONAL,
            Move::TwoSteps => TWO_STEPS,
            _ => CLASH,
        };
        let tempo = match rules.max_step > 0.0 {
            true => TEMPO * (step / rules.max_step).powi(2),
            false => 0.0,
        };
        let genre = if a.genre == b.genre {
            0.0
        } else {
            GENRE_CHANGE
        };
        Some(key + tempo + genre)
    }

    /// The cost of playing track `i` from second `start`: its energy against the curve's
    /// target at its middle, and its situation against its place.
    pub fn placement(&self, i: usize, start: f64) -> f64 {
        let t = self.track(i);
        let middle = start + t.seconds / 2.0;
        let target = self.plan.curve.at(middle / 60.0);
        let off = f64::from(t.energy) - target;
        let share = middle / self.target;
        let s = t.situation;
        let misplaced = (s.warmup && share > 0.4) as u8
            + (s.peak && target < self.top - 2.0) as u8
            + (s.closer && share < 0.8) as u8;
        let replayed = if self.played[i] { REPLAYED } else { 0.0 };
        off * off + MISPLACED * f64::from(misplaced) + replayed
    }

    /// The cost of ending the set at `seconds`; `None` outside the 5 % either side.
    pub fn ending(&self, seconds: f64) -> Option<f64> {
        let allowed = self.target * 0.05;
        let off = seconds - self.target;
        (off.abs() <= allowed).then(|| LENGTH * (off / allowed).powi(2))
    }

    /// Whether `next` shares an artist with any of the last `artist_gap - 1` tracks of `order`.
    pub fn artist_too_soon(&self, order: &[usize], next: usize) -> bool {
        let window = self.plan.rules.artist_gap.saturating_sub(1);
        let artists = &self.track(next).artists;
        order
            .iter()
            .rev()
            .take(window)
            .any(|&i| self.track(i).artists.iter().any(|a| artists.contains(a)))
    }

    /// The cost of a whole set; `None` when it breaks a hard rule.
    pub fn evaluate(&self, order: &[usize]) -> Option<f64> {
        let pins = &self.plan.pins;
        let first_ok = pins.start.is_none_or(|s| order.first() == Some(&s));
        let last_ok = pins.end.is_none_or(|e| order.last() == Some(&e));
        let included = pins.include.iter().all(|i| order.contains(i));
        if !(first_ok && last_ok && included && self.few_replayed(order)) {
            return None;
        }
        let mut cost = 0.0;
        let mut start = 0.0;
        for (at, &i) in order.iter().enumerate() {
            if order[..at].contains(&i) || self.artist_too_soon(&order[..at], i) {
                return None;
            }
            if at > 0 {
                cost += self.transition(order[at - 1], i)?;
            }
            cost += self.placement(i, start);
            start += self.track(i).seconds;
        }
        Some(cost + self.ending(start)?)
    }

    /// At most half of a set's tracks may come from the alternatives before it.
    pub fn few_replayed(&self, order: &[usize]) -> bool {
        order.iter().filter(|&&i| self.played[i]).count() * 2 <= order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::keys::Key;
    use crate::set::curve::Curve;
    use crate::set::{Pins, Rules, Situation};

    fn track(artist: u32, bpm: f64, key: &str) -> Track {
        Track {
            artists: vec![artist],
            bpm,
            key: Key::parse(key).unwrap(),
            seconds: 300.0,
            energy: 5,
            genre: 0,
            situation: Situation::default(),
        }
    }

    fn plan<'a>(tracks: &'a [Track], curve: &'a Curve, pins: Pins) -> Plan<'a> {
        Plan {
            tracks,
            curve,
            rules: Rules {
                minutes: 20.0,
                artist_gap: 3,
                max_step: 6.0,
                master_tempo: true,
            },
            pins,
            seed: 1,
        }
    }

    #[test]
    fn evaluate_refuses_every_broken_rule_and_prices_the_rest() {
        let tracks = [
            track(0, 124.0, "8A"),
            track(1, 125.0, "9A"),
            track(2, 124.0, "3B"),
            track(0, 124.0, "8A"),
            track(3, 140.0, "8A"),
            track(4, 62.0, "4B"),
        ];
        let curve = Curve::parse("0:5,20:5", 20.0).unwrap();
        let plan = plan(&tracks, &curve, Pins::default());
        let played = vec![false; tracks.len()];
        let scorer = Scorer::new(&plan, &played);
        let good = scorer.evaluate(&[0, 1, 2, 5]).unwrap();
        // 8A → 9A and 3B → 4B mix, 9A → 3B clashes; 124 → 62 is half time, a step of 0.
        let clash = CLASH;
        let tempo = 2.0 * ((125.0 / 124.0 - 1.0) * 100.0 / 6.0f64).powi(2)
            + 2.0 * ((124.0 / 125.0 - 1.0f64).abs() * 100.0 / 6.0).powi(2);
        assert!((good - clash - tempo).abs() < 1e-9, "{good}");
        assert_eq!(scorer.evaluate(&[0, 1, 2, 0]), None, "a track twice");
        assert_eq!(scorer.evaluate(&[0, 1, 3, 5]), None, "artist 0 within 3");
        assert!(
            scorer.evaluate(&[0, 1, 2, 3]).is_some(),
            "artist 0 three apart"
        );
        assert_eq!(scorer.evaluate(&[0, 1, 2, 4]), None, "a 12.9 % step");
        assert_eq!(scorer.evaluate(&[0, 1, 2]), None, "15 minutes of 20");
        let pinned = Plan {
            pins: Pins {
                start: Some(1),
                end: None,
                include: vec![5],
            },
            ..plan
        };
        let scorer = Scorer::new(&pinned, &played);
        assert_eq!(
            scorer.evaluate(&[0, 1, 2, 5]),
            None,
            "does not start with 1"
        );
        assert!(scorer.evaluate(&[1, 0, 5, 2]).is_some());
        assert_eq!(scorer.evaluate(&[1, 0, 2, 3]), None, "5 left out");
    }
}
