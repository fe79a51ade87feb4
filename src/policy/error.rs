//! Errors of the policy tools. Each is a usage or input problem: the binary exits 2.

use thiserror::Error;

use crate::policy::model::ModelError;

/// Something the policy tools could not do; the message names the fix.
#[derive(Debug, Error)]
pub enum PolicyError {
    /// A file could not be read.
    #[error("cannot read {file}; check the path and permissions")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{file} is not valid JSON")]
    Json {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A Terraform file does not parse.
    #[error("{file} is not valid Terraform: {message}")]
    Terraform {
        /// The file.
        file: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A JSON file holds no policy.
    #[error("{file} holds no trust policy: {reason}")]
    NotAPolicy {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// A policy is malformed.
    #[error("{file}{}: malformed policy", name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Model {
        /// The file.
        file: String,
        /// The policy inside the file.
        name: Option<String>,
        /// What is wrong.
        #[source]
        source: ModelError,
    },
    /// A directory holds no `.tf` file.
    #[error("{dir} holds no .tf file; name the policy files instead")]
    EmptyDirectory {
        /// The directory.
        dir: String,
    },
    /// `explain` found no policy, or several, in the file.
    #[error("{0}")]
    Selection(String),
    /// The claims could not be read.
    #[error("{0}")]
    Claims(String),
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// Writing the output failed.
    #[error("cannot write the output")]
    Output(#[source] std::io::Error),
}

impl From<ModelError> for PolicyError {
    fn from(source: ModelError) -> Self {
        PolicyError::Model {
            file: "<policy>".into(),
            name: None,
            source,
        }
    }
}
