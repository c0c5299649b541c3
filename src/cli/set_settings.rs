//! How `taggenius set` builds sets: its flags, else config.toml's `[set]`, else the defaults,
//! each value with where it came from (`config show` prints them).

use crate::cli::query_args::{OnOff, SetArgs};
use crate::cli::settings::{Source, Sourced};
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
        fn either<T>(flag: Option<T>, file: Option<T>, default: T) -> Sourced<T> {
            let (value, source) = match (flag, file) {
                (Some(v), _) => (v, Source::Flag),
                (None, Some(v)) => (v, Source::File),
                (None, None) => (default, Source::Default),
            };
            Sourced { value, source }
        }
        let file = file.cloned().unwrap_or_default();
        SetSettings {
            curve: either(
                args.and_then(|a| a.curve.clone()),
                file.curve,
                DEFAULT_CURVE.to_string(),
            ),
            artist_gap: either(
                args.and_then(|a| a.artist_gap),
                file.artist_gap,
                DEFAULT_ARTIST_GAP,
            ),
            max_bpm_step: either(
                args.and_then(|a| a.max_bpm_step),
                file.max_bpm_step,
                DEFAULT_MAX_BPM_STEP,
            ),
            master_tempo: either(
                args.and_then(|a| a.master_tempo).map(|m| m == OnOff::On),
                file.master_tempo,
                true,
            ),
        }
    }
}
