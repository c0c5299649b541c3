//! The Master Blueprint: the one set of tags asked for each unique track, at maximum detail.

pub(crate) mod packed;
pub(crate) mod stored;
pub mod vocabulary;

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: i64 = 1;

pub const GENRES: &[&str] = &[
    "House",
    "Techno",
    "Drum & Bass",
    "Breaks",
    "Trance",
    "Ambient/Downtempo",
    "Funk/Soul/Disco",
    "Hip Hop / Rap",
    "R&B",
    "Reggae",
    "Jazz",
    "Blues",
    "Rock",
    "Pop",
    "Classical",
    "Latin",
    "Caribbean",
    "World",
    "Film/Theatrical",
];

pub const VIBES: &[&str] = &[
    "Aggressive",
    "Calm",
    "Dark",
    "Driving",
    "Energetic",
    "Funky",
    "Happy",
    "Hypnotic",
    "Mellow",
    "Romantic",
    "Soulful",
    "Uplifting",
];

pub const SITUATIONS: &[&str] = &[
    "After-afterhours",
    "Afterhours",
    "Beach",
    "Closer",
    "Filler",
    "Handoff",
    "Lounge",
    "Outro",
    "Peak Hour",
    "Pre-Party",
    "Sunset",
    "Warmup",
];

pub const COMPONENTS: &[&str] = &[
    "Vocal",
    "Instrumental",
    "Acapella",
    "Remix",
    "Intro",
    "Extended",
    "Edit",
    "Piano",
    "Keys",
    "Guitar",
    "Strings",
    "Orchestral",
    "Saxophone",
    "Trumpet",
    "Wind",
    "Brass",
    "Synth",
];

pub const DECADES: &[&str] = &[
    "1920s", "1930s", "1940s", "1950s", "1960s", "1970s", "1980s", "1990s", "2000s", "2010s",
    "2020s",
];

/// Longest list kept for any field (time_period keeps one).
pub const MAX_ITEMS: usize = 3;
pub const MAX_SUB_GENRE_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blueprint {
    pub primary_genre: String,
    #[serde(default)]
    pub sub_genre: Vec<String>,
    pub energy_level: u8,
    #[serde(default)]
    pub energy_vibe: Vec<String>,
    #[serde(default)]
    pub situation_environment: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub time_period: Vec<String>,
}

/// A stored blueprint read without copying its words: what rendering needs, borrowed from the
/// cache's JSON. Reading one this way takes half the time of building a `Blueprint`, which a
/// re-render does for every track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct BlueprintRef<'a> {
    pub primary_genre: &'a str,
    #[serde(borrow, default)]
    pub sub_genre: Words<'a>,
    pub energy_level: u8,
    #[serde(borrow, default)]
    pub energy_vibe: Words<'a>,
    #[serde(borrow, default)]
    pub situation_environment: Words<'a>,
    #[serde(borrow, default)]
    pub components: Words<'a>,
    #[serde(borrow, default)]
    pub time_period: Words<'a>,
}

impl<'a> BlueprintRef<'a> {
    /// `None` when the JSON does not hold a blueprint, or holds a word written with a JSON
    /// escape (`\"`), which cannot be borrowed: then `Blueprint::from_stored_json` reads it.
    pub fn from_stored_json(text: &'a str) -> Option<BlueprintRef<'a>> {
        crate::blueprint::stored::read_as_stored(text).or_else(|| serde_json::from_str(text).ok())
    }

    /// The blueprint without the words the run's vocabulary removed (asked under an older one).
    pub fn in_vocabulary(&self) -> BlueprintRef<'a> {
        let words = vocabulary::current();
        if words.fingerprint().is_none() {
            return *self;
        }
        let keep = |list: &Words<'a>| {
            let mut kept = Words::default();
            list.as_slice()
                .iter()
                .filter(|w| !words.is_removed(w))
                .for_each(|w| kept.push(w));
            kept
        };
        BlueprintRef {
            energy_vibe: keep(&self.energy_vibe),
            situation_environment: keep(&self.situation_environment),
            components: keep(&self.components),
            ..*self
        }
    }

    pub fn of(bp: &'a Blueprint) -> BlueprintRef<'a> {
        BlueprintRef {
            primary_genre: &bp.primary_genre,
            sub_genre: Words::of(&bp.sub_genre),
            energy_level: bp.energy_level,
            energy_vibe: Words::of(&bp.energy_vibe),
            situation_environment: Words::of(&bp.situation_environment),
            components: Words::of(&bp.components),
            time_period: Words::of(&bp.time_period),
        }
    }
}

/// The first `MAX_ITEMS` words of a list, borrowed; no rendering level shows more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Words<'a> {
    words: [&'a str; MAX_ITEMS],
    len: usize,
}

