//! The vocabulary a blueprint is asked and checked in: the built-in words, with the terms the
//! user's config.toml adds (`+First Dance`) or removes (`-Filler`). Set once at start-up, before
//! anything is asked or rendered, and read where the words are needed (the request's schema and
//! instructions, a reply's validation, rendering): threading it through every worker of a fetch
//! would change a dozen signatures for one value fixed for the whole run.

use std::sync::OnceLock;

use crate::blueprint::{COMPONENTS, DECADES, GENRES, SITUATIONS, VIBES};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub genres: Vec<&'static str>,
    pub vibes: Vec<&'static str>,
    pub situations: Vec<&'static str>,
    pub components: Vec<&'static str>,
    pub decades: Vec<&'static str>,
    /// The built-in words taken out, lower-cased: rendering drops them from older blueprints.
    removed: Vec<String>,
    /// `None` for the built-in vocabulary, which every blueprint stored before had.
    fingerprint: Option<String>,
}

/// The user's changes to each list, as config.toml writes them.
#[derive(Debug, Clone, Default)]
pub struct Changes<'a> {
    pub genres: &'a [String],
    pub vibes: &'a [String],
    pub situations: &'a [String],
    pub components: &'a [String],
}

static CURRENT: OnceLock<Vocabulary> = OnceLock::new();

/// Sets the run's vocabulary; only the first call counts.
pub fn set(vocabulary: Vocabulary) {
    let _ = CURRENT.set(vocabulary);
}

/// The run's vocabulary: the built-in one unless config.toml changed it.
pub fn current() -> &'static Vocabulary {
    CURRENT.get_or_init(Vocabulary::built_in)
}

impl Vocabulary {
    pub fn built_in() -> Vocabulary {
        Vocabulary {
            genres: GENRES.to_vec(),
            vibes: VIBES.to_vec(),
            situations: SITUATIONS.to_vec(),
            components: COMPONENTS.to_vec(),
            decades: DECADES.to_vec(),
            removed: Vec::new(),
            fingerprint: None,
        }
    }

    /// The built-in vocabulary with `changes`: `+Word` adds a word, `-Word` removes one.
    pub fn with(changes: &Changes) -> Result<Vocabulary, String> {
        let mut vocabulary = Vocabulary::built_in();
        let lists = [
            ("primary_genre", &mut vocabulary.genres, changes.genres),
            ("energy_vibe", &mut vocabulary.vibes, changes.vibes),
            (
                "situation_environment",
                &mut vocabulary.situations,
                changes.situations,
            ),
            ("components", &mut vocabulary.components, changes.components),
        ];
        let mut removed = Vec::new();
        for (key, list, edits) in lists {
            for edit in edits {
                apply(key, list, edit, &mut removed)?;
            }
            if list.is_empty() {
                return Err(format!("vocabulary.{key}: no word would be left"));
            }
        }
        vocabulary.removed = removed;
        if vocabulary != Vocabulary::built_in() {
            vocabulary.fingerprint = Some(fingerprint(&vocabulary));
        }
        Ok(vocabulary)
    }

    /// What the cache records of the vocabulary a blueprint was asked under; `None` for the
    /// built-in one.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }

    /// Whether a word was taken out of the vocabulary.
    pub fn is_removed(&self, word: &str) -> bool {
        !self.removed.is_empty() && self.removed.contains(&word.to_lowercase())
    }

    /// The words each list adds to the built-in one.
    pub fn added(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        self.compared(|now, built_in| {
            now.iter()
                .filter(|w| !built_in.contains(w))
                .copied()
                .collect()
        })
    }

    /// The built-in words each list takes out.
    pub fn taken_out(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        self.compared(|now, built_in| {
            built_in
                .iter()
                .filter(|w| !now.contains(w))
                .copied()
                .collect()
        })
    }

    /// `differ(now, built_in)` for each list the user may change, where it finds words.
    fn compared(
        &self,
        differ: impl Fn(&[&'static str], &[&'static str]) -> Vec<&'static str>,
    ) -> Vec<(&'static str, Vec<&'static str>)> {
        let built_in = Vocabulary::built_in();
        [
            ("primary_genre", &self.genres, &built_in.genres),
            ("energy_vibe", &self.vibes, &built_in.vibes),
            (
                "situation_environment",
                &self.situations,
                &built_in.situations,
            ),
            ("components", &self.components, &built_in.components),
        ]
        .into_iter()
        .map(|(key, now, before)| (key, differ(now, before)))
        .filter(|(_, words)| !words.is_empty())
        .collect()
    }
}

fn apply(
    key: &str,
    list: &mut Vec<&'static str>,
    edit: &str,
    removed: &mut Vec<String>,
) -> Result<(), String> {
    let (sign, word) = edit.split_at(edit.chars().next().map_or(0, char::len_utf8));
    let word = word.trim();
    if word.is_empty() || word.contains(['\u{1e}', '\u{1f}']) || word.chars().any(char::is_control)
    {
        return Err(format!("vocabulary.{key}: {edit:?} is not a word"));
    }
    let at = list.iter().position(|w| w.eq_ignore_ascii_case(word));
    match (sign, at) {
        ("+", None) => list.push(Box::leak(word.to_string().into_boxed_str())),
        ("+", Some(_)) => {}
        ("-", Some(at)) => {
            removed.push(list.remove(at).to_lowercase());
        }
        ("-", None) => {
            return Err(format!(
                "vocabulary.{key}: {word:?} is not in the list to remove"
            ))
        }
        _ => {
            return Err(format!(
                "vocabulary.{key}: {edit:?} starts with neither + (add) nor - (remove)"
            ))
        }
    }
    Ok(())
}

/// Sixteen hex digits of FNV-1a over every list: the same vocabulary, the same fingerprint,
/// whatever order the file gave the changes in.
fn fingerprint(vocabulary: &Vocabulary) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for list in [
        &vocabulary.genres,
        &vocabulary.vibes,
        &vocabulary.situations,
        &vocabulary.components,
    ] {
        let mut words: Vec<String> = list.iter().map(|w| w.to_lowercase()).collect();
        words.sort();
        for byte in words.join("\u{1f}").bytes().chain([0x1e]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_add_and_remove_and_are_fingerprinted() {
        let adds = [
            "+First Dance".to_string(),
            "+Dinner".into(),
            "-Filler".into(),
        ];
        let v = Vocabulary::with(&Changes {
            situations: &adds,
            ..Changes::default()
        })
        .unwrap();
        assert!(v.situations.contains(&"First Dance") && !v.situations.contains(&"Filler"));
        assert!(v.is_removed("filler") && !v.is_removed("Warmup"));
        let reordered = [
            "-Filler".to_string(),
            "+Dinner".into(),
            "+First Dance".into(),
        ];
        let again = Vocabulary::with(&Changes {
            situations: &reordered,
            ..Changes::default()
        })
        .unwrap();
        assert_eq!(v.fingerprint(), again.fingerprint());
        assert!(v.fingerprint().is_some());
        assert_eq!(
            Vocabulary::with(&Changes::default()).unwrap().fingerprint(),
            None
        );
        for bad in ["Dinner", "-Nothing", "+"] {
            let bad = [bad.to_string()];
            assert!(Vocabulary::with(&Changes {
                vibes: &bad,
                ..Changes::default()
            })
            .is_err());
        }
    }
}
