//! Renders the blueprints into the library's tracks and writes the result: rendering on two
//! threads, a chunk of tracks at a time, while the output is written in order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::sync::mpsc;

use anyhow::Result;

use crate::blueprint::BlueprintRef;
use crate::cache::originals::{Remembered, TrackDigest};
use crate::cache::{Cache, Cached};
use crate::job::prepared::Prepared;
use crate::job::summary::{Missing, Summary};
use crate::library::output::{Output, Pending};
use crate::library::splice::{splice_from, Edit, Splicer};
use crate::library::{Field, Library};
use crate::render::look::Look;
use crate::render::{field_values, render_ref, written, written_by_taggenius, Level, WriteField};

/// What to render, where, and how the run is recorded in the cache's history.
pub struct RenderPlan<'a> {
    pub level: Level,
    pub fields: &'a [WriteField],
    pub output: &'a Output,
    /// `tag` or `retag`.
    pub command: &'a str,
    /// The library `retag` falls back to, for a `tag` of a file.
    pub library: Option<&'a str>,
    /// The renames and block template written with, and the templates blocks are known by.
    pub look: &'a Look,
    /// Edits past the last track (the playlist tree's), made with the tracks'.
    pub tail: &'a [Edit],
    /// The playlist folder written into the library, for the cache to know it as taggenius's.
    pub playlist_folder: Option<Vec<&'a [u8]>>,
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
    remembered: &Remembered,
    summary: &mut Summary,
) -> Result<()> {
    let lib = &prepared.library;
    let ids = prepared.track_ids();
    let fields = distinct(plan.fields);
    let tracks = TrackRenderer {
        prepared,
        blueprints,
        reasons,
        level: plan.level,
        look: plan.look,
        fields: &fields,
        remembered,
        ids: &ids,
    };
    let mut pending = plan.output.begin()?;
    crate::interrupt::phase("rendering");
    // The tracks are rendered up to the first edit past them; this thread writes the rest.
    let tail_start = plan
        .tail
        .first()
        .map_or(lib.bytes().len(), |e| e.range.start);
    let chunks = chunks(lib, tail_start);
    let (originals, mut missing) = tracks.render_in_order(&chunks, &mut pending, plan.output)?;
    summary.missing.append(&mut missing);
    let rest_from = chunks.last().map_or(0, |(_, stretch)| stretch.end);
    splice_from(&mut pending, lib.bytes(), rest_from, plan.tail)
        .map_err(|e| pending_error(plan.output, e))?;
    summary.tracks = lib.tracks.len();
    summary.level = plan.level.name().to_string();
    summary.output = plan.output.describe();
    crate::interrupt::check()?;
    record_run(cache, plan, summary, &originals)?;
    let backup = pending.finish()?;
    summary.backup = backup.map(|path| path.display().to_string());
    Ok(())
}

/// Remembers the overwritten originals and records the run in one commit, before the output
/// appears.
fn record_run(
    cache: &Cache,
    plan: &RenderPlan,
    summary: &Summary,
    originals: &[Original],
) -> Result<()> {
    // One commit before the output appears: committing after a large output has been renamed
    // into place waits while the file system writes that output out (ext4's rename safety). So
    // does the checkpoint SQLite makes when it closes, hence one now. A run that fetched no
    // blueprint and leaves nothing new to remember only records itself, which need not wait
    // for the disk; the log then holds nothing but run records until a later checkpoint.
    let record = || {
        if let Some(folder) = &plan.playlist_folder {
            cache.remember_playlist_folder(folder)?;
        }
        if let Some(template) = &plan.look.template {
            cache.remember_block_template(&template.text)?;
        }
        cache.record_run(&summary.run(plan.command, plan.library))
    };
    if originals.is_empty() && summary.fetched == 0 {
        cache.commit_lazily(record)?;
    } else {
        cache.in_transaction(|| {
            for (track, field, raw) in originals {
                cache.remember_original(track, field.stored_name(), raw.as_deref())?;
            }
            record()
        })?;
        cache.checkpoint();
    }
    Ok(())
}

/// `--write genre,genre` names a field twice; it is written once.
fn distinct(fields: &[WriteField]) -> Vec<WriteField> {
    let mut once: Vec<WriteField> = Vec::with_capacity(fields.len());
    for field in fields {
        if !once.contains(field) {
            once.push(*field);
        }
    }
    once
}

