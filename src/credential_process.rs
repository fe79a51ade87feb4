//! The `credential-process` subcommand: what a refreshing profile's `credential_process` line
//! runs in the later steps of the job, each time an AWS SDK needs new credentials.
//!
//! It takes the action's inputs as `--INPUT=VALUE` arguments (the line `refresh-credentials`
//! writes), validates them with the same rules as the action, mints a fresh JWT with the step's
//! `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, runs the same exchange
//! (the chain included) and prints the SDKs' `credential_process` JSON on stdout and nothing
//! else (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>).
//!
//! On failure stdout stays empty and stderr gets one line, `oidc-assume credential-process: ...`.
//! The SDKs show that text inside their own messages (botocore, the Rust SDK) or pass the
//! stream through to the step's log (the Go SDK, so Terraform's provider). So the line:
//! - never holds a secret: the request token, every JWT and the credentials are redacted from it
//!   (none is ever put into an error, this is the second lock);
//! - never starts with `::` and never holds `##[` or a line break: it starts with the program's
//!   name and everything else is neutralised, so it cannot be a workflow command wherever it
//!   lands. Nothing here prints `::add-mask::` either: inside another line the runner would not
//!   read it as a command, but print it, and the value with it. The refreshed credentials are
//!   therefore never masked by the runner, and never printed.
//!
//! Only the variables a later step legitimately has are read: the token variables, the proxy
//! and CA settings and `GITHUB_*` (for session tags). Every `INPUT_*` and `AWS_*` variable of the
//! calling step is ignored (an SDK runs this with its own process's environment, which may be
//! another action's).

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches};

use crate::exchange::{Outcome, Tuning, exchange};
use crate::inputs::{self, Config, REFRESH_INPUTS};
use crate::report;
use crate::runner::{Console, neutralise_bounded};

/// The prefix of the error line.
const PREFIX: &str = "oidc-assume credential-process: ";
/// The longest error text kept (characters).
const MAX_ERROR_CHARS: usize = 1500;

/// The inputs given as arguments, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arguments {
    /// (input, value) pairs; an input given more than once is a multi-line input.
    pub inputs: Vec<(String, String)>,
}

impl clap::FromArgMatches for Arguments {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut inputs = Vec::new();
        for name in REFRESH_INPUTS {
            if let Some(values) = matches.get_many::<String>(name) {
                inputs.extend(values.map(|v| (name.to_owned(), v.clone())));
            }
        }
        Ok(Arguments { inputs })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for Arguments {
    fn augment_args(command: clap::Command) -> clap::Command {
        REFRESH_INPUTS.iter().fold(command, |command, name| {
            command.arg(
                Arg::new(*name)
                    .long(*name)
                    .value_name("VALUE")
                    .action(ArgAction::Append)
                    .allow_hyphen_values(true)
                    .help(format!("The action's `{name}` input")),
            )
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl Arguments {
    /// The environment the exchange reads: the inputs as `INPUT_*` (repeated ones joined by line
    /// breaks) and the calling step's variables that a later step legitimately has.
    pub fn environment(&self, process: &HashMap<String, String>) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = process
            .iter()
            .filter(|(name, _)| passed_through(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        for (input, value) in &self.inputs {
            let key = format!("INPUT_{}", input.to_ascii_uppercase());
            env.entry(key)
                .and_modify(|joined| {
                    joined.push('\n');
                    joined.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        env
    }
}

/// Whether a variable of the calling step reaches the exchange.
fn passed_through(name: &str) -> bool {
    const PROXY_AND_CA: [&str; 7] = [
        "https_proxy",
        "HTTPS_PROXY",
        "no_proxy",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ];
    PROXY_AND_CA.contains(&name) || name.starts_with("GITHUB_")
}

/// Runs one refresh: the JSON on `out`, or one line on `err` and a non-zero exit.
pub fn run(
    arguments: &Arguments,
    process: &HashMap<String, String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let env = arguments.environment(process);
    // Masks are only collected here, to redact the error line; nothing goes to the runner.
    let mut console = Console::new(std::io::sink(), false);
    if let Some(token) = inputs::request_token(&env) {
        let _ = console.add_mask(token.reveal());
    }
    let result = refresh(&env, &mut console);
    match result {
        Ok(json) => match writeln!(out, "{json}").and_then(|()| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(err, &console, &format!("cannot write to stdout: {e}"), 1),
        },
        Err((message, code)) => fail(err, &console, &message, code),
    }
}

/// The exchange, and the JSON the SDKs read; or the error text and the exit code.
fn refresh(
    env: &HashMap<String, String>,
    console: &mut Console<std::io::Sink>,
) -> Result<String, (String, u8)> {
    let config = Config::for_credential_process(env)
        .map_err(|e| (format!("{e}"), report::EXIT_INVALID_INPUT))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (format!("cannot start: {e}"), report::EXIT_FAILURE))?;
    let outcome = runtime
        .block_on(exchange(&config, console, &Tuning::default()))
        .map_err(|e| (explain(&e, &config), report::EXIT_FAILURE))?;
    let role = &outcome.role;
    for secret in [
        &role.credentials.access_key_id,
        &role.credentials.secret_access_key,
        &role.credentials.session_token,
    ] {
        let _ = console.add_mask(secret.reveal());
    }
    let allowed = &config.inputs.allowed_account_ids;
    if !allowed.is_empty() && !allowed.contains(&role.account_id) {
        return Err((
            format!(
                "the role belongs to account {}, which allowed-account-ids does not list; no credentials were printed",
                role.account_id
            ),
            report::EXIT_FAILURE,
        ));
    }
    Ok(process_json(&outcome))
}

/// The `credential_process` output: version 1, the keys and the expiration (RFC 3339).
fn process_json(outcome: &Outcome) -> String {
    let creds = &outcome.role.credentials;
    serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id.reveal(),
        "SecretAccessKey": creds.secret_access_key.reveal(),
        "SessionToken": creds.session_token.reveal(),
        "Expiration": creds.expiration,
    })
    .to_string()
}

/// The error and, for a refusal STS explained, the first sentence of its diagnosis.
fn explain(error: &crate::exchange::ExchangeError, config: &Config) -> String {
    let mut text = crate::exchange::error_chain(error);
    if let Some((sts, claims)) = error.sts() {
        let first = crate::diagnose::help(sts, claims, &config.inputs)
            .into_iter()
            .find_map(|help| match help {
                crate::diagnose::Help::Text(sentence) => Some(sentence),
                _ => None,
            });
        if let Some(sentence) = first {
            text.push_str(". ");
            text.push_str(&sentence);
        }
    }
    text
}

fn fail(
    err: &mut dyn Write,
    console: &Console<std::io::Sink>,
    message: &str,
    code: u8,
) -> ExitCode {
    let line = neutralise_bounded(&console.redact(message), MAX_ERROR_CHARS);
    let _ = writeln!(err, "{PREFIX}{line}");
    let _ = err.flush();
    ExitCode::from(code)
}
