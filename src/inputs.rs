//! The action's inputs and the runner's environment, read once and validated before any network call.
//!
//! This is the only module that looks at environment variables: [`Config::from_env`] for the binary,
//! [`Config::from_map`] for tests. Inputs arrive as `INPUT_<NAME>` with hyphens kept
//! (`INPUT_ROLE-TO-ASSUME`), as the runner passes them to a container action. Every problem is
//! collected, so one run reports all of them, each naming the input and the accepted form.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::region::Region;
use crate::secret::Secret;

mod chaining;
mod names;
mod network;
mod profile;
mod reader;
mod refresh;

pub use chaining::{
    CHAINED_MAX_DURATION_SECONDS, Chaining, INTERMEDIATE_DURATION_SECONDS, SourceCredentials,
    source_secrets,
};
pub use names::{SESSION_NAME_PREFIX, default_session_name, nearest_session_name};
pub use network::{NetworkSettings, ProxyUrl, is_loopback};
pub use profile::{PROFILE_DIRECTORY, ProfileFile, ProfileTarget, RUNNER_MOUNTS_VARIABLE};
use reader::Reader;
pub use refresh::{DEFAULT_REFRESH_PROFILE, PROGRAM_NAME, REFRESH_INPUTS, Refresh};

/// Default `role-duration-seconds`.
pub const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// Default `retry-max-attempts`, as in `aws-actions/configure-aws-credentials`.
pub const DEFAULT_RETRY_MAX_ATTEMPTS: u32 = 12;
/// The overall deadline when `action-timeout-s` is empty or `0`.
pub const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest `action-timeout-s` accepted: GitHub's own limit for a job step is six hours.
pub(crate) const MAX_ACTION_TIMEOUT_SECONDS: u64 = 6 * 60 * 60;
const MAX_RETRY_ATTEMPTS: u32 = 50;
const MAX_INLINE_POLICY_CHARS: usize = 2048;
const MAX_MANAGED_POLICIES: usize = 10;

/// Everything a run needs: the validated inputs and what the runner provides. `Debug` hides the
/// secrets the environment held (see [`Config::from_map`]) wherever another value repeats them.
#[derive(Clone)]
pub struct Config {
    /// The action's inputs.
    pub inputs: Inputs,
    /// Where the JWT comes from.
    pub token_source: TokenSource,
    /// The runner's files.
    pub files: RunnerFiles,
    /// Proxy and CA settings for both calls.
    pub network: NetworkSettings,
    /// `RUNNER_DEBUG=1`: print `::debug::` detail.
    pub debug: bool,
    /// The request token and proxy credentials, hidden from `Debug`.
    hidden: Vec<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = format!(
            "Config {{ inputs: {:?}, token_source: {:?}, files: {:?}, network: {:?}, debug: {:?} }}",
            self.inputs, self.token_source, self.files, self.network, self.debug
        );
        f.write_str(&crate::runner::redact_secrets(&shown, &self.hidden))
    }
}

/// The action's inputs, validated.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// `aws-region` (or `AWS_REGION` / `AWS_DEFAULT_REGION`).
    pub region: Region,
    /// `role-to-assume`: a full role ARN in the region's partition.
    pub role_arn: String,
    /// `audience` requested from GitHub.
    pub audience: String,
    /// `role-session-name`.
    pub role_session_name: String,
    /// `role-duration-seconds`.
    pub duration_seconds: u32,
    /// `inline-session-policy`, as given.
    pub inline_session_policy: Option<String>,
    /// `managed-session-policies`, one ARN per entry.
    pub managed_session_policies: Vec<String>,
    /// `output-credentials`.
    pub output_credentials: bool,
    /// `output-env-credentials`.
    pub output_env_credentials: bool,
    /// `unset-current-credentials`.
    pub unset_current_credentials: bool,
    /// `mask-aws-account-id`.
    pub mask_aws_account_id: bool,
    /// `allowed-account-ids`; empty means any account.
    pub allowed_account_ids: Vec<String>,
    /// Attempts for the whole exchange (`retry-max-attempts`, or 1 with `disable-retry`).
    pub max_attempts: u32,
    /// The overall deadline (`action-timeout-s`).
    pub action_timeout: Duration,
    /// `sts-endpoint`, `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL`.
    pub sts_endpoint: Option<Url>,
    /// Role chaining: `role-chaining`, `role-chain`, `role-external-id` and the session tags.
    pub chaining: Chaining,
    /// `use-existing-credentials`.
    pub use_existing_credentials: bool,
    /// `aws-profile`: the profile to write and where its files are.
    pub profile: Option<ProfileTarget>,
    /// The environment's credentials, read when `use-existing-credentials` is true.
    pub existing_credentials: Option<SourceCredentials>,
    /// `refresh-credentials`: the later steps renew the credentials themselves.
    pub refresh: Option<Refresh>,
}

/// Where the JWT comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// GitHub's ID-token endpoint.
    GitHub {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        url: Url,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        token: Secret,
    },
    /// `web-identity-token-file`, read again for every attempt.
    File(PathBuf),
    /// Neither the token variables nor a token file: the job lacks `id-token: write`.
    Missing {
        /// Which of the two variables the runner did provide, if any (useful in the message).
        partial: Option<&'static str>,
    },
}

