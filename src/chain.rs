//! Role chaining: `AssumeRole` calls, each signed with the credentials the previous step gave,
//! retried one call at a time under the run's deadline.
//!
//! Every credential a hop receives is masked before anything else is printed, and only the last
//! hop's credentials leave the process. When STS answers `PackedPolicyTooLarge` to a tagged call,
//! the call is made once more without the droppable tags (as `aws-actions/configure-aws-credentials`
//! does): a deterministic second request, not a retry of a transient error.

use std::io::Write;

use aws_credential_types::Credentials;

use crate::diagnose::Help;
use crate::exchange::{ExchangeError, error_chain};
use crate::inputs::{Config, INTERMEDIATE_DURATION_SECONDS, Inputs};
use crate::retry::{Attempts, Deadline};
use crate::runner::Console;
use crate::session_tags::Tag;
use crate::sts::{AssumedRole, RoleRequest, StsClient, StsError};

/// One `AssumeRole` call of a chain.
#[derive(Debug, Clone, Copy)]
pub struct Hop<'a> {
    /// The role to assume.
    pub role_arn: &'a str,
    /// Whether this is the last role: it alone gets the duration, the external id, the tags and
    /// the session policies.
    pub last: bool,
}

/// Assumes `hop.role_arn` with `source`, retrying transient failures; returns the role and the
/// attempts made.
pub async fn assume<W: Write>(
    config: &Config,
    console: &mut Console<W>,
    sts: &StsClient,
    deadline: &Deadline,
    backoff: crate::retry::Backoff,
    source: &Credentials,
    hop: Hop<'_>,
) -> Result<(AssumedRole, u32), ExchangeError> {
    let inputs = &config.inputs;
    let chaining = &inputs.chaining;
    let mut tags: Vec<Tag> = if hop.last {
        chaining.tags.clone()
    } else {
        Vec::new()
    };
    let mut attempts = Attempts::new(inputs.max_attempts, backoff);
    let mut asked_without_droppable = false;
    loop {
        let transitive: Vec<String> = if hop.last {
            chaining
                .transitive_tag_keys
                .iter()
                .filter(|k| tags.iter().any(|t| &t.key == *k))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let request = RoleRequest {
            role_arn: hop.role_arn,
            session_name: &inputs.role_session_name,
            duration_seconds: if hop.last {
                inputs.duration_seconds
            } else {
                INTERMEDIATE_DURATION_SECONDS
            },
            external_id: hop
                .last
                .then_some(chaining.external_id.as_deref())
                .flatten(),
            tags: &tags,
            transitive_tag_keys: &transitive,
            policy: hop
                .last
                .then_some(inputs.inline_session_policy.as_deref())
                .flatten(),
            policy_arns: if hop.last {
                &inputs.managed_session_policies
            } else {
                &[]
            },
        };
        let attempt = attempts.start();
        let error = match sts.assume_role(source.clone(), &request).await {
            Ok(role) => {
                // The last role's credentials are masked by delivery, first thing; the others
                // never leave, and are masked now, before anything else is printed.
                if !hop.last {
                    mask(console, &role)?;
                }
                return Ok((role, attempt));
            }
            Err(error) => error,
        };
        if error.code() == Some("PackedPolicyTooLarge")
            && !asked_without_droppable
            && tags.iter().any(|t| t.droppable)
        {
            asked_without_droppable = true;
            let dropped: Vec<&str> = tags
                .iter()
                .filter(|t| t.droppable)
                .map(|t| t.key.as_str())
                .collect();
            console
                .info(&format!(
                    "STS found the session tags and policies too large (PackedPolicyTooLarge); asking once more without the tags {}",
                    dropped.join(", ")
                ))
                .map_err(ExchangeError::Log)?;
            tags.retain(|t| !t.droppable);
            continue;
        }
        let retry = error.retry();
        let failure = chain_error(hop, error, !tags.is_empty(), attempt, attempts.max());
        let Some(delay) = attempts.next_delay(retry, deadline) else {
            return Err(failure);
        };
        console
            .info(&format!(
                "Attempt {attempt} of {} to assume {} failed ({}); retrying in {:.1} s",
                attempts.max(),
                hop.role_arn,
                error_chain(&failure),
                delay.as_secs_f64()
            ))
            .map_err(ExchangeError::Log)?;
        tokio::time::sleep(delay).await;
    }
}

/// Masks a role's credentials.
pub fn mask<W: Write>(console: &mut Console<W>, role: &AssumedRole) -> Result<(), ExchangeError> {
    let creds = &role.credentials;
    for secret in [
        &creds.access_key_id,
        &creds.secret_access_key,
        &creds.session_token,
    ] {
        console
            .add_mask(secret.reveal())
            .map_err(ExchangeError::Log)?;
    }
    Ok(())
}

fn chain_error(
    hop: Hop<'_>,
    source: StsError,
    tagged: bool,
    attempts: u32,
    max: u32,
) -> ExchangeError {
    ExchangeError::Chain {
        role: hop.role_arn.to_owned(),
        source,
        tagged,
        attempts,
        max,
    }
}

/// What to do when a chained `AssumeRole` is refused: the trust policy of the role asked for must
/// allow `sts:AssumeRole` for the caller, and `sts:TagSession` too when the call carries tags
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required>).
pub fn help(role: &str, error: &StsError, tagged: bool, inputs: &Inputs) -> Vec<Help> {
    let mut help = Vec::new();
    match error.code() {
        Some("AccessDenied") => {
            help.push(Help::Text(format!(
                "The trust policy of {role} must allow sts:AssumeRole for the identity named in STS's message."
            )));
            if tagged {
                help.push(Help::Text(
                    "This call passes session tags, so that policy must also allow sts:TagSession; or set `role-skip-session-tagging: true` to send no tags."
                        .to_owned(),
                ));
            }
            if inputs.chaining.external_id.is_some() {
                help.push(Help::Text(
                    "If the policy has an sts:ExternalId condition, `role-external-id` must match it exactly."
                        .to_owned(),
                ));
            }
        }
        Some("PackedPolicyTooLarge") => help.push(Help::Text(
            "The session tags and session policies together are too large for STS: remove some `custom-tags`, shorten the session policies, or set `role-skip-session-tagging: true`."
                .to_owned(),
        )),
        Some("InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken") => {
            help.push(Help::Text(
                "The credentials in the environment cannot sign this call: check the step that set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and that they have not expired."
                    .to_owned(),
            ));
        }
        _ => {}
    }
    help
}
