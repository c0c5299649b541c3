//! The set benchmark: taggenius's `set` against two anchors on the same crate and curve —
//! **greedy** (each step the best next track) and **reklawdbox's beam** (width 3) — both
//! scoring a transition as reklawdbox publishes it: key 0.30, BPM 0.20, energy 0.18, genre
//! 0.17, over their sum; key 1.0 same key, 0.9 ±1, 0.8 relative major/minor, 0.55 ±1 with the
//! other letter, 0.45 ±2, else 0.1; BPM exp(-0.019·pct²); energy 1 - |energy - target| / 9
//! against the curve at the track's middle; genre 1.0 the same primary genre, else 0.5. Neither
//! has an artist rule or a length target: they add tracks until the set is within half a
//! track of the minutes asked.
//!
//! ```text
//! cargo run --release --example set_anchors -- --crate DIR --library FILE --bin TAGGENIUS
//!     [--runs N] [--check]
//! ```
//!
//! DIR holds `crate.jsonl` (from `gen_crate`); TAGGENIUS runs `set` on FILE with the cache in
//! TAGGENIUS_DB (primed with the crate's blueprints). For 60 and 120 minutes on the `peak` and
//! `journey` curves, prints one Markdown row per builder: rules met, harmonic share, largest
//! and mean tempo step, energy RMSE against the curve, artist repeats (any, and within 4
//! tracks), length, time (median of N runs). Every figure is computed here, from the tracks'
//! features, for all three builders alike. `--check` exits 1 unless taggenius meets every
//! rule with ≥ 90 % harmonic mixes and an RMSE at most 0.8× the beam's, in under 2 s.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use taggenius::set::curve::Curve;

#[derive(Deserialize, Clone)]
struct Feature {
    artist: String,
    file: String,
    bpm: f64,
    key: String,
    seconds: f64,
    energy: u8,
    genre: String,
}

/// A Camelot key as (number 1-12, minor).
fn camelot(key: &str) -> (i32, bool) {
    let (digits, letter) = key.split_at(key.len() - 1);
    (digits.parse().unwrap_or(1), letter == "A")
}

/// Steps round the wheel (0-6) and whether the letter changes.
fn wheel(a: &str, b: &str) -> (i32, bool) {
    let ((na, ma), (nb, mb)) = (camelot(a), camelot(b));
    let d = (nb - na).rem_euclid(12);
    (d.min(12 - d), ma != mb)
}

fn harmonic(a: &str, b: &str) -> bool {
    matches!(wheel(a, b), (0, _) | (1, false))
}

fn step(a: f64, b: f64) -> f64 {
    let octaves = (b / a).log2();
    (2f64.powf(octaves - octaves.round()) - 1.0).abs() * 100.0
}

fn reklawdbox_score(a: &Feature, b: &Feature, target: f64) -> f64 {
    let key = match wheel(&a.key, &b.key) {
        (0, false) => 1.0,
        (1, false) => 0.9,
        (0, true) => 0.8,
        (1, true) => 0.55,
        (2, false) => 0.45,
        _ => 0.1,
    };
    let pct = step(a.bpm, b.bpm);
    let bpm = (-0.019 * pct * pct).exp();
    let energy = 1.0 - (f64::from(b.energy) - target).abs() / 9.0;
    let genre = if a.genre == b.genre { 1.0 } else { 0.5 };
    (0.30 * key + 0.20 * bpm + 0.18 * energy + 0.17 * genre) / 0.85
}

