//! The binary's subcommands, as functions of an environment map and an output sink.
//!
//! `main` only parses the command line and calls these; tests call them directly.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::deliver::deliver;
use crate::exchange::{Outcome, Tuning, exchange};
use crate::inputs::{self, Config};
use crate::report::{self, RunError, Signal};
use crate::runner::Console;

/// Exchange the GitHub Actions OIDC token for AWS credentials (run with no arguments as the action).
#[derive(Debug, Parser)]
#[command(name = "oidc-assume", version, about, long_about = None)]
pub struct Cli {
    /// What to do; nothing means the exchange, as the action runs it.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The action's post step: blank the exported AWS_* variables (unless AWS_SKIP_CLEANUP_STEP=true).
    Post,
    /// Write, check and explain IAM trust policies for GitHub's OIDC tokens.
    Policy {
        /// What to do with the policy.
        #[command(subcommand)]
        command: Box<crate::policy::PolicyCommand>,
    },
    /// Print fresh credentials as an AWS `credential_process` (what a profile written with
    /// `refresh-credentials` runs in the later steps).
    CredentialProcess(crate::credential_process::Arguments),
    /// Check that TLS and the built-in CA roots work (run at image build time).
    #[command(hide = true)]
    SelfCheck,
}

/// Runs the exchange with the given environment, writing the step log to `out`.
pub fn run_action<W: Write>(env: &HashMap<String, String>, out: W, tuning: &Tuning) -> ExitCode {
    let debug = env.get("RUNNER_DEBUG").is_some_and(|v| v == "1");
    let mut console = Console::new(out, debug);
    // The request token is masked before anything else is printed, invalid inputs included.
    if let Some(token) = inputs::request_token(env)
        && console.add_mask(token.reveal()).is_err()
    {
        return ExitCode::from(report::EXIT_FAILURE);
    }
    // So are the credentials `role-chaining` or `use-existing-credentials` would sign with, and
    // the accounts to hide.
    for value in inputs::source_secrets(env)
        .into_iter()
        .chain(inputs::accounts_to_mask(env))
    {
        if console.add_mask(&value).is_err() {
            return ExitCode::from(report::EXIT_FAILURE);
        }
    }
    let config = match Config::from_map(env) {
        Ok(config) => config,
        Err(errors) => {
            let summary = inputs::step_summary(env);
            return report::failure(
                &mut console,
                &RunError::Inputs(errors),
                None,
                summary.as_deref(),
            );
        }
    };
    // An existing profile, or a profile file that cannot be used, stops the run before any call.
    if let Some(target) = &config.inputs.profile
        && let Err(e) = crate::profile::check(target)
    {
        let problem = inputs::InputProblem {
            input: "aws-profile".to_owned(),
            message: crate::exchange::error_chain(&e),
        };
        let error = RunError::Inputs(inputs::InputErrors(vec![problem]));
        let summary = config.files.step_summary.as_deref();
        return report::failure(&mut console, &error, Some(&config), summary);
    }
    let (debug_lines, _collecting) = crate::logging::collect(config.debug);
    console.print_debug_events(debug_lines);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let error = RunError::Exchange(crate::exchange::ExchangeError::Log(e));
            let summary = config.files.step_summary.as_deref();
            return report::failure(&mut console, &error, Some(&config), summary);
        }
    };
    let _file_size_signal = crate::platform::survive_file_size_limit(&runtime);
    let result = runtime
        .block_on(exchange_until_signal(&config, &mut console, tuning))
        .and_then(|outcome| {
            deliver(&config, &outcome, &mut console)?;
            Ok(outcome)
        });
    match result {
        Ok(Outcome {
            reused: Some(arn), ..
        }) => {
            let _ = console.info(&format!(
                "Kept the existing session {arn} in {}; no new credentials were written",
                config.inputs.region
            ));
            ExitCode::SUCCESS
        }
        Ok(outcome) if config.inputs.refresh.is_some() => {
            let profile = config
                .inputs
                .profile
                .as_ref()
                .map_or("", |p| p.name.as_str());
            let _ = console.info(&format!(
                "Assumed {} in {} (attempt {}); the profile `{profile}` renews the credentials in the later steps (credential_process), and no key was written",
                outcome.role.arn, config.inputs.region, outcome.attempts
            ));
            ExitCode::SUCCESS
        }
        Ok(outcome) => {
            let _ = console.info(&format!(
                "Assumed {} in {} (attempt {}); the credentials expire at {}",
                outcome.role.arn,
                config.inputs.region,
                outcome.attempts,
                outcome.role.credentials.expiration
            ));
            ExitCode::SUCCESS
        }
        Err(error) => {
            let summary = config.files.step_summary.as_deref();
            report::failure(&mut console, &error, Some(&config), summary)
        }
    }
}

