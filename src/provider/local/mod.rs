//! The offline provider: a partial blueprint derived from the track's own metadata, for runs
//! without a model. A track is placed only when its Genre names something the vocabulary
//! knows; anything else stays a miss, so that an online run still tags it properly.

pub(crate) mod aliases;

use crate::blueprint::{title_case, Blueprint, DECADES, MAX_ITEMS, MAX_SUB_GENRE_CHARS};
use crate::library::track::TrackInfo;
use crate::provider::local::aliases::{lookup, Alias, Mood, MOODS, PRIMARY_TEMPOS, SUB_TEMPOS};

/// Genre, energy, a few moods, decade and version components from the track's own tags, or
/// `None` when its Genre cannot be placed.
pub fn local_blueprint(info: &TrackInfo) -> Option<Blueprint> {
    let placed = place_genre(&info.genre)?;
    let energy = tempo_adjusted(placed.energy, tempo_range(&placed), info.bpm);
    // A track far off its genre's tempo is not typical of it, nor of its usual moods.
    let typical = energy.abs_diff(placed.energy) <= 1;
    let (vibes, situations) = if typical {
        mood(&placed)
    } else {
        (&[][..], &[][..])
    };
    let decade = decade_of_year(&info.year).or_else(|| decade_tag_in(&info.genre));
    Blueprint {
        primary_genre: placed.primary.to_string(),
        sub_genre: placed.subs,
        energy_level: energy,
        energy_vibe: vibes.iter().copied().map(String::from).collect(),
        situation_environment: situations.iter().copied().map(String::from).collect(),
        components: title_components(&info.title),
        time_period: decade.into_iter().map(String::from).collect(),
    }
    .validated()
    .ok()
}

/// A Genre placed on the vocabulary.
#[derive(Debug, Clone, PartialEq)]
struct Placement {
    primary: &'static str,
    subs: Vec<String>,
    energy: u8,
}

impl Placement {
    fn new(alias: Alias, sub: Option<String>) -> Placement {
        let sub = sub.or_else(|| alias.sub.map(String::from));
        Placement {
            primary: alias.primary,
            subs: sub.into_iter().collect(),
            energy: alias.energy,
        }
    }

    /// A later part of a multi-genre string ("Techno / Minimal Deep Tech") adds its sub-genre
    /// when it agrees on the primary genre; a part that disagrees is a second opinion, and the
    /// first part is the one the DJ put first.
    fn absorb(&mut self, other: Placement) {
        if other.primary != self.primary {
            return;
        }
        if self.subs.is_empty() && !other.subs.is_empty() {
            // The more specific part knows the energy better.
            self.energy = other.energy;
        }
        for sub in other.subs {
            let known = self.subs.iter().any(|s| s.eq_ignore_ascii_case(&sub));
            if !known && self.subs.len() < MAX_ITEMS {
                self.subs.push(sub);
            }
        }
    }
}

/// Tries the whole string, then each part of a list ("Electro, Dance", "trance;hardstyle"),
/// merging what the parts agree on.
fn place_genre(raw: &str) -> Option<Placement> {
    let text = decode_entities(raw);
    if let Some(whole) = lookup_words(&text) {
        return Some(whole);
    }
    let mut found: Option<Placement> = None;
    for hit in split_list(&text).iter().flat_map(|part| place_part(part)) {
        match found.as_mut() {
            None => found = Some(hit),
            Some(first) => first.absorb(hit),
        }
    }
    // DJs who file oldies by decade ("80er", "90s") mean the pop of that decade.
    found.or_else(|| {
        decade_tag_in(&text).map(|_| Placement {
            primary: "Pop",
            subs: Vec::new(),
            energy: 6,
        })
    })
}

/// One list item: as written, else as genres joined by "&" ("Alternative & Indie Rock &
/// Dance"), else by the genre its last words name ("Chill Hip Hop" is hip hop).
fn place_part(part: &str) -> Vec<Placement> {
    if let Some(hit) = lookup_words(part) {
        return vec![hit];
    }
    let pieces = split_joined(part);
    if pieces.len() > 1 {
        return pieces.iter().filter_map(|p| place_piece(p)).collect();
    }
    place_piece(part).into_iter().collect()
}

fn place_piece(piece: &str) -> Option<Placement> {
    lookup_words(piece).or_else(|| lookup_head(piece))
}

/// Words like "music" that add nothing to a genre ("House Music", "Club Music").
const FILLER: &[&str] = &[
    "music", "musik", "musique", "musica", "genre", "style", "songs", "tracks", "the",
];

fn lookup_words(text: &str) -> Option<Placement> {
    let folded = fold_words(text);
    if folded.is_empty() {
        return None;
    }
    let plain = without_filler(&folded);
    let alias = lookup(&folded).or_else(|| lookup(&plain))?;
    Some(Placement::new(alias, None))
}

