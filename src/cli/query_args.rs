//! The arguments of the commands that ask the tags questions offline: `find` and `set`, which
//! share `find`'s filters.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::library::output::Target;

/// `find`'s filters; `set` takes the same.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Primary genre (House, Techno, …)
    #[arg(long, value_name = "G")]
    pub genre: Vec<String>,
    /// Sub-genre (any of a track's three)
    #[arg(long, value_name = "S")]
    pub sub: Vec<String>,
    /// Energy, one level or a range (7-10)
    #[arg(long, value_name = "A-B")]
    pub energy: Vec<String>,
    /// Situation (Peak Hour, Warmup, …)
    #[arg(long, value_name = "S")]
    pub situation: Vec<String>,
    /// Vibe (Dark, Uplifting, …)
    #[arg(long, value_name = "V")]
    pub vibe: Vec<String>,
    /// Component (Vocal, Piano, …)
    #[arg(long, value_name = "C")]
    pub component: Vec<String>,
    /// Decade (1990s, 90s)
    #[arg(long, value_name = "D")]
    pub decade: Vec<String>,
    /// BPM, one tempo or a range (120-126)
    #[arg(long, value_name = "A-B")]
    pub bpm: Vec<String>,
    /// Key in Camelot (8A), Open Key (1m) or classic (Am) notation
    #[arg(long, value_name = "KEY")]
    pub key: Vec<String>,
    /// Widen --key to the keys that mix with it (±1 on the wheel, relative major/minor)
    #[arg(long)]
    pub harmonic: bool,
}

impl FilterArgs {
    pub fn asked(&self) -> crate::query::Asked<'_> {
        crate::query::Asked {
            genre: &self.genre,
            sub: &self.sub,
            energy: &self.energy,
            situation: &self.situation,
            vibe: &self.vibe,
            component: &self.component,
            decade: &self.decade,
            bpm: &self.bpm,
            key: &self.key,
            harmonic: self.harmonic,
        }
    }
}

#[derive(Debug, Args)]
pub struct FindArgs {
    /// Library [default: the library the last `tag` read]
    pub library: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Print a JSON array of the matching tracks
    #[arg(long)]
    pub json: bool,
    /// Write the matches as the playlist taggenius/Queries/NAME into an output library
    #[arg(long, value_name = "NAME")]
    pub playlist: Option<String>,
    #[command(flatten)]
    pub to: SavedTo,
}

/// Where `--playlist` writes, for `find` and `set` alike.
#[derive(Debug, Args)]
pub struct SavedTo {
    /// Output library for --playlist ("-" for standard output) [default: <stem>.tagged.<ext>]
    #[arg(short, long, value_name = "OUT", requires = "playlist")]
    pub output: Option<String>,
    /// Write --playlist over the input library, after keeping a backup of it beside it
    #[arg(long, conflicts_with = "output", requires = "playlist")]
    pub in_place: bool,
    /// For VirtualDJ: write --playlist as an .m3u8 file under DIR (taggenius/Queries for find,
    /// taggenius/Sets for set)
    #[arg(long, value_name = "DIR", requires = "playlist")]
    pub playlists_dir: Option<PathBuf>,
}

impl SavedTo {
    pub fn target(&self) -> Target<'_> {
        Target::of(self.output.as_deref(), self.in_place)
    }
}

impl FindArgs {
    pub fn asked(&self) -> crate::query::Asked<'_> {
        self.filters.asked()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Library [default: the library the last `tag` read]
    pub library: Option<String>,
    /// The set's length in minutes: its tracks' lengths add up to within 5 % of it
    #[arg(long, value_name = "N")]
    pub minutes: f64,
    /// The energy over the set, on the 1-10 scale: warmup (builds from 3 to 7 and never peaks:
    /// opening for another DJ), peak (builds from 4 to 9 two thirds in, holds it, lands at 7),
    /// journey (waves: up to 7, back down to 5, up to 9, down to 5), closing (starts at 8, one
    /// last peak at 9, winds down to 3); or points MIN:ENERGY,… such as 0:3,30:6,50:9,60:7,
    /// linear between them [default: peak]
    #[arg(long, value_name = "CURVE")]
    pub curve: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// The first track, by text in "Artist - Title"
    #[arg(long, value_name = "TEXT")]
    pub start: Option<String>,
    /// The last track, by text in "Artist - Title"
    #[arg(long, value_name = "TEXT")]
    pub end: Option<String>,
    /// A track the set must play, by text in "Artist - Title" (again for more)
    #[arg(long, value_name = "TEXT")]
    pub include: Vec<String>,
    /// A track the set must not play, by text in "Artist - Title" (again for more)
    #[arg(long, value_name = "TEXT")]
    pub exclude: Vec<String>,
    /// No artist twice among any N tracks in a row [default: 4]
    #[arg(long, value_name = "N")]
    pub artist_gap: Option<usize>,
    /// The largest tempo step between two tracks, in percent (half and double time count as
    /// the same tempo) [default: 6]
    #[arg(long, value_name = "PCT")]
    pub max_bpm_step: Option<f64>,
    /// off: a tempo change also changes the key (round(12·log2(ratio)) semitones), and the key
    /// as heard is what must mix [default: on]
    #[arg(long, value_enum, value_name = "ON|OFF")]
    pub master_tempo: Option<OnOff>,
    /// Build K sets, each sharing at most half its tracks with those before it
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub alternatives: usize,
    /// Seed for ties and the search: the same library, cache, flags and seed give the same set
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Print one JSON object: the set's tracks and its summary
    #[arg(long)]
    pub json: bool,
    /// Write the set in order as the playlist taggenius/Sets/NAME into an output library
    #[arg(long, value_name = "NAME")]
    pub playlist: Option<String>,
    #[command(flatten)]
    pub to: SavedTo,
}
