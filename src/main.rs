//! The `oidc-assume` binary: parse the command line, run, report.

use std::process::ExitCode;

use clap::Parser;
use oidc_assume::app::{self, Cli, Command};
use oidc_assume::exchange::Tuning;

fn main() -> ExitCode {
    // A panic message could hold anything the code was handling; print where, never what.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "::error::oidc-assume stopped on an internal error{place}; details are withheld because they could hold secrets. Please report it."
        );
    }));
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    match cli.command {
        None => {
            let env = std::env::vars().collect();
            app::run_action(&env, stdout, &Tuning::default())
        }
        Some(Command::Post) => app::run_post(&std::env::vars().collect(), stdout),
        Some(Command::SelfCheck) => app::run_self_check(stdout),
    }
}