fn without_filler(folded: &str) -> String {
    let words: Vec<&str> = folded.split(' ').filter(|w| !FILLER.contains(w)).collect();
    words.join(" ")
}

/// English genre names put the genre last ("Dutch House", "Industrial Metal"), so the
/// longest known tail places the piece, and the whole piece becomes its sub-genre unless its
/// head is merely the bare name of the same genre ("House electronic").
fn lookup_head(piece: &str) -> Option<Placement> {
    let folded = without_filler(&fold_words(piece));
    let words: Vec<&str> = folded.split(' ').collect();
    (1..words.len()).find_map(|start| {
        let alias = lookup(&words[start..].join(" "))?;
        let head = &words[..start];
        let redundant =
            lookup(&head.join(" ")).is_some_and(|h| h.primary == alias.primary && h.sub.is_none());
        let junk = head.iter().all(|w| w.chars().count() < 2);
        let sub = if redundant || junk {
            None
        } else {
            display_name(piece)
        };
        Some(Placement::new(alias, sub))
    })
}

/// The DJ's own spelling as a sub-genre, with shouted or all-lower-case text title-cased.
fn display_name(piece: &str) -> Option<String> {
    let name = piece.split_whitespace().collect::<Vec<_>>().join(" ");
    let has_lower = name.chars().any(char::is_lowercase);
    let has_upper = name.chars().any(char::is_uppercase);
    let name = if has_lower && has_upper {
        name
    } else {
        title_case(&name.to_lowercase())
    };
    (name.chars().count() <= MAX_SUB_GENRE_CHARS).then_some(name)
}

/// Splits a list of genres on the separators DJ software and taggers use.
fn split_list(text: &str) -> Vec<String> {
    text.replace(" - ", "/")
        .replace(" \u{2013} ", "/")
        .split(['/', ',', ';', '|', '(', ')', '[', ']', '\\'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(String::from)
        .collect()
}

/// Splits on "&", "+" and "and" used as list joiners; "R&B" and "D&B" stay whole, since
/// their "&" touches no space.
fn split_joined(part: &str) -> Vec<String> {
    let chars: Vec<char> = part.chars().collect();
    let open = |at: Option<usize>| {
        at.and_then(|i| chars.get(i))
            .is_none_or(|c| c.is_whitespace())
    };
    let mut pieces = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let joiner = matches!(c, '&' | '+') && (open(i.checked_sub(1)) || open(Some(i + 1)));
        match pieces.last_mut() {
            Some(last) if !joiner => last.push(c),
            _ => pieces.push(String::new()),
        }
    }
    let mut words_split = Vec::new();
    for piece in pieces {
        let mut current: Vec<&str> = Vec::new();
        for word in piece.split_whitespace() {
            if word.eq_ignore_ascii_case("and") {
                words_split.push(current.join(" "));
                current.clear();
            } else {
                current.push(word);
            }
        }
        words_split.push(current.join(" "));
    }
    words_split.retain(|p| !p.is_empty());
    words_split
}

/// Folds text so that the ways DJs spell one genre meet on one key: case, accents, hyphens
/// and spacing go, and "&", "+", "'n'" and a lone "n" all read "and" ("Drum'n'Bass",
/// "Drum n Bass", "Drum & Bass").
fn fold_words(text: &str) -> String {
    let text = text
        .replace(['\u{2019}', '\u{2018}', '`', '\u{b4}'], "'")
        .replace("'n'", " n ")
        .replace("'N'", " n ");
    let mut spaced = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' | '+' => spaced.push_str(" and "),
            '\'' => {}
            c if c.is_alphanumeric() => spaced.extend(c.to_lowercase().map(unaccent)),
            _ => spaced.push(' '),
        }
    }
    let words: Vec<&str> = spaced
        .split_whitespace()
        .map(|w| if w == "n" { "and" } else { w })
        .collect();
    words.join(" ")
}

fn unaccent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// Library readers decode entities, but Genre text pasted from elsewhere sometimes has them.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// "1999", "1999-05-12" or Traktor's "1999/5/12" give "1990s"; 0, two-digit years and
/// years outside the vocabulary give nothing.
fn decade_of_year(year: &str) -> Option<&'static str> {
    let digits: String = year
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.len() != 4 {
        return None;
    }
    decade_of(digits.parse().ok()?)
}

fn decade_of(year: u32) -> Option<&'static str> {
    let index = year.checked_sub(1920)? / 10;
    DECADES.get(usize::try_from(index).ok()?).copied()
}

/// A decade that a whole part of the Genre names ("80s", "80's Music", "90er", "1970s"); a
/// decade inside other words ("Loli in early 20s") is not one.
fn decade_tag_in(genre: &str) -> Option<&'static str> {
    split_list(&decode_entities(genre))
        .iter()
        .find_map(|part| decade_tag(&without_filler(&fold_words(part))))
}