/// A value to remember for `clear`: the track's identity, the field, and its raw value (`None`
/// where the attribute was absent).
type Original = (String, Field, Option<Vec<u8>>);

/// Tracks rendered at a time by one thread.
const CHUNK: usize = 512;
const RENDER_THREADS: usize = 2;

/// The library's tracks in chunks, each with its stretch of the input: from its first track's
/// first edit point to the next chunk's, the first from the start of the file and the last to
/// `end` (the file's end, or where edits past the tracks start). Every edit of a chunk's
/// tracks falls inside its stretch.
fn chunks(lib: &Library, end: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let n = lib.tracks.len();
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    let point = |k: usize| match starts.get(k) {
        Some(0) => 0,
        Some(&first) => lib.tracks[first].first_edit_point(),
        None => end,
    };
    (0..starts.len())
        .map(|k| {
            let tracks = starts[k]..(starts[k] + CHUNK).min(n);
            (tracks, point(k)..point(k + 1))
        })
        .collect()
}

/// What rendering a chunk of tracks gives: its stretch of the output, and what its tracks
/// leave to remember for `clear` or to report as missing.
struct ChunkOutcome {
    bytes: Vec<u8>,
    originals: Vec<Original>,
    missing: Vec<Missing>,
}

/// What rendering one track gives: its edits, the originals to remember, or why it has none.
#[derive(Default)]
struct TrackOutcome {
    edits: Vec<Edit>,
    originals: Vec<Original>,
    missing: Option<Box<Missing>>,
}

/// Everything rendering a track reads; shared by the threads that render.
struct TrackRenderer<'a> {
    prepared: &'a Prepared,
    blueprints: &'a [Option<&'a Cached>],
    reasons: &'a HashMap<String, String>,
    level: Level,
    look: &'a Look,
    /// The fields to write, each once.
    fields: &'a [WriteField],
    remembered: &'a Remembered,
    ids: &'a [Cow<'a, str>],
}

