//! The command line as clap parses it: the flags as given, nothing resolved. `settings`
//! resolves them, with the environment and config.toml, into what a run uses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cli::query_args::{FindArgs, SetArgs};
use crate::color::ColorChoice;
use crate::error::UsageError;
use crate::library::output::Target;
use crate::playlists::Group;
use crate::provider::ProviderChoice;
use crate::render::WriteField;

#[derive(Debug, Parser)]
#[command(
    name = "taggenius",
    version,
    about = "Tag a DJ library once with an LLM; render any detail level from a local cache",
    after_help = "Exit codes: 0 every track rendered, 3 output written but some tracks have no blueprint, 1 error (nothing written), 2 usage error, 130 interrupted by Ctrl-C (nothing written)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Cache file [env: TAGGENIUS_DB; default: <data dir>/taggenius/cache.sqlite3]
    #[arg(long, global = true, value_name = "FILE", display_order = 900)]
    pub db: Option<PathBuf>,
    /// Config file [env: TAGGENIUS_CONFIG; default: <config dir>/taggenius/config.toml]
    #[arg(long, global = true, value_name = "FILE", display_order = 901)]
    pub config: Option<PathBuf>,
    /// Colour on stderr: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, display_order = 902)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Give every track a blueprint (cache first, then the provider) and write a tagged library
    Tag(TagArgs),
    /// Re-render from the cache only, never touching the network
    Retag(RetagArgs),
    /// Undo tag: remove the taggenius block and put back the values it overwrote
    Clear(ClearArgs),
    /// Which tracks are…: the tracks whose tags match, offline, in playing order
    #[command(
        after_help = "Exit codes: 0 the matches are printed (none is no error), 1 error, or no match for --playlist (nothing written), 2 usage error (a word no blueprint holds, an energy outside 1-10), 130 interrupted by Ctrl-C."
    )]
    Find(FindArgs),
    /// An ordered DJ set from the tagged tracks: along an energy curve, in harmonic key moves
    /// and small tempo steps, offline
    #[command(
        after_help = "Exit codes: 0 the set is printed (and written), 1 error or no set meets the rules (one line says which), 2 usage error (an unknown or ambiguous track name, a word no blueprint holds), 130 interrupted by Ctrl-C."
    )]
    Set(SetArgs),
    /// Inspect, export or import the blueprint cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Where the config file is, write a commented one, or show every setting and its source
    #[command(subcommand)]
    Config(ConfigCommand),
    /// A blueprint pool shared on PostgreSQL: create it, send to it, take from it, see it
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Print a man page (roff): taggenius(1), or a subcommand's; --dir writes them all
    Man(ManArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (e.g. tag, or "cache stats")
    #[arg(value_name = "COMMAND", num_args = 0..)]
    pub command: Vec<String>,
    /// Write every page (taggenius.1, taggenius-tag.1, …) into DIR
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// Detail level: essential, recommended, detailed, or one of config.toml's [levels]
    /// [default: recommended]
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Output library ("-" for standard output) [default: <stem>.tagged.<ext> beside the input]
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<String>,
    /// Write over the input library, after keeping a backup of it beside it
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,
    /// Fields to write, comma-separated (genre, comments, comment2, colour, rating)
    /// [default: genre,comments]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub write: Option<Vec<WriteField>>,
    /// Add a `taggenius` folder of playlists built from the tags to the library's playlists
    /// (GROUPS from energy, situation, genre, vibe, decade, component)
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        num_args = 0..=1,
        require_equals = false,
        default_missing_value = Group::DEFAULT,
        value_name = "GROUPS"
    )]
    pub playlists: Option<Vec<Group>>,
    /// Write the playlists as .m3u8 files into a `taggenius` folder under DIR (for VirtualDJ,
    /// which keeps playlists outside its database: its Playlists folder)
    #[arg(long, value_name = "DIR")]
    pub playlists_dir: Option<PathBuf>,
    /// Print a one-object JSON summary on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no summary on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

