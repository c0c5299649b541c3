//! How `taggenius set` builds sets: its flags, else config.toml's `[set]`, else the defaults
//! (no environment variable), each value with where it came from (`config show` prints them).

use crate::cli::query_args::{OnOff, SetArgs};
use crate::cli::settings::{pick, Sourced};
use crate::config::file::SetTable;

pub const DEFAULT_CURVE: &str = "peak";
pub const DEFAULT_ARTIST_GAP: usize = 4;
pub const DEFAULT_MAX_BPM_STEP: f64 = 6.0;

#[derive(Debug, Clone)]
pub struct SetSettings {
    pub curve: Sourced<String>,
    pub artist_gap: Sourced<usize>,
    pub max_bpm_step: Sourced<f64>,
    pub master_tempo: Sourced<bool>,
}

impl SetSettings {
    /// The flags of a `set` run (`None` for another command), then the file's `[set]`.
    pub fn resolve(args: Option<&SetArgs>, file: Option<&SetTable>) -> SetSettings {
        let file = file.cloned().unwrap_or_default();
        SetSettings {
            curve: pick(
                args.and_then(|a| a.curve.clone()),
                None,
                file.curve,
                DEFAULT_CURVE.to_string(),
            ),
            artist_gap: pick(
                args.and_then(|a| a.artist_gap),
                None,
                file.artist_gap,
                DEFAULT_ARTIST_GAP,
            ),
            max_bpm_step: pick(
                args.and_then(|a| a.max_bpm_step),
                None,
                file.max_bpm_step,
                DEFAULT_MAX_BPM_STEP,
            ),
            master_tempo: pick(
                args.and_then(|a| a.master_tempo).map(|m| m == OnOff::On),
                None,
                file.master_tempo,
                true,
            ),
        }
    }
}
