//! The tracks the DJ names by text — `--start`, `--end`, `--include`, `--exclude` — found
//! among the candidates, and the excluded ones taken out of the crate.

use crate::cli::SetArgs;
use crate::error::UsageError;
use crate::set::Pins;

use super::candidates::{Crate, EXCLUDED};

/// The crate without the excluded tracks, and the pinned ones by index into it.
pub fn resolve(mut found: Crate, args: &SetArgs) -> Result<(Crate, Pins), UsageError> {
    let excluded: Vec<usize> = args
        .exclude
        .iter()
        .map(|text| one(&found.names, "--exclude", text))
        .collect::<Result<_, _>>()?;
    let keep = |i: usize| !excluded.contains(&i);
    found.tracks = kept(std::mem::take(&mut found.tracks), keep);
    found.entries = kept(std::mem::take(&mut found.entries), keep);
    found.names = kept(std::mem::take(&mut found.names), keep);
    found.left_out[EXCLUDED] += excluded.len();
    let names = &found.names;
    let pin = |flag: &str, text: &Option<String>| {
        text.as_deref().map(|t| one(names, flag, t)).transpose()
    };
    let pins = Pins {
        start: pin("--start", &args.start)?,
        end: pin("--end", &args.end)?,
        include: args
            .include
            .iter()
            .map(|text| one(names, "--include", text))
            .collect::<Result<_, _>>()?,
    };
    if pins.start.is_some() && pins.start == pins.end {
        return Err(UsageError(
            "--start and --end name the same track".to_string(),
        ));
    }
    Ok((found, pins))
}

/// The one candidate `text` names: the name itself (any case), else the one name containing
/// it; none or several is a usage error listing what it could mean.
fn one(names: &[String], flag: &str, text: &str) -> Result<usize, UsageError> {
    // The table prints "Artist – Title"; what is copied from it names the track too.
    let wanted = text.trim().replace(" – ", " - ").to_lowercase();
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    if let Some(exact) = lower.iter().position(|n| *n == wanted) {
        return Ok(exact);
    }
    let matches: Vec<usize> = (0..names.len())
        .filter(|&i| lower[i].contains(&wanted))
        .collect();
    match matches.as_slice() {
        [only] => Ok(*only),
        [] => Err(UsageError(format!(
            "{flag} {text:?}: no track of the crate (the tagged tracks with a BPM, a key and a length that pass the filters) is named so"
        ))),
        several => {
            let listed: Vec<&str> = several.iter().take(10).map(|&i| names[i].as_str()).collect();
            let more = match several.len() {
                n if n > 10 => format!(" and {} more", n - 10),
                _ => String::new(),
            };
            Err(UsageError(format!(
                "{flag} {text:?} could be any of: {}{more}; give more of the name",
                listed.join("; ")
            )))
        }
    }
}

fn kept<T>(items: Vec<T>, keep: impl Fn(usize) -> bool) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| keep(i).then_some(item))
        .collect()
}
