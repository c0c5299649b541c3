//! The order a playlist and `find` list tracks in: by BPM (tracks without one last), then
//! energy, then artist, then title; the library's own order breaks what ties remain.

use crate::cache::Cached;
use crate::library::{Field, Library};

/// Every track that has a blueprint, in playing order, by index in the library.
pub fn playing_order(library: &Library, blueprints: &[Option<&Cached>]) -> Vec<usize> {
    let mut keyed: Vec<(Option<u32>, u8, String, String, usize)> = blueprints
        .iter()
        .enumerate()
        .filter_map(|(index, cached)| {
            let energy = (*cached)?.with_blueprint(|bp| bp.energy_level)?;
            let entry = &library.tracks[index];
            let artist = library.value(entry, Field::Artist).trim().to_lowercase();
            let title = library.value(entry, Field::Title).trim().to_lowercase();
            // Hundredths of a beat: BPMs sort as whole numbers, without NaN to trip on.
            let bpm = library.bpm(entry).map(|b| (b * 100.0).round() as u32);
            Some((bpm, energy, artist, title, index))
        })
        .collect();
    keyed.sort_by(|a, b| {
        let bpm = match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => y.is_some().cmp(&x.is_some()),
        };
        bpm.then_with(|| (a.1, &a.2, &a.3, a.4).cmp(&(b.1, &b.2, &b.3, b.4)))
    });
    keyed.into_iter().map(|(.., index)| index).collect()
}

/// `order` with each track the DJ app knows by one key (rekordbox's TrackID, Traktor's
/// location, VirtualDJ's file path) kept once, at its first place: an export can list one track
/// several times under one key, and a playlist names it once.
pub fn once_per_entry(library: &Library, order: Vec<usize>) -> Vec<usize> {
    let bytes = library.bytes();
    let key = |index: usize| {
        let entry = &library.tracks[index];
        match library.format().playlists() {
            Some(format) => format.entry_key(bytes, entry),
            None => Some(library.value(entry, Field::Location).trim().to_string()),
        }
    };
    let mut seen = rustc_hash::FxHashSet::default();
    order
        .into_iter()
        .filter(|&index| match key(index) {
            Some(k) => seen.insert(k),
            None => true,
        })
        .collect()
}
