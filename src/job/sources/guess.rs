//! The sources that ask no one: the offline guesser, which places a track from the Genre it
//! already carries, and `--offline`, which answers nothing.

use anyhow::Result;

use crate::cache::LOCAL_SOURCE;
use crate::error::Interrupted;
use crate::interrupt;
use crate::job::sources::{Reasons, Source, Store, Wanted};
use crate::job::summary::Summary;
use crate::provider::local::local_blueprint;

/// `--offline`: the cache only.
pub struct Offline;

impl Source for Offline {
    fn ask(&self, wanted: &[Wanted], _: &mut Store, _: &mut Summary) -> Result<Reasons> {
        Ok(wanted
            .iter()
            .map(|(k, _)| (k.to_string(), "not in the cache (offline)".to_string()))
            .collect())
    }
}

/// Guesses from each track's own tags.
pub struct Guesser;

impl Source for Guesser {
    fn ask(&self, wanted: &[Wanted], store: &mut Store, summary: &mut Summary) -> Result<Reasons> {
        interrupt::phase("guessing");
        let mut reasons = Reasons::new();
        let mut guessed = Vec::new();
        for (key, info) in wanted {
            // What is guessed so far is kept; the run stops after it is committed.
            if interrupt::requested() {
                break;
            }
            match local_blueprint(info) {
                Some(blueprint) => guessed.push((*key, info, blueprint)),
                None => {
                    let reason = if info.genre.is_empty() {
                        "offline guess impossible: no Genre to go on (set OPENAI_API_KEY for online tagging)".to_string()
                    } else {
                        format!(
                            "offline guess impossible: genre {:?} is not one it knows",
                            info.genre
                        )
                    };
                    reasons.insert(key.to_string(), reason);
                }
            }
        }
        let answers: Vec<_> = guessed.iter().map(|(k, i, b)| (*k, *i, b)).collect();
        store.keep(LOCAL_SOURCE, &answers)?;
        summary.fetched += answers.len();
        if interrupt::requested() {
            return Err(Interrupted {
                saved: Some(summary.fetched),
            }
            .into());
        }
        Ok(reasons)
    }
}
