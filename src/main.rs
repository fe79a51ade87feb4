//! The `oidc-assume` binary: parse the command line, run, report.

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use oidc_assume::app::{self, Cli, Command};
use oidc_assume::exchange::Tuning;

/// The image's second name for this binary, its `post-entrypoint` (see `action.yml`). The runner
/// starts the post step with the same arguments as the main step (none), so only the name under
/// which the binary was started tells the post step apart.
const POST_ENTRYPOINT_NAME: &str = "oidc-assume-post";

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
    let started_as_post = std::env::args_os()
        .next()
        .is_some_and(|name| Path::new(&name).file_name() == Some(OsStr::new(POST_ENTRYPOINT_NAME)));
    let command = if started_as_post {
        Some(Command::Post)
    } else {
        Cli::parse().command
    };
    let stdout = std::io::stdout();
    match command {
        None => {
            let env = std::env::vars().collect();
            app::run_action(&env, stdout, &Tuning::default())
        }
        Some(Command::Post) => app::run_post(&std::env::vars().collect(), stdout),
        Some(Command::SelfCheck) => app::run_self_check(stdout),
    }
}
