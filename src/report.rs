//! The one place that decides what a failed run prints and its exit code.
//!
//! One `::error::` annotation with the message and its causes, then the help on plain lines. All of
//! it passes through the runner module, which escapes annotation data and neutralises untrusted text
//! (an endpoint's message, a claim value) so that it cannot issue workflow commands.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::deliver::DeliverError;
use crate::diagnose::{self, Help};
use crate::exchange::ExchangeError;
use crate::inputs::{Config, InputErrors};
use crate::runner::{
    Console, Uncopyable, check_copyable, escape_markdown_cell, markdown_code_block,
};

/// Exit code for a failed exchange.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for invalid inputs.
pub const EXIT_INVALID_INPUT: u8 = 2;

/// Any failure of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Inputs were invalid.
    #[error(transparent)]
    Inputs(#[from] InputErrors),
    /// The exchange failed.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The credentials were not handed over.
    #[error(transparent)]
    Deliver(#[from] DeliverError),
    /// Stopped by a signal before anything was written.
    #[error("stopped by {0} before any credentials were written; nothing was written")]
    Interrupted(Signal),
}

/// A signal that stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `SIGTERM` (Ctrl-Break on Windows): the runner's second request when cancelling a step.
    Terminate,
    /// `SIGINT` (Ctrl-C on Windows): the runner's first request, or Ctrl-C in a local run.
    Interrupt,
}

impl Signal {
    /// The exit code a shell reports for a process this signal ended: 128 plus its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Terminate => 128 + 15,
            Signal::Interrupt => 128 + 2,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match (self, cfg!(windows)) {
            (Signal::Terminate, false) => "SIGTERM",
            (Signal::Interrupt, false) => "SIGINT",
            (Signal::Terminate, true) => "Ctrl-Break",
            (Signal::Interrupt, true) => "Ctrl-C",
        })
    }
}

/// Prints the failure, writes it to the step summary (`summary`, when the runner gave one) and
/// returns the exit code.
pub fn failure<W: Write>(
    console: &mut Console<W>,
    error: &RunError,
    config: Option<&Config>,
    summary: Option<&Path>,
) -> ExitCode {
    // If the log itself cannot be written, there is nobody to tell; the exit code still says it.
    let _ = print(console, error, config);
    // A stopped run writes nothing at all; every other failure gets its page.
    if let (Some(path), false) = (summary, matches!(error, RunError::Interrupted(_))) {
        let page = failure_page(console, error, config);
        if let Err(e) = crate::runner::append("GITHUB_STEP_SUMMARY", path, &page) {
            let _ = console.warning(&format!(
                "the failure was not written to the step summary ({})",
                crate::exchange::error_chain(&e)
            ));
        }
    }
    ExitCode::from(match error {
        RunError::Inputs(_) => EXIT_INVALID_INPUT,
        RunError::Interrupted(signal) => signal.exit_code(),
        _ => EXIT_FAILURE,
    })
}

fn print<W: Write>(
    console: &mut Console<W>,
    error: &RunError,
    config: Option<&Config>,
) -> std::io::Result<()> {
    if let RunError::Inputs(InputErrors(problems)) = error {
        console.error(&format!("oidc-assume: {error}"))?;
        for problem in problems {
            console.info(&format!("  input `{}` {}", problem.input, problem.message))?;
        }
        return Ok(());
    }
    // The annotation carries the whole chain, each cause once: it is what the run's summary
    // page shows, and a second copy of the causes on plain lines would only repeat it.
    console.error(&format!(
        "oidc-assume: {}",
        crate::exchange::error_chain(error)
    ))?;
    for help in help_for(error, config) {
        print_help(console, &help)?;
    }
    Ok(())
}

fn help_for(error: &RunError, config: Option<&Config>) -> Vec<Help> {
    match (error, config) {
        (
            RunError::Exchange(ExchangeError::Chain {
                role,
                source,
                tagged,
                ..
            }),
            Some(config),
        ) => crate::chain::help(role, source, *tagged, &config.inputs),
        (RunError::Exchange(exchange), Some(config)) => exchange
            .sts()
            .map(|(sts, claims)| diagnose::help(sts, claims, &config.inputs))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The step summary of a failed run: the error, the token's claims, the condition that would
/// admit the job and the commands to run, as Markdown that renders every value literally (no
/// HTML, no Markdown from claims or endpoint texts). Values masked in the log are masked here.
/// Never a secret, never credentials: a failed run has none to show.
fn failure_page<W: Write>(
    console: &Console<W>,
    error: &RunError,
    config: Option<&Config>,
) -> String {
    let text = |t: &str| escape_markdown_cell(&console.redact(t));
    let message = match error {
        RunError::Inputs(InputErrors(problems)) => problems
            .iter()
            .map(|p| {
                format!(
                    "- input `{}` {}\n",
                    escape_markdown_cell(&p.input),
                    text(&p.message)
                )
            })
            .collect::<String>(),
        _ => format!("{}\n", text(&crate::exchange::error_chain(error))),
    };
    let mut page = String::from("### oidc-assume: no AWS credentials\n\n");
    if let Some(config) = config {
        page.push_str(&format!("Role: {}\n\n", text(&config.inputs.role_arn)));
    }
    page.push_str(&message);
    for help in help_for(error, config) {
        page.push('\n');
        match help {
            Help::Text(t) => page.push_str(&format!("{}\n", text(&t))),
            Help::Claims(claims) => {
                page.push_str("The ID token's claims (not secret; the signature is):\n\n| Claim | Value |\n| --- | --- |\n");
                for (name, value) in claims {
                    page.push_str(&format!("| {} | {} |\n", text(name), text(&value)));
                }
            }
            Help::Copy { intro, line } => {
                page.push_str(&format!("{}\n\n", text(&intro)));
                match check_copyable(&line) {
                    Ok(()) if console.redact(&line) == line => {
                        page.push_str(&markdown_code_block(&line));
                    }
                    Ok(()) => page.push_str(&format!("(not printed: {})\n", Uncopyable::Masked)),
                    Err(why) => page.push_str(&format!("(not printed: {why})\n")),
                }
            }
        }
    }
    page
}

fn print_help<W: Write>(console: &mut Console<W>, help: &Help) -> std::io::Result<()> {
    match help {
        Help::Text(text) => console.info(text),
        Help::Claims(claims) => {
            console.info("The ID token's claims (not secret; the signature is):")?;
            for (name, value) in claims {
                console.info(&format!("  {name}: {value}"))?;
            }
            Ok(())
        }
        Help::Copy { intro, line } => {
            console.info(intro)?;
            if let Err(why) = console.copyable(line)? {
                console.info(&format!(
                    "  (not printed: {why}, and a line to copy is shown exactly as it must be used or not at all)"
                ))?;
            }
            Ok(())
        }
    }
}
