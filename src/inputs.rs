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

use crate::region::{Partition, Region};
use crate::secret::Secret;

/// Default `role-session-name`, as in `aws-actions/configure-aws-credentials`.
pub const DEFAULT_SESSION_NAME: &str = "GitHubActions";
/// Default `role-duration-seconds`.
pub const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// Default `retry-max-attempts`, as in `aws-actions/configure-aws-credentials`.
pub const DEFAULT_RETRY_MAX_ATTEMPTS: u32 = 12;
/// The overall deadline when `action-timeout-s` is empty or `0`.
pub const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest `action-timeout-s` accepted: GitHub's own limit for a job step is six hours.
const MAX_ACTION_TIMEOUT_SECONDS: u64 = 6 * 60 * 60;
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
}

/// Proxy and trust settings applied to both the token request and STS.
#[derive(Debug, Clone, Default)]
pub struct NetworkSettings {
    /// Proxy for `https` URLs. Plain `http` is accepted only to loopback, and such a request
    /// never goes through a proxy: the bearer request token and the JWT would cross it in
    /// clear text. `http_proxy`/`HTTP_PROXY` are therefore not read at all.
    pub https_proxy: Option<ProxyUrl>,
    /// Hosts that bypass the proxy, in `NO_PROXY` syntax.
    pub no_proxy: Option<String>,
    /// Extra CA certificates (PEM) trusted besides the built-in roots: `SSL_CERT_FILE`.
    pub extra_ca_file: Option<PathBuf>,
}