/// The runner's file commands.
#[derive(Debug, Clone, Default)]
pub struct RunnerFiles {
    /// `GITHUB_ENV`.
    pub env: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_STATE`, for the post step.
    pub state: Option<PathBuf>,
}

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// The input or variable at fault, e.g. `role-to-assume`.
    pub input: String,
    /// What is wrong and the accepted form.
    pub message: String,
}

/// Every problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid input{}: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, summary(.0))]
pub struct InputErrors(pub Vec<InputProblem>);

fn summary(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("`{}` {}", p.input, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, InputErrors> {
        Self::from_map(&std::env::vars().collect())
    }

    /// Builds the configuration from a map of environment variables.
    pub fn from_map(env: &HashMap<String, String>) -> Result<Self, InputErrors> {
        Self::read(env, true)
    }

    /// Builds the configuration of a `credential-process` call: the same inputs and rules, but
    /// it writes none of the runner's files, so it needs none of them.
    pub fn for_credential_process(env: &HashMap<String, String>) -> Result<Self, InputErrors> {
        Self::read(env, false)
    }

    fn read(env: &HashMap<String, String>, step: bool) -> Result<Self, InputErrors> {
        let mut reader = Reader {
            env,
            step,
            problems: Vec::new(),
        };
        let config = reader.read();
        // A problem or a value may quote another input's secret (a proxy password pasted into
        // the wrong input): hide them all.
        let secrets = known_secrets(env);
        match config {
            Some(config) if reader.problems.is_empty() => Ok(Config {
                hidden: secrets,
                ..config
            }),
            _ => {
                let problems = reader
                    .problems
                    .into_iter()
                    .map(|problem| InputProblem {
                        message: crate::runner::redact_secrets(&problem.message, &secrets),
                        ..problem
                    })
                    .collect();
                Err(InputErrors(problems))
            }
        }
    }
}

/// The secrets the environment holds before any call: the request token, and the user name and
/// password of every proxy setting (raw, percent-encoded and decoded).
fn known_secrets(env: &HashMap<String, String>) -> Vec<String> {
    let mut secrets: Vec<String> = request_token(env)
        .map(|t| t.reveal().to_owned())
        .into_iter()
        .chain(source_secrets(env))
        .collect();
    for name in [
        "INPUT_HTTP-PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
    ] {
        let Some(value) = env.get(name) else { continue };
        let rest = value.split_once("://").map_or(value.as_str(), |(_, r)| r);
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            secrets.push(userinfo.to_owned());
            secrets.extend(userinfo.split(':').map(str::to_owned));
        }
        let candidate = if value.contains("://") {
            value.trim().to_owned()
        } else {
            format!("http://{}", value.trim())
        };
        if let Ok(url) = Url::parse(&candidate) {
            for part in [url.username(), url.password().unwrap_or_default()] {
                secrets.push(part.to_owned());
                secrets.push(
                    percent_encoding::percent_decode_str(part)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
        }
    }
    secrets.retain(|s| !s.trim().is_empty());
    secrets.sort();
    secrets.dedup();
    secrets
}

/// The request token, read before anything else so that it can be masked first.
pub fn request_token(env: &HashMap<String, String>) -> Option<Secret> {
    env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .filter(|t| !t.is_empty())
        .map(|t| Secret::new(t.as_str()))
}

/// The account ids in `role-to-assume` and `role-chain` when `mask-aws-account-id` asks for them
/// to be hidden, read before the inputs are validated so that they can be masked before the first
/// line is printed (the role ARN is in that line and in every failure diagnosis). Any value of the
/// flag other than a false one counts: an invalid flag still hides the accounts while it is
/// reported.
pub fn accounts_to_mask(env: &HashMap<String, String>) -> Vec<String> {
    let Some(flag) = non_empty(env, "INPUT_MASK-AWS-ACCOUNT-ID") else {
        return Vec::new();
    };
    if matches!(flag, "false" | "False" | "FALSE") {
        return Vec::new();
    }
    let first = non_empty(env, "INPUT_ROLE-TO-ASSUME").into_iter();
    let chain = non_empty(env, "INPUT_ROLE-CHAIN")
        .into_iter()
        .flat_map(str::lines);
    let mut accounts: Vec<String> = first
        .chain(chain)
        .filter_map(|arn| arn.trim().split(':').nth(4))
        .filter(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    accounts.dedup();
    accounts
}

/// Whether `AWS_SKIP_CLEANUP_STEP` asks the post step to leave the variables alone.
pub fn skip_cleanup(env: &HashMap<String, String>) -> bool {
    env.get("AWS_SKIP_CLEANUP_STEP")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `GITHUB_STEP_SUMMARY`, for the page of a run whose inputs were refused.
pub fn step_summary(env: &HashMap<String, String>) -> Option<PathBuf> {
    non_empty(env, "GITHUB_STEP_SUMMARY").map(PathBuf::from)
}

/// A value the main step saved for the post step (`STATE_<name>`).
pub fn state<'a>(env: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    non_empty(env, &format!("STATE_{name}"))
}

/// `GITHUB_ENV` for the post step.
pub fn github_env(env: &HashMap<String, String>) -> Option<PathBuf> {
    non_empty(env, "GITHUB_ENV").map(PathBuf::from)
}

fn non_empty<'a>(env: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
