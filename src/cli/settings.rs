//! Every setting a run uses, resolved once from the command line, the environment, config.toml
//! and the defaults, in that order, with where each value came from. Commands take plain values
//! from here; nothing below them sees the command line. `config show` prints these same values.
//!
//! A new setting is a field of `Settings`, a flag in `args.rs`, a key in `config/file.rs`, and
//! one `pick` line in `Settings::resolve`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::blueprint::vocabulary::Vocabulary;
use crate::cli::args::{Cli, Command, PoolCommand, RenderArgs, TagArgs};
use crate::cli::env::Environment;
use crate::cli::set_settings::SetSettings;
use crate::config::{self, Config};
use crate::job::RenderSettings;
use crate::playlists::Group;
use crate::pool::url::PoolUrl;
use crate::pool::Trust;
use crate::provider::{ProviderChoice, ProviderSettings, DEFAULT_BATCH, DEFAULT_JOBS};
use crate::provider::{DEFAULT_MODEL, DEFAULT_TIMEOUT};
use crate::render::look::Look;
use crate::render::{Level, WriteField, DEFAULT_WRITE};

/// Where a setting came from, as `config show` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Environment,
    Flag,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Environment => "environment",
            Source::Flag => "flag",
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// The flag, else the environment, else the file, else the default: the one place this order
/// is written.
pub(super) fn pick<T>(flag: Option<T>, env: Option<T>, file: Option<T>, default: T) -> Sourced<T> {
    let (value, source) = match (flag, env, file) {
        (Some(v), _, _) => (v, Source::Flag),
        (None, Some(v), _) => (v, Source::Environment),
        (None, None, Some(v)) => (v, Source::File),
        (None, None, None) => (default, Source::Default),
    };
    Sourced { value, source }
}

/// Everything a run is set to.
#[derive(Debug)]
pub struct Settings {
    /// The config file's path (`None`: no home folder to look in), whether it was named, and
    /// what it says.
    pub config_path: Sourced<Option<PathBuf>>,
    pub config: Config,
    /// The cache; `None` where there is no home folder and nothing names one.
    pub db: Sourced<Option<PathBuf>>,
    pub provider: Sourced<Option<ProviderChoice>>,
    pub model: Sourced<String>,
    /// `None`: OpenAI's own.
    pub base_url: Sourced<Option<String>>,
    /// Never printed, logged or stored.
    pub api_key: Sourced<Option<String>>,
    pub jobs: Sourced<u16>,
    pub batch: Sourced<u16>,
    pub timeout: Sourced<u64>,
    pub budget: Sourced<Option<f64>>,
    /// US dollars per million tokens, `IN,OUT`.
    pub price: Sourced<Option<String>>,
    pub level: Sourced<Level>,
    pub write: Sourced<Vec<WriteField>>,
    /// `None`: no playlists.
    pub playlists: Sourced<Option<Vec<Group>>>,
    /// The shared pool's URL, parsed (its password never shown), and what this member takes.
    pub pool: Sourced<Option<PoolUrl>>,
    pub trust: Trust,
    pub look: Look,
    pub vocabulary: Vocabulary,
    /// How `set` builds sets.
    pub set: SetSettings,
    /// Whether the progress bar on stderr is coloured.
    pub color: bool,
}

/// The flags that set something a config file or the environment may set too, whichever
/// command carries them.
#[derive(Default)]
struct Flags<'a> {
    render: Option<&'a RenderArgs>,
    tag: Option<&'a TagArgs>,
}

impl Settings {
    /// The settings for `cli`, config.toml read and checked whole: a bad file stops here.
    pub fn resolve(cli: &Cli, env: &Environment) -> Result<Settings> {
        let config_path = Settings::config_path(cli, env);
        let named = config_path.source != Source::Default;
        let config = Config::load(config_path.value.as_deref(), named)?;
        let file = &config.file;
        let flags = match &cli.command {
            Command::Tag(args) => Flags {
                render: Some(&args.render),
                tag: Some(args),
            },
            Command::Retag(args) => Flags {
                render: Some(&args.render),
                tag: None,
            },
            _ => Flags::default(),
        };
        let set_args = match &cli.command {
            Command::Set(args) => Some(args),
            _ => None,
        };
        let tag = |get: fn(&TagArgs) -> Option<String>| flags.tag.and_then(get);
        let number = |get: fn(&TagArgs) -> Option<u16>| flags.tag.and_then(get);
        let db_default = crate::cache::default_path().ok();
        let model = pick(
            tag(|t| t.model.clone()),
            env.model.clone(),
            file.model.clone(),
            DEFAULT_MODEL.to_string(),
        );
        let price_in_file = config.price(&model.value).map(|(i, o)| format!("{i},{o}"));
        let level_name = pick(
            flags.render.and_then(|r| r.level.clone()),
            None,
            file.level.clone(),
            Level::DEFAULT.name.to_string(),
        );
        Ok(Settings {
            db: pick(
                cli.db.clone().map(Some),
                env.db.clone().map(Some),
                None,
                db_default,
            ),
            provider: pick(
                flags.tag.and_then(|t| t.provider).map(Some),
                None,
                file.provider
                    .as_deref()
                    .map(|p| config::parse_provider(p).ok()),
                None,
            ),
            base_url: pick(
                tag(|t| t.base_url.clone()).map(Some),
                env.base_url.clone().map(Some),
                file.base_url.clone().map(Some),
                None,
            ),
            api_key: pick(
                tag(|t| t.api_key.clone()).map(Some),
                env.api_key.clone().map(Some),
                None,
                None,
            ),
            jobs: pick(number(|t| t.jobs), None, file.jobs, DEFAULT_JOBS),
            batch: pick(number(|t| t.batch), None, file.batch, DEFAULT_BATCH),
            timeout: pick(
                flags.tag.and_then(|t| t.timeout),
                None,
                file.timeout,
                DEFAULT_TIMEOUT,
            ),
            budget: pick(
                flags.tag.and_then(|t| t.budget).map(Some),
                None,
                file.budget.map(Some),
                None,
            ),
            price: pick(
                tag(|t| t.price.clone()).map(Some),
                None,
                price_in_file.map(Some),
                None,
            ),
            level: Sourced {
                value: config.level(&level_name.value)?,
                source: level_name.source,
            },
            write: pick(
                flags.render.and_then(|r| r.write.clone()),
                None,
                file.write
                    .as_deref()
                    .map(parse_write(&config))
                    .transpose()?,
                DEFAULT_WRITE.to_vec(),
            ),
            playlists: playlists(flags.render, &config)?,
            pool: pool_url(cli, env, &config)?,
            trust: trust(&config),
            model,
            look: config.look(),
            vocabulary: config.vocabulary()?,
            set: SetSettings::resolve(set_args, file.set.as_ref()),
            color: colour(cli.color, env),
            config_path,
            config,
        })
    }