async fn exchange_until_signal<W: Write>(
    config: &Config,
    console: &mut Console<W>,
    tuning: &Tuning,
) -> Result<Outcome, RunError> {
    let _ = console.info(&format!(
        "Assuming {} in {} as session {}",
        config.inputs.role_arn, config.inputs.region, config.inputs.role_session_name
    ));
    tokio::select! {
        result = exchange(config, console, tuning) => result.map_err(RunError::from),
        () = crate::platform::terminate() => Err(RunError::Interrupted(Signal::Terminate)),
        _ = tokio::signal::ctrl_c() => Err(RunError::Interrupted(Signal::Interrupt)),
    }
}

/// The post step.
pub fn run_post<W: Write>(env: &HashMap<String, String>, out: W) -> ExitCode {
    let mut console = Console::new(out, false);
    if inputs::skip_cleanup(env) {
        let _ =
            console.info("AWS_SKIP_CLEANUP_STEP is true: leaving the AWS_* variables as they are");
        return ExitCode::SUCCESS;
    }
    if let Some(cleanup) =
        inputs::state(env, crate::post::REFRESH_STATE).map(crate::post::RefreshCleanup::from_state)
    {
        let result = match cleanup {
            Some(cleanup) => cleanup
                .remove()
                .map_err(|e| crate::exchange::error_chain(&e)),
            None => {
                Err("its description in the step's state is not one this action wrote".to_owned())
            }
        };
        let _ = match result {
            Ok(crate::profile::Removal::Removed) => console.info("Removed the refreshing profile and the program it ran"),
            Ok(crate::profile::Removal::Changed) => console.info("The refreshing profile was changed or removed by a later step: left as it is"),
            Err(why) => console.warning(&format!("oidc-assume post: the refreshing profile was not removed ({why}); the runner removes its temporary directory after the job")),
        };
    }
    let Some(path) = inputs::github_env(env) else {
        let _ = console.error(
            "oidc-assume post: GITHUB_ENV is not set, so the AWS_* variables cannot be blanked",
        );
        return ExitCode::from(report::EXIT_FAILURE);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build();
    let _file_size_signal = runtime
        .as_ref()
        .ok()
        .and_then(crate::platform::survive_file_size_limit);
    match crate::post::blank_exported_variables(&path) {
        Ok(()) => {
            let _ = console.info("Blanked AWS_REGION, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = console.error(&format!(
                "oidc-assume post: {}",
                crate::exchange::error_chain(&e)
            ));
            ExitCode::from(report::EXIT_FAILURE)
        }
    }
}

/// Builds a TLS client with the built-in roots, as the exchange would.
pub fn run_self_check<W: Write>(out: W) -> ExitCode {
    let mut console = Console::new(out, false);
    let settings = crate::http::ClientSettings {
        network: crate::inputs::NetworkSettings::default(),
        needs_tls: true,
        connect_timeout: crate::http::CONNECT_TIMEOUT,
        request_timeout: crate::http::REQUEST_TIMEOUT,
    };
    match crate::http::build_client(&settings) {
        Ok(_) => {
            let _ = console.info(concat!(
                "oidc-assume ",
                env!("CARGO_PKG_VERSION"),
                ": self-check passed"
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = console.error(&format!(
                "self-check failed: {}",
                crate::exchange::error_chain(&e)
            ));
            ExitCode::from(report::EXIT_FAILURE)
        }
    }
}

/// Runs a `policy` subcommand: output on `out`, problems on `err`; exit 2 for unusable input.
pub fn run_policy(
    command: crate::policy::PolicyCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let mut stdin = std::io::stdin();
    match crate::policy::run(command, &mut stdin, out) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            let _ = writeln!(
                err,
                "oidc-assume policy: {}",
                crate::exchange::error_chain(&e)
            );
            ExitCode::from(report::EXIT_INVALID_INPUT)
        }
    }
}
