//! Why STS refused: the token's claims and the trust-policy condition that would admit this job.
//!
//! "Not authorized to perform sts:AssumeRoleWithWebIdentity" says nothing about which condition
//! failed. The token's claims are not secret (its signature is), so they are shown, with the exact
//! condition that admits this `sub` and the usual reasons it differs from what the policy expects.

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
    let suggestion =
        crate::policy::suggest_trust(claims.as_map(), inputs.region.name(), &inputs.role_arn);
    lines.push("A trust-policy condition that admits exactly this job:".to_owned());
    lines.push(format!("  \"Condition\": {}", suggestion.condition));
    lines.push(format!(
        "Generate the whole least-privilege trust policy with: {}",
        suggestion.command
    ));
    lines.extend(suggestion.notes.iter().map(|note| format!("Note: {note}")));
    lines.push("Usual causes: the job uses `environment:` (then sub ends in `:environment:NAME`, not `:ref:...`); the owner or repository name differs in case; a custom subject template (include_claim_keys) changes sub; the immutable `repo:OWNER@ID/REPO@ID` subject form; the audience is not a client id of the account's OIDC provider.".to_owned());
    lines.push(format!(
        "Check the role's real policy against these claims: save the claims below as claims.json, then run: {}",
        suggestion.explain_command
    ));
    lines.push(format!(
        "claims.json: {}",
        serde_json::Value::Object(claims.as_map().clone())
    ));
    lines
}
