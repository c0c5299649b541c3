//! A set as the DJ reads it — a table on stdout — or as one JSON object for scripts.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::candidates::{location, Crate, REASONS};
use crate::library::Library;
use crate::set::summary::{lay_out, Placed, Summary};
use crate::set::Plan;

/// How many candidates there are and why the other tracks are not.
pub fn crate_line(found: &Crate) -> String {
    let reasons: Vec<String> = REASONS
        .iter()
        .zip(found.left_out)
        .filter(|(_, n)| *n > 0)
        .map(|(why, n)| format!("{n} {why}"))
        .collect();
    let left = match reasons.is_empty() {
        true => String::new(),
        false => format!("; left out: {}", reasons.join(", ")),
    };
    format!("{} candidates{left}", found.tracks.len())
}

#[derive(Serialize)]
struct JsonSet {
    tracks: Vec<JsonTrack>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonTrack {
    position: usize,
    start: f64,
    length: f64,
    artist: String,
    title: String,
    location: String,
    bpm: f64,
    key: String,
    energy: u8,
    target_energy: f64,
    transition: Option<JsonTransition>,
}

#[derive(Serialize)]
struct JsonTransition {
    from_key: String,
    key: String,
    key_move: &'static str,
    harmonic: bool,
    pitch_shift: i32,
    bpm_step: f64,
    half_or_double: bool,
    text: String,
}

#[derive(Serialize)]
struct JsonSummary {
    minutes: f64,
    tracks: usize,
    harmonic_share: f64,
    largest_bpm_step: f64,
    mean_bpm_step: f64,
    energy_rmse: f64,
    artist_repeats: usize,
}

pub fn sets(
    lib: &Library,
    found: &Crate,
    plan: &Plan,
    sets: &[Vec<usize>],
    json: bool,
) -> Result<()> {
    let master_tempo = plan.rules.master_tempo;
    let laid: Vec<(Vec<Placed>, Summary)> = sets
        .iter()
        .map(|set| lay_out(plan.tracks, set, plan.curve, master_tempo))
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let mut all: Vec<JsonSet> = laid
            .iter()
            .map(|(p, s)| json_set(lib, found, p, s))
            .collect();
        let first = all.remove(0);
        let mut object = serde_json::to_value(&first)?;
        if !all.is_empty() {
            object["alternatives"] = serde_json::to_value(&all)?;
        }
        object["candidates"] = found.tracks.len().into();
        object["left_out"] = REASONS
            .iter()
            .zip(found.left_out)
            .map(|(why, n)| (why.to_string(), serde_json::Value::from(n)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        writeln!(out, "{object}")?;
    } else {
        for (n, (placed, summary)) in laid.iter().enumerate() {
            if laid.len() > 1 {
                let gap = if n > 0 { "\n" } else { "" };
                writeln!(out, "{gap}Set {} of {}", n + 1, laid.len())?;
            }
            table(&mut out, lib, found, placed, summary)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn json_set(lib: &Library, found: &Crate, placed: &[Placed], summary: &Summary) -> JsonSet {
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    let tracks = placed
        .iter()
        .enumerate()
        .map(|(at, p)| {
            let t = &found.tracks[p.track];
            let entry = &lib.tracks[found.entries[p.track]];
            let (artist, title) = lib.artist_and_title(entry);
            JsonTrack {
                position: at + 1,
                start: round(p.start, 1),
                length: round(t.seconds, 1),
                artist,
                title,
                location: location(lib, found.entries[p.track]),
                bpm: round(t.bpm, 2),
                key: t.key.camelot(),
                energy: t.energy,
                target_energy: round(p.target, 2),
                transition: p.transition.map(|m| JsonTransition {
                    from_key: m.from_key.camelot(),
                    key: m.heard_key.camelot(),
                    key_move: m.key_move.describe(),
                    harmonic: m.key_move.is_compatible(),
                    pitch_shift: m.shift,
                    bpm_step: round(m.step, 2),
                    half_or_double: m.half_or_double,
                    text: m.describe(t.key),
                }),
            }
        })
        .collect();
    JsonSet {
        tracks,
        summary: JsonSummary {
            minutes: round(summary.minutes, 2),
            tracks: placed.len(),
            harmonic_share: round(summary.harmonic_share, 3),
            largest_bpm_step: round(summary.largest_step, 2),
            mean_bpm_step: round(summary.mean_step, 2),
            energy_rmse: round(summary.energy_rmse, 3),
            artist_repeats: summary.artist_repeats,
        },
    }
}

fn table(
    out: &mut impl Write,
    lib: &Library,
    found: &Crate,
    placed: &[Placed],
    summary: &Summary,
) -> Result<()> {
    let shown: Vec<String> = placed
        .iter()
        .map(|p| lib.who(&lib.tracks[found.entries[p.track]]))
        .collect();
    let width = shown
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 48);
    writeln!(
        out,
        "  #    start  {:width$}    BPM  key  energy  mix",
        "track"
    )?;
    for (at, (p, name)) in placed.iter().zip(&shown).enumerate() {
        let t = &found.tracks[p.track];
        let name: String = name.chars().take(width).collect();
        let mix = p.transition.map_or(String::new(), |m| m.describe(t.key));
        let row = format!(
            "{:>3}  {:>7}  {name:width$}  {:>5.1}  {:>3}  {:>2}/{:<4.1} {mix}",
            at + 1,
            clock(p.start),
            t.bpm,
            t.key.camelot(),
            t.energy,
            p.target,
        );
        writeln!(out, "{}", row.trim_end())?;
    }
    writeln!(
        out,
        "{:.1} minutes, {} tracks · {:.0} % harmonic mixes · largest tempo step {:.1} % · energy off the curve by {:.2} (RMSE) · {} artist repeats",
        summary.minutes,
        placed.len(),
        summary.harmonic_share * 100.0,
        summary.largest_step,
        summary.energy_rmse,
        summary.artist_repeats
    )?;
    Ok(())
}

/// Seconds as m:ss, or h:mm:ss past the hour.
fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    }
}
