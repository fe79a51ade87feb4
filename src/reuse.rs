//! `use-existing-credentials`: the exchange is skipped only when a signed `GetCallerIdentity`
//! with the credentials already in the environment shows a session of exactly the role this step
//! would end with (`arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION` for
//! `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`), in an account `allowed-account-ids` allows.
//!
//! `aws-actions/configure-aws-credentials` skips when any credentials work, another role's or
//! another account's included; that is how a job ends up acting as the wrong identity, so here
//! anything but an exact match runs the exchange, and the log says why. STS does not say how long
//! the credentials still live: a session about to expire is reused as it is.

use std::io::Write;

use crate::exchange::{ExchangeError, error_chain};
use crate::inputs::Config;
use crate::runner::Console;
use crate::sts::StsClient;

/// Whether `caller` (an STS ARN) is a session of the role `role_arn` (an IAM role ARN).
pub fn is_session_of(caller: &str, role_arn: &str) -> bool {
    let (Some((caller_head, caller_rest)), Some((role_head, role_rest))) =
        (split_arn(caller), split_arn(role_arn))
    else {
        return false;
    };
    let (Some(("assumed-role", session)), Some(("role", role_path))) =
        (caller_rest.split_once('/'), role_rest.split_once('/'))
    else {
        return false;
    };
    let role_name = role_path.rsplit('/').next().unwrap_or_default();
    let Some((name, session_name)) = session.split_once('/') else {
        return false;
    };
    caller_head.0 == role_head.0
        && caller_head.1 == "sts"
        && role_head.1 == "iam"
        && caller_head.2 == role_head.2
        && !role_name.is_empty()
        && name == role_name
        && !session_name.is_empty()
}

/// `arn:PARTITION:SERVICE::ACCOUNT:REST` as ((partition, service, account), rest).
fn split_arn(arn: &str) -> Option<((&str, &str, &str), &str)> {
    let mut parts = arn.splitn(6, ':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(partition), Some(service), Some(""), Some(account), Some(rest)) => {
            Some(((partition, service, account), rest))
        }
        _ => None,
    }
}

/// The ARN of the environment's session when it is one of the role this step would end with;
/// `None` (after a log line saying why) when the exchange must run.
pub async fn existing_session<W: Write>(
    config: &Config,
    console: &mut Console<W>,
    sts: &StsClient,
) -> Result<Option<String>, ExchangeError> {
    let inputs = &config.inputs;
    if !inputs.use_existing_credentials {
        return Ok(None);
    }
    let log = |console: &mut Console<W>, text: &str| {
        console
            .info(&format!("use-existing-credentials: {text}"))
            .map_err(ExchangeError::Log)
    };
    let Some(existing) = &inputs.existing_credentials else {
        log(
            console,
            "no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; requesting new credentials",
        )?;
        return Ok(None);
    };
    let target = inputs
        .chaining
        .further_roles
        .last()
        .unwrap_or(&inputs.role_arn);
    let caller = match sts.caller_arn(existing.to_sdk()).await {
        Ok(caller) => caller,
        Err(error) => {
            log(
                console,
                &format!(
                    "the credentials in the environment do not work ({}); requesting new credentials",
                    error_chain(&error)
                ),
            )?;
            return Ok(None);
        }
    };
    let account = caller.split(':').nth(4).unwrap_or_default();
    let allowed = inputs.allowed_account_ids.is_empty()
        || inputs.allowed_account_ids.iter().any(|a| a == account);
    if is_session_of(&caller, target) && allowed {
        log(
            console,
            &format!(
                "the credentials in the environment are already a session of {target} ({caller}); no new credentials were requested"
            ),
        )?;
        Ok(Some(caller))
    } else {
        log(
            console,
            &format!(
                "the credentials in the environment belong to {caller}, not to a session of {target}; requesting new credentials"
            ),
        )?;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::is_session_of;

    #[test]
    fn only_a_session_of_exactly_the_role_matches() {
        let role = "arn:aws:iam::111122223333:role/ci/deploy";
        assert!(is_session_of(
            "arn:aws:sts::111122223333:assumed-role/deploy/GitHubActions",
            role
        ));
        for caller in [
            "arn:aws:sts::444455556666:assumed-role/deploy/GitHubActions",
            "arn:aws:sts::111122223333:assumed-role/deploy-admin/GitHubActions",
            "arn:aws:sts::111122223333:assumed-role/deplo/GitHubActions",
            "arn:aws-cn:sts::111122223333:assumed-role/deploy/GitHubActions",
            "arn:aws:iam::111122223333:user/deploy",
            "arn:aws:sts::111122223333:federated-user/deploy",
            "arn:aws:sts::111122223333:assumed-role/deploy/",
            "arn:aws:sts::111122223333:assumed-role/deploy",
            "garbage",
        ] {
            assert!(!is_session_of(caller, role), "{caller}");
        }
        assert!(!is_session_of(
            "arn:aws:sts::111122223333:assumed-role/deploy/s",
            "arn:aws:iam::111122223333:user/deploy"
        ));
    }
}
