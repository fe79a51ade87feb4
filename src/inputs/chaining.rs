//! Role chaining inputs: `role-chaining` (the first role is assumed with the credentials already in
//! the environment), `role-chain` (further roles, assumed in order in the same step),
//! `role-external-id` and the session tags, all checked before any call.
//!
//! Where this differs from `aws-actions/configure-aws-credentials`, on purpose:
//! - the source credentials are read from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//!   `AWS_SESSION_TOKEN` only, never from profile files or instance metadata, so what signs the
//!   call is what the workflow shows;
//! - `role-to-assume` must be a full ARN (that action turns a bare name into an ARN in the `aws`
//!   partition of the caller's account, which takes another call and is wrong in other partitions);
//! - a role session may chain for one hour at most
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining>):
//!   a longer `role-duration-seconds` is an input error here, not an STS error later;
//! - inputs that cannot take effect (tags or an external id with no `AssumeRole` call, tags with
//!   `role-skip-session-tagging`, a transitive key that is not a tag) are errors, not warnings.

use std::fmt;

use aws_credential_types::Credentials;

use super::names::validate_role_arn;
use super::non_empty;
use super::reader::Reader;
use crate::region::Partition;
use crate::secret::Secret;
use crate::session_tags::{self, MAX_TAGS, Tag};

/// The longest session a role session may ask for when it assumes another role.
pub const CHAINED_MAX_DURATION_SECONDS: u32 = 3600;
/// The duration intermediate roles of `role-chain` ask for: STS's minimum.
pub const INTERMEDIATE_DURATION_SECONDS: u32 = 900;

/// Credentials already in the environment, for `role-chaining`.
#[derive(Clone)]
pub struct SourceCredentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Secret,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Secret,
    /// `AWS_SESSION_TOKEN`, present for a role session.
    pub session_token: Option<Secret>,
}

impl fmt::Debug for SourceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceCredentials")
            .field("role_session", &self.is_role_session())
            .finish_non_exhaustive()
    }
}

impl SourceCredentials {
    /// Whether these are a role session's (they carry a session token), so that a role they
    /// assume may last one hour at most.
    pub fn is_role_session(&self) -> bool {
        self.session_token.is_some()
    }

    /// The credentials as the SDK signs with them.
    pub fn to_sdk(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.reveal(),
            self.secret_access_key.reveal(),
            self.session_token.as_ref().map(|t| t.reveal().to_owned()),
            None,
            "environment",
        )
    }
}

/// How the role is reached, beyond the OIDC exchange.
#[derive(Debug, Clone, Default)]
pub struct Chaining {
    /// `role-chaining`: assume `role-to-assume` with these credentials instead of the OIDC token.
    pub source: Option<SourceCredentials>,
    /// `role-chain`: roles assumed after `role-to-assume`, in order; the last one's credentials
    /// are the step's.
    pub further_roles: Vec<String>,
    /// `role-external-id`, sent with the last `AssumeRole`.
    pub external_id: Option<String>,
    /// Session tags for the last `AssumeRole` (empty with `role-skip-session-tagging`).
    pub tags: Vec<Tag>,
    /// `transitive-tag-keys`.
    pub transitive_tag_keys: Vec<String>,
}

impl Chaining {
    /// Whether any role is assumed with `AssumeRole`.
    pub fn uses_assume_role(&self) -> bool {
        self.source.is_some() || !self.further_roles.is_empty()
    }
}

/// The credentials in the environment, when both parts are there.
pub(super) fn environment_credentials(
    env: &std::collections::HashMap<String, String>,
) -> Option<SourceCredentials> {
    Some(SourceCredentials {
        access_key_id: Secret::new(non_empty(env, "AWS_ACCESS_KEY_ID")?),
        secret_access_key: Secret::new(non_empty(env, "AWS_SECRET_ACCESS_KEY")?),
        session_token: non_empty(env, "AWS_SESSION_TOKEN").map(Secret::new),
    })
}

/// The source credentials `role-chaining` or `use-existing-credentials` would use, for masking
/// before anything is printed: read whatever the state of the other inputs, and with any value of
/// either flag but a false one, so that even a refused run never prints them.
pub fn source_secrets(env: &std::collections::HashMap<String, String>) -> Vec<String> {
    let on = |name: &str| {
        non_empty(env, name).is_some_and(|f| !matches!(f, "false" | "False" | "FALSE"))
    };
    if !on("INPUT_ROLE-CHAINING") && !on("INPUT_USE-EXISTING-CREDENTIALS") {
        return Vec::new();
    }
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .iter()
    .filter_map(|name| non_empty(env, name).map(str::to_owned))
    .collect()
}

