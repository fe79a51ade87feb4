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
    let stdout = std::io::stdout();
    // The image's post-entrypoint is a second name for this binary: the runner passes the same
    // arguments to every entrypoint, so the name is what tells the post step apart.
    if invoked_as_post() {
        return app::run_post(&std::env::vars().collect(), stdout);
    }
    let cli = Cli::parse();
    match cli.command {
        None => {
            let env = std::env::vars().collect();
            app::run_action(&env, stdout, &Tuning::default())
        }
        Some(Command::Post) => app::run_post(&std::env::vars().collect(), stdout),
        Some(Command::CredentialProcess(arguments)) => {
            // Its stderr lands inside the SDKs' messages: no workflow command, not even here.
            std::panic::set_hook(Box::new(|_| {
                eprintln!(
                    "oidc-assume credential-process: stopped on an internal error; details are withheld because they could hold secrets"
                );
            }));
            let env = std::env::vars().collect();
            oidc_assume::credential_process::run(
                &arguments,
                &env,
                &mut stdout.lock(),
                &mut std::io::stderr().lock(),
            )
        }
        Some(Command::SelfCheck) => app::run_self_check(stdout),
        Some(Command::Policy { command }) => {
            app::run_policy(*command, &mut stdout.lock(), &mut std::io::stderr().lock())
        }
    }
}

/// Whether the program was started under its post-step name, `oidc-assume-post`.
fn invoked_as_post() -> bool {
    std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_name()
                .map(|n| n == "oidc-assume-post")
        })
        .unwrap_or(false)
}
