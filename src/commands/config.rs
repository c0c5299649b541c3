//! `taggenius config path|init|show`: where the config file is, a commented one to start from,
//! and every setting that applies with where it came from.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::{Cli, ConfigCommand};
use crate::config::file::{Playlists, TEMPLATE};
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

/// Every effective setting: the environment, else the file, else the default. An API key
/// shows only as "set".
fn settings(config: &Config, cli: &Cli) -> Vec<Row> {
    let f = &config.file;
    let pick = |env: Option<&str>, file: Option<String>, default: String| -> (String, Source) {
        match (env.and_then(env_var), file) {
            (Some(v), _) => (v, Source::Environment),
            (None, Some(v)) => (v, Source::File),
            (None, None) => (default, Source::Default),
        }
    };
    let mut rows: Vec<Row> = Vec::new();
    let config_path = match (&config.path, config.path_source) {
        (Some(path), Some(source)) => (path.display().to_string(), source),
        _ => (
            format!(
                "{} (none)",
                chosen_path(cli)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            Source::Default,
        ),
    };
    rows.push(("config", config_path.0, config_path.1));
    let db = match (&cli.db, env_var("TAGGENIUS_DB")) {
        (Some(db), _) => (db.display().to_string(), Source::Flag),
        (None, Some(db)) => (db, Source::Environment),
        (None, None) => (
            crate::cache::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            Source::Default,
        ),
    };
    rows.push(("db", db.0, db.1));
    let (model, s) = pick(
        Some("TAGGENIUS_MODEL"),
        f.model.clone(),
        DEFAULT_MODEL.into(),
    );
    rows.push(("model", model, s));
    let (url, s) = pick(
        Some("OPENAI_BASE_URL"),
        f.base_url.clone(),
        DEFAULT_BASE_URL.into(),
    );
    rows.push(("base_url", url, s));
    let key = match (env_var("OPENAI_API_KEY"), &f.api_key_command) {
        (Some(_), _) => ("set".to_string(), Source::Environment),
        (None, Some(_)) => ("set, by api_key_command".to_string(), Source::File),
        (None, None) => (
            "not set (the offline guesser is used)".to_string(),
            Source::Default,
        ),
    };
    rows.push(("api_key", key.0, key.1));
    let number = |v: Option<String>, d: String| pick(None, v, d);
    let (level, s) = number(f.level.clone(), "recommended".into());
    rows.push(("level", level, s));
    let (write, s) = number(
        f.write.as_ref().map(|w| w.join(",")),
        "genre,comments".into(),
    );
    rows.push(("write", write, s));
    let (jobs, s) = number(f.jobs.map(|v| v.to_string()), DEFAULT_JOBS.to_string());
    rows.push(("jobs", jobs, s));
    let (batch, s) = number(f.batch.map(|v| v.to_string()), DEFAULT_BATCH.to_string());
    rows.push(("batch", batch, s));
    let (timeout, s) = number(
        f.timeout.map(|v| v.to_string()),
        DEFAULT_TIMEOUT.to_string(),
    );
    rows.push(("timeout", timeout, s));
    let (budget, s) = number(f.budget.map(|v| v.to_string()), "none".into());
    rows.push(("budget", budget, s));
    let playlists = f.playlists.as_ref().map(|p| match p {
        Playlists::On(true) => "energy,situation,genre".to_string(),
        Playlists::On(false) => "off".to_string(),
        Playlists::Groups(groups) => groups.join(","),
    });
    let (playlists, s) = number(playlists, "off".into());
    rows.push(("playlists", playlists, s));
    for (model, price) in &f.prices {
        rows.push((
            "price",
            format!(
                "{model}: {} in, {} out (USD/1M tokens)",
                price.input, price.output
            ),
            Source::File,
        ));
    }
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
        for (key, words) in vocabulary.added() {
            rows.push((
                "vocabulary",
                format!("{key} adds {}", words.join(", ")),
                Source::File,
            ));
        }
        if let Some(fingerprint) = vocabulary.fingerprint() {
            rows.push((
                "vocabulary",
                format!("fingerprint {fingerprint}"),
                Source::File,
            ));
        }
    }
    let (template, s) = number(
        f.block.as_ref().map(|b| b.template.clone()),
        "/* E: 07 / Sit: … / Vibe: … / Comp: … / Time: … */".into(),
    );
    rows.push(("block", template, s));
    rows
}
