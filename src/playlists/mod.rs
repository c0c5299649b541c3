//! Playlists built from the rendered tags: the `taggenius` folder of Energy bands, Situations,
//! Genres and the rest, as a tree of names and track indices that each format then writes in
//! its own way (`library::playlists` into the file, `m3u` as files beside it).

pub mod m3u;
pub mod order;

use clap::ValueEnum;

use crate::blueprint::{vocabulary, BlueprintRef};
use crate::cache::Cached;
pub use crate::library::playlist_tree::{Node, FOLDER, QUERIES, SAVED, SETS};
use crate::render::look::Renames;
use crate::render::Level;

/// A sub-genre gets a playlist of its own once it holds this many tracks.
const MIN_SUB_GENRE_TRACKS: usize = 3;

/// The groups `--playlists` can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Group {
    Energy,
    Situation,
    Genre,
    Vibe,
    Decade,
    Component,
}

impl Group {
    /// The groups `--playlists` builds when it names none, as the flag's text and as a list.
    pub const DEFAULT: &'static str = "energy,situation,genre";
    pub const DEFAULT_SET: [Group; 3] = [Group::Energy, Group::Situation, Group::Genre];

    fn folder(self) -> &'static str {
        match self {
            Group::Energy => "Energy",
            Group::Situation => "Situation",
            Group::Genre => "Genre",
            Group::Vibe => "Vibe",
            Group::Decade => "Decade",
            Group::Component => "Component",
        }
    }
}

/// The energy bands, as the colours band them.
const ENERGY_BANDS: [(&str, u8, u8); 5] = [
    ("9-10", 9, 10),
    ("8", 8, 8),
    ("6-7", 6, 7),
    ("4-5", 4, 5),
    ("1-3", 1, 3),
];

/// The `taggenius` folder for `groups`: only tracks with a blueprint, each in the playlists its
/// tags at `level` name, in `order`; `None` when it would hold no playlist.
pub fn build(
    blueprints: &[Option<&Cached>],
    order: &[usize],
    level: &Level,
    renames: &Renames,
    groups: &[Group],
) -> Option<Node> {
    // One pass over the blueprints fills every group: reading a blueprint is most of the work.
    let mut gatherings: Vec<Gathering> = distinct(groups).into_iter().map(Gathering::new).collect();
    for &index in order {
        if let Some(cached) = blueprints.get(index).copied().flatten() {
            cached.with_blueprint(|bp| {
                gatherings
                    .iter_mut()
                    .for_each(|g| g.take(index, bp, level, renames));
            });
        }
    }
    let children: Vec<Node> = gatherings
        .into_iter()
        .filter_map(Gathering::finish)
        .collect();
    (!children.is_empty()).then(|| Node::Folder {
        name: FOLDER.to_string(),
        children,
    })
}

fn distinct(groups: &[Group]) -> Vec<Group> {
    let mut once: Vec<Group> = Vec::new();
    for group in groups {
        if !once.contains(group) {
            once.push(*group);
        }
    }
    once
}

/// A group's playlists being filled.
enum Gathering {
    /// The tracks of each energy band.
    Energy(Vec<Vec<usize>>),
    /// Situation, Vibe, Component or Decade: a playlist per word.
    Words(Group, Vec<Named>),
    /// Each primary genre's tracks, and its sub-genres'.
    Genres(Vec<Named>, Vec<(String, Vec<Named>)>),
}

impl Gathering {
    fn new(group: Group) -> Gathering {
        match group {
            Group::Energy => Gathering::Energy(vec![Vec::new(); ENERGY_BANDS.len()]),
            Group::Genre => Gathering::Genres(Vec::new(), Vec::new()),
            _ => Gathering::Words(group, Vec::new()),
        }
    }

