//! `taggenius find`: which tracks are… — offline, from the cache and the library; the matches in
//! playing order, as lines, as JSON, or as one playlist in `taggenius/Queries`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::blueprint::{BlueprintRef, Words};
use crate::cache::Cached;
use crate::cli::settings::Settings;
use crate::cli::FindArgs;
use crate::commands::saved::{self, Destination};
use crate::library::output::Output;
use crate::library::playlist_tree::{Node, QUERIES};
use crate::library::{Field, Library};
use crate::playlists::order::{once_per_entry, playing_order};
use crate::query::keys::Key;
use crate::query::Filters;
use crate::render::look::Renames;

/// A matching track as `--json` prints it.
#[derive(Serialize)]
struct Row {
    artist: String,
    title: String,
    energy: u8,
    bpm: Option<f64>,
    key: String,
    camelot: Option<String>,
    genre: String,
    sub_genre: Vec<String>,
    situation: Vec<String>,
    vibe: Vec<String>,
    components: Vec<String>,
    decade: Option<String>,
    location: String,
}

pub fn run(args: &FindArgs, settings: &Settings) -> Result<u8> {
    let renames = &settings.look.renames;
    let filters = Filters::parse(&args.asked(), renames)?;
    let playlist = args.playlist.is_some();
    let opened = saved::open(settings.db()?, args.library.as_deref(), playlist, &args.to)?;
    let blueprints = opened.prepared.blueprints(&opened.found);
    let lib = &opened.prepared.library;
    let matched: Vec<usize> = playing_order(lib, &blueprints)
        .into_iter()
        .filter(|&i| {
            let (tempo, key) = (lib.bpm(&lib.tracks[i]), key_of(lib, i));
            let pass = |c: &Cached| c.with_blueprint(|bp| filters.matches(bp, tempo, key, renames));
            blueprints[i].and_then(pass).unwrap_or(false)
        })
        .collect();
    let to_stdout = matches!(opened.output, Some(Output::Stdout));
    if !to_stdout {
        print(lib, &blueprints, &matched, args.json, renames)?;
    }
    if let (Some(name), Some(output)) = (&args.playlist, &opened.output) {
        let node = Node::Playlist {
            name: name.to_string(),
            tracks: once_per_entry(lib, matched),
        };
        let to = Destination {
            output,
            playlists_dir: args.to.playlists_dir.as_deref(),
        };
        saved::write(&opened.cache, lib, QUERIES, &[node], to)?;
    } else if matched.is_empty() && !args.json {
        eprintln!("taggenius: no track matches");
    }
    // Freed by the process's end: a large library's many small allocations take a while.
    drop(blueprints);
    std::mem::forget(opened);
    Ok(0)
}

fn key_of(lib: &Library, index: usize) -> Option<Key> {
    Key::parse(&lib.value(&lib.tracks[index], Field::Key))
}

fn print(
    lib: &Library,
    blueprints: &[Option<&Cached>],
    matched: &[usize],
    json: bool,
    renames: &Renames,
) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let rows: Vec<String> = matched
            .iter()
            .filter_map(|&i| blueprints[i]?.with_blueprint(|bp| json_row(lib, i, bp, renames)))
            .collect::<Result<_>>()?;
        writeln!(out, "[{}]", rows.join(","))?;
    } else {
        for &i in matched {
            let line =
                blueprints[i].and_then(|c| c.with_blueprint(|bp| text_row(lib, i, bp, renames)));
            if let Some(line) = line {
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// `artist – title`, energy, BPM, key and genre, separated by tabs (for `cut` and `awk`).
fn text_row(lib: &Library, index: usize, bp: &BlueprintRef, renames: &Renames) -> String {
    let bp = &bp.in_vocabulary();
    let entry = &lib.tracks[index];
    let who = lib.who(entry);
    let tempo = lib.bpm(entry).map_or("-".to_string(), |b| {
        format!("{}", (b * 10.0).round() / 10.0)
    });
    let key = lib.value(entry, Field::Key).trim().to_string();
    let key = if key.is_empty() { "-".to_string() } else { key };
    let mut genre = renames.word(bp.primary_genre).to_string();
    for sub in bp.sub_genre.as_slice() {
        genre.push_str(", ");
        genre.push_str(renames.word(sub));
    }
    let clean = |s: String| s.replace(['\t', '\n', '\r'], " ");
    format!(
        "{}\t{}\t{tempo}\t{}\t{}",
        clean(who),
        bp.energy_level,
        clean(key),
        clean(genre)
    )
}

fn json_row(lib: &Library, index: usize, bp: &BlueprintRef, renames: &Renames) -> Result<String> {
    let bp = &bp.in_vocabulary();
    let words = |w: &Words<'_>| -> Vec<String> {
        w.as_slice()
            .iter()
            .map(|x| renames.word(x).to_string())
            .collect()
    };
    let entry = &lib.tracks[index];
    let (artist, title) = lib.artist_and_title(entry);
    let key = lib.value(entry, Field::Key).trim().to_string();
    let row = Row {
        artist,
        title,
        energy: bp.energy_level,
        bpm: lib.bpm(entry).map(|b| (b * 100.0).round() / 100.0),
        camelot: Key::parse(&key).map(Key::camelot),
        key,
        genre: renames.word(bp.primary_genre).to_string(),
        sub_genre: words(&bp.sub_genre),
        situation: words(&bp.situation_environment),
        vibe: words(&bp.energy_vibe),
        components: words(&bp.components),
        decade: words(&bp.time_period).into_iter().next(),
        location: lib.value(entry, Field::Location).into_owned(),
    };
    Ok(serde_json::to_string(&row)?)
}