/// A proxy URL. It may carry credentials, so it prints without them.
#[derive(Clone)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// The URL, credentials included: only for configuring the HTTP client.
    pub fn reveal(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if !shown.username().is_empty() || shown.password().is_some() {
            // Both setters only fail for URLs that cannot carry credentials, which this one did.
            let _ = shown.set_username("***");
            let _ = shown.set_password(None);
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
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
        let mut reader = Reader {
            env,
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

/// The account id in `role-to-assume` when `mask-aws-account-id` asks for it to be hidden, read
/// before the inputs are validated so that it can be masked before the first line is printed
/// (the role ARN is in that line and in every failure diagnosis). Any value of the flag other
/// than a false one counts: an invalid flag still hides the account while it is reported.
pub fn account_to_mask(env: &HashMap<String, String>) -> Option<String> {
    let flag = non_empty(env, "INPUT_MASK-AWS-ACCOUNT-ID")?;
    if matches!(flag, "false" | "False" | "FALSE") {
        return None;
    }
    let arn = non_empty(env, "INPUT_ROLE-TO-ASSUME")?;
    arn.split(':')
        .nth(4)
        .filter(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
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

/// `GITHUB_ENV` for the post step.
pub fn github_env(env: &HashMap<String, String>) -> Option<PathBuf> {
    non_empty(env, "GITHUB_ENV").map(PathBuf::from)
}

fn non_empty<'a>(env: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

struct Reader<'a> {
    env: &'a HashMap<String, String>,
    problems: Vec<InputProblem>,
}

impl<'a> Reader<'a> {
    fn input(&self, name: &str) -> Option<&'a str> {
        non_empty(self.env, &format!("INPUT_{}", name.to_ascii_uppercase()))
    }

    fn problem(&mut self, input: &str, message: impl Into<String>) {
        self.problems.push(InputProblem {
            input: input.to_owned(),
            message: message.into(),
        });
    }

    fn read(&mut self) -> Option<Config> {
        let region = self.region();
        let partition = region.as_ref().map(Region::partition);
        let role_arn = self.role_arn(partition);
        let audience = self.audience(partition);
        let role_session_name = self.session_name();
        let duration_seconds = self.duration();
        let inline_session_policy = self.inline_policy();
        let managed_session_policies = self.managed_policies(partition);
        let output_credentials = self.boolean("output-credentials", false);
        let output_env_credentials = self.boolean("output-env-credentials", true);
        let unset_current_credentials = self.boolean("unset-current-credentials", false);
        let mask_aws_account_id = self.boolean("mask-aws-account-id", false);
        let allowed_account_ids = self.allowed_accounts();
        let retry_max_attempts = self.retry_attempts();
        let disable_retry = self.boolean("disable-retry", false);
        let action_timeout = self.action_timeout();
        let sts_endpoint = self.sts_endpoint();
        let token_source = self.token_source();
        let network = self.network();
        let files = self.files(output_env_credentials);
        let debug = self.env.get("RUNNER_DEBUG").is_some_and(|v| v == "1");

        Some(Config {
            inputs: Inputs {
                region: region?,
                role_arn: role_arn?,
                audience: audience?,
                role_session_name: role_session_name?,
                duration_seconds: duration_seconds?,
                inline_session_policy,
                managed_session_policies,
                output_credentials,
                output_env_credentials,
                unset_current_credentials,
                mask_aws_account_id,
                allowed_account_ids,
                max_attempts: if disable_retry { 1 } else { retry_max_attempts },
                action_timeout,
                sts_endpoint,
            },
            token_source: token_source?,
            files,
            network,
            debug,
            hidden: Vec::new(),
        })
    }

    fn region(&mut self) -> Option<Region> {
        let (source, value) = match self.input("aws-region") {
            Some(v) => ("aws-region", v),
            None => match non_empty(self.env, "AWS_REGION") {
                Some(v) => ("AWS_REGION", v),
                None => match non_empty(self.env, "AWS_DEFAULT_REGION") {
                    Some(v) => ("AWS_DEFAULT_REGION", v),
                    None => {
                        self.problem(
                            "aws-region",
                            "is required: set it to the region of the STS endpoint, e.g. `aws-region: us-east-1`",
                        );
                        return None;
                    }
                },
            },
        };
        match Region::parse(value) {
            Ok(region) => Some(region),
            Err(why) => {
                self.problem(source, why);
                None
            }
        }
    }

    fn role_arn(&mut self, partition: Option<Partition>) -> Option<String> {
        let Some(value) = self.input("role-to-assume") else {
            self.problem(
                "role-to-assume",
                "is required: the full ARN of the role to assume, e.g. `arn:aws:iam::123456789012:role/my-role`",
            );
            return None;
        };
        match validate_role_arn(value, partition) {
            Ok(()) => Some(value.to_owned()),
            Err(why) => {
                self.problem("role-to-assume", why);
                None
            }
        }
    }

    fn audience(&mut self, partition: Option<Partition>) -> Option<String> {
        let Some(value) = self.input("audience") else {
            return Some(
                partition
                    .unwrap_or(Partition::Aws)
                    .default_audience()
                    .to_owned(),
            );
        };
        if value.len() > 256 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.problem(
                "audience",
                "must be a single word of at most 256 characters with no spaces, e.g. `sts.amazonaws.com`",
            );
            return None;
        }
        Some(value.to_owned())
    }

    fn session_name(&mut self) -> Option<String> {
        let value = self
            .input("role-session-name")
            .unwrap_or(DEFAULT_SESSION_NAME);
        if !(2..=64).contains(&value.len()) || !value.chars().all(session_name_char) {
            self.problem(
                "role-session-name",
                format!(
                    "must be 2 to 64 characters from letters, digits and `_+=,.@-`; the nearest valid name is `{}`",
                    nearest_session_name(value)
                ),
            );
            return None;
        }
        Some(value.to_owned())
    }

    fn duration(&mut self) -> Option<u32> {
        let Some(value) = self.input("role-duration-seconds") else {
            return Some(DEFAULT_DURATION_SECONDS);
        };
        match value.parse::<u32>() {
            Ok(n) if (900..=43_200).contains(&n) => Some(n),
            _ => {
                self.problem(
                    "role-duration-seconds",
                    "must be a whole number of seconds from 900 to 43200 (and at most the role's maximum session duration)",
                );
                None
            }
        }
    }

    fn inline_policy(&mut self) -> Option<String> {
        let value = self.input("inline-session-policy")?;
        let problem = match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(_))
                if value.chars().count() <= MAX_INLINE_POLICY_CHARS =>
            {
                return Some(value.to_owned());
            }
            Ok(serde_json::Value::Object(_)) => {
                "is longer than STS accepts: at most 2048 characters"
            }
            _ => {
                "must be an IAM policy document: a JSON object such as `{\"Version\":\"2012-10-17\",\"Statement\":[...]}`"
            }
        };
        self.problem("inline-session-policy", problem);
        None
    }

    fn managed_policies(&mut self, partition: Option<Partition>) -> Vec<String> {
        let Some(value) = self.input("managed-session-policies") else {
            return Vec::new();
        };
        let arns: Vec<String> = value
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if arns.len() > MAX_MANAGED_POLICIES {
            self.problem(
                "managed-session-policies",
                "lists more than 10 policies; STS accepts at most 10",
            );
        }
        for arn in &arns {
            if let Err(why) = validate_policy_arn(arn, partition) {
                self.problem("managed-session-policies", why);
            }
        }
        arns
    }

    fn boolean(&mut self, name: &str, default: bool) -> bool {
        match self.input(name) {
            None => default,
            Some("true" | "True" | "TRUE") => true,
            Some("false" | "False" | "FALSE") => false,
            Some(_) => {
                self.problem(name, "must be `true` or `false` (or empty for the default)");
                default
            }
        }
    }

    fn allowed_accounts(&mut self) -> Vec<String> {
        let Some(value) = self.input("allowed-account-ids") else {
            return Vec::new();
        };
        let ids: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.is_empty()
            || ids
                .iter()
                .any(|id| id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
        {
            self.problem(
                "allowed-account-ids",
                "must be a comma-separated list of 12-digit AWS account ids, e.g. `111122223333,444455556666`",
            );
        }
        ids
    }

    fn retry_attempts(&mut self) -> u32 {
        let Some(value) = self.input("retry-max-attempts") else {
            return DEFAULT_RETRY_MAX_ATTEMPTS;
        };
        match value.parse::<u32>() {
            Ok(n) if (1..=MAX_RETRY_ATTEMPTS).contains(&n) => n,
            _ => {
                self.problem(
                    "retry-max-attempts",
                    "must be a whole number from 1 to 50 (1 means no retry; use `disable-retry: true` for the same)",
                );
                DEFAULT_RETRY_MAX_ATTEMPTS
            }
        }
    }

    fn action_timeout(&mut self) -> Duration {
        let Some(value) = self.input("action-timeout-s") else {
            return DEFAULT_ACTION_TIMEOUT;
        };
        match value.parse::<u64>() {
            Ok(0) => DEFAULT_ACTION_TIMEOUT,
            Ok(n) if n <= MAX_ACTION_TIMEOUT_SECONDS => Duration::from_secs(n),
            _ => {
                self.problem(
                    "action-timeout-s",
                    "must be a whole number of seconds from 1 to 21600, or 0 or empty for the default of 120",
                );
                DEFAULT_ACTION_TIMEOUT
            }
        }
    }

    fn sts_endpoint(&mut self) -> Option<Url> {
        let (source, value) = match self.input("sts-endpoint") {
            Some(v) => ("sts-endpoint", v),
            None => match non_empty(self.env, "AWS_ENDPOINT_URL_STS") {
                Some(v) => ("AWS_ENDPOINT_URL_STS", v),
                None => ("AWS_ENDPOINT_URL", non_empty(self.env, "AWS_ENDPOINT_URL")?),
            },
        };
        match endpoint_url(value) {
            Ok(url) => Some(url),
            Err(why) => {
                self.problem(source, why);
                None
            }
        }
    }

    fn token_source(&mut self) -> Option<TokenSource> {
        if let Some(path) = self.input("web-identity-token-file") {
            return self.token_file(path).map(TokenSource::File);
        }
        let url = non_empty(self.env, "ACTIONS_ID_TOKEN_REQUEST_URL");
        let token = request_token(self.env);
        match (url, token) {
            (Some(url), Some(token)) => match endpoint_url(url) {
                Ok(url) => Some(TokenSource::GitHub { url, token }),
                Err(why) => {
                    self.problem("ACTIONS_ID_TOKEN_REQUEST_URL", why);
                    None
                }
            },
            (Some(_), None) => Some(TokenSource::Missing {
                partial: Some("ACTIONS_ID_TOKEN_REQUEST_URL"),
            }),
            (None, Some(_)) => Some(TokenSource::Missing {
                partial: Some("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
            }),
            (None, None) => Some(TokenSource::Missing { partial: None }),
        }
    }

    fn token_file(&mut self, path: &str) -> Option<PathBuf> {
        let mut full = PathBuf::from(path);
        if full.is_relative()
            && let Some(workspace) = non_empty(self.env, "GITHUB_WORKSPACE")
        {
            full = PathBuf::from(workspace).join(full);
        }
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => {
                self.problem(
                    "web-identity-token-file",
                    "is a symbolic link; give the path of the token file itself",
                );
                None
            }
            Ok(meta) if meta.is_file() => Some(full),
            Ok(_) => {
                self.problem("web-identity-token-file", "is not a regular file");
                None
            }
            Err(_) => {
                self.problem(
                    "web-identity-token-file",
                    "cannot be read: give an existing file (relative paths start at GITHUB_WORKSPACE)",
                );
                None
            }
        }
    }

    fn network(&mut self) -> NetworkSettings {
        let env = self.env;
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| non_empty(env, n).map(|v| ((*n).to_owned(), v)))
        };
        let https_proxy = match self.input("http-proxy") {
            Some(value) => self.proxy("http-proxy", value),
            None => {
                first(&["https_proxy", "HTTPS_PROXY"]).and_then(|(name, v)| self.proxy(&name, v))
            }
        };
        let no_proxy = self
            .input("no-proxy")
            .or_else(|| non_empty(self.env, "no_proxy"))
            .or_else(|| non_empty(self.env, "NO_PROXY"))
            .map(str::to_owned);
        let extra_ca_file = non_empty(self.env, "SSL_CERT_FILE").map(PathBuf::from);
        NetworkSettings {
            https_proxy,
            no_proxy,
            extra_ca_file,
        }
    }

    fn proxy(&mut self, source: &str, value: &str) -> Option<ProxyUrl> {
        // A bare `host:port` is common in proxy variables; it means plain HTTP to the proxy.
        let candidate = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        match Url::parse(&candidate) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                Some(ProxyUrl(url))
            }
            _ => {
                self.problem(
                    source,
                    "must be a proxy URL such as `http://proxy.example.com:3128`",
                );
                None
            }
        }
    }

    fn files(&mut self, needs_env: bool) -> RunnerFiles {
        let path = |name| non_empty(self.env, name).map(PathBuf::from);
        let files = RunnerFiles {
            env: path("GITHUB_ENV"),
            output: path("GITHUB_OUTPUT"),
            step_summary: path("GITHUB_STEP_SUMMARY"),
        };
        if files.output.is_none() {
            self.problem(
                "GITHUB_OUTPUT",
                "is not set: the action must run as a GitHub Actions step, which provides it",
            );
        }
        if needs_env && files.env.is_none() {
            self.problem(
                "GITHUB_ENV",
                "is not set: run as a GitHub Actions step, or set `output-env-credentials: false`",
            );
        }
        files
    }
}

