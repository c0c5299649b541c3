//! `taggenius config path|init|show`: where the config file is, a commented one to start from,
//! and every setting that applies with where it came from.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::env::Environment;
use crate::cli::settings::{Settings, Source, Sourced};
use crate::cli::{Cli, ConfigCommand};
use crate::config::file::{Playlists, TEMPLATE};
use crate::config::Config;
use crate::playlists::Group;
use crate::provider::DEFAULT_BASE_URL;
use crate::render::DEFAULT_WRITE;

pub fn run(command: &ConfigCommand, cli: &Cli, env: &Environment) -> Result<u8> {
    let path = Settings::config_path(cli, env)
        .value
        .ok_or_else(|| anyhow!("no home folder to keep a config in; set TAGGENIUS_CONFIG"))?;
    let mut out = std::io::stdout().lock();
    match command {
        ConfigCommand::Path => writeln!(out, "{}", path.display())?,
        ConfigCommand::Init => init(&path)?,
        ConfigCommand::Show => {
            let settings = Settings::resolve(cli, env)?;
            for (key, value, source) in rows(&settings) {
                writeln!(out, "{key:<16} {value:<40} ({})", source.name())?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// Writes the commented template at `path`, never over a file that is there.
fn init(path: &Path) -> Result<()> {
    if path.exists() {
        bail!("{}: already exists; it was left as it is", path.display());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    // create_new: a file made meanwhile by someone else is not overwritten either.
    let mut file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    file.write_all(TEMPLATE.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

type Row = (&'static str, String, Source);

/// A setting as a row: its value as `shown`, and its source.
fn row<T>(key: &'static str, setting: &Sourced<T>, shown: impl FnOnce(&T) -> String) -> Row {
    (key, shown(&setting.value), setting.source)
}

/// Every setting a run would use, as `Settings` resolved it. An API key shows only as "set".
fn rows(settings: &Settings) -> Vec<Row> {
    let mut rows = files(settings);
    rows.extend(provider(settings));
    rows.extend(run_settings(settings));
    rows.extend(set_settings(settings));
    rows.extend(words(&settings.config));
    rows
}

/// The config file and the cache.
fn files(settings: &Settings) -> Vec<Row> {
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let config = match &settings.config.path {
        Some(path) => row("config", &settings.config_path, |_| {
            path.display().to_string()
        }),
        None => (
            "config",
            format!("{} (none)", shown(&settings.config_path.value)),
            Source::Default,
        ),
    };
    vec![config, row("db", &settings.db, shown)]
}

/// The provider, the model, the server and the key.
fn provider(settings: &Settings) -> Vec<Row> {
    let file = &settings.config.file;
    let provider = match &file.provider {
        // As the file spells it.
        Some(name) if settings.provider.source == Source::File => name.clone(),
        _ => "openai with a key or base_url, else local".into(),
    };
    let key = match (&settings.api_key.value, &file.api_key_command) {
        (Some(_), _) => ("set".to_string(), settings.api_key.source),
        (None, Some(_)) => ("set, by api_key_command".to_string(), Source::File),
        (None, None) => (
            "not set (the offline guesser is used)".to_string(),
            Source::Default,
        ),
    };
    let mut rows = vec![
        ("provider", provider, settings.provider.source),
        row("model", &settings.model, String::clone),
        row("base_url", &settings.base_url, |url| {
            url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.into())
        }),
        ("api_key", key.0, key.1),
        row("pool", &settings.pool, |url| match url {
            Some(url) => format!("set: {}", url.shown),
            None => "none".into(),
        }),
    ];
    for (model, price) in &file.prices {
        let price = format!(
            "{model}: {} in, {} out (USD/1M tokens)",
            price.input, price.output
        );
        rows.push(("price", price, Source::File));
    }
    rows
}

/// The settings a run takes flags for; lists as the file writes them.
fn run_settings(settings: &Settings) -> Vec<Row> {
    let file = &settings.config.file;
    let names = |list: &[String]| list.join(",");
    let write = match &file.write {
        Some(list) if settings.write.source == Source::File => names(list),
        _ => DEFAULT_WRITE
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(","),
    };
    let playlists = match &file.playlists {
        Some(Playlists::On(true)) => Group::DEFAULT.to_string(),
        Some(Playlists::On(false)) | None => "off".to_string(),
        Some(Playlists::Groups(groups)) => names(groups),
    };
    vec![
        row("level", &settings.level, |l| l.name.to_string()),
        ("write", write, settings.write.source),
        row("jobs", &settings.jobs, u16::to_string),
        row("batch", &settings.batch, u16::to_string),
        row("timeout", &settings.timeout, u64::to_string),
        row("budget", &settings.budget, |b| {
            b.map_or("none".into(), |b| b.to_string())
        }),
        ("playlists", playlists, settings.playlists.source),
    ]
}

/// How `set` builds sets.
fn set_settings(settings: &Settings) -> Vec<Row> {
    let set = &settings.set;
    vec![
        row("set.curve", &set.curve, String::clone),
        row("set.artist_gap", &set.artist_gap, usize::to_string),
        row("set.max_bpm_step", &set.max_bpm_step, f64::to_string),
        row("set.master_tempo", &set.master_tempo, |on| {
            if *on { "on" } else { "off" }.to_string()
        }),
    ]
}

/// Levels, renames, the vocabulary and the block template.
fn words(config: &Config) -> Vec<Row> {
    let f = &config.file;
    let mut rows: Vec<Row> = Vec::new();
    for (name, l) in &f.levels {
        let counts = format!(
            "{name}: {} {} {} {} {}",
            l.sub_genre, l.energy_vibe, l.situation_environment, l.components, l.time_period
        );
        rows.push(("level defined", counts, Source::File));
    }
    for (from, to) in &f.rename {
        rows.push(("rename", format!("{from:?} = {to:?}"), Source::File));
    }
    if let Ok(vocabulary) = config.vocabulary() {
        for (key, added) in vocabulary.added() {
            let line = format!("{key} adds {}", added.join(", "));
            rows.push(("vocabulary", line, Source::File));
        }
        for (key, removed) in vocabulary.taken_out() {
            let line = format!("{key} removes {}", removed.join(", "));
            rows.push(("vocabulary", line, Source::File));
        }
        if let Some(fingerprint) = vocabulary.fingerprint() {
            rows.push((
                "vocabulary",
                format!("fingerprint {fingerprint}"),
                Source::File,
            ));
        }
    }
    rows.push(match &f.block {
        Some(block) => ("block", block.template.clone(), Source::File),
        None => (
            "block",
            "/* E: 07 / Sit: … / Vibe: … / Comp: … / Time: … */".to_string(),
            Source::Default,
        ),
    });
    rows
}
