//! Turns a blueprint into the attribute values written at a detail level.

mod block;
pub mod look;

use clap::ValueEnum;

pub use block::{comment_with_block, default_block, find_block, user_comment};
use look::Look;

use crate::blueprint::{Blueprint, BlueprintRef};
use crate::error::UsageError;
use crate::library::format::Format;
use crate::library::{Field, Library, TrackEntry};

/// How many words of each list a rendering shows: one of the three built-in levels, or one the
/// user's config.toml defines (`[levels.club]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub name: &'static str,
    pub sub_genre: usize,
    pub energy_vibe: usize,
    pub situation: usize,
    pub components: usize,
    pub time_period: usize,
}

impl Level {
    const fn uniform(name: &'static str, n: usize) -> Level {
        Level {
            name,
            sub_genre: n,
            energy_vibe: n,
            situation: n,
            components: n,
            time_period: 1,
        }
    }

    pub const ESSENTIAL: Level = Level::uniform("essential", 1);
    pub const RECOMMENDED: Level = Level::uniform("recommended", 2);
    pub const DETAILED: Level = Level::uniform("detailed", 3);
    pub const ALL: [Level; 3] = [Level::ESSENTIAL, Level::RECOMMENDED, Level::DETAILED];
    /// The level where no flag or file names one.
    pub const DEFAULT: Level = Level::RECOMMENDED;

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn builtin(name: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
}

impl Default for Level {
    fn default() -> Level {
        Level::RECOMMENDED
    }
}

/// The fields `--write` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WriteField {
    Genre,
    Comments,
    /// Traktor's "Comment 2" (its INFO RATING attribute), for a Comment that holds other
    /// tools' data.
    Comment2,
    #[value(alias = "color")]
    Colour,
    Rating,
}

impl WriteField {
    pub fn name(self) -> &'static str {
        match self {
            WriteField::Genre => "genre",
            WriteField::Comments => "comments",
            WriteField::Comment2 => "comment2",
            WriteField::Colour => "colour",
            WriteField::Rating => "rating",
        }
    }
}

/// `--write` may name only fields the library's format has.
pub fn check_writable(format: &dyn Format, fields: &[WriteField]) -> Result<(), UsageError> {
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| !format.writable().contains(&written(**f)))
        .map(|f| f.name())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let has: Vec<&str> = [
        WriteField::Genre,
        WriteField::Comments,
        WriteField::Comment2,
        WriteField::Colour,
        WriteField::Rating,
    ]
    .into_iter()
    .filter(|f| format.writable().contains(&written(*f)))
    .map(WriteField::name)
    .collect();
    Err(UsageError(format!(
        "--write {}: a {} library has no such field; it has {}",
        missing.join(","),
        format.name(),
        has.join(", ")
    )))
}

pub const DEFAULT_WRITE: &[WriteField] = &[WriteField::Genre, WriteField::Comments];

/// What one blueprint renders to at one level, computed once and shared by every track that
/// carries the same recording: format-neutral values, which the library's format encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub genre: String,
    /// The taggenius block that goes into the comments, after the DJ's own text.
    pub block: String,
    /// 1-10, which a format may write as a colour or a rating.
    pub energy: u8,
}

pub fn render(bp: &Blueprint, level: Level) -> Rendered {
    render_ref(&BlueprintRef::of(bp), &level, &Look::default())
}

pub fn render_ref(bp: &BlueprintRef, level: &Level, look: &Look) -> Rendered {
    let bp = &bp.in_vocabulary();
    let renames = &look.renames;
    let mut genre = String::with_capacity(64);
    genre.push_str(renames.word(bp.primary_genre));
    for sub in bp.sub_genre.as_slice().iter().take(level.sub_genre) {
        genre.push_str(", ");
        genre.push_str(renames.word(sub));
    }
    let block = match &look.template {
        Some(template) => template.render(bp, level, renames),
        None => comment_block(bp, level, renames),
    };
    Rendered {
        genre,
        block,
        energy: bp.energy_level,
    }
}

fn comment_block(bp: &BlueprintRef, level: &Level, renames: &look::Renames) -> String {
    let mut block = String::with_capacity(128);
    block.push_str("/* E: ");
    block.push(char::from(b'0' + bp.energy_level / 10 % 10));
    block.push(char::from(b'0' + bp.energy_level % 10));
    let lists = [
        ("Sit", &bp.situation_environment, level.situation),
        ("Vibe", &bp.energy_vibe, level.energy_vibe),
        ("Comp", &bp.components, level.components),
        ("Time", &bp.time_period, level.time_period),
    ];
    for (label, items, keep) in lists {
        for (i, item) in items.as_slice().iter().take(keep).enumerate() {
            block.push_str(if i == 0 { " / " } else { ", " });
            if i == 0 {
                block.push_str(label);
                block.push_str(": ");
            }
            block.push_str(renames.word(item));
        }
    }
    block.push_str(" */");
    block
}

/// The attribute a written field sets.
pub fn written(field: WriteField) -> Field {
    match field {
        WriteField::Genre => Field::Genre,
        WriteField::Comments => Field::Comments,
        WriteField::Comment2 => Field::Comment2,
        WriteField::Colour => Field::Colour,
        WriteField::Rating => Field::Rating,
    }
}