fn decade_tag(word: &str) -> Option<&'static str> {
    let digits = word.strip_suffix('s').or_else(|| word.strip_suffix("er"))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    let year = match digits.len() {
        2 if number >= 20 => 1900 + number,
        2 => 2000 + number,
        4 => number,
        _ => return None,
    };
    if year % 10 != 0 {
        return None;
    }
    decade_of(year)
}

/// Version words in titles, in the order of `blueprint::COMPONENTS`. Strong phrases count
/// anywhere in the title; weak ones only in the mix name (brackets, or after " - "), where
/// "Dub" or "Intro" names a version rather than being part of the song's name.
#[rustfmt::skip]
const VERSION_WORDS: &[(&str, &[&str], &[&str])] = &[
    ("Vocal", &[], &["vocal", "vox"]),
    ("Instrumental", &["instrumental"], &["dub", "inst"]),
    ("Acapella", &["acapella", "acappella", "accapella", "a cappella", "a capella"], &["acca"]),
    ("Remix", &["remix", "rmx", "bootleg", "rework", "reworked", "refix", "remixed", "re mix"],
        &["vip", "flip", "mashup", "mash up"]),
    ("Intro", &["dj intro", "intro edit", "intro clean", "intro dirty", "clean intro", "dirty intro"],
        &["intro"]),
    ("Extended", &["extended", "ext mix", "12 inch", "12 version"], &["ext"]),
    ("Edit", &["edit", "reedit", "radio mix", "radio version", "radio cut"], &["radio", "short mix"]),
];

fn title_components(title: &str) -> Vec<String> {
    let whole = format!(" {} ", fold_words(title));
    let mix = format!(" {} ", fold_words(&mix_name(title)));
    let says =
        |text: &str, phrases: &[&str]| phrases.iter().any(|p| text.contains(&format!(" {p} ")));
    VERSION_WORDS
        .iter()
        .filter(|(_, strong, weak)| says(&whole, strong) || says(&mix, weak))
        .map(|&(component, ..)| component.to_string())
        .take(MAX_ITEMS)
        .collect()
}

/// The bracketed parts of a title and whatever follows " - ": where mix names live.
fn mix_name(title: &str) -> String {
    let mut mix = String::new();
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                mix.push(' ');
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => mix.push(c),
            _ => {}
        }
    }
    if let Some((_, tail)) = title.split_once(" - ") {
        mix.push(' ');
        mix.push_str(tail);
    }
    mix
}

fn tempo_range(placed: &Placement) -> Option<(f64, f64)> {
    let sub = placed
        .subs
        .first()
        .map(|s| s.to_lowercase())
        .unwrap_or_default();
    let by_sub = SUB_TEMPOS
        .iter()
        .find(|(genre, word, ..)| *genre == placed.primary && sub.contains(word))
        .map(|&(_, _, low, high)| (low, high));
    let by_primary = || {
        PRIMARY_TEMPOS
            .iter()
            .find(|(genre, ..)| *genre == placed.primary)
            .map(|&(_, low, high)| (low, high))
    };
    by_sub.or_else(by_primary)
}

/// A track well below its genre's tempo is calmer than the genre's usual energy, one well
/// above it wilder: one step outside the range, two when more than 12% outside. Half- and
/// double-time readings are brought back to the genre's octave first.
fn tempo_adjusted(base: u8, range: Option<(f64, f64)>, bpm: Option<f64>) -> u8 {
    let bpm = bpm.filter(|b| b.is_finite() && (30.0..=400.0).contains(b));
    let (Some((low, high)), Some(mut bpm)) = (range, bpm) else {
        return base.clamp(1, 10);
    };
    for _ in 0..3 {
        if bpm < low / 1.5 {
            bpm *= 2.0;
        } else if bpm > high * 1.5 {
            bpm /= 2.0;
        }
    }
    let step: i32 = if bpm < low {
        -1 - i32::from(bpm < low * 0.88)
    } else if bpm > high {
        1 + i32::from(bpm > high * 1.12)
    } else {
        0
    };
    u8::try_from((i32::from(base) + step).clamp(1, 10)).unwrap_or(base)
}

fn mood(placed: &Placement) -> Mood {
    let find = |name: &str| {
        MOODS
            .iter()
            .find(|(known, ..)| known.eq_ignore_ascii_case(name))
    };
    let by_sub = placed.subs.first().and_then(|sub| find(sub));
    match by_sub.or_else(|| find(placed.primary)) {
        Some(&(_, vibes, situations)) => (vibes, situations),
        None => (&[], &[]),
    }
}

#[cfg(test)]
mod tests;
