//! Musical keys in the three notations DJ software writes — Camelot (8A), Open Key (1m) and
//! classic (Am, F#, Bbmin) — brought to one: a Camelot number and mode.

/// A key on the Camelot wheel: 1-12, and whether it is minor (A) or major (B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub number: u8,
    pub minor: bool,
}

impl Key {
    /// A key in any of the three notations; `None` for anything else.
    pub fn parse(text: &str) -> Option<Key> {
        let text = text.trim();
        camelot(text)
            .or_else(|| open_key(text))
            .or_else(|| classic(text))
    }

    /// The keys that mix with this one: itself, a step either way round the wheel, and its
    /// relative major or minor.
    pub fn harmonic(self) -> [Key; 4] {
        let step = |by: u8| Key {
            number: (self.number - 1 + by) % 12 + 1,
            minor: self.minor,
        };
        [
            self,
            step(1),
            step(11),
            Key {
                number: self.number,
                minor: !self.minor,
            },
        ]
    }

    /// In Camelot notation (8A).
    pub fn camelot(self) -> String {
        format!("{}{}", self.number, if self.minor { 'A' } else { 'B' })
    }
}

fn number(digits: &str) -> Option<u8> {
    let n: u8 = digits.parse().ok()?;
    (1..=12).contains(&n).then_some(n)
}

fn camelot(text: &str) -> Option<Key> {
    let (digits, mode) = text.split_at(text.len().checked_sub(1)?);
    let minor = match mode {
        "A" | "a" => true,
        "B" | "b" => false,
        _ => return None,
    };
    Some(Key {
        number: number(digits)?,
        minor,
    })
}

fn open_key(text: &str) -> Option<Key> {
    let (digits, mode) = text.split_at(text.len().checked_sub(1)?);
    let minor = match mode {
        "m" => true,
        "d" => false,
        _ => return None,
    };
    // Open Key 1 is Camelot 8: C major and A minor.
    Some(Key {
        number: (number(digits)? + 6) % 12 + 1,
        minor,
    })
}

fn classic(text: &str) -> Option<Key> {
    let mut chars = text.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let natural: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest = chars.as_str();
    let accidental = rest.chars().next();
    let after = &rest[accidental.map_or(0, char::len_utf8)..];
    let (shift, mode) = match accidental {
        Some('#' | '♯') => (1, after),
        Some('b' | '♭') => (-1, after),
        _ => (0, rest),
    };
    let minor = match mode.trim() {
        "" | "M" | "maj" | "major" | "Maj" | "Major" => false,
        "m" | "min" | "minor" | "Min" | "Minor" => true,
        _ => return None,
    };
    let pitch = (natural + shift).rem_euclid(12);
    // Up a fifth is a step round the wheel; C major is 8B, and a minor key shares its number
    // with the major three semitones up.
    let major_of = if minor { (pitch + 3) % 12 } else { pitch };
    let number = ((major_of * 7) % 12 + 7) % 12 + 1;
    Some(Key {
        number: number as u8,
        minor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camelot_of(text: &str) -> Option<String> {
        Key::parse(text).map(Key::camelot)
    }

    #[test]
    fn reads_the_three_notations() {
        for (text, want) in [
            ("8A", "8A"),
            ("12b", "12B"),
            ("1m", "8A"),
            ("1d", "8B"),
            ("12d", "7B"),
            ("Am", "8A"),
            ("C", "8B"),
            ("F", "7B"),
            ("G", "9B"),
            ("F#m", "11A"),
            ("Gbm", "11A"),
            ("Ebm", "2A"),
            ("Bb", "6B"),
            ("Abmin", "1A"),
            ("Db major", "3B"),
            ("E minor", "9A"),
        ] {
            assert_eq!(camelot_of(text).as_deref(), Some(want), "{text}");
        }
        for text in ["", "13A", "0B", "H", "Am7", "8C"] {
            assert_eq!(camelot_of(text), None, "{text}");
        }
    }

    #[test]
    fn harmonic_keys_are_the_neighbours_and_the_relative() {
        let keys: Vec<String> = Key::parse("8A")
            .unwrap()
            .harmonic()
            .map(Key::camelot)
            .to_vec();
        assert_eq!(keys, ["8A", "9A", "7A", "8B"]);
        let keys: Vec<String> = Key::parse("12B")
            .unwrap()
            .harmonic()
            .map(Key::camelot)
            .to_vec();
        assert_eq!(keys, ["12B", "1B", "11B", "12A"]);
    }
}
