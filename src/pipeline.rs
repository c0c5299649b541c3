//! What `tag` and `retag` share: the library's tracks with their cache keys and identities,
//! and the blueprints found for them.

use std::borrow::Cow;

use anyhow::Result;

use crate::cache::{Cache, Cached, Found};
use crate::fasthash::{FastMap, FastSet};
use crate::library::{Field, Library, TrackEntry};
use crate::track::{cache_key, TrackInfo};

/// A library with each track's cache key.
pub struct Prepared {
    pub library: Library,
    /// The cache key of each track; `None` for a track with neither title nor file name.
    pub keys: Vec<Option<String>>,
}

impl Prepared {
    pub fn new(library: Library) -> Prepared {
        // Two halves on two cores: folding keys is a tenth of a large re-render.
        let keys = in_halves(&library.tracks, |tracks| {
            tracks.iter().map(|t| key_of(&library, t)).collect()
        });
        Prepared { library, keys }
    }

    /// Each distinct key once, with the index of the first track that carries it.
    pub fn unique(&self) -> Vec<(&str, usize)> {
        let mut seen = FastSet::default();
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
        let mut seen: FastMap<Cow<str>, usize> =
            FastMap::with_capacity_and_hasher(self.library.tracks.len(), Default::default());
        let lib = &self.library;
        let mut ids = Vec::with_capacity(lib.tracks.len());
        for (entry, key) in lib.tracks.iter().zip(&self.keys) {
            let id = track_id(lib, entry, key.as_deref());
            let count = seen.entry(id.clone()).or_insert(0);
            *count += 1;
            ids.push(match *count {
                1 => id,
                n => Cow::Owned(format!("{id}#{n}")),
            });
        }
        ids
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
    std::thread::scope(|s| {
        let later = s.spawn(|| work(second));
        let mut all = work(first);
        // A panic there is unreachable in practice; the work is then redone here.
        all.extend(later.join().unwrap_or_else(|_| work(second)));
        all
    })
}

/// The cache key without building the whole TrackInfo: only artist and title are decoded,
/// which matters on libraries of tens of thousands of tracks.
fn key_of(lib: &Library, entry: &TrackEntry) -> Option<String> {
    let title = lib.value(entry, Field::Name);
    if title.trim().is_empty() {
        let info = lib.track_info(entry);
        return info.is_identifiable().then(|| info.cache_key());
    }
    Some(cache_key(&lib.value(entry, Field::Artist), &title))
}

/// Identifies each track across exports for `clear`: its file, else its artist and title; a
/// second track with the same identity in one library gets its own, by occurrence.
fn track_id<'a>(lib: &'a Library, entry: &TrackEntry, key: Option<&str>) -> Cow<'a, str> {
    match lib.raw_text(entry, Field::Location) {
        Some(raw) if !raw.is_empty() => Cow::Borrowed(raw),
        _ => Cow::Owned(format!("key:{}", key.unwrap_or(""))),
    }
}
