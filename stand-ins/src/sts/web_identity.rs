//! `AssumeRoleWithWebIdentity`: the parameters STS checks, the token's verification against the
//! configured providers, the trust check, and the answer.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::request::{Refusal, RoleMembers, Violations, param};
use super::{Provider, StsState};
use crate::credentials::StsCredentials;
use crate::faults::ACCESS_DENIED_MESSAGE;
use crate::issuer::unix_now;
use crate::record::lock;
use crate::sts_xml::{AssumeRoleAnswer, Operation};

/// The skew STS allows on `exp`, in seconds.
pub const EXPIRY_SKEW_SECS: i64 = 300;

impl StsState {
    /// Answers `AssumeRoleWithWebIdentity`: the credentials, or the refusal STS would give.
    pub(super) fn web_identity(
        &self,
        params: &[(String, String)],
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> Result<AssumeRoleAnswer, Refusal> {
        let mut violations = Violations::default();
        let members = RoleMembers::read(params, &mut violations);
        let token = param(params, "WebIdentityToken");
        violations.length(token, false, "webIdentityToken", 4, 20000);
        if let Some(refusal) = violations.into_refusal() {
            return Err(refusal);
        }
        let Some(token) = token else {
            unreachable!("a missing token was reported as a violation")
        };
        let role = members.role()?;

        let (provider, claims) = self.verify(token)?;

        let check = lock(&self.trust).clone();
        if let Some(check) = check
            && let Err(reason) = check(&claims)
        {
            lock(&self.refusals).push(reason);
            return Err(Refusal::new(403, "AccessDenied", ACCESS_DENIED_MESSAGE));
        }
        members.check_duration(self.role_max_session_secs)?;
        members.check_policy()?;

        let mut answer = self.issue(
            Operation::AssumeRoleWithWebIdentity,
            &members,
            credentials,
            request_id,
        );
        answer.subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        answer.audience = audience_matching(&claims, &provider.client_ids).unwrap_or_default();
        answer.provider = format!(
            "arn:{}:iam::{}:oidc-provider/{}",
            role.partition,
            role.account,
            provider
                .issuer
                .trim_start_matches("https://")
                .trim_start_matches("http://")
        );
        Ok(answer)
    }

    /// Verifies the token as STS does; returns the provider that vouched for it and the claims.
    fn verify(&self, token: &str) -> Result<(&Provider, Map<String, Value>), Refusal> {
        let not_jwt = || {
            Refusal::invalid_token(
                "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
            )
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| not_jwt())?;
        let unverified = unverified_claims(token).ok_or_else(not_jwt)?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::invalid_token("Missing a required claim: iss"))?;
        let provider = self
            .providers
            .iter()
            .find(|p| p.issuer == iss)
            .ok_or_else(|| {
                Refusal::invalid_token(format!(
                    "No OpenIDConnect provider found in your account for {iss}"
                ))
            })?;
        if audience_matching(&unverified, &provider.client_ids).is_none() {
            return Err(Refusal::invalid_token("Incorrect token audience"));
        }
        let jwk = header
            .kid
            .as_deref()
            .and_then(|kid| provider.jwks.find(kid))
            .ok_or_else(|| {
                Refusal::invalid_token(
                    "The key id (kid) of the token is not in your identity provider's JWKS",
                )
            })?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| {
            Refusal::invalid_token(crate::faults::VERIFICATION_KEY_MESSAGE.to_owned())
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = EXPIRY_SKEW_SECS as u64;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
            Ok(data) => Ok((provider, data.claims)),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => Refusal::new(
                    400,
                    "ExpiredTokenException",
                    format!(
                        "Token expired: current date/time {} must be before the expiration date/time {}",
                        unix_now(),
                        unverified.get("exp").and_then(Value::as_i64).unwrap_or(0)
                    ),
                ),
                ErrorKind::ImmatureSignature => {
                    Refusal::invalid_token("The token is not valid yet (nbf is in the future)")
                }
                ErrorKind::InvalidSignature => {
                    Refusal::invalid_token("The signature of the token could not be verified")
                }
                ErrorKind::InvalidAlgorithm => {
                    Refusal::invalid_token("The token's signing algorithm is not supported")
                }
                ErrorKind::MissingRequiredClaim(claim) => {
                    Refusal::invalid_token(format!("Missing a required claim: {claim}"))
                }
                _ => not_jwt(),
            }),
        }
    }
}

/// The token's payload without verifying anything (to find the provider first, as STS does).
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(&[]);
    jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

/// The first of `aud` (a string or a list) that is a registered client id.
fn audience_matching(claims: &Map<String, Value>, client_ids: &[String]) -> Option<String> {
    let auds: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    auds.into_iter()
        .find(|a| client_ids.iter().any(|c| c == a))
        .map(str::to_owned)
}
