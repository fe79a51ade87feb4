//! The refusals STS is known to send for `AssumeRoleWithWebIdentity`, recognised by code and
//! message, each with its own explanation and fix.
//!
//! The messages are the ones users report verbatim in `aws-actions/configure-aws-credentials`
//! issues and AWS's documentation (sources beside each entry). STS's messages are not a
//! documented interface, so a message that matches no entry is shown as STS sent it with no
//! guessed explanation.

/// What STS's refusal means. Each variant cites where its message was reported verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `AccessDenied` (403), "Not authorized to perform sts:AssumeRoleWithWebIdentity": the
    /// role's trust policy did not admit the token, or the role does not exist
    /// (configure-aws-credentials#1100, #452, #1024).
    TrustPolicy,
    /// `InvalidIdentityToken`, "No OpenIDConnect provider found in your account for ISSUER"
    /// (configure-aws-credentials#721, #280, #727).
    NoProvider,
    /// `InvalidIdentityToken`, "The web identity token provided could not be validated. See the
    /// AssumeRoleWithWebIdentity documentation for requirements.": the newer, generic text seen
    /// where a missing or untrusted provider used to be named (external-secrets#6648, 2026).
    NotValidated,
    /// `InvalidIdentityToken`, "Incorrect token audience": the provider's client ids do not
    /// list the token's `aud` (configure-aws-credentials#775, #291, #1309).
    Audience,
    /// `InvalidIdentityToken`, "OpenIDConnect provider's HTTPS certificate doesn't match
    /// configured thumbprint" (configure-aws-credentials#357, #757). Since 2023-07 AWS checks
    /// token.actions.githubusercontent.com against its trusted CAs and ignores the thumbprint;
    /// issuers with other certificates (GitHub Enterprise Server) still depend on it.
    Thumbprint,
    /// `InvalidIdentityToken`, "Couldn't retrieve verification key from your identity
    /// provider, please reference AssumeRoleWithWebIdentity documentation for requirements":
    /// STS failed to fetch the issuer's keys; transient, retried (configure-aws-credentials#299,
    /// aws-cli#7194).
    VerificationKey,
    /// `InvalidIdentityToken`, "Missing a required claim: aud": the token is not a GitHub ID
    /// token, e.g. a file holding the request token instead (configure-aws-credentials#502).
    MissingClaim,
    /// `ExpiredTokenException`, "Token expired: current date/time N must be before the
    /// expiration date/time N" (configure-aws-credentials#1848); "Token too old" from other
    /// providers (mozilla-aws-cli#146).
    Expired,
    /// `IDPRejectedClaim` (403): no message text is known to be reported for OIDC providers.
    ClaimRejected,
    /// `InvalidIdentityToken` with a message not listed above.
    OtherInvalidToken,
    /// `ValidationError`, "The requested DurationSeconds exceeds the MaxSessionDuration set
    /// for this role." (kreuzwerker/awsu#27).
    Duration,
    /// `ValidationError`, "Request ARN is invalid" (crossplane-contrib/provider-aws#517).
    InvalidArn,
    /// `ValidationError` with another message.
    Validation,
    /// `RegionDisabledException` (403), "STS is not activated in this region for account:ID..."
    /// (turbot/steampipe-plugin-aws#1510).
    RegionDisabled,
    /// `MalformedPolicyDocument` or `PackedPolicyTooLarge`: the session policies.
    SessionPolicy,
}

/// Recognises a refusal from STS's code and message: case-insensitive substrings of the message
/// with runs of whitespace folded (the verification-key message has two spaces after a comma).
pub fn recognise(code: &str, message: &str) -> Option<Refusal> {
    let message = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let has = |needle: &str| message.contains(needle);
    Some(match code {
        "AccessDenied" | "AccessDeniedException" => Refusal::TrustPolicy,
        "InvalidIdentityToken" if has("no openidconnect provider found") => Refusal::NoProvider,
        "InvalidIdentityToken" if has("could not be validated") => Refusal::NotValidated,
        "InvalidIdentityToken" if has("incorrect token audience") => Refusal::Audience,
        "InvalidIdentityToken" if has("thumbprint") => Refusal::Thumbprint,
        "InvalidIdentityToken" if has("couldn't retrieve verification key") => {
            Refusal::VerificationKey
        }
        "InvalidIdentityToken" if has("missing a required claim") => Refusal::MissingClaim,
        "InvalidIdentityToken" if has("token expired") || has("token too old") => Refusal::Expired,
        "InvalidIdentityToken" => Refusal::OtherInvalidToken,
        "ExpiredTokenException" | "ExpiredToken" => Refusal::Expired,
        "IDPRejectedClaim" => Refusal::ClaimRejected,
        "ValidationError" if has("maxsessionduration") => Refusal::Duration,
        "ValidationError" if has("arn is invalid") => Refusal::InvalidArn,
        "ValidationError" => Refusal::Validation,
        "RegionDisabledException" => Refusal::RegionDisabled,
        "MalformedPolicyDocument" | "PackedPolicyTooLarge" => Refusal::SessionPolicy,
        _ => return None,
    })
}

