//! The environment, read once and only here: what each variable taggenius knows says.

use std::path::PathBuf;

/// The variables taggenius reads; an empty or blank one counts as unset.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    /// `TAGGENIUS_CONFIG`
    pub config: Option<PathBuf>,
    /// `TAGGENIUS_DB`
    pub db: Option<PathBuf>,
    /// `TAGGENIUS_MODEL`
    pub model: Option<String>,
    /// `OPENAI_BASE_URL`
    pub base_url: Option<String>,
    /// `OPENAI_API_KEY`: never printed, logged or stored.
    pub api_key: Option<String>,
    /// `TAGGENIUS_POOL`: a URL whose password is never printed.
    pub pool: Option<String>,
    /// `NO_COLOR` (no-color.org)
    pub no_color: bool,
    /// `TAGGENIUS_PHASES`: the tests' hook into a run's phases (see `interrupt::phase`).
    pub phases: Option<String>,
}

impl Environment {
    pub fn read() -> Environment {
        let text = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Environment {
            config: text("TAGGENIUS_CONFIG").map(PathBuf::from),
            db: path("TAGGENIUS_DB"),
            model: text("TAGGENIUS_MODEL"),
            base_url: text("OPENAI_BASE_URL"),
            api_key: text("OPENAI_API_KEY"),
            pool: text("TAGGENIUS_POOL"),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            phases: text("TAGGENIUS_PHASES"),
        }
    }
}