    /// `--config`, else `TAGGENIUS_CONFIG`, else the platform's config folder.
    pub fn config_path(cli: &Cli, env: &Environment) -> Sourced<Option<PathBuf>> {
        pick(
            cli.config.clone().map(Some),
            env.config.clone().map(Some),
            None,
            config::default_path(),
        )
    }

    /// The cache's path.
    pub fn db(&self) -> Result<&Path> {
        match &self.db.value {
            Some(path) => Ok(path),
            None => Err(anyhow::anyhow!(
                "cannot find a home folder for the cache; set TAGGENIUS_DB"
            )),
        }
    }

    /// What `tag` asks its provider with.
    pub fn provider(&self, args: &TagArgs) -> ProviderSettings {
        ProviderSettings {
            offline: args.offline,
            choice: self.provider.value,
            api_key: self.api_key.value.clone(),
            key_command: self.config.file.api_key_command.clone(),
            base_url: self.base_url.value.clone(),
            model: self.model.value.clone(),
            jobs: self.jobs.value,
            batch: self.batch.value,
            timeout: self.timeout.value,
            price: self.price.value.clone(),
        }
    }

    /// What `tag` and `retag` render and write with.
    pub fn render(&self, args: &RenderArgs) -> RenderSettings {
        RenderSettings {
            level: self.level.value,
            fields: self.write.value.clone(),
            playlists: self.playlists.value.clone(),
            playlists_from_config: self.playlists.source == Source::File,
            playlists_dir: args.playlists_dir.clone(),
            look: self.look.clone(),
            json: args.json,
            quiet: args.quiet,
        }
    }
}

/// `--pool` (on `tag` and `pool push`), else `TAGGENIUS_POOL`, else config.toml's `pool`.
fn pool_url(cli: &Cli, env: &Environment, config: &Config) -> Result<Sourced<Option<PoolUrl>>> {
    let flag = match &cli.command {
        Command::Tag(args) => args.pool.clone(),
        Command::Pool(
            PoolCommand::Push { pool }
            | PoolCommand::Pull { pool, .. }
            | PoolCommand::Stats { pool, .. },
        ) => pool.clone(),
        Command::Pool(PoolCommand::Init { url }) => Some(url.clone()),
        _ => None,
    };
    let file = config
        .file
        .pool
        .as_ref()
        .and_then(|p| p.url())
        .map(str::to_string);
    let chosen = pick(
        flag.map(Some),
        env.pool.clone().map(Some),
        file.map(Some),
        None,
    );
    let value = chosen.value.as_deref().map(PoolUrl::parse).transpose()?;
    Ok(Sourced {
        value,
        source: chosen.source,
    })
}

/// config.toml's `[pool]` trust settings.
fn trust(config: &Config) -> Trust {
    match &config.file.pool {
        Some(config::file::PoolEntry::Table(table)) => Trust {
            min_confirmations: table.min_confirmations.unwrap_or(1),
            models: table.models.clone(),
        },
        _ => Trust::default(),
    }
}

fn parse_write(config: &Config) -> impl Fn(&[String]) -> Result<Vec<WriteField>> + '_ {
    |names| config::parse_write(names).map_err(|e| config.error(e).into())
}

/// `--playlists` (or `--playlists-dir`, which brings the default groups), else config.toml's.
fn playlists(render: Option<&RenderArgs>, config: &Config) -> Result<Sourced<Option<Vec<Group>>>> {
    let flag = render.and_then(|r| match (&r.playlists, &r.playlists_dir) {
        (Some(groups), _) => Some(Some(groups.clone())),
        (None, Some(_)) => Some(Some(Group::DEFAULT_SET.to_vec())),
        (None, None) => None,
    });
    let file = match &config.file.playlists {
        Some(config::file::Playlists::On(true)) => Some(Some(Group::DEFAULT_SET.to_vec())),
        Some(config::file::Playlists::On(false)) => Some(None),
        Some(config::file::Playlists::Groups(groups)) => Some(Some(
            config::parse_groups(groups).map_err(|e| config.error(e))?,
        )),
        None => None,
    };
    Ok(pick(flag, None, file, None))
}

/// `--color`, else colour on a terminal unless `NO_COLOR` is set.
fn colour(choice: crate::color::ColorChoice, env: &Environment) -> bool {
    use crate::color::ColorChoice;
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !env.no_color && std::io::stderr().is_terminal(),
    }
}
