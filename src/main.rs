use std::process::ExitCode;

use clap::Parser;
use taggenius::cli::Cli;
use taggenius::error::{Interrupted, UsageError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A second Ctrl-C ends the process at once; the first lets the run save what it has.
    let _ = ctrlc::set_handler(taggenius::interrupt::on_signal);
    match taggenius::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("taggenius: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else if err.downcast_ref::<Interrupted>().is_some() {
                ExitCode::from(130)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
