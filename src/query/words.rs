//! A word `find` is asked for must be one a blueprint can hold: the vocabulary's (with the
//! user's additions, less the removals) or a rename's. Anything else cannot match, so it is a
//! usage error that names the nearest known word.

use crate::blueprint::vocabulary::Vocabulary;
use crate::error::UsageError;
use crate::render::look::Renames;

/// Checks each of `asked` against `known` (and the renames' new names); `flag` names the list
/// in the message.
pub fn check(
    flag: &str,
    asked: &[String],
    known: &[&str],
    renames: &Renames,
) -> Result<(), UsageError> {
    let renamed: Vec<&str> = known.iter().map(|w| renames.word(w)).collect();
    let candidates = || known.iter().chain(&renamed).copied();
    for word in asked {
        let word = word.trim();
        if candidates().any(|k| k.eq_ignore_ascii_case(word)) {
            continue;
        }
        let nearest =
            candidates().min_by_key(|k| distance(&k.to_lowercase(), &word.to_lowercase()));
        let hint = match nearest {
            Some(near) => format!("; did you mean {near}?"),
            None => String::new(),
        };
        return Err(UsageError(format!(
            "{flag} {word:?}: no blueprint holds that word{hint}"
        )));
    }
    Ok(())
}

/// The lists of the vocabulary `find` checks words against, by flag.
pub fn lists(vocabulary: &Vocabulary) -> [(&'static str, &[&'static str]); 5] {
    [
        ("--genre", &vocabulary.genres),
        ("--situation", &vocabulary.situations),
        ("--vibe", &vocabulary.vibes),
        ("--component", &vocabulary.components),
        ("--decade", &vocabulary.decades),
    ]
}

/// The number of single-character edits between `a` and `b` (Levenshtein).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_word_is_refused_with_the_nearest_one() {
        let none = Renames::default();
        let situations = ["Warmup", "Peak Hour", "Closer"];
        assert!(check("--situation", &["peak hour".into()], &situations, &none).is_ok());
        let err = check("--situation", &["Peek Hour".into()], &situations, &none).unwrap_err();
        assert_eq!(
            err.0,
            "--situation \"Peek Hour\": no blueprint holds that word; did you mean Peak Hour?"
        );
        let renames = Renames::new([("Peak Hour".to_string(), "Peak Time".to_string())]);
        assert!(check("--situation", &["Peak Time".into()], &situations, &renames).is_ok());
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
    }
}