impl Reader<'_> {
    /// Reads the chaining inputs; `duration` is `role-duration-seconds` when it was valid.
    pub(super) fn chaining(
        &mut self,
        partition: Option<Partition>,
        duration: Option<u32>,
        token_file: bool,
    ) -> Chaining {
        let role_chaining = self.boolean("role-chaining", false);
        let source = role_chaining.then(|| self.source_credentials()).flatten();
        if role_chaining && token_file {
            self.problem(
                "role-chaining",
                "and `web-identity-token-file` both say how to reach the first role: keep one",
            );
        }
        let further_roles = self.further_roles(partition);
        let chained = role_chaining || !further_roles.is_empty();

        let role_session = source
            .as_ref()
            .is_some_and(SourceCredentials::is_role_session);
        if let Some(seconds) = duration
            && seconds > CHAINED_MAX_DURATION_SECONDS
            && (role_session || !further_roles.is_empty())
        {
            self.problem(
                "role-duration-seconds",
                format!(
                    "is {seconds}, but a role session that assumes another role (role chaining) gets at most {CHAINED_MAX_DURATION_SECONDS} seconds from AWS; set `role-duration-seconds: {CHAINED_MAX_DURATION_SECONDS}` or less"
                ),
            );
        }

        let external_id = self.external_id(chained);
        let skip = self.boolean("role-skip-session-tagging", false);
        let custom = self.custom_tags(chained, skip);
        let tags = if chained && !skip {
            let mut tags = session_tags::default_tags(self.env);
            tags.extend(custom);
            if tags.len() > MAX_TAGS {
                self.problem(
                    "custom-tags",
                    format!(
                        "brings the session tags to {}, more than the {MAX_TAGS} STS accepts; remove some",
                        tags.len()
                    ),
                );
            }
            tags
        } else {
            Vec::new()
        };
        let transitive_tag_keys = self.transitive_keys(chained, skip, &tags);
        Chaining {
            source,
            further_roles,
            external_id,
            tags,
            transitive_tag_keys,
        }
    }

    fn source_credentials(&mut self) -> Option<SourceCredentials> {
        if let Some(credentials) = environment_credentials(self.env) {
            return Some(credentials);
        }
        let missing = match (
            non_empty(self.env, "AWS_ACCESS_KEY_ID"),
            non_empty(self.env, "AWS_SECRET_ACCESS_KEY"),
        ) {
            (None, None) => "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are",
            (None, _) => "AWS_ACCESS_KEY_ID is",
            _ => "AWS_SECRET_ACCESS_KEY is",
        };
        self.problem(
            "role-chaining",
            format!(
                "assumes the role with the credentials in the environment, but {missing} not set: run a step that sets them first (e.g. this action without role-chaining), or remove `role-chaining`"
            ),
        );
        None
    }

    fn further_roles(&mut self, partition: Option<Partition>) -> Vec<String> {
        let Some(value) = self.input("role-chain") else {
            return Vec::new();
        };
        let mut roles = Vec::new();
        for (i, line) in value
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            match validate_role_arn(line, partition) {
                Ok(()) => roles.push(line.to_owned()),
                Err(why) => self.problem("role-chain", format!("line {}: {why}", i + 1)),
            }
        }
        roles
    }

    fn external_id(&mut self, chained: bool) -> Option<String> {
        let value = self.input("role-external-id")?;
        if !chained {
            self.problem(
                "role-external-id",
                "is sent only with AssumeRole (`role-chaining` or `role-chain`); the OIDC exchange has no external id: remove it",
            );
            return None;
        }
        let chars = value.chars().count();
        let ok = (2..=1224).contains(&chars)
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
        if !ok {
            self.problem(
                "role-external-id",
                "must be 2 to 1224 characters from letters, digits and `_+=,.@:/-`",
            );
            return None;
        }
        Some(value.to_owned())
    }

    fn custom_tags(&mut self, chained: bool, skip: bool) -> Vec<Tag> {
        let Some(value) = self.input("custom-tags") else {
            return Vec::new();
        };
        if !chained {
            self.problem(
                "custom-tags",
                "are sent only with AssumeRole (`role-chaining` or `role-chain`); with the OIDC exchange the session's tags come from the token: remove it",
            );
            return Vec::new();
        }
        if skip {
            self.problem(
                "custom-tags",
                "are set, but `role-skip-session-tagging` is true: keep one",
            );
            return Vec::new();
        }
        match session_tags::parse_custom(value) {
            Ok(tags) => tags,
            Err(problems) => {
                for problem in problems {
                    self.problem("custom-tags", problem);
                }
                Vec::new()
            }
        }
    }

    fn transitive_keys(&mut self, chained: bool, skip: bool, tags: &[Tag]) -> Vec<String> {
        let Some(value) = self.input("transitive-tag-keys") else {
            return Vec::new();
        };
        if !chained || skip {
            self.problem(
                "transitive-tag-keys",
                "name session tags, but no tags are sent (they need `role-chaining` or `role-chain`, without `role-skip-session-tagging`): remove it",
            );
            return Vec::new();
        }
        let mut keys = Vec::new();
        for key in value.lines().map(str::trim).filter(|k| !k.is_empty()) {
            if tags.iter().any(|t| t.key == key) {
                keys.push(key.to_owned());
            } else {
                self.problem(
                    "transitive-tag-keys",
                    format!(
                        "names {:?}, which is not a session tag; the tags are {}",
                        crate::runner::neutralise(key),
                        tags.iter()
                            .map(|t| t.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        keys
    }
}
