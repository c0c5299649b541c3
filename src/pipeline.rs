//! What `tag` and `retag` share: the library's tracks and their cache keys, the blueprints
//! found for them, and the edits that render those blueprints into the library.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc;

use anyhow::Result;

use crate::blueprint::BlueprintRef;
use crate::cache::{Cache, Cached, Found};
use crate::fasthash::{FastMap, FastSet};
use crate::history::{Missing, Summary};
use crate::library::{Field, Library, TrackEntry};
use crate::originals::original_digest;
use crate::output::Output;
use crate::render::{
    comment_with_block, find_block, render_ref, Level, Rendered, WriteField, KEEP_COLOUR,
};
use crate::track::{cache_key, TrackInfo};
use crate::writer::{set_attribute, Edit, Splicer};

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

/// What to render, where, and how the run is recorded in the cache's history.
pub struct RenderPlan<'a> {
    pub level: Level,
    pub fields: &'a [WriteField],
    pub output: &'a Output,
    /// `tag` or `retag`.
    pub command: &'a str,
    /// The library `retag` falls back to, for a `tag` of a file.
    pub library: Option<&'a str>,
}

/// Renders every track that has a blueprint, streaming the output a track at a time, remembers
/// the values it overwrites for `clear` and records the run (committed before the output
/// appears), and fills in the summary's track counts and misses.
pub fn render_and_write(
    prepared: &Prepared,
    blueprints: &[Option<&Cached>],
    reasons: &HashMap<String, String>,
    plan: &RenderPlan,
    cache: &Cache,
    remembered: &FastSet<i64>,
    summary: &mut Summary,
) -> Result<()> {
    let lib = &prepared.library;
    let ids = prepared.track_ids();
    let tracks = TrackRenderer {
        prepared,
        blueprints,
        reasons,
        plan,
        remembered,
        ids: &ids,
    };
    let mut pending = plan.output.begin()?;
    let mut splicer = Splicer::new(lib.bytes(), &mut pending);
    let mut originals = Vec::new();
    let mut take = |mut outcome: TrackOutcome| -> Result<()> {
        splicer
            .apply(&mut outcome.edits)
            .map_err(|e| pending_error(plan.output, e))?;
        originals.append(&mut outcome.originals);
        summary.missing.extend(outcome.missing.map(|m| *m));
        Ok(())
    };
    // Two threads render alternate chunks of tracks while this one writes them in order; the
    // channels hold a few chunks each, so memory stays flat whatever the library's size.
    let chunks: Vec<Range<usize>> = (0..lib.tracks.len())
        .step_by(CHUNK)
        .map(|start| start..(start + CHUNK).min(lib.tracks.len()))
        .collect();
    std::thread::scope(|s| {
        let receivers: Vec<_> = (0..RENDER_THREADS)
            .map(|worker| {
                let (tx, rx) = mpsc::sync_channel(2);
                let (tracks, chunks) = (&tracks, &chunks);
                s.spawn(move || {
                    for chunk in chunks.iter().skip(worker).step_by(RENDER_THREADS) {
                        let rendered: Vec<_> = chunk.clone().map(|i| tracks.render(i)).collect();
                        if tx.send(rendered).is_err() {
                            break;
                        }
                    }
                });
                rx
            })
            .collect();
        for k in 0..chunks.len() {
            let rendered = receivers[k % RENDER_THREADS]
                .recv()
                .map_err(|_| anyhow::anyhow!("internal error: rendering stopped"))?;
            rendered.into_iter().try_for_each(&mut take)?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    splicer
        .finish()
        .map_err(|e| pending_error(plan.output, e))?;
    summary.tracks = lib.tracks.len();
    summary.level = plan.level.name().to_string();
    summary.output = plan.output.describe();
    // One commit before the output appears: committing after a large output has been renamed
    // into place waits while the file system writes that output out (ext4's rename safety). So
    // does the checkpoint SQLite makes when it closes, hence one now.
    cache.in_transaction(|| {
        for (track, field, raw) in &originals {
            cache.remember_original(track, field.attribute(), raw.as_deref())?;
        }
        cache.record_run(plan.command, plan.library, summary)
    })?;
    cache.checkpoint();
    pending.finish()
}

/// Tracks rendered at a time by one thread.
const CHUNK: usize = 512;
const RENDER_THREADS: usize = 2;

/// What rendering one track gives: its edits, the originals to remember, or why it has none.
#[derive(Default)]
struct TrackOutcome {
    edits: Vec<Edit>,
    originals: Vec<(String, Field, Option<Vec<u8>>)>,
    missing: Option<Box<Missing>>,
}

/// Everything rendering a track reads; shared by the threads that render.
struct TrackRenderer<'a> {
    prepared: &'a Prepared,
    blueprints: &'a [Option<&'a Cached>],
    reasons: &'a HashMap<String, String>,
    plan: &'a RenderPlan<'a>,
    remembered: &'a FastSet<i64>,
    ids: &'a [Cow<'a, str>],
}

