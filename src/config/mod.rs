//! config.toml: read, checked as a whole before anything runs, and asked for the values it
//! holds. Which of a flag, the environment, the file and a default wins is `cli::settings`'s.

pub mod file;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::blueprint::vocabulary::{Changes, Vocabulary};
use crate::error::UsageError;
use crate::playlists::Group;
use crate::provider::ProviderChoice;
use crate::render::look::{Look, Renames, Template};
use crate::render::{Level, WriteField};
use file::{ConfigFile, Playlists};

/// The config file a run reads, if any, and what it says.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

/// config.toml in the platform's config folder (`~/.config/taggenius/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "taggenius")?;
    Some(dirs.config_dir().join("config.toml"))
}

impl Config {
    /// The file at `path`: one named by `--config` or `TAGGENIUS_CONFIG` must exist (`named`);
    /// the default one is read where there is one.
    pub fn load(path: Option<&Path>, named: bool) -> Result<Config, UsageError> {
        let Some(path) = path.filter(|p| named || p.is_file()) else {
            return Ok(Config::default());
        };
        let config = Config {
            path: Some(path.to_path_buf()),
            file: ConfigFile::read(path)?,
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
        if let Some(set) = &f.set {
            self.check_set(set)?;
        }
        Ok(())
    }

    fn check_set(&self, set: &file::SetTable) -> Result<(), UsageError> {
        if let Some(curve) = &set.curve {
            // The length does not matter to whether a curve reads.
            crate::set::curve::Curve::parse(curve, 60.0)
                .map_err(|e| self.error(format!("set.curve: {e}")))?;
        }
        if set
            .max_bpm_step
            .is_some_and(|step| !(step.is_finite() && step >= 0.0))
        {
            return Err(self.error("set.max_bpm_step: a percentage, 0 or more".into()));
        }
        Ok(())
    }

    pub fn error(&self, message: String) -> UsageError {
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

pub fn parse_provider(name: &str) -> Result<ProviderChoice, String> {
    use clap::ValueEnum;
    ProviderChoice::from_str(name, true)
        .map_err(|_| format!("provider: {name:?} is neither openai nor local"))
}

pub fn parse_write(names: &[String]) -> Result<Vec<WriteField>, String> {
    use clap::ValueEnum;
    names
        .iter()
        .map(|n| WriteField::from_str(n, true).map_err(|_| format!("write: unknown field {n:?}")))
        .collect()
}

pub fn parse_groups(names: &[String]) -> Result<Vec<Group>, String> {
    use clap::ValueEnum;
    names
        .iter()
        .map(|n| Group::from_str(n, true).map_err(|_| format!("playlists: unknown group {n:?}")))
        .collect()
}
