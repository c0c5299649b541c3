//! The errors `main` maps to their own exit codes, and the Ctrl-C flag behind one of them.

/// A mistake in how the command was called: exit code 2, like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Returned when Ctrl-C ended a run: what was saved is reported, nothing is written.
#[derive(Debug, Default)]
pub struct Interrupted {
    /// The blueprints this run committed to the cache, where it asks for any.
    pub saved: Option<usize>,
}

impl Interrupted {
    /// `err` with the count of blueprints the run saved, if Ctrl-C ended it and no count is
    /// given yet.
    pub fn saving(err: anyhow::Error, saved: usize) -> anyhow::Error {
        match err.downcast::<Interrupted>() {
            Ok(Interrupted { saved: Some(n) }) => Interrupted { saved: Some(n) }.into(),
            Ok(_) => Interrupted { saved: Some(saved) }.into(),
            Err(other) => other,
        }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted: ")?;
        match self.saved {
            Some(1) => f.write_str("1 new blueprint is kept in the cache; ")?,
            Some(n) => write!(f, "{n} new blueprints are kept in the cache; ")?,
            None => {}
        }
        f.write_str("no library was written and the input is as it was")
    }
}

impl std::error::Error for Interrupted {}
