//! The user's settings: config.toml, found once and resolved into the command line before a
//! command runs, so that each setting comes from a flag, else the environment, else the file,
//! else its default.

pub mod file;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::blueprint::vocabulary::{Changes, Vocabulary};
use crate::cli::{Cli, Command, ProviderChoice, RenderArgs};
use crate::error::UsageError;
use crate::playlists::Group;
use crate::render::look::{Look, Renames, Template};
use crate::render::{Level, WriteField};
use file::{ConfigFile, Playlists};

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

/// The config file a run reads, if any, and what it says.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    /// Where the path came from: `--config`, `TAGGENIUS_CONFIG`, or the platform's folder.
    pub path_source: Option<Source>,
    pub file: ConfigFile,
}

/// config.toml in the platform's config folder (`~/.config/taggenius/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "taggenius")?;
    Some(dirs.config_dir().join("config.toml"))
}

pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// The file `--config` or `TAGGENIUS_CONFIG` names (which must exist), else the default
    /// one where there is one.
    pub fn load(flag: Option<&Path>) -> Result<Config, UsageError> {
        let named = match (flag, env_var("TAGGENIUS_CONFIG")) {
            (Some(path), _) => Some((path.to_path_buf(), Source::Flag)),
            (None, Some(path)) => Some((PathBuf::from(path), Source::Environment)),
            (None, None) => None,
        };
        let (path, source) = match named {
            Some(named) => named,
            None => match default_path().filter(|p| p.is_file()) {
                Some(path) => (path, Source::Default),
                None => return Ok(Config::default()),
            },
        };
        let file = ConfigFile::read(&path)?;
        let config = Config {
            path: Some(path),
            path_source: Some(source),
            file,
        };
        config.check()?;
        Ok(config)
    }

    /// What the file says that serde cannot check: levels, groups, fields, the template.
    fn check(&self) -> Result<(), UsageError> {
        let f = &self.file;
        if let Some(level) = &f.level {
            self.level(level)
                .map_err(|e| self.error(format!("level: {e}")))?;
        }
        for name in f.levels.keys() {
            if Level::builtin(name).is_some() {
                return Err(self.error(format!(
                    "[levels.{name}]: a built-in level cannot be redefined"
                )));
            }
        }
        if let Some(provider) = &f.provider {
            parse_provider(provider).map_err(|e| self.error(e))?;
        }
        if let Some(write) = &f.write {
            parse_write(write).map_err(|e| self.error(e))?;
        }
        if let Some(Playlists::Groups(groups)) = &f.playlists {
            parse_groups(groups).map_err(|e| self.error(e))?;
        }
        self.vocabulary()?;
        if let Some(block) = &f.block {
            Template::parse(&block.template)
                .map_err(|e| self.error(format!("block.template: {e}")))?;
        }
        Ok(())
    }

    fn error(&self, message: String) -> UsageError {
        let shown = self
            .path
            .as_deref()
            .map_or(String::new(), |p| p.display().to_string());
        UsageError(format!("config {shown}: {message}"))
    }

    /// The vocabulary with the file's `[vocabulary]` changes.
    pub fn vocabulary(&self) -> Result<Vocabulary, UsageError> {
        let Some(v) = &self.file.vocabulary else {
            return Ok(Vocabulary::built_in());
        };
        Vocabulary::with(&Changes {
            genres: &v.primary_genre,
            vibes: &v.energy_vibe,
            situations: &v.situation_environment,
            components: &v.components,
        })
        .map_err(|e| self.error(e))
    }

    /// A built-in level or one of the file's `[levels]`.
    pub fn level(&self, name: &str) -> Result<Level, UsageError> {
        if let Some(level) = Level::builtin(name) {
            return Ok(level);
        }
        let Some(entry) = self.file.levels.get(name) else {
            let mut known: Vec<&str> = Level::ALL.iter().map(|l| l.name).collect();
            known.extend(self.file.levels.keys().map(String::as_str));
            return Err(UsageError(format!(
                "--level {name:?}: no such level; known: {}",
                known.join(", ")
            )));
        };
        // A handful of names a run, kept for the run's length.
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        let n = |v: u8| usize::from(v).min(crate::blueprint::MAX_ITEMS);
        Ok(Level {
            name,
            sub_genre: n(entry.sub_genre),
            energy_vibe: n(entry.energy_vibe),
            situation: n(entry.situation_environment),
            components: n(entry.components),
            time_period: n(entry.time_period).min(1),
        })
    }

    /// The renames and block template the file sets.
    pub fn look(&self) -> Look {
        Look {
            renames: Renames::new(self.file.rename.clone()),
            template: self
                .file
                .block
                .as_ref()
                .and_then(|b| Template::parse(&b.template).ok()),
            known: Vec::new(),
            custom_sub_genres: (self.file.levels.values())
                .map(|l| usize::from(l.sub_genre))
                .collect(),
        }
    }

    /// The file's price for `model`, in US dollars per million tokens.
    pub fn price(&self, model: &str) -> Option<(f64, f64)> {
        self.file.prices.get(model).map(|p| (p.input, p.output))
    }
}

