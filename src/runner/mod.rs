//! The runner protocol: everything the action says to the GitHub Actions runner, and a model of
//! how the runner reads it.
//!
//! The action talks to the runner over two channels
//! ([workflow commands](https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands)):
//!
//! - **stdout lines** ([`Console`]): `::add-mask::`, annotations, groups, debug lines and plain log
//!   lines. Every byte that reaches the log goes through [`neutralise`] or an escaper first, so no
//!   text from an endpoint, a token claim or an input can start a command, stop command
//!   processing or switch off masking.
//! - **file commands** ([`FileCommands`], [`append`]): `GITHUB_ENV` and `GITHUB_OUTPUT` written in
//!   the toolkit's heredoc form with a fresh random delimiter per entry, names from fixed
//!   allowlists, one append per file; and the step summary ([`render_summary`]).
//!
//! [`parse`] and [`LogReplay`] implement the runner's side (its command parser, its
//! file-command parser and its secret masker) so that tests, fuzzing and the local demo can check
//! what the runner would make of our output.

mod commands;
mod console;
mod files;
mod mask;
pub mod parse;
mod replay;
mod summary;

pub use commands::{
    Uncopyable, check_copyable, copyable_json, escape_data, escape_property, neutralise,
    neutralise_bounded, neutralise_multiline,
};
pub use console::{Console, Level};
pub use files::{
    ENV_NAMES, FileCommandError, FileCommands, FileKind, OUTPUT_NAMES, append, append_all,
};
pub use mask::redact as redact_secrets;
pub use parse::{
    Command, CommandForm, LineEndings, ParseError, parse_command, parse_file_commands,
    parse_file_commands_as, unescape_data, unescape_property,
};
pub use replay::{Event, LogReplay};
pub use summary::{Account, Summary, escape_markdown_cell, markdown_code_block, render_summary};
