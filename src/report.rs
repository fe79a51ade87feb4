//! The one place that decides what a failed run prints and its exit code.
//!
//! One `::error::` annotation with the message, then the causes and the help on plain lines. All of
//! it passes through the runner module, which escapes annotation data and neutralises untrusted text
//! (an endpoint's message, a claim value) so that it cannot issue workflow commands.

use std::io::Write;
use std::process::ExitCode;

use crate::deliver::DeliverError;
use crate::diagnose;
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
    Interrupted(&'static str),
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
        RunError::Interrupted(_) => 128 + 15,
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
    console.error(&format!(
        "oidc-assume: {}",
        crate::exchange::error_chain(error)
    ))?;
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        console.info(&format!("  caused by: {current}"))?;
        cause = current.source();
    }
    if let (RunError::Exchange(exchange), Some(config)) = (error, config)
        && let Some((sts, claims)) = exchange.sts()
    {
        for line in diagnose::help_lines(sts, claims, &config.inputs) {
            console.info(&line)?;
        }
    }
    Ok(())
}