impl TrackRenderer<'_> {
    /// Two threads render alternate chunks of tracks, each into its stretch of the output, while
    /// this one writes the stretches in order; each channel holds one chunk, so memory stays
    /// flat whatever the library's size. Returns the originals to remember and the misses.
    fn render_in_order(
        &self,
        chunks: &[(Range<usize>, Range<usize>)],
        pending: &mut Pending,
        output: &Output,
    ) -> Result<(Vec<Original>, Vec<Missing>)> {
        let (mut originals, mut missing) = (Vec::new(), Vec::new());
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..RENDER_THREADS)
                .map(|worker| {
                    let (tx, rx) = mpsc::sync_channel(1);
                    let (used_tx, used_rx) = mpsc::channel::<Vec<u8>>();
                    s.spawn(move || {
                        for (range, stretch) in chunks.iter().skip(worker).step_by(RENDER_THREADS) {
                            // A written stretch's buffer comes back to be filled again.
                            let bytes = used_rx.try_recv().unwrap_or_default();
                            let chunk = self.render_chunk(range.clone(), stretch.clone(), bytes);
                            if tx.send(chunk).is_err() {
                                break;
                            }
                        }
                    });
                    (rx, used_tx)
                })
                .collect();
            for k in 0..chunks.len() {
                // Dropping the channels on the way out stops the renderers too.
                crate::interrupt::check()?;
                let (rx, used) = &workers[k % RENDER_THREADS];
                let chunk = rx
                    .recv()
                    .map_err(|_| anyhow::anyhow!("internal error: rendering stopped"))?;
                let mut chunk = chunk.map_err(|e| pending_error(output, e))?;
                pending
                    .write_all(&chunk.bytes)
                    .map_err(|e| pending_error(output, e))?;
                originals.append(&mut chunk.originals);
                missing.append(&mut chunk.missing);
                let _ = used.send(chunk.bytes);
            }
            Ok::<(), anyhow::Error>(())
        })?;
        Ok((originals, missing))
    }

    /// Renders `tracks` and splices them into `stretch` of the input, in `bytes`.
    fn render_chunk(
        &self,
        tracks: Range<usize>,
        stretch: Range<usize>,
        mut bytes: Vec<u8>,
    ) -> std::io::Result<ChunkOutcome> {
        let input = &self.prepared.library.bytes()[stretch.clone()];
        bytes.clear();
        bytes.reserve(input.len() + input.len() / 4);
        let (mut originals, mut missing) = (Vec::new(), Vec::new());
        let mut splicer = Splicer::new(input, &mut bytes);
        let remembered = self.remembered_in(tracks.clone());
        for (index, known) in tracks.zip(remembered) {
            let mut outcome = self.render(index, known);
            for edit in &mut outcome.edits {
                edit.range = edit.range.start - stretch.start..edit.range.end - stretch.start;
            }
            splicer.apply(&mut outcome.edits)?;
            originals.append(&mut outcome.originals);
            missing.extend(outcome.missing.map(|m| *m));
        }
        splicer.finish()?;
        Ok(ChunkOutcome {
            bytes,
            originals,
            missing,
        })
    }

    fn render(&self, index: usize, remembered: u16) -> TrackOutcome {
        self.blueprints[index]
            .and_then(|cached| cached.with_blueprint(|bp| self.edits(index, bp, remembered)))
            .unwrap_or_else(|| self.missing(index))
    }

    /// For each track with a blueprint, which of its current values of the fields written are
    /// remembered already, a bit per `Field`. Looked up for a whole chunk in a loop of their own:
    /// each lookup misses the processor's cache, and side by side it overlaps them, where
    /// between two renders it waited for each (a fifth of the render at 50,000 tracks).
    fn remembered_in(&self, tracks: Range<usize>) -> Vec<u16> {
        let lib = &self.prepared.library;
        let fields: Vec<Field> = self.fields.iter().map(|&f| written(f)).collect();
        let rendered = |i: &usize| self.blueprints[*i].is_some();
        let digests: Vec<(usize, Field, i64)> = tracks
            .clone()
            .filter(rendered)
            .flat_map(|i| {
                let (entry, track) = (&lib.tracks[i], TrackDigest::of(self.ids[i].as_bytes()));
                fields.iter().map(move |&field| {
                    let raw = entry.raw(lib.bytes(), field);
                    (i, field, track.of_value(field.stored_name(), raw))
                })
            })
            .collect();
        let mut masks = vec![0u16; tracks.len()];
        for (i, field, digest) in digests {
            if self.remembered.contains(digest) {
                masks[i - tracks.start] |= 1 << field as u16;
            }
        }
        masks
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

    fn edits(&self, index: usize, blueprint: &BlueprintRef, remembered: u16) -> TrackOutcome {
        let lib = &self.prepared.library;
        let entry = &lib.tracks[index];
        let mut outcome = TrackOutcome::default();
        let rendered = render_ref(blueprint, &self.level, self.look);
        let mut changed = Vec::with_capacity(self.fields.len());
        for (field, value) in field_values(lib, entry, rendered, self.fields, self.look) {
            let current = lib.value(entry, field);
            if current == value {
                continue;
            }
            let raw = entry.raw(lib.bytes(), field);
            let id = &self.ids[index];
            if !written_by_taggenius(field, &current, blueprint, self.look)
                && remembered & (1 << field as u16) == 0
            {
                let raw = raw.map(<[u8]>::to_vec);
                outcome.originals.push((id.to_string(), field, raw));
            }
            changed.push((field, value));
        }
        lib.format()
            .set(lib.bytes(), entry, changed, &mut outcome.edits);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_stretches_tile_the_file_and_hold_their_tracks() {
        let mut xml = String::from("<?xml version=\"1.0\"?>\n<DJ_PLAYLISTS>\n<COLLECTION>\n");
        for i in 0..(2 * CHUNK + 7) {
            let genre = if i % 3 == 0 { "" } else { " Genre=\"G\"" };
            xml.push_str(&format!("<TRACK TrackID=\"{i}\" Name=\"T{i}\"{genre}/>\n"));
        }
        xml.push_str("</COLLECTION>\n</DJ_PLAYLISTS>\n");
        let lib = Library::parse("t", xml.into_bytes()).unwrap();
        let chunks = chunks(&lib, lib.bytes().len());
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].1.start, 0);
        assert_eq!(chunks[2].1.end, lib.bytes().len());
        for pair in chunks.windows(2) {
            assert_eq!(pair[0].1.end, pair[1].1.start);
            assert_eq!(pair[0].0.end, pair[1].0.start);
        }
        for (tracks, stretch) in &chunks {
            for entry in &lib.tracks[tracks.clone()] {
                let spans = entry.attrs.iter().flatten();
                assert!(spans.map(|s| s.value()).all(|v| stretch.contains(&v.start)));
                assert!(stretch.contains(&entry.insert_at()));
            }
        }
    }
}
