//! The one place that decides what a failed run prints and its exit code.
//!
//! One `::error::` annotation with the message and its causes, then the help on plain lines. All of
//! it passes through the runner module, which escapes annotation data and neutralises untrusted text
//! (an endpoint's message, a claim value) so that it cannot issue workflow commands.

use std::io::Write;
use std::process::ExitCode;

use crate::deliver::DeliverError;
use crate::diagnose::{self, Help};
use crate::exchange::ExchangeError;
use crate::inputs::{Config, InputErrors};
use crate::runner::Console;

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
    /// `SIGTERM`: the runner cancels a step this way.
    Terminate,
    /// `SIGINT`: Ctrl-C in a local run.
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
        f.write_str(match self {
            Signal::Terminate => "SIGTERM",
            Signal::Interrupt => "SIGINT",
        })
    }
}

/// Prints the failure and returns the exit code.
pub fn failure<W: Write>(
    console: &mut Console<W>,
    error: &RunError,
    config: Option<&Config>,
) -> ExitCode {
    // If the log itself cannot be written, there is nobody to tell; the exit code still says it.
    let _ = print(console, error, config);
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
    if let (RunError::Exchange(exchange), Some(config)) = (error, config)
        && let Some((sts, claims)) = exchange.sts()
    {
        for help in diagnose::help(sts, claims, &config.inputs) {
            print_help(console, &help)?;
        }
    }
    Ok(())
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
