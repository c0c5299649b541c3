//! The crate a set is built from: the tracks that pass `find`'s filters and have a blueprint,
//! a BPM, a key and a length, each once; and why the others were left out.

use rustc_hash::FxHashMap;

use crate::cache::Cached;
use crate::library::{Field, Library};
use crate::query::keys::Key;
use crate::query::Filters;
use crate::render::look::Renames;
use crate::set::{Situation, Track};

/// A track shorter than this is a sample or a jingle, not something to mix.
const SHORTEST_SECONDS: f64 = 60.0;

/// Why a track of the library is not a candidate, in the order they are checked.
pub const REASONS: [&str; 8] = [
    "no blueprint",
    "no BPM",
    "no key",
    "no length",
    "shorter than a minute",
    "outside the filters",
    "the same track again",
    "--exclude",
];
/// The reason `--exclude` gives.
pub const EXCLUDED: usize = 7;

pub struct Crate {
    pub tracks: Vec<Track>,
    /// Each candidate's index in the library.
    pub entries: Vec<usize>,
    /// "Artist - Title" of each candidate.
    pub names: Vec<String>,
    /// How many tracks each of `REASONS` left out.
    pub left_out: [usize; REASONS.len()],
}

/// What a track's blueprint gives the set.
struct Tagged {
    energy: u8,
    genre: String,
    situation: Situation,
    passes: bool,
}

pub fn gather(
    lib: &Library,
    blueprints: &[Option<&Cached>],
    filters: &Filters,
    renames: &Renames,
) -> Crate {
    let mut found = Crate {
        tracks: Vec::new(),
        entries: Vec::new(),
        names: Vec::new(),
        left_out: [0; REASONS.len()],
    };
    let mut names = Interner::default();
    let mut genres = Interner::default();
    let mut seen_files = FxHashMap::default();
    let mut seen_songs = FxHashMap::default();
    for (index, entry) in lib.tracks.iter().enumerate() {
        let key = Key::parse(&lib.value(entry, Field::Key));
        let bpm = lib.bpm(entry);
        let tagged = blueprints[index]
            .and_then(|c| c.with_blueprint(|bp| tagged(bp, filters, bpm, key, renames)));
        let seconds = lib.seconds(entry);
        let (artist, title) = lib.artist_and_title(entry);
        // Only a candidate counts as played: a copy with a key stands in for one without.
        let reason = unusable(tagged.as_ref(), bpm, key, seconds).or_else(|| {
            let song = crate::library::track::cache_key(&artist, &title);
            // The file as the format tells files apart (a Windows path in any case is one).
            let file = lib.identity(entry).map(|id| id.into_owned());
            let again = seen_songs.insert(song, ()).is_some()
                | file.is_some_and(|file| seen_files.insert(file, ()).is_some());
            again.then_some(6)
        });
        let (Some(t), Some(bpm), Some(key), Some(seconds), None) =
            (tagged, bpm, key, seconds, reason)
        else {
            found.left_out[reason.unwrap_or(0)] += 1;
            continue;
        };
        found.tracks.push(Track {
            artists: artists_of(&artist).map(|a| names.id(&a)).collect(),
            bpm,
            key,
            seconds,
            energy: t.energy,
            genre: genres.id(&t.genre),
            situation: t.situation,
        });
        found.entries.push(index);
        found.names.push(match artist.is_empty() {
            true => title,
            false => format!("{artist} - {title}"),
        });
    }
    found
}

/// Which of `REASONS` leaves a track out before it is compared with the others.
fn unusable(
    tagged: Option<&Tagged>,
    bpm: Option<f64>,
    key: Option<Key>,
    seconds: Option<f64>,
) -> Option<usize> {
    match (tagged, bpm, key, seconds) {
        (None, ..) => Some(0),
        (_, None, ..) => Some(1),
        (_, _, None, _) => Some(2),
        (.., None) => Some(3),
        (.., Some(s)) if s < SHORTEST_SECONDS => Some(4),
        (Some(t), ..) if !t.passes => Some(5),
        _ => None,
    }
}

fn tagged(
    bp: &crate::blueprint::BlueprintRef,
    filters: &Filters,
    bpm: Option<f64>,
    key: Option<Key>,
    renames: &Renames,
) -> Tagged {
    let situations = bp.in_vocabulary().situation_environment;
    let says = |words: &[&str]| {
        situations
            .as_slice()
            .iter()
            .any(|s| words.iter().any(|w| s.eq_ignore_ascii_case(w)))
    };
    Tagged {
        energy: bp.energy_level,
        genre: bp.primary_genre.to_string(),
        situation: Situation {
            warmup: says(&["Warmup", "Warm-up", "Opener"]),
            peak: says(&["Peak Hour", "Peak Time"]),
            closer: says(&["Closer", "Outro"]),
        },
        passes: filters.matches(bp, bpm, key, renames),
    }
}

/// The track's file as the library writes it: rekordbox's Location URL, VirtualDJ's FilePath,
/// Traktor's VOLUME, DIR and FILE together (as its playlists name the track).
pub fn location(lib: &Library, index: usize) -> String {
    let entry = &lib.tracks[index];
    [Field::Volume, Field::Folder, Field::Location]
        .map(|f| lib.value(entry, f))
        .concat()
}

/// Each artist a credit names: "A & B feat. C" is A, B and C, folded.
fn artists_of(credit: &str) -> impl Iterator<Item = String> + '_ {
    let lower = credit.to_lowercase();
    let mut names = vec![lower];
    for separator in [
        " feat. ",
        " feat ",
        " ft. ",
        " featuring ",
        " & ",
        ", ",
        " x ",
        " vs. ",
        " vs ",
        " and ",
    ] {
        names = names
            .iter()
            .flat_map(|n| n.split(separator).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    names
        .into_iter()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
}

#[derive(Default)]
struct Interner(FxHashMap<String, u32>);

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(name.to_string()).or_insert(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_names_each_artist() {
        let names: Vec<String> = artists_of("Bicep & Hammer feat. Clara La San").collect();
        assert_eq!(names, ["bicep", "hammer", "clara la san"]);
        let names: Vec<String> = artists_of("  Daft   Punk ").collect();
        assert_eq!(names, ["daft punk"]);
        assert_eq!(artists_of("").count(), 0);
    }
}
