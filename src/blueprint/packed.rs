//! A blueprint packed for holding in memory while a library is rendered: the words alone,
//! between two control characters no stored word contains. A 50,000-track re-render holds
//! every blueprint of the library at once; packed, one takes 120 bytes where its JSON takes
//! 270, which was 7 MB of the peak.

use crate::blueprint::{BlueprintRef, Words};

/// Between the fields: energy, primary genre, then the five lists.
const FIELD: char = '\u{1e}';
/// Between the words of a list.
const WORD: char = '\u{1f}';

/// The blueprint packed; `None` when a word could not be told apart from the separators (an
/// empty word, or one with a control character), which then stays as JSON.
pub fn pack(bp: &BlueprintRef) -> Option<String> {
    let lists = lists(bp);
    let plain = |w: &str| !w.chars().any(char::is_control);
    let all_plain = plain(bp.primary_genre)
        && lists
            .iter()
            .flat_map(|list| list.as_slice())
            .all(|w| !w.is_empty() && plain(w));
    if !all_plain {
        return None;
    }
    // Sized exactly, once: tens of thousands are packed while a library is being read.
    let words: usize = lists
        .iter()
        .map(|l| l.as_slice().iter().map(|w| w.len() + 1).sum::<usize>())
        .sum();
    let energy = bp.energy_level.to_string();
    let mut packed = String::with_capacity(energy.len() + 1 + bp.primary_genre.len() + words);
    packed.push_str(&energy);
    packed.push(FIELD);
    packed.push_str(bp.primary_genre);
    for list in lists {
        packed.push(FIELD);
        for (i, word) in list.as_slice().iter().enumerate() {
            if i > 0 {
                packed.push(WORD);
            }
            packed.push_str(word);
        }
    }
    Some(packed)
}

/// A blueprint `pack` wrote; `None` for anything else (a stored JSON blueprint starts with `{`).
pub fn unpack(packed: &str) -> Option<BlueprintRef<'_>> {
    let mut fields = packed.split(FIELD);
    let energy_level = fields.next()?.parse().ok()?;
    let primary_genre = fields.next()?;
    let mut words = || {
        let list = fields.next()?;
        let mut words = Words::default();
        if !list.is_empty() {
            list.split(WORD).for_each(|w| words.push(w));
        }
        Some(words)
    };
    let bp = BlueprintRef {
        primary_genre,
        sub_genre: words()?,
        energy_level,
        energy_vibe: words()?,
        situation_environment: words()?,
        components: words()?,
        time_period: words()?,
    };
    fields.next().is_none().then_some(bp)
}

fn lists<'b, 'a>(bp: &'b BlueprintRef<'a>) -> [&'b Words<'a>; 5] {
    [
        &bp.sub_genre,
        &bp.energy_vibe,
        &bp.situation_environment,
        &bp.components,
        &bp.time_period,
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::blueprint::Blueprint;

    fn blueprint(words: Vec<Vec<String>>, energy: u8) -> Blueprint {
        let mut lists = words.into_iter();
        let mut next = || lists.next().unwrap_or_default();
        Blueprint {
            primary_genre: next().join(" "),
            sub_genre: next(),
            energy_level: energy,
            energy_vibe: next(),
            situation_environment: next(),
            components: next(),
            time_period: next(),
        }
    }

    #[test]
    fn packs_a_stored_blueprint_in_half_the_room() {
        let json = r#"{"primary_genre":"House","sub_genre":["Soulful House","French House","Afro House"],"energy_level":6,"energy_vibe":["Happy","Mellow","Aggressive"],"situation_environment":["Beach","Handoff","Lounge"],"components":["Extended","Synth","Saxophone"],"time_period":["2020s"]}"#;
        let stored = BlueprintRef::from_stored_json(json).unwrap();
        let packed = pack(&stored).unwrap();
        assert!(packed.len() * 2 < json.len(), "{packed:?}");
        assert_eq!(unpack(&packed), Some(stored));
        assert_eq!(unpack(json), None);
    }

    #[test]
    fn words_that_look_like_separators_stay_json() {
        let mut bp = blueprint(vec![vec!["House".into()]], 5);
        bp.sub_genre = vec!["".into()];
        assert_eq!(pack(&BlueprintRef::of(&bp)), None);
        bp.sub_genre = vec!["a\u{1f}b".into()];
        assert_eq!(pack(&BlueprintRef::of(&bp)), None);
    }

    proptest! {
        #[test]
        fn unpacks_what_it_packs(
            words in prop::collection::vec(
                prop::collection::vec("[^\\x00-\\x1f\\x7f-\\x{9f}]{1,12}", 0..4), 6),
            energy in 0u8..=255,
        ) {
            let bp = blueprint(words, energy);
            let borrowed = BlueprintRef::of(&bp);
            let packed = pack(&borrowed).unwrap();
            prop_assert_eq!(unpack(&packed), Some(borrowed));
        }
    }
}
