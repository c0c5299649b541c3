//! `taggenius config path|init|show`: where the config file is, a commented one to start from,
//! and every setting that applies with where it came from.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::{Cli, ConfigCommand};
use crate::config::file::{ConfigFile, Playlists, TEMPLATE};
use crate::config::{default_path, env_var, Config, Source};
use crate::provider::{
    DEFAULT_BASE_URL, DEFAULT_BATCH, DEFAULT_JOBS, DEFAULT_MODEL, DEFAULT_TIMEOUT,
};

pub fn run(command: &ConfigCommand, cli: &Cli) -> Result<u8> {
    let path = chosen_path(cli)?;
    let mut out = std::io::stdout().lock();
    match command {
        ConfigCommand::Path => writeln!(out, "{}", path.display())?,
        ConfigCommand::Init => {
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
                .open(&path)
                .with_context(|| format!("{}: cannot create", path.display()))?;
            file.write_all(TEMPLATE.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        ConfigCommand::Show => {
            let config = Config::load(cli.config.as_deref())?;
            for (key, value, source) in settings(&config, cli) {
                writeln!(out, "{key:<16} {value:<40} ({})", source.name())?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// `--config`, `TAGGENIUS_CONFIG`, or the platform's config folder.
fn chosen_path(cli: &Cli) -> Result<PathBuf> {
    match (&cli.config, env_var("TAGGENIUS_CONFIG")) {
        (Some(path), _) => Ok(path.clone()),
        (None, Some(path)) => Ok(PathBuf::from(path)),
        (None, None) => default_path()
            .ok_or_else(|| anyhow!("no home folder to keep a config in; set TAGGENIUS_CONFIG")),
    }
}

type Row = (&'static str, String, Source);

/// The environment's value, else the file's, else the default, with where it came from.
fn pick(env: Option<&str>, file: Option<String>, default: String) -> (String, Source) {
    match (env.and_then(env_var), file) {
        (Some(v), _) => (v, Source::Environment),
        (None, Some(v)) => (v, Source::File),
        (None, None) => (default, Source::Default),
    }
}

/// Every effective setting: the environment, else the file, else the default. An API key
/// shows only as "set".
fn settings(config: &Config, cli: &Cli) -> Vec<Row> {
    let mut rows = files(config, cli);
    rows.extend(provider(&config.file));
    rows.extend(run_settings(&config.file));
    rows.extend(words(config));
    rows
}

/// The config file and the cache.
fn files(config: &Config, cli: &Cli) -> Vec<Row> {
    let shown = |p: Option<PathBuf>| p.map(|p| p.display().to_string()).unwrap_or_default();
    let config_path = match (&config.path, config.path_source) {
        (Some(path), Some(source)) => (path.display().to_string(), source),
        _ => (
            format!("{} (none)", shown(chosen_path(cli).ok())),
            Source::Default,
        ),
    };
    let db = match (&cli.db, env_var("TAGGENIUS_DB")) {
        (Some(db), _) => (db.display().to_string(), Source::Flag),
        (None, Some(db)) => (db, Source::Environment),
        (None, None) => (shown(crate::cache::default_path().ok()), Source::Default),
    };
    vec![("config", config_path.0, config_path.1), ("db", db.0, db.1)]
}

/// The model, the server and the key.
fn provider(f: &ConfigFile) -> Vec<Row> {
    let (model, model_source) = pick(
        Some("TAGGENIUS_MODEL"),
        f.model.clone(),
        DEFAULT_MODEL.into(),
    );
    let (url, url_source) = pick(
        Some("OPENAI_BASE_URL"),
        f.base_url.clone(),
        DEFAULT_BASE_URL.into(),
    );
    let key = match (env_var("OPENAI_API_KEY"), &f.api_key_command) {
        (Some(_), _) => ("set".to_string(), Source::Environment),
        (None, Some(_)) => ("set, by api_key_command".to_string(), Source::File),
        (None, None) => (
            "not set (the offline guesser is used)".to_string(),
            Source::Default,
        ),
    };
    let (provider, provider_source) = pick(
        None,
        f.provider.clone(),
        "openai with a key or base_url, else local".into(),
    );
    let mut rows = vec![
        ("provider", provider, provider_source),
        ("model", model, model_source),
        ("base_url", url, url_source),
        ("api_key", key.0, key.1),
    ];
    for (model, price) in &f.prices {
        let price = format!(
            "{model}: {} in, {} out (USD/1M tokens)",
            price.input, price.output
        );
        rows.push(("price", price, Source::File));
    }
    rows
}

/// The settings a run takes flags for.
fn run_settings(f: &ConfigFile) -> Vec<Row> {
    let playlists = f.playlists.as_ref().map(|p| match p {
        Playlists::On(true) => "energy,situation,genre".to_string(),
        Playlists::On(false) => "off".to_string(),
        Playlists::Groups(groups) => groups.join(","),
    });
    let table = [
        ("level", f.level.clone(), "recommended".to_string()),
        (
            "write",
            f.write.as_ref().map(|w| w.join(",")),
            "genre,comments".into(),
        ),
        (
            "jobs",
            f.jobs.map(|v| v.to_string()),
            DEFAULT_JOBS.to_string(),
        ),
        (
            "batch",
            f.batch.map(|v| v.to_string()),
            DEFAULT_BATCH.to_string(),
        ),
        (
            "timeout",
            f.timeout.map(|v| v.to_string()),
            DEFAULT_TIMEOUT.to_string(),
        ),
        ("budget", f.budget.map(|v| v.to_string()), "none".into()),
        ("playlists", playlists, "off".into()),
    ];
    table
        .into_iter()
        .map(|(key, file, default)| {
            let (value, source) = pick(None, file, default);
            (key, value, source)
        })
        .collect()
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
    let default_block = "/* E: 07 / Sit: … / Vibe: … / Comp: … / Time: … */".to_string();
    let (template, source) = pick(
        None,
        f.block.as_ref().map(|b| b.template.clone()),
        default_block,
    );
    rows.push(("block", template, source));
    rows
}
