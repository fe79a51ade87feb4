//! Trust-policy tools: write ([`generate`]), check ([`check`]) and explain ([`eval`]) the IAM
//! trust policies that decide which GitHub workflows may assume an AWS role.
//!
//! # Layout
//! - [`model`]: the policy model every format is loaded into.
//! - [`load`]: IAM JSON, `aws iam get-role` output and Terraform loaders, with lines.
//! - [`github`]: GitHub issuers and claims; how broad a `sub` value is.
//! - [`keys`]: the condition keys STS evaluates for each GitHub issuer form.
//! - [`check`]: the rules of `policy check` and their findings.
//! - [`request`]: the request a token's claims make, as STS evaluates it.
//! - [`eval`]: the IAM evaluator behind `policy explain` and the stand-in STS.
//! - [`variables`]: IAM policy variables (`${...}`) in condition values.
//! - [`generate`]: `policy trust` and [`suggest_trust`] for the AccessDenied diagnosis.
//! - [`claims`]: claims from JSON or an unverified JWT.
//! - [`output`], [`sarif`]: text, JSON and SARIF 2.1.0 output.
//! - [`cli`]: the clap arguments and [`cli::run`].

pub mod check;
pub mod claims;
pub mod cli;
mod error;
pub mod eval;
pub mod generate;
pub mod github;
pub mod keys;
pub mod load;
pub mod matching;
pub mod model;
pub mod output;
pub mod permissions;
pub mod request;
pub mod sarif;
pub mod variables;

pub use cli::{PolicyCommand, PolicyExit, run};
pub use error::PolicyError;
pub use eval::{AccessRequest, Decision, Evaluation, evaluate};
pub use generate::{Suggestion, suggest_trust};
pub use model::PolicyDocument;
