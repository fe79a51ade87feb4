//! Why STS refused: the token's claims and the trust-policy condition that would admit this job.
//!
//! "Not authorized to perform sts:AssumeRoleWithWebIdentity" says nothing about which condition
//! failed. The token's claims are not secret (its signature is), so they are shown, with the exact
//! condition that admits this `sub` and the usual reasons it differs from what the policy expects.

use serde_json::json;

use crate::claims::Claims;
use crate::inputs::Inputs;
use crate::sts::StsError;

/// Lines that help with an STS refusal, or nothing when the error needs no diagnosis.
pub fn help_lines(error: &StsError, claims: &Claims, inputs: &Inputs) -> Vec<String> {
    match error.code() {
        Some("AccessDenied" | "AccessDeniedException") => access_denied(claims, inputs),
        Some("InvalidIdentityToken")
            if !error
                .to_string()
                .to_ascii_lowercase()
                .contains("verification key") =>
        {
            let mut lines = claim_lines(claims);
            lines.push(format!(
                "STS could not validate the token: check that the account has an IAM OIDC provider for `{}` and that its audiences (client ids) include `{}`.",
                claims.text("iss").unwrap_or_default(),
                inputs.audience
            ));
            lines
        }
        Some("IDPRejectedClaim") => claim_lines(claims),
        Some("ValidationError") => vec![format!(
            "Check role-duration-seconds ({}) against the role's maximum session duration, and the other inputs named in the message.",
            inputs.duration_seconds
        )],
        Some("RegionDisabledException") => vec![format!(
            "Activate STS in {} for the account (IAM console, Account settings), or choose another aws-region.",
            inputs.region
        )],
        Some("MalformedPolicyDocument" | "PackedPolicyTooLarge") => {
            vec![
                "Shorten or correct inline-session-policy and managed-session-policies.".to_owned(),
            ]
        }
        _ => Vec::new(),
    }
}

fn claim_lines(claims: &Claims) -> Vec<String> {
    let mut lines = vec!["The ID token's claims (not secret; the signature is):".to_owned()];
    lines.extend(
        claims
            .shown()
            .into_iter()
            .map(|(name, value)| format!("  {name}: {value}")),
    );
    lines
}

fn access_denied(claims: &Claims, inputs: &Inputs) -> Vec<String> {
    let mut lines = vec![format!(
        "The trust policy of {} did not admit this job's token.",
        inputs.role_arn
    )];
    lines.extend(claim_lines(claims));
    let prefix = claims.condition_key_prefix();
    let subject = claims.subject().unwrap_or_default();
    let condition = json!({
        "StringEquals": {
            format!("{prefix}:aud"): inputs.audience,
            format!("{prefix}:sub"): subject,
        }
    });
    lines.push("A trust-policy condition that admits exactly this job:".to_owned());
    lines.push(format!("  \"Condition\": {condition}"));
    if let Some(command) = trust_command(claims, inputs) {
        lines.push(format!(
            "Generate the whole least-privilege trust policy with: {command}"
        ));
    }
    lines.push("Usual causes: the job uses `environment:` (then sub ends in `:environment:NAME`, not `:ref:...`); the owner or repository name differs in case; a custom subject template (include_claim_keys) changes sub; the immutable `repo:OWNER@ID/REPO@ID` subject form; the audience is not a client id of the account's OIDC provider.".to_owned());
    lines.push(format!(
        "Check the role's real policy against these claims: `aws iam get-role --role-name {} > role.json`, save the claims below as claims.json, then `oidc-assume policy explain --policy role.json --claims claims.json`.",
        inputs.role_arn.rsplit('/').next().unwrap_or("ROLE")
    ));
    lines.push(format!(
        "claims.json: {}",
        serde_json::Value::Object(claims.as_map().clone())
    ));
    lines
}

/// The `oidc-assume policy trust` command that writes a policy admitting exactly this job, derived
/// from the claims for display (the claims are never used for a decision).
pub fn trust_command(claims: &Claims, inputs: &Inputs) -> Option<String> {
    let repo = claims.text("repository")?;
    let scope = if let Some(environment) = claims.text("environment").filter(|e| !e.is_empty()) {
        format!("--environment {}", shell_word(&environment))
    } else if claims.text("event_name").as_deref() == Some("pull_request") {
        "--pull-request".to_owned()
    } else {
        let reference = claims.text("ref")?;
        if let Some(branch) = reference.strip_prefix("refs/heads/") {
            format!("--branch {}", shell_word(branch))
        } else if let Some(tag) = reference.strip_prefix("refs/tags/") {
            format!("--tag {}", shell_word(tag))
        } else {
            return None;
        }
    };
    let account = inputs.role_arn.split(':').nth(4).unwrap_or("ACCOUNT");
    Some(format!(
        "oidc-assume policy trust --repo {} {scope} --account {account} --region {}",
        shell_word(&repo),
        inputs.region
    ))
}

/// Quotes a word for a POSIX shell when it holds anything beyond a safe set.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@:+=,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