/// Beam search of `width` over the reklawdbox score; width 1 is the greedy anchor.
fn anchor(crate_: &[Feature], curve: &Curve, minutes: f64, width: usize) -> Vec<usize> {
    let target_at = |start: f64, t: &Feature| curve.at((start + t.seconds / 2.0) / 60.0);
    let mean = crate_.iter().map(|t| t.seconds).sum::<f64>() / crate_.len() as f64;
    let stop = minutes * 60.0 - mean / 2.0;
    let mut firsts: Vec<(f64, usize)> = (0..crate_.len())
        .map(|i| {
            (
                1.0 - (f64::from(crate_[i].energy) - target_at(0.0, &crate_[i])).abs() / 9.0,
                i,
            )
        })
        .collect();
    firsts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut beam: Vec<(f64, Vec<usize>, f64)> = firsts
        .iter()
        .take(width)
        .map(|&(s, i)| (s, vec![i], crate_[i].seconds))
        .collect();
    while beam.iter().any(|(_, _, elapsed)| *elapsed < stop) {
        let mut grown = Vec::new();
        for (score, order, elapsed) in &beam {
            if *elapsed >= stop {
                grown.push((*score, order.clone(), *elapsed));
                continue;
            }
            let last = &crate_[*order.last().unwrap_or(&0)];
            for (j, t) in crate_.iter().enumerate() {
                if !order.contains(&j) {
                    let s = score + reklawdbox_score(last, t, target_at(*elapsed, t));
                    grown.push((s, order.clone(), *elapsed)); // the order grows below
                    let g = grown.last_mut().expect("just pushed");
                    g.1.push(j);
                    g.2 += t.seconds;
                }
            }
        }
        // Compared per transition, so that sets of different lengths rank alike.
        grown.sort_by(|a, b| {
            (b.0 / b.1.len() as f64)
                .total_cmp(&(a.0 / a.1.len() as f64))
                .then(a.1.cmp(&b.1))
        });
        grown.truncate(width);
        beam = grown;
    }
    beam.into_iter().next().map(|b| b.1).unwrap_or_default()
}

struct Figures {
    rules: bool,
    harmonic: f64,
    largest: f64,
    mean: f64,
    rmse: f64,
    repeats: usize,
    near_repeats: usize,
    minutes: f64,
}

fn figures(crate_: &[Feature], order: &[usize], curve: &Curve, minutes: f64) -> Figures {
    let tracks: Vec<&Feature> = order.iter().map(|&i| &crate_[i]).collect();
    let pairs: Vec<(&Feature, &Feature)> = tracks.windows(2).map(|w| (w[0], w[1])).collect();
    let steps: Vec<f64> = pairs.iter().map(|(a, b)| step(a.bpm, b.bpm)).collect();
    let mut start = 0.0;
    let mut squares = 0.0;
    for t in &tracks {
        let target = curve.at((start + t.seconds / 2.0) / 60.0);
        squares += (f64::from(t.energy) - target).powi(2);
        start += t.seconds;
    }
    let artists = |t: &Feature| -> Vec<String> {
        t.artist
            .to_lowercase()
            .split(" & ")
            .map(str::to_string)
            .collect()
    };
    let shares = |a: &Feature, b: &Feature| artists(a).iter().any(|x| artists(b).contains(x));
    let repeats = (0..tracks.len())
        .filter(|&i| (0..i).any(|j| shares(tracks[j], tracks[i])))
        .count();
    let near_repeats = (0..tracks.len())
        .filter(|&i| (i.saturating_sub(3)..i).any(|j| shares(tracks[j], tracks[i])))
        .count();
    let mut files: Vec<&str> = tracks.iter().map(|t| t.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    let largest = steps.iter().copied().fold(0.0, f64::max);
    let length_ok = (start / 60.0 - minutes).abs() <= minutes * 0.05;
    Figures {
        rules: files.len() == tracks.len()
            && near_repeats == 0
            && largest <= 6.0 + 1e-9
            && length_ok,
        harmonic: pairs
            .iter()
            .filter(|(a, b)| harmonic(&a.key, &b.key))
            .count() as f64
            / pairs.len().max(1) as f64,
        largest,
        mean: steps.iter().sum::<f64>() / steps.len().max(1) as f64,
        rmse: (squares / tracks.len().max(1) as f64).sqrt(),
        repeats,
        near_repeats,
        minutes: start / 60.0,
    }
}

/// taggenius's set, by file, and the median time of `runs` runs.
fn taggenius(
    bin: &str,
    library: &str,
    by_file: &HashMap<String, usize>,
    curve: &str,
    minutes: f64,
    runs: usize,
) -> Result<(Vec<usize>, f64), String> {
    let mut times = Vec::new();
    let mut order = Vec::new();
    for _ in 0..runs.max(1) {
        let began = Instant::now();
        let out = Command::new(bin)
            .args([
                "set",
                library,
                "--json",
                "--curve",
                curve,
                "--minutes",
                &minutes.to_string(),
            ])
            .output()
            .map_err(|e| format!("{bin}: {e}"))?;
        times.push(began.elapsed().as_secs_f64());
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        order = json["tracks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let location = t["location"].as_str()?;
                by_file
                    .get(location.rsplit(['/', '\\', ':']).next()?)
                    .copied()
            })
            .collect();
    }
    times.sort_by(f64::total_cmp);
    Ok((order, times[times.len() / 2]))
}