impl Refusal {
    /// Whether the token's claims help a person with this refusal.
    pub fn shows_claims(self) -> bool {
        matches!(
            self,
            Refusal::TrustPolicy
                | Refusal::NoProvider
                | Refusal::NotValidated
                | Refusal::Audience
                | Refusal::Thumbprint
                | Refusal::MissingClaim
                | Refusal::ClaimRejected
                | Refusal::OtherInvalidToken
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Refusal, recognise};

    /// The messages as users reported them, verbatim.
    #[test]
    fn reported_messages_are_recognised() {
        for (code, message, expected) in [
            (
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                Refusal::TrustPolicy,
            ),
            (
                "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
                Refusal::NoProvider,
            ),
            (
                "InvalidIdentityToken",
                "The web identity token provided could not be validated. See the AssumeRoleWithWebIdentity documentation for requirements.",
                Refusal::NotValidated,
            ),
            (
                "InvalidIdentityToken",
                "Incorrect token audience",
                Refusal::Audience,
            ),
            (
                "InvalidIdentityToken",
                "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
                Refusal::Thumbprint,
            ),
            (
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
                Refusal::VerificationKey,
            ),
            (
                "InvalidIdentityToken",
                "Missing a required claim: aud",
                Refusal::MissingClaim,
            ),
            (
                "InvalidIdentityToken",
                "Something new",
                Refusal::OtherInvalidToken,
            ),
            (
                "ExpiredTokenException",
                "Token expired: current date/time 1690000300 must be before the expiration date/time1690000000",
                Refusal::Expired,
            ),
            (
                "InvalidIdentityToken",
                "Token expired: current date/time 1690000300 must be before the expiration date/time 1690000000",
                Refusal::Expired,
            ),
            (
                "InvalidIdentityToken",
                "Token too old: 1690000000",
                Refusal::Expired,
            ),
            ("IDPRejectedClaim", "", Refusal::ClaimRejected),
            (
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                Refusal::Duration,
            ),
            (
                "ValidationError",
                "Request ARN is invalid",
                Refusal::InvalidArn,
            ),
            (
                "ValidationError",
                "1 validation error detected",
                Refusal::Validation,
            ),
            (
                "RegionDisabledException",
                "STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console.",
                Refusal::RegionDisabled,
            ),
            (
                "PackedPolicyTooLarge",
                "Packed policy consumes 142% of allotted space",
                Refusal::SessionPolicy,
            ),
        ] {
            assert_eq!(
                recognise(code, message),
                Some(expected),
                "{code}: {message}"
            );
        }
        assert_eq!(recognise("Throttling", "Rate exceeded"), None);
    }

    /// Claims help where the token itself is in question, not where an input or the account is.
    #[test]
    fn claims_are_shown_where_the_token_is_in_question() {
        for refusal in [
            Refusal::TrustPolicy,
            Refusal::NoProvider,
            Refusal::NotValidated,
            Refusal::Audience,
            Refusal::Thumbprint,
            Refusal::MissingClaim,
            Refusal::ClaimRejected,
            Refusal::OtherInvalidToken,
        ] {
            assert!(refusal.shows_claims(), "{refusal:?}");
        }
        for refusal in [
            Refusal::VerificationKey,
            Refusal::Expired,
            Refusal::Duration,
            Refusal::InvalidArn,
            Refusal::Validation,
            Refusal::RegionDisabled,
            Refusal::SessionPolicy,
        ] {
            assert!(!refusal.shows_claims(), "{refusal:?}");
        }
    }
}
