//! What a run tells the user: the `--json` object on stdout, or a few lines on stderr whose
//! last one sums the run up in words.

use std::io::Write;

use anyhow::Result;

use crate::history::Summary;

/// How many missing tracks are listed on stderr; `--json` lists them all.
const LISTED: usize = 20;

pub fn report(verb: &str, summary: &Summary, json: bool, quiet: bool) -> Result<()> {
    if json {
        print_json(summary)?;
    }
    if quiet {
        return Ok(());
    }
    for m in summary.missing.iter().take(LISTED) {
        let who = match (m.artist.is_empty(), m.title.is_empty()) {
            (_, true) => "(untitled)".to_string(),
            (true, false) => m.title.clone(),
            (false, false) => format!("{} - {}", m.artist, m.title),
        };
        eprintln!("  no blueprint: {who}: {}", m.reason);
    }
    if summary.missing.len() > LISTED {
        eprintln!(
            "  … and {} more (--json lists them all)",
            summary.missing.len() - LISTED
        );
    }
    eprintln!("{}", sentence(verb, summary));
    Ok(())
}

fn sentence(verb: &str, s: &Summary) -> String {
    let rendered = s.tracks - s.missing.len();
    let mut line = format!(
        "{verb} {rendered} of {} tracks at level {} ({} blueprints from the cache, {} {}",
        s.tracks,
        s.level,
        s.cached,
        s.fetched,
        if s.guessed_locally {
            "guessed offline from their own tags"
        } else {
            "fetched"
        }
    );
    if s.requests > 0 {
        line.push_str(&format!(" in {} requests, ${:.4}", s.requests, s.cost_usd));
    }
    line.push(')');
    if !s.missing.is_empty() {
        line.push_str(&format!("; {} left untouched", s.missing.len()));
    }
    line.push_str(&format!(" → {}", s.output));
    line
}

/// One JSON object on its own line on stdout. A closed pipe (`| head`) comes back as an error
/// that `main` ends quietly on, where `println!` would panic.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