fn row(name: &str, f: &Figures, seconds: f64) -> String {
    format!(
        "| {name} | {} | {:.0} % | {:.1} % | {:.2} % | {:.2} | {} ({} within 4) | {:.1} | {:.3} s |",
        if f.rules { "yes" } else { "no" },
        f.harmonic * 100.0,
        f.largest,
        f.mean,
        f.rmse,
        f.repeats,
        f.near_repeats,
        f.minutes,
        seconds
    )
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(dir), Some(library), Some(bin)) =
        (value("--crate"), value("--library"), value("--bin"))
    else {
        eprintln!(
            "usage: set_anchors --crate DIR --library FILE --bin TAGGENIUS [--runs N] [--check]"
        );
        return std::process::ExitCode::from(2);
    };
    let runs: usize = value("--runs").and_then(|r| r.parse().ok()).unwrap_or(3);
    let check = args.iter().any(|a| a == "--check");
    let text = std::fs::read_to_string(format!("{dir}/crate.jsonl")).unwrap_or_default();
    let crate_: Vec<Feature> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let by_file: HashMap<String, usize> = crate_
        .iter()
        .enumerate()
        .map(|(i, t)| (t.file.clone(), i))
        .collect();
    let mut failed = Vec::new();
    for (curve_name, minutes) in [
        ("peak", 60.0),
        ("peak", 120.0),
        ("journey", 60.0),
        ("journey", 120.0),
    ] {
        let Ok(curve) = Curve::parse(curve_name, minutes) else {
            continue;
        };
        let label = format!("{} tracks, {curve_name} {minutes:.0} min", crate_.len());
        let timed = |width: usize| {
            let began = Instant::now();
            let order = anchor(&crate_, &curve, minutes, width);
            (order, began.elapsed().as_secs_f64())
        };
        let (greedy, greedy_s) = timed(1);
        let (beam, beam_s) = timed(3);
        let beam_f = figures(&crate_, &beam, &curve, minutes);
        println!(
            "{}",
            row(
                &format!("{label}: greedy"),
                &figures(&crate_, &greedy, &curve, minutes),
                greedy_s
            )
        );
        println!(
            "{}",
            row(&format!("{label}: reklawdbox beam (3)"), &beam_f, beam_s)
        );
        match taggenius(&bin, &library, &by_file, curve_name, minutes, runs) {
            Ok((order, seconds)) => {
                let f = figures(&crate_, &order, &curve, minutes);
                println!("{}", row(&format!("{label}: **taggenius**"), &f, seconds));
                let good =
                    f.rules && f.harmonic >= 0.9 && f.rmse <= 0.8 * beam_f.rmse && seconds < 2.0;
                if !good {
                    failed.push(label);
                }
            }
            Err(e) => {
                println!("| {label}: **taggenius** | {e} |");
                failed.push(label);
            }
        }
    }
    if check && !failed.is_empty() {
        eprintln!(
            "set_anchors: taggenius fell short on: {}",
            failed.join("; ")
        );
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