/// The values a track gets for the chosen fields, each named once, as the library's format
/// encodes them; a field the format keeps as the DJ's own, or cannot write, is left out.
pub fn field_values(
    lib: &Library,
    entry: &TrackEntry,
    mut rendered: Rendered,
    fields: &[WriteField],
    look: &Look,
) -> Vec<(Field, String)> {
    let format = lib.format();
    let mut values = Vec::with_capacity(fields.len());
    for &field in fields {
        let target = written(field);
        if !format.writable().contains(&target) || format.keeps(target, &lib.value(entry, target)) {
            continue;
        }
        let value = match field {
            WriteField::Genre => std::mem::take(&mut rendered.genre),
            WriteField::Comments | WriteField::Comment2 => {
                comment_with_block(&lib.value(entry, target), &rendered.block, look)
            }
            WriteField::Colour | WriteField::Rating => {
                match format.energy_value(target, rendered.energy) {
                    Some(value) => value.to_string(),
                    None => continue,
                }
            }
        };
        values.push((target, value));
    }
    values
}

/// Whether a value is one taggenius wrote, so that it is not mistaken for the user's own: a
/// value the user set (or changed since) replaces the remembered original, one of ours never
/// does.
pub fn written_by_taggenius(
    field: Field,
    current: &str,
    blueprint: &BlueprintRef,
    look: &Look,
) -> bool {
    match field {
        Field::Comments | Field::Comment2 => find_block(current, look).is_some(),
        Field::Genre => (look.sub_genre_counts().iter())
            .any(|&n| is_rendered_genre(blueprint, n, current, look)),
        _ => false,
    }
}

/// Whether `genre` is what `render` writes with `subs` sub-genres, compared piece by piece
/// without building the string: this runs for every track of a re-render.
fn is_rendered_genre(blueprint: &BlueprintRef, subs: usize, genre: &str, look: &Look) -> bool {
    let words = &look.renames;
    let Some(mut rest) = genre.strip_prefix(words.word(blueprint.primary_genre)) else {
        return false;
    };
    for sub in blueprint.sub_genre.as_slice().iter().take(subs) {
        match rest
            .strip_prefix(", ")
            .and_then(|r| r.strip_prefix(words.word(sub)))
        {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Blueprint {
        Blueprint {
            primary_genre: "House".into(),
            sub_genre: vec![
                "French House".into(),
                "Disco House".into(),
                "Filter House".into(),
            ],
            energy_level: 9,
            energy_vibe: vec!["Uplifting".into(), "Funky".into(), "Energetic".into()],
            situation_environment: vec!["Peak Hour".into(), "Pre-Party".into(), "Sunset".into()],
            components: vec!["Vocal".into(), "Keys".into(), "Strings".into()],
            time_period: vec!["2000s".into()],
        }
    }

    #[test]
    fn a_stored_blueprint_renders_the_same_borrowed_or_copied() {
        use crate::cache::Cached;
        let plain = sample();
        let mut quoted = sample();
        quoted.sub_genre[1] = "Drum \"n\" Bass \\ Jungle".into();
        for bp in [plain, quoted] {
            let cached = Cached::new("test", &bp);
            for level in Level::ALL {
                let rendered = cached.with_blueprint(|r| render_ref(r, &level, &Look::default()));
                assert_eq!(rendered, Some(render(&bp, level)));
            }
        }
        // A word with a JSON escape cannot be borrowed; `with_blueprint` then copies.
        let escaped = r#"{"primary_genre":"House","sub_genre":["A \"B\""],"energy_level":5}"#;
        assert!(BlueprintRef::from_stored_json(escaped).is_none());
        let more = r#"{"primary_genre":"House","sub_genre":["a","b","c","d"],"energy_level":10}"#;
        let four = BlueprintRef::from_stored_json(more).unwrap();
        assert_eq!(four.sub_genre.as_slice(), ["a", "b", "c"]);
        assert!(render_ref(&four, &Level::DETAILED, &Look::default())
            .block
            .starts_with("/* E: 10"));
    }

    #[test]
    fn levels_keep_the_first_n_items() {
        let essential = render(&sample(), Level::ESSENTIAL);
        assert_eq!(essential.genre, "House, French House");
        assert_eq!(
            essential.block,
            "/* E: 09 / Sit: Peak Hour / Vibe: Uplifting / Comp: Vocal / Time: 2000s */"
        );
        let detailed = render(&sample(), Level::DETAILED);
        assert_eq!(
            detailed.genre,
            "House, French House, Disco House, Filter House"
        );
        assert_eq!(
            detailed.block,
            "/* E: 09 / Sit: Peak Hour, Pre-Party, Sunset / Vibe: Uplifting, Funky, Energetic / Comp: Vocal, Keys, Strings / Time: 2000s */"
        );
    }

    #[test]
    fn empty_parts_are_left_out() {
        let bp = Blueprint {
            primary_genre: "Techno".into(),
            sub_genre: vec![],
            energy_level: 3,
            energy_vibe: vec![],
            situation_environment: vec![],
            components: vec![],
            time_period: vec![],
        };
        let r = render(&bp, Level::RECOMMENDED);
        assert_eq!(
            (r.genre.as_str(), r.block.as_str()),
            ("Techno", "/* E: 03 */")
        );
        assert_eq!(r.energy, 3);
    }

    #[test]
    fn blocks_replace_ours_and_keep_my_tags() {
        let look = &Look::default();
        let first = comment_with_block("Whatta classic /* Dark */", "/* E: 05 */", look);
        assert_eq!(first, "Whatta classic /* Dark */ /* E: 05 */");
        let again = comment_with_block(&first, "/* E: 07 / Sit: Closer */", look);
        assert_eq!(again, "Whatta classic /* Dark */ /* E: 07 / Sit: Closer */");
        assert_eq!(comment_with_block("", "/* E: 01 */", look), "/* E: 01 */");
        assert_eq!(user_comment("/* E: 01 */", look), "");
        assert_eq!(user_comment("/* E: nope */", look), "/* E: nope */");
        let lookalike = comment_with_block("01 /* E: 12", "/* E: 05 */", look);
        assert_eq!(lookalike, "01 /* E: 12 /* E: 05 */");
        assert_eq!(user_comment(&lookalike, look), "01 /* E: 12");
    }
}