/// A character STS accepts in a session name (`[\w+=,.@-]*`, the `RoleSessionName` pattern in
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>).
fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// The valid session name closest to `value`: every other character becomes `_`, a name too
/// short is padded with `_`, one too long is cut at 64. `${{ github.actor }}` is
/// `dependabot[bot]` for Dependabot, which becomes `dependabot_bot_`.
pub fn nearest_session_name(value: &str) -> String {
    let mut name: String = value
        .chars()
        .map(|c| if session_name_char(c) { c } else { '_' })
        .take(64)
        .collect();
    while name.len() < 2 {
        name.push('_');
    }
    name
}

/// Checks a role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
fn validate_role_arn(arn: &str, partition: Option<Partition>) -> Result<(), String> {
    let form = "must be a full role ARN such as `arn:aws:iam::123456789012:role/my-role`";
    if !(20..=2048).contains(&arn.len()) || arn.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("{form}, 20 to 2048 characters with no spaces"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err(form.to_owned());
    };
    if *prefix != "arn" || *service != "iam" || !region.is_empty() {
        return Err(form.to_owned());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{form}: the account must be 12 digits"));
    }
    let Some(name) = resource.strip_prefix("role/") else {
        return Err(format!("{form}: the resource must start with `role/`"));
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c);
    if name.is_empty() || name.ends_with('/') || !name.chars().all(allowed) {
        return Err(format!(
            "{form}: the role name allows letters, digits and `_+=,.@-`"
        ));
    }
    check_partition(arn_partition, partition)
}

