//! How the written words look, as the user's config.toml says: renames of words ("Peak Hour" →
//! "Peak Time") and a template for the comment block; and the templates blocks were written
//! with before, so that those blocks are still known as taggenius's.

use std::ops::Range;

use crate::blueprint::{BlueprintRef, Words};
use crate::render::Level;

/// Renames, compared without regard to case; applied to what is written, never to what is
/// stored. A handful at most, looked through for every word a re-render writes: a list
/// compared in place beats hashing a lower-cased copy of each word (1.13× the plain re-render
/// at 50,000 tracks before).
#[derive(Debug, Clone, Default)]
pub struct Renames(Vec<(String, String)>);

impl Renames {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Renames {
        Renames(pairs.into_iter().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The word as the user calls it.
    pub fn word<'a>(&'a self, word: &'a str) -> &'a str {
        let same = |from: &str| match word.is_ascii() {
            true => from.eq_ignore_ascii_case(word),
            false => from.to_lowercase() == word.to_lowercase(),
        };
        (self.0.iter())
            .find(|(from, _)| same(from))
            .map_or(word, |(_, to)| to.as_str())
    }
}

/// What a block template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Energy { two_digits: bool },
    Genre,
    SubGenre,
    Situation,
    Vibe,
    Components,
    Decade,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(Placeholder),
}

/// A comment block template: `/* E:{energy:02} | {situation} | {vibe} */`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub text: String,
    parts: Vec<Part>,
}

pub const PLACEHOLDERS: &str =
    "{energy}, {energy:02}, {genre}, {sub_genre}, {situation}, {vibe}, {components}, {decade}";

