//! Why STS refused: the token's claims, the cause STS's message names, and what to do about it.
//!
//! "Not authorized to perform sts:AssumeRoleWithWebIdentity" says nothing about which condition
//! failed. The token's claims are not secret (its signature is), so they are shown, with the exact
//! condition that admits this `sub` and the usual reasons it differs from what the policy expects.
//! Other refusals (no OIDC provider, an audience the provider does not list, a thumbprint
//! mismatch, an expired token) each get their own explanation, recognised from the messages STS
//! is known to send ([`crate::sts_messages`]).
//!
//! Commands and JSON meant to be copied are [`Help::Copy`] lines: printed byte for byte or not at
//! all, never altered to make them printable.

use serde_json::Value;

use crate::claims::Claims;
use crate::inputs::Inputs;
use crate::policy::generate::shell_quote;
use crate::runner::copyable_json;
use crate::sts::StsError;
use crate::sts_messages::{self, Refusal};

/// One piece of help after a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Help {
    /// A sentence for a person.
    Text(String),
    /// The token's non-secret claims, as (name, value) pairs.
    Claims(Vec<(&'static str, String)>),
    /// A command or a JSON value to copy exactly, after the sentence that introduces it.
    Copy {
        /// What the line is, e.g. "Generate the least-privilege trust policy with:".
        intro: String,
        /// The line itself.
        line: String,
    },
}

/// The help for an STS refusal, or nothing when the error needs none.
pub fn help(error: &StsError, claims: &Claims, inputs: &Inputs) -> Vec<Help> {
    let Some(code) = error.code() else {
        return Vec::new();
    };
    let message = error.message().unwrap_or_default();
    match sts_messages::recognise(code, message) {
        Some(Refusal::TrustPolicy) => trust_policy(claims, inputs),
        Some(refusal) => {
            let mut help = explain(refusal, claims, inputs);
            if refusal.shows_claims() {
                help.push(Help::Claims(claims.shown()));
            }
            help
        }
        None => Vec::new(),
    }
}

/// What happened and what to do, for every refusal but the trust policy's.
fn explain(refusal: Refusal, claims: &Claims, inputs: &Inputs) -> Vec<Help> {
    let issuer = claims
        .text("iss")
        .unwrap_or_else(|| "https://token.actions.githubusercontent.com".to_owned());
    let host = issuer.trim_start_matches("https://").to_owned();
    let audience = &inputs.audience;
    let partition = inputs.region.partition().name();
    let account = if inputs.mask_aws_account_id {
        "ACCOUNT_ID"
    } else {
        inputs.role_arn.split(':').nth(4).unwrap_or("ACCOUNT_ID")
    };
    let provider_arn = format!("arn:{partition}:iam::{account}:oidc-provider/{host}");
    let text = |t: String| vec![Help::Text(t)];
    match refusal {
        Refusal::TrustPolicy => text(format!(
            "The trust policy of {} did not admit this job's token.",
            inputs.role_arn
        )),
        Refusal::NoProvider => vec![
            Help::Text(format!(
                "The role's account has no IAM OIDC identity provider for the issuer {issuer}, so STS cannot verify the token. Create one in the role's account (IAM, Identity providers, OpenID Connect) with provider URL {issuer} and audience {audience}."
            )),
            Help::Copy {
                intro: "Or create it with the AWS CLI:".to_owned(),
                line: format!(
                    "aws iam create-open-id-connect-provider --url {} --client-id-list {}",
                    shell_quote(&issuer),
                    shell_quote(audience)
                ),
            },
        ],
        Refusal::NotValidated => vec![
            Help::Text(format!(
                "STS could not validate the token and, in its newer wording, does not say why. The usual cause is that the role's account has no IAM OIDC identity provider for {issuer}, or one whose audiences (client ids) do not include `{audience}`: check IAM, Identity providers, in the role's account."
            )),
            Help::Copy {
                intro: "List the account's providers with:".to_owned(),
                line: "aws iam list-open-id-connect-providers".to_owned(),
            },
        ],
        Refusal::MissingClaim => text("STS found the token without a claim every GitHub ID token carries (`aud`, `sub`): the token is not a GitHub Actions ID token. With web-identity-token-file, check that the file holds the ID token, not the request token.".to_owned()),
        Refusal::InvalidArn => text(format!(
            "STS refused the role ARN `{}`: check role-to-assume (partition, account id, role path and name).",
            inputs.role_arn
        )),
        Refusal::Audience => vec![
            Help::Text(format!(
                "The token's audience `{audience}` is not a client id (audience) of the account's OIDC provider for {host}. Add it to the provider, or set the `audience` input to a client id the provider lists."
            )),
            Help::Copy {
                intro: "Add it with the AWS CLI:".to_owned(),
                line: format!(
                    "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {}",
                    shell_quote(&provider_arn),
                    shell_quote(audience)
                ),
            },
        ],
        Refusal::Thumbprint => text(format!(
            "The TLS certificate of {host} does not match a thumbprint configured on the account's OIDC provider. For token.actions.githubusercontent.com AWS verifies the certificate against trusted CAs and ignores the thumbprint; for GitHub Enterprise Server or another issuer, set the provider's thumbprint list to the SHA-1 thumbprint of the issuer's top intermediate CA certificate (`aws iam update-open-id-connect-provider-thumbprint`)."
        )),
        Refusal::VerificationKey => text(format!(
            "STS could not fetch the signing keys of {issuer} (its `/.well-known/openid-configuration` and JWKS). This is usually brief and is retried with a fresh token; if it persists, check that the issuer's keys are reachable from the internet."
        )),
        Refusal::Expired => text("The ID token had expired when STS checked it. GitHub's tokens live a few minutes and a fresh one is requested for every attempt, so if this persists, check the runner's clock.".to_owned()),
        Refusal::ClaimRejected => text(format!(
            "STS rejected a claim of this token from {host}; compare the claims below with what the provider and the role's trust policy expect."
        )),
        Refusal::OtherInvalidToken => text(format!(
            "STS could not validate the token: check that the account has an IAM OIDC provider for `{issuer}` and that its audiences (client ids) include `{audience}`."
        )),
        Refusal::Duration => text(format!(
            "role-duration-seconds ({}) is above the role's maximum session duration: lower it, or raise the role's MaxSessionDuration (up to 43200 seconds) with `aws iam update-role --max-session-duration`.",
            inputs.duration_seconds
        )),
        Refusal::Validation => text(format!(
            "Check role-duration-seconds ({}) against the role's maximum session duration, and the other inputs named in the message.",
            inputs.duration_seconds
        )),
        Refusal::RegionDisabled => text(format!(
            "Activate STS in {} for the account (IAM console, Account settings), or choose another aws-region.",
            inputs.region
        )),
        Refusal::SessionPolicy => text(
            "Shorten or correct inline-session-policy and managed-session-policies.".to_owned(),
        ),
    }
}

fn trust_policy(claims: &Claims, inputs: &Inputs) -> Vec<Help> {
    let mut help = vec![
        Help::Text(format!(
            "The trust policy of {} did not admit this job's token.",
            inputs.role_arn
        )),
        Help::Claims(claims.shown()),
    ];
    if let Some(note) = immutable_subject_note(claims) {
        help.push(Help::Text(note));
    }
    // With mask-aws-account-id the account must not appear, so the commands name a placeholder.
    let role_arn = if inputs.mask_aws_account_id {
        with_account_placeholder(&inputs.role_arn)
    } else {
        inputs.role_arn.clone()
    };
    let suggestion = crate::policy::suggest_trust(
        claims.as_map(),
        inputs.region.name(),
        &role_arn,
        &inputs.role_session_name,
    );
    help.push(Help::Copy {
        intro: "A trust-policy condition that admits exactly this job:".to_owned(),
        line: format!("\"Condition\": {}", copyable_json(&suggestion.condition)),
    });
    help.push(Help::Copy {
        intro: "Generate the whole least-privilege trust policy with:".to_owned(),
        line: suggestion.command,
    });
    help.extend(
        suggestion
            .notes
            .iter()
            .map(|note| Help::Text(format!("Note: {note}"))),
    );
    help.push(Help::Text("Usual causes: the job uses `environment:` (then sub ends in `:environment:NAME`, not `:ref:...`); the owner or repository name differs in case; a custom subject template (include_claim_keys) changes sub; the immutable `repo:OWNER@ID/REPO@ID` subject form; the audience is not a client id of the account's OIDC provider.".to_owned()));
    help.push(Help::Copy {
        intro: "Check the role's real policy against these claims: save the next line as claims.json, then run the command after it.".to_owned(),
        line: copyable_json(&Value::Object(claims.as_map().clone())),
    });
    help.push(Help::Copy {
        intro: "Then run:".to_owned(),
        line: suggestion.explain_command,
    });
    help
}

/// GitHub's immutable subject form names the owner and repository with their numeric ids,
/// `repo:OWNER@ID/REPO@ID:...`. STS has no message of its own for it: a policy written for
/// names simply does not match.
fn immutable_subject_note(claims: &Claims) -> Option<String> {
    let sub = claims.subject()?;
    let owner_repo = sub.strip_prefix("repo:")?.split(':').next()?;
    let (owner, repo) = owner_repo.split_once('/')?;
    if !(owner.contains('@') && repo.contains('@')) {
        return None;
    }
    Some(format!(
        "This job's sub uses GitHub's immutable form with owner and repository ids (`repo:{owner_repo}:...`): a trust policy written with names only (`repo:OWNER/REPO:...`) does not match it. Match the id form, as the suggestion below does."
    ))
}

/// `arn:aws:iam::111122223333:role/x` with its account replaced by `ACCOUNT_ID`.
fn with_account_placeholder(arn: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    if let Some(account) = parts.get_mut(4) {
        *account = "ACCOUNT_ID";
    }
    parts.join(":")
}
