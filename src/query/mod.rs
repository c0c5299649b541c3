//! `find`'s filters: which tracks a question picks, from their blueprints (every word of every
//! list, not only those a level renders) and the library's own BPM and key.
//! Filters combine with AND; a filter given twice means either.

pub mod keys;
mod words;

use crate::blueprint::{BlueprintRef, Words};
use crate::error::UsageError;
use crate::render::look::Renames;
use keys::Key;

/// The filters a `find` was given, parsed.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub genre: Vec<String>,
    pub sub: Vec<String>,
    pub energy: Vec<(f64, f64)>,
    pub situation: Vec<String>,
    pub vibe: Vec<String>,
    pub component: Vec<String>,
    pub decade: Vec<String>,
    pub bpm: Vec<(f64, f64)>,
    pub key: Vec<Key>,
}

/// The filters as typed, one list a flag.
#[derive(Debug, Default, Clone)]
pub struct Asked<'a> {
    pub genre: &'a [String],
    pub sub: &'a [String],
    pub energy: &'a [String],
    pub situation: &'a [String],
    pub vibe: &'a [String],
    pub component: &'a [String],
    pub decade: &'a [String],
    pub bpm: &'a [String],
    pub key: &'a [String],
    pub harmonic: bool,
}

impl Filters {
    /// The filters, each word checked against the vocabulary and the renames: a word no
    /// blueprint can hold, or an energy outside 1-10, is a usage error.
    pub fn parse(asked: &Asked, renames: &Renames) -> Result<Filters, UsageError> {
        let ranges = |flag: &str, values: &[String]| -> Result<Vec<(f64, f64)>, UsageError> {
            values.iter().map(|v| range(flag, v)).collect()
        };
        let decades: Vec<String> = asked.decade.iter().map(|d| decade(d)).collect();
        let vocabulary = crate::blueprint::vocabulary::current();
        for (flag, known) in words::lists(vocabulary) {
            let asked = match flag {
                "--genre" => asked.genre,
                "--situation" => asked.situation,
                "--vibe" => asked.vibe,
                "--component" => asked.component,
                _ => &decades,
            };
            words::check(flag, asked, known, renames)?;
        }
        let energy = ranges("--energy", asked.energy)?;
        let outside = |&(low, high): &(f64, f64)| low < 1.0 || high > 10.0;
        if let Some(at) = energy.iter().position(outside) {
            return Err(UsageError(format!(
                "--energy {:?}: energy runs from 1 to 10",
                asked.energy[at]
            )));
        }
        let mut key = Vec::new();
        for text in asked.key {
            let found = Key::parse(text).ok_or_else(|| {
                UsageError(format!(
                    "--key {text:?}: not a key in Camelot (8A), Open Key (1m) or classic (Am) notation"
                ))
            })?;
            match asked.harmonic {
                true => key.extend(found.harmonic()),
                false => key.push(found),
            }
        }
        if asked.harmonic && asked.key.is_empty() {
            return Err(UsageError("--harmonic widens --key: give a --key".into()));
        }
        Ok(Filters {
            genre: asked.genre.to_vec(),
            sub: asked.sub.to_vec(),
            energy,
            situation: asked.situation.to_vec(),
            vibe: asked.vibe.to_vec(),
            component: asked.component.to_vec(),
            decade: decades,
            bpm: ranges("--bpm", asked.bpm)?,
            key,
        })
    }

    /// Whether a track with this blueprint, tempo and key passes every filter; a word matches
    /// as stored or as the user's renames write it.
    pub fn matches(
        &self,
        bp: &BlueprintRef,
        bpm: Option<f64>,
        key: Option<Key>,
        renames: &Renames,
    ) -> bool {
        let bp = &bp.in_vocabulary();
        let same = |w: &str, word: &str| {
            let w = w.trim();
            word.trim().eq_ignore_ascii_case(w) || renames.word(word).eq_ignore_ascii_case(w)
        };
        let word = |wanted: &[String], words: &[&str]| {
            wanted.is_empty()
                || wanted
                    .iter()
                    .any(|w| words.iter().any(|word| same(w, word)))
        };
        let list = |wanted: &[String], words: &Words| word(wanted, words.as_slice());
        let within = |ranges: &[(f64, f64)], value: Option<f64>| {
            ranges.is_empty()
                || value.is_some_and(|v| ranges.iter().any(|&(low, high)| v >= low && v <= high))
        };
        word(&self.genre, &[bp.primary_genre])
            && list(&self.sub, &bp.sub_genre)
            && within(&self.energy, Some(f64::from(bp.energy_level)))
            && list(&self.situation, &bp.situation_environment)
            && list(&self.vibe, &bp.energy_vibe)
            && list(&self.component, &bp.components)
            && list(&self.decade, &bp.time_period)
            && within(&self.bpm, bpm)
            && (self.key.is_empty() || key.is_some_and(|k| self.key.contains(&k)))
    }
}

/// `7-10`, `7` (as 7-7), or `126.5-127`; a single BPM takes in what rounds to it.
fn range(flag: &str, text: &str) -> Result<(f64, f64), UsageError> {
    let bad = || {
        UsageError(format!(
            "{flag} {text:?}: not a number or a range such as 7-10"
        ))
    };
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    match text.split_once('-') {
        Some((low, high)) => {
            let (low, high) = (number(low).ok_or_else(bad)?, number(high).ok_or_else(bad)?);
            Ok((low.min(high), low.max(high)))
        }
        None => {
            let n = number(text).ok_or_else(bad)?;
            let half = if flag == "--bpm" { 0.5 } else { 0.0 };
            Ok((n - half, n + half))
        }
    }
}

/// `90s` and `1990` as the blueprint writes a decade: `1990s`.
fn decade(text: &str) -> String {
    let digits: String = text.trim().trim_end_matches(['s', 'S']).to_string();
    match digits.parse::<u32>() {
        Ok(two) if digits.len() == 2 => {
            let century = if two >= 30 { 1900 } else { 2000 };
            format!("{}s", century + two / 10 * 10)
        }
        Ok(year) if digits.len() == 4 => format!("{}s", year / 10 * 10),
        _ => text.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_decades_read_as_a_dj_types_them() {
        assert_eq!(range("--energy", "7-10").unwrap(), (7.0, 10.0));
        assert_eq!(range("--energy", "8").unwrap(), (8.0, 8.0));
        assert_eq!(range("--bpm", "124").unwrap(), (123.5, 124.5));
        assert_eq!(range("--bpm", "126-120").unwrap(), (120.0, 126.0));
        assert!(range("--bpm", "fast").is_err());
        assert_eq!(decade("90s"), "1990s");
        assert_eq!(decade("1987"), "1980s");
        assert_eq!(decade("2010s"), "2010s");
        assert_eq!(decade("20s"), "2020s");
    }
}