impl RenderArgs {
    /// Where the rendered library goes, as the flags say.
    pub fn target(&self) -> Target<'_> {
        Target::of(self.output.as_deref(), self.in_place)
    }

    /// `--json` owns standard output, so the library cannot go there too.
    pub fn check_json(&self, library: &str) -> Result<(), UsageError> {
        let library_to_stdout = match self.output.as_deref() {
            Some(output) => output == "-",
            None => library == "-",
        };
        if self.json && library_to_stdout {
            return Err(UsageError(
                "--json cannot be combined with writing the library to standard output (-o -)"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Library: rekordbox XML, Traktor collection.nml or VirtualDJ database.xml ("-" for stdin)
    pub library: String,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Use the cache only; tracks it does not hold stay untouched
    #[arg(long)]
    pub offline: bool,
    /// openai (any OpenAI-compatible server) when a key or base URL is set, else local
    #[arg(long, value_enum)]
    pub provider: Option<ProviderChoice>,
    /// Requests in flight at once [default: 4]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Tracks per request [default: 20]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub batch: Option<u16>,
    /// Model [env: TAGGENIUS_MODEL; default: gpt-4o-mini]
    #[arg(long)]
    pub model: Option<String>,
    /// Ask again for tracks already in the cache
    #[arg(long)]
    pub refresh: bool,
    /// Ask again for the blueprints asked under another vocabulary than config.toml's
    #[arg(long)]
    pub refresh_vocabulary: bool,
    /// Print what a run would do (tracks, hits, requests, tokens, cost); send and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Stop fetching before the estimated spend passes this many US dollars
    #[arg(long, value_name = "USD")]
    pub budget: Option<f64>,
    /// API key [env: OPENAI_API_KEY]
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// OpenAI-compatible server [env: OPENAI_BASE_URL; default: https://api.openai.com/v1]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Seconds before one request is given up and retried [default: 120]
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Price override in USD per 1M tokens: INPUT,OUTPUT (for models not in the table)
    #[arg(long, value_name = "IN,OUT")]
    pub price: Option<String>,
    /// A shared blueprint pool: postgres://USER:PASSWORD@HOST/DB?sslmode=… [env: TAGGENIUS_POOL]
    #[arg(long, value_name = "URL")]
    pub pool: Option<String>,
}

#[derive(Debug, Args)]
pub struct RetagArgs {
    /// Library to render [default: the library the last `tag` read]
    pub library: Option<String>,
    #[command(flatten)]
    pub render: RenderArgs,
}

#[derive(Debug, Args)]
pub struct ClearArgs {
    /// Tagged library ("-" for standard input)
    pub library: String,
    /// Output library ("-" for standard output) [default: <stem>.cleared.<ext>]
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<String>,
    /// Write over the input library, after keeping a backup of it beside it
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,
    /// Also remove the `taggenius` folder of .m3u8 playlists under DIR (VirtualDJ)
    #[arg(long, value_name = "DIR")]
    pub playlists_dir: Option<PathBuf>,
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The config file's path
    Path,
    /// Write a commented template there (never over an existing file)
    Init,
    /// Every effective setting and where it came from
    Show,
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Create the pool's tables in a database (safe to run again)
    Init {
        /// postgres://USER:PASSWORD@HOST/DB?sslmode=…
        url: String,
    },
    /// Send the pool every blueprint fetched online that waits for it, and every other one it lacks
    Push {
        /// The pool [env: TAGGENIUS_POOL; default: config.toml's pool]
        #[arg(long, value_name = "URL")]
        pool: Option<String>,
    },
    /// Fill the local cache with the pool's blueprints for a library's tracks (before a gig
    /// without a network)
    Pull {
        /// Library [default: the library the last `tag` read]
        library: Option<String>,
        /// The pool [env: TAGGENIUS_POOL; default: config.toml's pool]
        #[arg(long, value_name = "URL")]
        pool: Option<String>,
    },
    /// What the pool holds: blueprints, contributors, confirmations, models, and how much of a
    /// library it covers
    Stats {
        /// Library whose share to count [default: the library the last `tag` read, if any]
        library: Option<String>,
        /// The pool [env: TAGGENIUS_POOL; default: config.toml's pool]
        #[arg(long, value_name = "URL")]
        pool: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// What the cache holds, what was spent and what it saved
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// The stored blueprint of one track, as JSON
    Show { artist: String, title: String },
    /// Every blueprint as JSON Lines
    Export {
        /// File to write ("-" or nothing for standard output)
        file: Option<String>,
    },
    /// Merge blueprints from JSON Lines; never replaces a newer blueprint
    Import {
        /// File to read ("-" for standard input)
        file: String,
    },
}