impl TrackRenderer<'_> {
    fn render(&self, index: usize) -> TrackOutcome {
        self.blueprints[index]
            .and_then(|cached| cached.with_blueprint(|bp| self.edits(index, bp)))
            .unwrap_or_else(|| self.missing(index))
    }

    fn missing(&self, index: usize) -> TrackOutcome {
        let lib = &self.prepared.library;
        let (artist, title) = lib.artist_and_title(&lib.tracks[index]);
        let key = self.prepared.keys[index].as_deref();
        TrackOutcome {
            missing: Some(Box::new(missing(artist, title, key, self.reasons))),
            ..TrackOutcome::default()
        }
    }

    fn edits(&self, index: usize, blueprint: &BlueprintRef) -> TrackOutcome {
        let lib = &self.prepared.library;
        let entry = &lib.tracks[index];
        let mut outcome = TrackOutcome::default();
        let rendered = render_ref(blueprint, self.plan.level);
        for (field, value) in field_values(lib, entry, rendered, self.plan.fields) {
            let current = lib.value(entry, field);
            if current == value {
                continue;
            }
            let raw = entry.raw(lib.bytes(), field);
            let id = &self.ids[index];
            if !written_by_taggenius(field, &current, blueprint)
                && !self.remembered.contains(&original_digest(
                    id.as_bytes(),
                    field.attribute(),
                    raw,
                ))
            {
                let raw = raw.map(<[u8]>::to_vec);
                outcome.originals.push((id.to_string(), field, raw));
            }
            outcome.edits.push(set_attribute(entry, field, &value));
        }
        outcome
    }
}

fn pending_error(output: &Output, e: std::io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("{}: cannot write", output.describe()))
}

fn missing(
    artist: String,
    title: String,
    key: Option<&str>,
    reasons: &HashMap<String, String>,
) -> Missing {
    let reason = match key {
        None => "no title and no file name to know it by".to_string(),
        Some(k) => reasons
            .get(k)
            .cloned()
            .unwrap_or_else(|| "not in the cache".to_string()),
    };
    Missing {
        artist,
        title,
        reason,
    }
}

/// The values a track gets for the chosen fields.
fn field_values(
    lib: &Library,
    entry: &TrackEntry,
    mut rendered: Rendered,
    fields: &[WriteField],
) -> Vec<(Field, String)> {
    let mut values = Vec::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        // `--write genre,genre` names a field twice; it is written once.
        if fields[..i].contains(field) {
            continue;
        }
        match field {
            WriteField::Genre => {
                values.push((Field::Genre, std::mem::take(&mut rendered.genre)));
            }
            WriteField::Comments => {
                let current = lib.value(entry, Field::Comments);
                values.push((
                    Field::Comments,
                    comment_with_block(&current, &rendered.block),
                ));
            }
            WriteField::Colour => {
                let current = lib.value(entry, Field::Colour);
                if !current.eq_ignore_ascii_case(KEEP_COLOUR) {
                    values.push((Field::Colour, rendered.colour.to_string()));
                }
            }
            WriteField::Rating => values.push((Field::Rating, rendered.rating.to_string())),
        }
    }
    values
}

/// Whether a value is one taggenius wrote, so that it is not mistaken for the user's own: a
/// value the user set (or changed since) replaces the remembered original, one of ours never
/// does.
fn written_by_taggenius(field: Field, current: &str, blueprint: &BlueprintRef) -> bool {
    match field {
        Field::Comments => find_block(current).is_some(),
        Field::Genre => Level::ALL
            .iter()
            .any(|level| is_rendered_genre(blueprint, *level, current)),
        _ => false,
    }
}

/// Whether `genre` is what `render` writes at `level`, compared piece by piece without
/// building the string: this runs for every track of a re-render.
fn is_rendered_genre(blueprint: &BlueprintRef, level: Level, genre: &str) -> bool {
    let Some(mut rest) = genre.strip_prefix(blueprint.primary_genre) else {
        return false;
    };
    for sub in blueprint.sub_genre.as_slice().iter().take(level.items()) {
        match rest.strip_prefix(", ").and_then(|r| r.strip_prefix(sub)) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Identifies each track across exports for `clear`: its file, else its artist and title; a
/// second track with the same identity in one library gets its own, by occurrence.
fn track_id<'a>(lib: &'a Library, entry: &TrackEntry, key: Option<&str>) -> Cow<'a, str> {
    match lib.raw_text(entry, Field::Location) {
        Some(raw) if !raw.is_empty() => Cow::Borrowed(raw),
        _ => Cow::Owned(format!("key:{}", key.unwrap_or(""))),
    }
}