impl Template {
    /// A template that is one `/* … */` block naming only known placeholders.
    pub fn parse(text: &str) -> Result<Template, String> {
        let inner = text
            .strip_prefix("/*")
            .and_then(|t| t.strip_suffix("*/"))
            .ok_or("a block template starts with /* and ends with */")?;
        if inner.contains("*/") || inner.contains("/*") {
            return Err("a block template is one /* … */ block, with no /* or */ inside".into());
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or("a { without its }")? + open;
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let slot = match &rest[open + 1..close] {
                "energy" => Placeholder::Energy { two_digits: false },
                "energy:02" => Placeholder::Energy { two_digits: true },
                "genre" => Placeholder::Genre,
                "sub_genre" => Placeholder::SubGenre,
                "situation" => Placeholder::Situation,
                "vibe" => Placeholder::Vibe,
                "components" => Placeholder::Components,
                "decade" => Placeholder::Decade,
                other => {
                    return Err(format!(
                        "unknown placeholder {{{other}}}; known: {PLACEHOLDERS}"
                    ))
                }
            };
            parts.push(Part::Slot(slot));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    /// The block for a blueprint at a level: each list's words joined with ", ".
    pub fn render(&self, bp: &BlueprintRef, level: &Level, renames: &Renames) -> String {
        let list = |words: &Words, n: usize| {
            let kept: Vec<&str> = words
                .as_slice()
                .iter()
                .take(n)
                .map(|w| renames.word(w))
                .collect();
            kept.join(", ")
        };
        let rendered = self.parts.iter().map(|part| match part {
            Part::Text(text) => (false, text.clone()),
            Part::Slot(slot) => (
                true,
                match slot {
                    Placeholder::Energy { two_digits: true } => format!("{:02}", bp.energy_level),
                    Placeholder::Energy { .. } => bp.energy_level.to_string(),
                    Placeholder::Genre => renames.word(bp.primary_genre).to_string(),
                    Placeholder::SubGenre => list(&bp.sub_genre, level.sub_genre),
                    Placeholder::Situation => list(&bp.situation_environment, level.situation),
                    Placeholder::Vibe => list(&bp.energy_vibe, level.energy_vibe),
                    Placeholder::Components => list(&bp.components, level.components),
                    Placeholder::Decade => list(&bp.time_period, level.time_period),
                },
            ),
        });
        collapse(rendered)
    }

    /// Where a block this template wrote stands in `comment`: its text in order, anything
    /// (but a block's end) where it names a placeholder.
    pub fn find_in(&self, comment: &str) -> Option<Range<usize>> {
        let Some(Part::Text(first)) = self.parts.first() else {
            return None;
        };
        let mut from = 0;
        while let Some(found) = comment[from..].find(first.as_str()) {
            let start = from + found;
            if let Some(end) = self.matches_from(comment, start + first.len()) {
                return Some(start..end);
            }
            from = start + 1;
        }
        None
    }

    /// Where the rest of the template, after its first text, ends when it matches from `at`.
    /// A separator between two slots may be missing (it went with an empty list); the last
    /// text, which closes the block, may not.
    fn matches_from(&self, comment: &str, mut at: usize) -> Option<usize> {
        let last = self.parts.len() - 1;
        let mut gap = false;
        for (i, part) in self.parts.iter().enumerate().skip(1) {
            match part {
                Part::Slot(_) => gap = true,
                Part::Text(text) => {
                    let end = comment[at..]
                        .find("*/")
                        .map_or(comment.len(), |e| at + e + 2);
                    let found = match gap {
                        true => comment[at..end].find(text.as_str()),
                        false => comment[at..end].starts_with(text.as_str()).then_some(0),
                    };
                    match found {
                        Some(found) => at += found + text.len(),
                        None if i == last => return None,
                        None => {}
                    }
                    gap = false;
                }
            }
        }
        Some(at)
    }
}

/// The block's text from its rendered parts (whether each is a slot, and its text): an empty
/// slot goes with the separator before it (the text since the last slot kept), or, when no
/// slot was kept before it, with the separator after it.
fn collapse(parts: impl Iterator<Item = (bool, String)>) -> String {
    let parts: Vec<(bool, String)> = parts.collect();
    let mut out = String::new();
    // Where the text since the last slot kept begins in `out`, if a slot was kept.
    let mut separator_from: Option<usize> = None;
    let mut drop_next_separator = false;
    for (i, (is_slot, text)) in parts.iter().enumerate() {
        let between_slots = || parts[i + 1..].iter().any(|(slot, _)| *slot);
        match (*is_slot, text.is_empty()) {
            (true, true) => match separator_from {
                Some(from) => out.truncate(from),
                None => drop_next_separator = true,
            },
            (true, false) => {
                out.push_str(text);
                separator_from = Some(out.len());
            }
            (false, _) if drop_next_separator && between_slots() => drop_next_separator = false,
            (false, _) => out.push_str(text),
        }
    }
    out
}

/// The renames and block template a run writes with, and the templates it knows blocks by.
#[derive(Debug, Clone, Default)]
pub struct Look {
    pub renames: Renames,
    pub template: Option<Template>,
    /// Templates earlier runs wrote with (the cache keeps them).
    pub known: Vec<Template>,
    /// How many sub-genres the config's own levels write, besides the built-in 1, 2 and 3.
    pub custom_sub_genres: Vec<usize>,
}

impl Look {
    /// Knows blocks of these templates too (those the cache remembers writing with).
    pub fn knowing(mut self, templates: &[String]) -> Look {
        self.known = templates
            .iter()
            .filter_map(|t| Template::parse(t).ok())
            .collect();
        self
    }

    /// Every number of sub-genres a level writes: a Genre of one of these lengths is ours.
    pub fn sub_genre_counts(&self) -> Vec<usize> {
        let mut counts: Vec<usize> = Level::ALL.iter().map(|l| l.sub_genre).collect();
        counts.extend(&self.custom_sub_genres);
        counts
    }

    /// Where a block taggenius wrote stands, by any template it has written with.
    pub fn find_block(&self, comment: &str) -> Option<Range<usize>> {
        let found = self
            .template
            .iter()
            .chain(&self.known)
            .filter_map(|t| t.find_in(comment))
            .chain(crate::render::default_block(comment))
            .min_by_key(|r| r.start)?;
        let begin = comment[..found.start].trim_end().len();
        Some(begin..found.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::Blueprint;

    #[test]
    fn a_template_renders_and_finds_its_blocks() {
        let t = Template::parse("/* E:{energy:02} | {situation} | {vibe} | {decade} */").unwrap();
        let bp = Blueprint::from_json(r#"{"primary_genre":"House","energy_level":7,"situation_environment":["Peak Hour","Warmup"],"energy_vibe":["Dark"],"time_period":["1990s"]}"#).unwrap();
        let renames = Renames::new([("peak hour".to_string(), "Peak Time".to_string())]);
        let block = t.render(&BlueprintRef::of(&bp), &Level::RECOMMENDED, &renames);
        assert_eq!(block, "/* E:07 | Peak Time, Warmup | Dark | 1990s */");
        let comment = format!("mine /* Dark */ {block}");
        assert_eq!(t.find_in(&comment), Some(16..comment.len()));
        assert_eq!(t.find_in("mine /* Dark */"), None);
        for bad in [
            "E:{energy}",
            "/* {nope} */",
            "/* a */ /* b */",
            "/* {energy */",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_lists_take_their_separators_with_them() {
        let t =
            Template::parse("/* E:{energy:02} | {situation} | {vibe} | {components} | {decade} */")
                .unwrap();
        let bp = Blueprint::from_json(r#"{"primary_genre":"House","energy_level":7,"energy_vibe":["Driving"],"time_period":["2020s"]}"#).unwrap();
        let block = t.render(
            &BlueprintRef::of(&bp),
            &Level::RECOMMENDED,
            &Renames::default(),
        );
        assert_eq!(block, "/* E:07 | Driving | 2020s */");
        let comment = format!("mine {block}");
        assert_eq!(t.find_in(&comment), Some(5..comment.len()));

        let first_empty = Template::parse("/* TG {situation} | {vibe} */").unwrap();
        let block = first_empty.render(
            &BlueprintRef::of(&bp),
            &Level::RECOMMENDED,
            &Renames::default(),
        );
        assert_eq!(block, "/* TG Driving */");
        assert_eq!(first_empty.find_in(&block), Some(0..block.len()));
        let none = Blueprint::from_json(r#"{"primary_genre":"House","energy_level":7}"#).unwrap();
        let block = first_empty.render(
            &BlueprintRef::of(&none),
            &Level::RECOMMENDED,
            &Renames::default(),
        );
        assert_eq!(block, "/* TG  */");
        assert_eq!(first_empty.find_in(&block), Some(0..block.len()));
    }
}
