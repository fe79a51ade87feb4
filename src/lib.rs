//! oidc-assume: exchange a GitHub Actions job's OIDC token for short-lived AWS credentials.
//!
//! Run as a container action with no arguments, the binary reads the runner's environment, asks
//! GitHub for an ID token, calls STS `AssumeRoleWithWebIdentity`, masks the credentials and hands
//! them to the following steps through the runner's files. Nothing secret is stored or printed.
//! The `policy` subcommands write, check and explain IAM trust policies for GitHub's tokens.
//!
//! # Layout
//!
//! - [`inputs`]: the environment, read once and validated (the only module that reads it).
//! - [`region`]: regions and partitions.
//! - [`secret`]: the redacting wrapper every secret lives in.
//! - [`http`]: the one HTTP client (proxy, CA, timeouts, capped bodies) both calls share.
//! - [`transport`]: connect, TLS, proxy and timeout failures, made readable.
//! - [`oidc`]: the GitHub ID-token client.
//! - [`claims`]: JWT claim decoding, for display and diagnosis only.
//! - [`sts`]: the `AssumeRoleWithWebIdentity` call and its error classes; [`sts_http`] adapts our HTTP
//!   client to the SDK.
//! - [`sts_messages`]: the refusals STS is known to send, recognised by code and message.
//! - [`retry`]: the single retry, backoff and deadline policy.
//! - [`exchange`]: token then STS, retried as one unit under one deadline.
//! - [`chain`]: role chaining: `AssumeRole` with the credentials already held.
//! - [`session_tags`]: the session tags of a chained call.
//! - [`reuse`]: `use-existing-credentials`, when the environment already holds the role's session.
//! - [`deliver`]: masks, checks and one append per runner file.
//! - [`profile`]: the named profile in the AWS config and credentials files.
//! - [`credential_process`]: the subcommand a refreshing profile runs in the later steps.
//! - [`diagnose`]: what to do when STS refuses.
//! - [`report`]: what a failure prints and its exit code.
//! - [`runner`]: the runner protocol: workflow commands, file commands, step summary.
//! - [`post`]: the post step that blanks the exported variables.
//! - [`policy`]: trust-policy tools: model, loaders (JSON, `get-role`, Terraform), checks, evaluator,
//!   generator, SARIF.
//! - [`platform`]: what differs between Unix and Windows (opening files, signals).
//! - [`logging`]: `::debug::` lines for this crate only.
//! - [`app`]: the binary's subcommands, wired together.

#![warn(missing_docs)]

pub mod app;
pub mod chain;
pub mod claims;
pub mod credential_process;
pub mod deliver;
pub mod diagnose;
pub mod exchange;
pub mod http;
pub mod inputs;
pub mod logging;
pub mod oidc;
pub mod platform;
pub mod policy;
pub mod post;
pub mod profile;
pub mod region;
pub mod report;
pub mod retry;
pub mod reuse;
pub mod runner;
pub mod secret;
pub mod session_tags;
pub mod sts;
pub mod sts_http;
pub mod sts_messages;
pub mod transport;