/// Checks a managed policy ARN: `arn:<partition>:iam::(aws|<12 digits>):policy/<path/name>`.
fn validate_policy_arn(arn: &str, partition: Option<Partition>) -> Result<(), String> {
    let form = format!(
        "has `{}`, which is not a managed policy ARN such as `arn:aws:iam::aws:policy/ReadOnlyAccess`",
        crate::runner::neutralise(arn)
    );
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err(form);
    };
    let account_ok =
        *account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let resource_ok = resource.strip_prefix("policy/").is_some_and(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c))
    });
    if *prefix != "arn"
        || *service != "iam"
        || !region.is_empty()
        || !account_ok
        || !resource_ok
        || arn.len() > 2048
    {
        return Err(form);
    }
    check_partition(arn_partition, partition)
}

fn check_partition(arn_partition: &str, region_partition: Option<Partition>) -> Result<(), String> {
    match (Partition::from_name(arn_partition), region_partition) {
        (None, _) => Err(format!(
            "names an unknown partition; use one of {}",
            Partition::ALL
                .iter()
                .map(|p| format!("`{}`", p.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Some(arn), Some(region)) if arn != region => Err(format!(
            "is in partition `{}` but aws-region is in partition `{}`; use an ARN starting `arn:{}:`",
            arn.name(),
            region.name(),
            region.name()
        )),
        _ => Ok(()),
    }
}

/// Parses an endpoint URL: `https`, or plain `http` to a loopback address only, so that no token
/// crosses a network in clear text. A user name or password in the URL is refused: neither
/// endpoint uses one, and it would be one more secret to keep out of every log line.
fn endpoint_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|_| {
        "must be an absolute URL such as `https://sts.us-east-1.amazonaws.com`".to_owned()
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry a user name or password (`user:password@`); neither endpoint takes one"
                .to_owned(),
        );
    }
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err("uses plain `http` to a host that is not loopback; use `https`".to_owned()),
        _ => Err("must be an `https` URL".to_owned()),
    }
}

/// Whether a URL names this machine: a literal loopback address (`127.0.0.0/8`, `::1`) or
/// `localhost` itself, which the HTTP client maps to 127.0.0.1 and ::1 without asking the
/// resolver ([`crate::http::build_client`]). Other names, `*.localhost` included, are not
/// loopback: musl and glibc send them to DNS, which may answer anything.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
