//! What a run tells the user: the `--json` object on stdout, or a few lines on stderr whose
//! last one sums the run up in words.

use std::io::Write;

use anyhow::Result;

use crate::job::summary::Summary;

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
    if summary.cut_short > 0 {
        let replies = match summary.cut_short {
            1 => "1 reply was".to_string(),
            n => format!("{n} replies were"),
        };
        eprintln!(
            "  {replies} cut short at the server's output limit; their tracks were asked again \
             in smaller batches (the cut replies cost {} of output, ${:.4})",
            counted(summary.cut_short_tokens, "token"),
            summary.cut_short_usd
        );
    }
    eprintln!("{}", sentence(verb, summary));
    if let Some(written) = &summary.playlists {
        eprintln!(
            "  {} in \"{}\", ordered by BPM, energy and artist",
            counted(written.count as u64, "playlist"),
            written.folder
        );
    }
    Ok(())
}

fn sentence(verb: &str, s: &Summary) -> String {
    let rendered = s.tracks - s.missing.len();
    let mut line = format!(
        "{verb} {rendered} of {} at level {} ({} from the cache, {} {}",
        counted(s.tracks as u64, "track"),
        s.level,
        counted(s.cached as u64, "blueprint"),
        s.fetched,
        if s.guessed_locally {
            "guessed offline from their own tags"
        } else {
            "fetched"
        }
    );
    if s.requests > 0 {
        let requests = counted(s.requests, "request");
        line.push_str(&format!(" in {requests}, ${:.4}", s.cost_usd));
    }
    line.push(')');
    if let Some(pool) = &s.pool {
        line.push_str(&format!(
            "; the pool gave {} and took {}",
            pool.hits, pool.pushed
        ));
        if pool.invalid > 0 {
            line.push_str(&format!(
                " ({} of its rows failed the checks and were asked again)",
                pool.invalid
            ));
        }
    }
    if !s.missing.is_empty() {
        line.push_str(&format!("; {} left untouched", s.missing.len()));
    }
    line.push_str(&format!(" → {}", s.output));
    if let Some(backup) = &s.backup {
        line.push_str(&format!(" (the library as it was is kept in {backup})"));
    }
    line
}

/// "1 track", "2 tracks".
pub fn counted(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_in_words() {
        let one = Summary {
            tracks: 1,
            cached: 1,
            fetched: 0,
            requests: 1,
            level: "essential".into(),
            output: "out.xml".into(),
            ..Summary::default()
        };
        assert_eq!(
            sentence("tagged", &one),
            "tagged 1 of 1 track at level essential (1 blueprint from the cache, 0 fetched \
             in 1 request, $0.0000) → out.xml"
        );
        let many = Summary {
            tracks: 3,
            cached: 2,
            requests: 0,
            ..one
        };
        assert_eq!(
            sentence("retagged", &many),
            "retagged 3 of 3 tracks at level essential (2 blueprints from the cache, 0 fetched) \
             → out.xml"
        );
    }
}
