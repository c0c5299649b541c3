//! Reading a blueprint laid out exactly as the cache stores it (`Blueprint::to_json`) without a
//! general JSON parser: a re-render reads one for every track, and serde_json's reading was half
//! of rendering. Anything laid out otherwise, or a word with an escape or a control character
//! in it, is left to serde_json.

use crate::blueprint::{BlueprintRef, Words};

/// The blueprint in `text` when it is laid out as `Blueprint::to_json` writes it.
pub fn read_as_stored(text: &str) -> Option<BlueprintRef<'_>> {
    let mut reader = Reader { text, at: 0 };
    let r = &mut reader;
    r.literal("{\"primary_genre\":")?;
    let primary_genre = r.string()?;
    r.literal(",\"sub_genre\":")?;
    let sub_genre = r.words()?;
    r.literal(",\"energy_level\":")?;
    let energy_level = r.number()?;
    r.literal(",\"energy_vibe\":")?;
    let energy_vibe = r.words()?;
    r.literal(",\"situation_environment\":")?;
    let situation_environment = r.words()?;
    r.literal(",\"components\":")?;
    let components = r.words()?;
    r.literal(",\"time_period\":")?;
    let time_period = r.words()?;
    r.byte(b'}')?;
    (reader.at == text.len()).then_some(BlueprintRef {
        primary_genre,
        sub_genre,
        energy_level,
        energy_vibe,
        situation_environment,
        components,
        time_period,
    })
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    /// One byte, compared as a byte: most of what `literal` would be asked for is one quote,
    /// comma or bracket.
    fn byte(&mut self, byte: u8) -> Option<()> {
        let found = self.text.as_bytes().get(self.at) == Some(&byte);
        found.then(|| self.at += 1)
    }

    fn literal(&mut self, literal: &str) -> Option<()> {
        let found = self.text.as_bytes()[self.at..].starts_with(literal.as_bytes());
        found.then(|| self.at += literal.len())
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.byte(b'"')?;
        let rest = &self.text.as_bytes()[self.at..];
        // Words are a few bytes long: one plain loop beats setting up a vector search.
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        // Both ends sit next to an ASCII quote, so they fall between characters.
        let word = self.text.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(word)
    }

    fn words(&mut self) -> Option<Words<'a>> {
        self.byte(b'[')?;
        let mut words = Words::default();
        if self.byte(b']').is_some() {
            return Some(words);
        }
        loop {
            words.push(self.string()?);
            if self.byte(b',').is_none() {
                self.byte(b']')?;
                return Some(words);
            }
        }
    }

    /// A whole number as JSON writes it (no sign, no leading zero) that fits a `u8`.
    fn number(&mut self) -> Option<u8> {
        let rest = &self.text.as_bytes()[self.at..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        let number = self.text[self.at..self.at + digits].parse().ok()?;
        self.at += digits;
        Some(number)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::blueprint::Blueprint;

    fn serde_reads(text: &str) -> Option<BlueprintRef<'_>> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn reads_what_the_cache_stores_as_serde_json_does() {
        let bp = Blueprint {
            primary_genre: "Hip Hop / R&B".into(),
            sub_genre: vec![
                "Trap".into(),
                "Boom Bap".into(),
                "G-Funk".into(),
                "Drill".into(),
            ],
            energy_level: 10,
            energy_vibe: vec!["Dark".into()],
            situation_environment: vec![],
            components: vec!["Vocal".into(), "Piano".into()],
            time_period: vec!["1990s".into()],
        };
        let json = bp.to_json();
        let read = read_as_stored(&json);
        assert!(read.is_some(), "{json}");
        assert_eq!(read, serde_reads(&json));
        assert_eq!(read.map(|r| r.sub_genre.as_slice().len()), Some(3));
    }

    #[test]
    fn leaves_other_layouts_to_serde_json() {
        let stored = r#"{"primary_genre":"House","sub_genre":[],"energy_level":5,"energy_vibe":[],"situation_environment":[],"components":[],"time_period":[]}"#;
        assert!(read_as_stored(stored).is_some());
        for other in [
            stored.replace(":5,", ": 5,"),
            stored.replace(":5,", ":05,"),
            stored.replace(":5,", ":256,"),
            stored.replace(":5,", ":-5,"),
            stored.replace("\"House\"", "\"Ho\\u0075se\""),
            stored.replace("\"House\"", "\"Ho\\\"use\""),
            stored.replace("\"House\"", "\"Ho\tuse\""),
            stored.replace("[]}", "[],\"extra\":1}"),
            stored
                .replace("{\"primary_genre\":\"House\",", "{")
                .replace("}", ",\"primary_genre\":\"House\"}"),
            format!("{stored} "),
            stored[..stored.len() - 1].to_string(),
        ] {
            assert_eq!(read_as_stored(&other), None, "{other}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_any_stored_blueprint(
            genre in any::<String>(),
            words in proptest::collection::vec(any::<String>(), 0..5),
            energy in any::<u8>(),
        ) {
            let bp = Blueprint {
                primary_genre: genre,
                sub_genre: words.clone(),
                energy_level: energy,
                energy_vibe: words.iter().rev().cloned().collect(),
                situation_environment: vec![],
                components: words.clone(),
                time_period: words,
            };
            let json = bp.to_json();
            let ours = read_as_stored(&json);
            // serde_json cannot borrow an escaped word either; where neither reads it, a
            // `Blueprint` is built instead.
            prop_assert_eq!(ours, serde_reads(&json));
        }
    }
}
