//! Reading and validating each input: one method per input, every problem collected.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::names::{session_name_char, validate_policy_arn, validate_role_arn};
use super::network::endpoint_url;
use super::{
    Config, DEFAULT_ACTION_TIMEOUT, DEFAULT_DURATION_SECONDS, DEFAULT_RETRY_MAX_ATTEMPTS,
    InputProblem, Inputs, MAX_ACTION_TIMEOUT_SECONDS, MAX_INLINE_POLICY_CHARS,
    MAX_MANAGED_POLICIES, MAX_RETRY_ATTEMPTS, RunnerFiles, TokenSource, non_empty, request_token,
};
use crate::region::{Partition, Region};

pub(super) struct Reader<'a> {
    pub(super) env: &'a HashMap<String, String>,
    /// Whether this is the action's step, which writes the runner's files.
    pub(super) step: bool,
    pub(super) problems: Vec<InputProblem>,
}

impl<'a> Reader<'a> {
    pub(super) fn input(&self, name: &str) -> Option<&'a str> {
        non_empty(self.env, &format!("INPUT_{}", name.to_ascii_uppercase()))
    }

    pub(super) fn problem(&mut self, input: &str, message: impl Into<String>) {
        self.problems.push(InputProblem {
            input: input.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn read(&mut self) -> Option<Config> {
        let region = self.region();
        let partition = region.as_ref().map(Region::partition);
        let role_arn = self.role_arn(partition);
        let audience = self.audience(partition);
        let role_session_name = self.session_name();
        let duration_seconds = self.duration();
        let chaining = self.chaining(
            partition,
            duration_seconds,
            self.input("web-identity-token-file").is_some(),
        );
        let inline_session_policy = self.inline_policy();
        let managed_session_policies = self.managed_policies(partition);
        let output_credentials = self.boolean("output-credentials", false);
        let refresh = self.boolean("refresh-credentials", false);
        if refresh {
            self.refresh_conflicts();
        }
        // As in aws-actions/configure-aws-credentials: with a profile, the credentials go to the
        // profile files and are exported as variables only when asked for.
        let profile = self.profile(refresh);
        let output_env_credentials = self.boolean(
            "output-env-credentials",
            self.input("aws-profile").is_none() && !refresh,
        );
        let unset_current_credentials = self.boolean("unset-current-credentials", false);
        let mask_aws_account_id = self.boolean("mask-aws-account-id", false);
        let allowed_account_ids = self.allowed_accounts();
        let retry_max_attempts = self.retry_attempts();
        let disable_retry = self.boolean("disable-retry", false);
        let use_existing_credentials = self.boolean("use-existing-credentials", false);
        let action_timeout = self.action_timeout();
        let sts_endpoint = self.sts_endpoint();
        let token_source = self.token_source();
        let network = self.network();
        let exports_paths = profile
            .as_ref()
            .is_some_and(|p| p.config.export.is_some() || p.credentials.export.is_some());
        let files = self.files(output_env_credentials || exports_paths || refresh, refresh);
        let debug = self.env.get("RUNNER_DEBUG").is_some_and(|v| v == "1");

        let mut inputs = Inputs {
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
            chaining,
            use_existing_credentials,
            profile,
            existing_credentials: use_existing_credentials
                .then(|| super::chaining::environment_credentials(self.env))
                .flatten(),
            refresh: None,
        };
        if refresh {
            inputs.refresh = Some(self.refresh(&inputs)?);
        }
        Some(Config {
            inputs,
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
        let default;
        let value = match self.input("role-session-name") {
            Some(value) => value,
            None => {
                default = super::default_session_name(
                    non_empty(self.env, "GITHUB_RUN_ID"),
                    non_empty(self.env, "GITHUB_RUN_ATTEMPT"),
                );
                default.as_str()
            }
        };
        if !(2..=64).contains(&value.len()) || !value.chars().all(session_name_char) {
            self.problem(
                "role-session-name",
                format!(
                    "must be 2 to 64 characters from letters, digits and `_+=,.@-`; the nearest valid name is `{}`",
                    super::nearest_session_name(value)
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

    pub(super) fn boolean(&mut self, name: &str, default: bool) -> bool {
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

    fn files(&mut self, needs_env: bool, needs_state: bool) -> RunnerFiles {
        if !self.step {
            return RunnerFiles::default();
        }
        let path = |name| non_empty(self.env, name).map(PathBuf::from);
        let files = RunnerFiles {
            env: path("GITHUB_ENV"),
            output: path("GITHUB_OUTPUT"),
            step_summary: path("GITHUB_STEP_SUMMARY"),
            state: path("GITHUB_STATE"),
        };
        if files.output.is_none() {
            self.problem(
                "GITHUB_OUTPUT",
                "is not set: the action must run as a GitHub Actions step, which provides it",
            );
        }
        if needs_state && files.state.is_none() {
            self.problem(
                "GITHUB_STATE",
                "is not set: `refresh-credentials` needs it so that the post step removes the profile; run as a GitHub Actions step",
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