fn parse_provider(name: &str) -> Result<ProviderChoice, String> {
    use clap::ValueEnum;
    ProviderChoice::from_str(name, true)
        .map_err(|_| format!("provider: {name:?} is neither openai nor local"))
}

fn parse_write(names: &[String]) -> Result<Vec<WriteField>, String> {
    use clap::ValueEnum;
    names
        .iter()
        .map(|n| WriteField::from_str(n, true).map_err(|_| format!("write: unknown field {n:?}")))
        .collect()
}

fn parse_groups(names: &[String]) -> Result<Vec<Group>, String> {
    use clap::ValueEnum;
    names
        .iter()
        .map(|n| Group::from_str(n, true).map_err(|_| format!("playlists: unknown group {n:?}")))
        .collect()
}

/// Fills in what the command line left out from the environment and the file, and resolves
/// the level and the look, once, before the command runs.
pub fn apply(cli: &mut Cli, config: &Config) -> Result<(), UsageError> {
    match &mut cli.command {
        Command::Tag(args) => {
            let f = &config.file;
            args.model = args
                .model
                .take()
                .or_else(|| env_var("TAGGENIUS_MODEL"))
                .or(f.model.clone());
            args.base_url = args
                .base_url
                .take()
                .or_else(|| env_var("OPENAI_BASE_URL"))
                .or(f.base_url.clone());
            if args.provider.is_none() {
                args.provider = f.provider.as_deref().and_then(|p| parse_provider(p).ok());
            }
            args.jobs = args.jobs.or(f.jobs);
            args.batch = args.batch.or(f.batch);
            args.timeout = args.timeout.or(f.timeout);
            args.budget = args.budget.or(f.budget);
            args.key_command = f.api_key_command.clone();
            if args.price.is_none() {
                let model = args
                    .model
                    .clone()
                    .unwrap_or_else(|| crate::provider::DEFAULT_MODEL.into());
                args.price = config.price(&model).map(|(i, o)| format!("{i},{o}"));
            }
            render_settings(&mut args.render, config)
        }
        Command::Retag(args) => render_settings(&mut args.render, config),
        Command::Clear(args) => {
            args.look = config.look();
            Ok(())
        }
        Command::Find(args) => {
            args.look = config.look();
            Ok(())
        }
        _ => Ok(()),
    }
}

fn render_settings(render: &mut RenderArgs, config: &Config) -> Result<(), UsageError> {
    let f = &config.file;
    let name = render
        .level
        .clone()
        .or(f.level.clone())
        .unwrap_or_else(|| "recommended".into());
    render.chosen_level = config.level(&name)?;
    if render.write.is_none() {
        render.write = match &f.write {
            Some(names) => Some(parse_write(names).map_err(|e| config.error(e))?),
            None => None,
        };
    }
    if render.playlists.is_none() && render.playlists_dir.is_none() {
        render.playlists_from_config = f.playlists.is_some();
        render.playlists = match &f.playlists {
            Some(Playlists::On(true)) => Some(vec![Group::Energy, Group::Situation, Group::Genre]),
            Some(Playlists::Groups(groups)) => {
                Some(parse_groups(groups).map_err(|e| config.error(e))?)
            }
            _ => None,
        };
    }
    render.look = config.look();
    Ok(())
}
