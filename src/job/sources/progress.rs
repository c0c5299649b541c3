//! The progress bar: on stderr, only when stderr is a terminal and the run is not `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(total: usize, quiet: bool) -> Progress {
        if quiet || total == 0 || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let bar_style = if crate::color::on_stderr() {
            "{bar:30.cyan/blue}"
        } else {
            "{bar:30}"
        };
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {bar_style} {{pos}}/{{len}} tracks · {{per_sec:1}} · {{msg}} · ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        // Ticks while requests are slow, so a run that waits never looks hung.
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar) }
    }

    pub fn advance(&self, tracks: usize, failed: usize, cost_usd: f64) {
        if let Some(bar) = &self.bar {
            bar.inc(tracks as u64);
            bar.set_message(format!("{failed} failed · ${cost_usd:.4}"));
        }
    }

    /// A line on stderr that the bar, if any, is redrawn below.
    pub fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