impl<'a> Words<'a> {
    fn of(list: &'a [String]) -> Words<'a> {
        let mut words = Words::default();
        list.iter().for_each(|w| words.push(w));
        words
    }

    pub(crate) fn push(&mut self, word: &'a str) {
        if let Some(slot) = self.words.get_mut(self.len) {
            *slot = word;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[&'a str] {
        &self.words[..self.len]
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Words<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Words<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of words")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Words<'de>, A::Error> {
                let mut words = Words::default();
                while let Some(word) = seq.next_element::<&'de str>()? {
                    words.push(word);
                }
                Ok(words)
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// Why a reply's blueprint could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Blueprint {
    /// Checks a blueprint against the vocabularies. Out-of-vocabulary list items are dropped
    /// (the spec's "anything else in a reply is dropped"); a blueprint without a known primary
    /// genre or with an energy outside 1–10 is invalid and must never be cached.
    pub fn validated(self) -> Result<Blueprint, Invalid> {
        let words = vocabulary::current();
        let primary_genre = canonical(&words.genres, &self.primary_genre)
            .ok_or_else(|| Invalid(format!("unknown primary_genre {:?}", self.primary_genre)))?;
        if !(1..=10).contains(&self.energy_level) {
            return Err(Invalid(format!(
                "energy_level {} is not 1-10",
                self.energy_level
            )));
        }
        Ok(Blueprint {
            primary_genre: primary_genre.to_string(),
            sub_genre: clean_sub_genres(&self.sub_genre),
            energy_level: self.energy_level,
            energy_vibe: keep_known(&words.vibes, &self.energy_vibe, MAX_ITEMS),
            situation_environment: keep_known(
                &words.situations,
                &self.situation_environment,
                MAX_ITEMS,
            ),
            components: keep_known(&words.components, &self.components, MAX_ITEMS),
            time_period: keep_known(&words.decades, &self.time_period, 1),
        })
    }

    pub fn from_json(text: &str) -> Result<Blueprint, Invalid> {
        let raw: Blueprint =
            serde_json::from_str(text).map_err(|e| Invalid(format!("not a blueprint: {e}")))?;
        raw.validated()
    }

    /// Reads a blueprint the cache stored: it was validated on the way in, so the hot path of
    /// a re-render skips validating it again.
    pub fn from_stored_json(text: &str) -> Option<Blueprint> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The vocabulary's own spelling of `word`, matched without regard to case.
pub fn canonical(vocabulary: &[&'static str], word: &str) -> Option<&'static str> {
    let word = word.trim();
    vocabulary
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(word))
}

fn keep_known(vocabulary: &[&'static str], items: &[String], max: usize) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for item in items {
        if let Some(known) = canonical(vocabulary, item) {
            if !kept.iter().any(|k| k == known) {
                kept.push(known.to_string());
            }
        }
        if kept.len() == max {
            break;
        }
    }
    kept
}

fn clean_sub_genres(items: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for item in items {
        // White-space controls separate words; other controls are dropped.
        let cleaned: String = item
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let cleaned = title_case(&cleaned);
        if cleaned.is_empty() || cleaned.chars().count() > MAX_SUB_GENRE_CHARS {
            continue;
        }
        if !kept.iter().any(|k| k.eq_ignore_ascii_case(&cleaned)) {
            kept.push(cleaned);
        }
        if kept.len() == MAX_ITEMS {
            break;
        }
    }
    kept
}

/// Upper-cases the first letter of each word and leaves the rest alone, so that "UK garage"
/// becomes "UK Garage" and "drum & bass" becomes "Drum & Bass".
pub fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for c in text.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = c.is_whitespace() || c == '-' || c == '/' || c == '(';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Blueprint {
        Blueprint {
            primary_genre: "house".into(),
            sub_genre: vec![
                "french house".into(),
                "Disco House".into(),
                "Filter House".into(),
                "Extra".into(),
            ],
            energy_level: 9,
            energy_vibe: vec!["Uplifting".into(), "Sparkly".into(), "funky".into()],
            situation_environment: vec!["Peak Hour".into()],
            components: vec!["Vocal".into(), "Vocal".into(), "Keys".into()],
            time_period: vec!["2000s".into(), "2010s".into()],
        }
    }

    #[test]
    fn validation_keeps_vocabulary_and_drops_the_rest() {
        let bp = sample().validated().unwrap();
        assert_eq!(bp.primary_genre, "House");
        assert_eq!(
            bp.sub_genre,
            ["French House", "Disco House", "Filter House"]
        );
        assert_eq!(bp.energy_vibe, ["Uplifting", "Funky"]);
        assert_eq!(bp.components, ["Vocal", "Keys"]);
        assert_eq!(bp.time_period, ["2000s"]);
    }

    #[test]
    fn unknown_genre_or_energy_is_invalid() {
        let mut bp = sample();
        bp.primary_genre = "Polka".into();
        assert!(bp.validated().is_err());
        let mut bp = sample();
        bp.energy_level = 0;
        assert!(bp.validated().is_err());
        let mut bp = sample();
        bp.energy_level = 11;
        assert!(bp.validated().is_err());
    }

    #[test]
    fn long_or_empty_sub_genres_are_dropped() {
        let mut bp = sample();
        bp.sub_genre = vec!["".into(), "x".repeat(41), "  deep \t  house\n".into()];
        assert_eq!(bp.validated().unwrap().sub_genre, ["Deep House"]);
    }
}