    fn take(&mut self, index: usize, bp: &BlueprintRef, level: &Level, renames: &Renames) {
        let bp = &bp.in_vocabulary();
        match self {
            Gathering::Energy(bands) => {
                let band = ENERGY_BANDS
                    .iter()
                    .position(|&(_, low, high)| (low..=high).contains(&bp.energy_level));
                if let Some(band) = band {
                    bands[band].push(index);
                }
            }
            Gathering::Words(group, lists) => {
                let (words, keep) = match group {
                    Group::Situation => (&bp.situation_environment, level.situation),
                    Group::Vibe => (&bp.energy_vibe, level.energy_vibe),
                    Group::Component => (&bp.components, level.components),
                    _ => (&bp.time_period, level.time_period),
                };
                for word in words.as_slice().iter().take(keep) {
                    add(lists, renames.word(word), index);
                }
            }
            Gathering::Genres(primaries, subs) => {
                let primary = renames.word(bp.primary_genre);
                add(primaries, primary, index);
                let at = match subs.iter().position(|(p, _)| p == primary) {
                    Some(at) => at,
                    None => {
                        subs.push((primary.to_string(), Vec::new()));
                        subs.len() - 1
                    }
                };
                for sub in bp.sub_genre.as_slice().iter().take(level.sub_genre) {
                    add(&mut subs[at].1, renames.word(sub), index);
                }
            }
        }
    }

    fn finish(self) -> Option<Node> {
        match self {
            Gathering::Energy(bands) => {
                let playlists = ENERGY_BANDS
                    .iter()
                    .zip(bands)
                    .map(|(&(name, ..), tracks)| (name.to_string(), tracks));
                folder(Group::Energy.folder(), playlists)
            }
            Gathering::Words(group, mut lists) => {
                let words = vocabulary::current();
                let vocabulary = match group {
                    Group::Situation => &words.situations,
                    Group::Vibe => &words.vibes,
                    Group::Component => &words.components,
                    _ => &words.decades,
                };
                sort_by_vocabulary(&mut lists, vocabulary);
                folder(group.folder(), lists)
            }
            Gathering::Genres(primaries, subs) => genres(primaries, subs),
        }
    }
}

/// `Genre/<Primary>/All <Primary>`, and a playlist per sub-genre with enough tracks.
fn genres(mut primaries: Vec<Named>, mut subs: Vec<(String, Vec<Named>)>) -> Option<Node> {
    sort_by_vocabulary(&mut primaries, &vocabulary::current().genres);
    let children: Vec<Node> = primaries
        .into_iter()
        .filter_map(|(primary, tracks)| {
            let mut lists = vec![(format!("All {primary}"), tracks)];
            if let Some(at) = subs.iter().position(|(p, _)| *p == primary) {
                let mut sub_lists = std::mem::take(&mut subs[at].1);
                sub_lists.retain(|(_, t)| t.len() >= MIN_SUB_GENRE_TRACKS);
                sub_lists.sort_by_cached_key(|(name, _)| name.to_lowercase());
                lists.extend(sub_lists);
            }
            folder(&primary, lists)
        })
        .collect();
    (!children.is_empty()).then(|| Node::Folder {
        name: Group::Genre.folder().to_string(),
        children,
    })
}

/// A playlist being filled: its name and its tracks.
type Named = (String, Vec<usize>);

fn add(lists: &mut Vec<Named>, word: &str, index: usize) {
    match lists.iter_mut().find(|(name, _)| name == word) {
        Some((_, tracks)) => {
            if tracks.last() != Some(&index) {
                tracks.push(index);
            }
        }
        None => lists.push((word.to_string(), vec![index])),
    }
}

fn sort_by_vocabulary(lists: &mut [Named], vocabulary: &[&str]) {
    lists.sort_by_cached_key(|(name, _)| {
        let known = vocabulary.iter().position(|v| v.eq_ignore_ascii_case(name));
        (known.unwrap_or(usize::MAX), name.to_lowercase())
    });
}

/// A folder of the non-empty playlists; `None` when there is none.
fn folder(name: &str, playlists: impl IntoIterator<Item = Named>) -> Option<Node> {
    let children: Vec<Node> = playlists
        .into_iter()
        .filter(|(_, tracks)| !tracks.is_empty())
        .map(|(name, tracks)| Node::Playlist { name, tracks })
        .collect();
    (!children.is_empty()).then(|| Node::Folder {
        name: name.to_string(),
        children,
    })
}

#[cfg(test)]
mod tests;
