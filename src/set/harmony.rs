//! How one track mixes into the next: the tempo step (half and double time count as the same
//! tempo) and the key move on the Camelot wheel, after the pitch change a tempo change brings
//! when master tempo is off.

use crate::query::keys::Key;

/// `to`'s tempo against `from`'s, folded by octaves into [1/√2, √2): 87 → 174 is 1.0.
pub fn tempo_ratio(from: f64, to: f64) -> f64 {
    let octaves = (to / from).log2();
    2f64.powf(octaves - octaves.round())
}

/// The tempo step from `from` to `to` in percent, signed (+1.6 means 1.6 % faster).
pub fn step_percent(from: f64, to: f64) -> f64 {
    (tempo_ratio(from, to) - 1.0) * 100.0
}

/// Whether `to` is played at half or double `from`'s tempo.
pub fn half_or_double(from: f64, to: f64) -> bool {
    (to / from).log2().round() != 0.0
}

/// The semitones the incoming track moves when it is pitched to the outgoing one's tempo with
/// master tempo off: round(12·log2(ratio)).
pub fn pitch_shift(from: f64, to: f64) -> i32 {
    (12.0 * (1.0 / tempo_ratio(from, to)).log2()).round() as i32
}

/// `key` moved by `semitones`: a semitone up is seven steps round the wheel.
pub fn transposed(key: Key, semitones: i32) -> Key {
    let number = (i32::from(key.number) - 1 + 7 * semitones).rem_euclid(12) + 1;
    Key {
        number: number as u8,
        minor: key.minor,
    }
}

/// A move on the Camelot wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Same,
    /// One step round the wheel, keeping major or minor: +1 or -1.
    Step(i8),
    /// The relative major or minor: same number, the other letter.
    Relative,
    /// A step round the wheel and the other letter.
    Diagonal,
    /// Two steps round the wheel, keeping major or minor.
    TwoSteps,
    Clash,
}

impl Move {
    pub fn between(from: Key, to: Key) -> Move {
        let steps = (i32::from(to.number) - i32::from(from.number)).rem_euclid(12);
        match (steps, from.minor == to.minor) {
            (0, true) => Move::Same,
            (1, true) => Move::Step(1),
            (11, true) => Move::Step(-1),
            (0, false) => Move::Relative,
            (1 | 11, false) => Move::Diagonal,
            (2 | 10, true) => Move::TwoSteps,
            _ => Move::Clash,
        }
    }

    /// Same key, ±1, or the relative major/minor: the moves that mix without a clash.
    pub fn is_compatible(self) -> bool {
        matches!(self, Move::Same | Move::Step(_) | Move::Relative)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Move::Same => "same key",
            Move::Step(1) => "+1",
            Move::Step(_) => "-1",
            Move::Relative => "relative",
            Move::Diagonal => "diagonal",
            Move::TwoSteps => "±2",
            Move::Clash => "clash",
        }
    }
}

/// One mix: from the outgoing track's key and tempo into the incoming one's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub from_key: Key,
    /// The incoming key as it sounds: transposed when master tempo is off.
    pub heard_key: Key,
    pub shift: i32,
    pub step: f64,
    pub half_or_double: bool,
    pub key_move: Move,
}

impl Transition {
    pub fn new(from: (f64, Key), to: (f64, Key), master_tempo: bool) -> Transition {
        let shift = if master_tempo {
            0
        } else {
            pitch_shift(from.0, to.0)
        };
        let heard_key = transposed(to.1, shift);
        Transition {
            from_key: from.1,
            heard_key,
            shift,
            step: step_percent(from.0, to.0),
            half_or_double: half_or_double(from.0, to.0),
            key_move: Move::between(from.1, heard_key),
        }
    }

    /// "8A → 9A +1, +1.6 % BPM", with the key as written when pitching moved it.
    pub fn describe(&self, written: Key) -> String {
        let pitched = match self.shift {
            0 => String::new(),
            n => format!(" ({} pitched {n:+})", written.camelot()),
        };
        let time = if self.half_or_double {
            " (half/double time)"
        } else {
            ""
        };
        // A step that rounds to nothing is +0.0, never -0.0.
        let step = if self.step.abs() < 0.05 {
            0.0
        } else {
            self.step
        };
        format!(
            "{} → {}{pitched} {}, {step:+.1} % BPM{time}",
            self.from_key.camelot(),
            self.heard_key.camelot(),
            self.key_move.describe(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        Key::parse(text).unwrap()
    }

    #[test]
    fn half_and_double_time_are_the_same_tempo() {
        assert!(step_percent(87.0, 174.0).abs() < 1e-9);
        assert!(step_percent(174.0, 87.0).abs() < 1e-9);
        assert!((step_percent(125.0, 127.0) - 1.6).abs() < 1e-9);
        assert!((step_percent(170.0, 86.0) - 1.176_470_588).abs() < 1e-6);
        assert!(half_or_double(87.0, 174.0) && !half_or_double(120.0, 126.0));
    }

    #[test]
    fn moves_on_the_wheel() {
        assert_eq!(Move::between(key("8A"), key("8A")), Move::Same);
        assert_eq!(Move::between(key("8A"), key("9A")), Move::Step(1));
        assert_eq!(Move::between(key("1A"), key("12A")), Move::Step(-1));
        assert_eq!(Move::between(key("8A"), key("8B")), Move::Relative);
        assert_eq!(Move::between(key("8A"), key("9B")), Move::Diagonal);
        assert_eq!(Move::between(key("8A"), key("10A")), Move::TwoSteps);
        assert_eq!(Move::between(key("8A"), key("2B")), Move::Clash);
    }

    #[test]
    fn pitching_without_master_tempo_transposes() {
        // A semitone is 5.95 % of tempo: 120 → 127.2 pitched down to 120 drops a semitone.
        assert_eq!(pitch_shift(120.0, 127.2), -1);
        assert_eq!(pitch_shift(120.0, 113.0), 1);
        assert_eq!(pitch_shift(120.0, 123.0), 0);
        // A semitone up from A minor (8A) is B flat minor (3A).
        assert_eq!(transposed(key("Am"), 1), key("Bbm"));
        assert_eq!(transposed(key("8A"), -1), key("1A"));
        let t = Transition::new((120.0, key("8A")), (127.2, key("3A")), false);
        assert_eq!(t.heard_key, key("8A"));
        assert!(t.key_move.is_compatible());
        let kept = Transition::new((120.0, key("8A")), (127.2, key("3A")), true);
        assert_eq!(kept.key_move, Move::Clash);
        assert_eq!(
            t.describe(key("3A")),
            "8A → 8A (3A pitched -1) same key, +6.0 % BPM"
        );
    }
}
