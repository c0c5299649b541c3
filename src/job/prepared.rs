//! What `tag` and `retag` share: the library's tracks with their cache keys and identities,
//! and the blueprints found for them.

use std::borrow::Cow;

use anyhow::Result;

use crate::cache::{Cache, Cached, Found};
use std::hash::BuildHasher;

use crate::library::track::{cache_key, TrackInfo};
use crate::library::{Field, Library, TrackEntry};
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

/// A library with each track's cache key.
pub struct Prepared {
    pub library: Library,
    /// The cache key of each track; `None` for a track with neither title nor file name.
    pub keys: Vec<Option<String>>,
    /// The hash of each track's identity (`track_id`), taken while its bytes are at hand.
    id_hashes: Vec<u64>,
}

impl Prepared {
    pub fn new(library: Library) -> Prepared {
        // Two halves on two cores: folding keys is a tenth of a large re-render.
        let keyed: Vec<(Option<String>, u64)> = in_halves(&library.tracks, |tracks| {
            tracks
                .iter()
                .map(|t| {
                    let key = key_of(&library, t);
                    let id_hash =
                        FxBuildHasher.hash_one(track_id(&library, t, key.as_deref()).as_bytes());
                    (key, id_hash)
                })
                .collect()
        });
        let (keys, id_hashes) = keyed.into_iter().unzip();
        Prepared {
            library,
            keys,
            id_hashes,
        }
    }

    /// Each distinct key once, with the index of the first track that carries it.
    pub fn unique(&self) -> Vec<(&str, usize)> {
        let mut seen = FxHashSet::default();
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(i, key)| key.as_deref().map(|k| (k, i)))
            .filter(|(key, _)| seen.insert(*key))
            .collect()
    }

    pub fn info(&self, index: usize) -> TrackInfo {
        self.library.track_info(&self.library.tracks[index])
    }

    /// Each track's identity for the originals `clear` restores.
    pub fn track_ids(&self) -> Vec<Cow<'_, str>> {
        let lib = &self.library;
        // Only identities whose hash recurs, a tenth of a typical library, are counted by
        // their text.
        let mut ids: Vec<(Cow<str>, u64)> = (lib.tracks.iter().zip(&self.keys))
            .map(|(entry, key)| track_id(lib, entry, key.as_deref()))
            .zip(self.id_hashes.iter().copied())
            .collect();
        let mut hashes: FxHashMap<u64, u32> =
            FxHashMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (_, hash) in &ids {
            *hashes.entry(*hash).or_insert(0) += 1;
        }
        let mut seen: FxHashMap<String, usize> = FxHashMap::default();
        for (id, hash) in &mut ids {
            if hashes.get(hash).is_some_and(|&n| n > 1) {
                let count = seen.entry(id.to_string()).or_insert(0);
                *count += 1;
                if *count > 1 {
                    *id = Cow::Owned(format!("{id}#{count}"));
                }
            }
        }
        ids.into_iter().map(|(id, _)| id).collect()
    }

    /// How many different blueprints `blueprints` holds: entries of one map are distinct
    /// objects, so their addresses tell them apart without hashing any key again.
    pub fn distinct(blueprints: &[Option<&Cached>]) -> usize {
        let mut addresses: Vec<*const Cached> = blueprints
            .iter()
            .flatten()
            .map(|c| *c as *const Cached)
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        addresses.len()
    }

    /// Each track's blueprint in `found`, looked up once, in two halves on two cores.
    pub fn blueprints<'f>(&self, found: &'f Found) -> Vec<Option<&'f Cached>> {
        in_halves(&self.keys, |keys| {
            keys.iter()
                .map(|key| key.as_deref().and_then(|k| found.get(k)))
                .collect()
        })
    }

    pub fn lookup(&self, cache: &Cache) -> Result<Found> {
        cache.lookup(self.keys.iter().flatten().map(String::as_str))
    }
}

/// `work` on each half of `items`, the second half on another core; results in order.
fn in_halves<I: Sync, T: Send>(items: &[I], work: impl Fn(&[I]) -> Vec<T> + Sync) -> Vec<T> {
    let (first, second) = items.split_at(items.len() / 2);
    let work = &work;
    std::thread::scope(|s| {
        let later = s.spawn(move || work(second));
        let mut all = work(first);
        // A panic there is unreachable in practice; the work is then redone here.
        all.extend(later.join().unwrap_or_else(|_| work(second)));
        all
    })
}

/// The cache key without building the whole TrackInfo: only artist and title are decoded,
/// which matters on libraries of tens of thousands of tracks.
fn key_of(lib: &Library, entry: &TrackEntry) -> Option<String> {
    let title = lib.value(entry, Field::Title);
    if title.trim().is_empty() {
        let info = lib.track_info(entry);
        return info.is_identifiable().then(|| info.cache_key());
    }
    Some(cache_key(&lib.value(entry, Field::Artist), &title))
}

/// Identifies each track across exports for `clear`: what its format says (its file), else its
/// artist and title; a second track with the same identity in one library gets its own, by
/// occurrence.
fn track_id<'a>(lib: &'a Library, entry: &TrackEntry, key: Option<&str>) -> Cow<'a, str> {
    lib.identity(entry)
        .unwrap_or_else(|| Cow::Owned(format!("key:{}", key.unwrap_or(""))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_identity_is_numbered_by_occurrence() {
        let track = |location: &str, name: &str| {
            format!("<TRACK Name=\"{name}\" Artist=\"A\" Location=\"{location}\"/>\n")
        };
        let tracks = [
            track("file://a.mp3", "One"),
            track("file://b.mp3", "Two"),
            track("file://a.mp3", "One again"),
            track("", "Three"),
            track("", "Three"),
            track("file://a.mp3", "One more"),
        ];
        let xml = format!(
            "<DJ_PLAYLISTS><COLLECTION>{}</COLLECTION></DJ_PLAYLISTS>",
            tracks.concat()
        );
        let prepared = Prepared::new(Library::parse("t", xml.into_bytes()).unwrap());
        let ids = prepared.track_ids();
        assert_eq!(
            ids,
            [
                "file://a.mp3",
                "file://b.mp3",
                "file://a.mp3#2",
                "key:a\u{1f}three",
                "key:a\u{1f}three#2",
                "file://a.mp3#3",
            ]
        );
    }
}
