//! `AssumeRoleWithWebIdentity`: the parameters STS checks, the token's verification against the
//! configured providers, the trust check, and the answer.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::request::{
    Refusal, Violations, iso8601, param, parameters, parse_role_arn, role_id, session_name_ok,
};
use super::{Provider, StsState};
use crate::credentials::StsCredentials;
use crate::faults::ACCESS_DENIED_MESSAGE;
use crate::issuer::unix_now;
use crate::record::{RecordedRequest, lock};
use crate::sts_xml::AssumeRoleAnswer;

/// The skew STS allows on `exp`, in seconds.
pub const EXPIRY_SKEW_SECS: i64 = 300;

impl StsState {
    /// Answers an `AssumeRoleWithWebIdentity` request: the credentials, or the refusal STS would give.
    pub(super) fn answer(
        &self,
        request: &RecordedRequest,
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> Result<AssumeRoleAnswer, Refusal> {
        if request.path() != "/" {
            return Err(Refusal::new(
                404,
                "UnknownOperationException",
                format!("no STS operation at {}", request.path()),
            ));
        }
        let params = parameters(request);
        let action = param(&params, "Action");
        let version = param(&params, "Version");
        if action != Some("AssumeRoleWithWebIdentity") || version != Some("2011-06-15") {
            return Err(Refusal::new(
                400,
                "InvalidAction",
                format!(
                    "Could not find operation {} for version {}",
                    action.unwrap_or("NO_ACTION"),
                    version.unwrap_or("NO_VERSION_SPECIFIED")
                ),
            ));
        }

        let role_arn = param(&params, "RoleArn");
        let session = param(&params, "RoleSessionName");
        let token = param(&params, "WebIdentityToken");
        let duration = param(&params, "DurationSeconds");
        let policy = param(&params, "Policy");
        let policy_arns: Vec<&str> = params
            .iter()
            .filter(|(k, _)| k.starts_with("PolicyArns.member.") && k.ends_with(".arn"))
            .map(|(_, v)| v.as_str())
            .collect();

        let mut violations = Violations::default();
        violations.length(role_arn, true, "roleArn", 20, 2048);
        violations.length(session, true, "roleSessionName", 2, 64);
        if let Some(s) = session.filter(|s| !session_name_ok(s)) {
            violations.add(
                Some(s),
                "roleSessionName",
                r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
            );
        }
        violations.length(token, false, "webIdentityToken", 4, 20000);
        let duration_secs = match duration {
            None => 3600,
            Some(d) => match d.parse::<i64>() {
                Ok(n) if n < 900 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value greater than or equal to 900",
                    );
                    n
                }
                Ok(n) if n > 43200 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value less than or equal to 43200",
                    );
                    n
                }
                Ok(n) => n,
                Err(_) => {
                    violations.add(Some(d), "durationSeconds", "Member must be an integer");
                    0
                }
            },
        };
        if let Some(p) = policy {
            violations.length(Some(p), false, "policy", 1, 2048);
        }
        if policy_arns.len() > 10 {
            violations.add(
                None,
                "policyArns",
                "Member must have length less than or equal to 10",
            );
        }
        for arn in &policy_arns {
            violations.length(Some(arn), true, "policyArns.member.arn", 20, 2048);
        }
        if let Some(refusal) = violations.into_refusal() {
            return Err(refusal);
        }
        let (Some(role_arn), Some(session), Some(token)) = (role_arn, session, token) else {
            unreachable!("missing members were reported as violations")
        };
        let role = parse_role_arn(role_arn)
            .ok_or_else(|| Refusal::new(400, "ValidationError", "Request ARN is invalid"))?;

        let (provider, claims) = self.verify(token)?;

        let check = lock(&self.trust).clone();
        if let Some(check) = check
            && let Err(reason) = check(&claims)
        {
            lock(&self.refusals).push(reason);
            return Err(Refusal::new(403, "AccessDenied", ACCESS_DENIED_MESSAGE));
        }
        if duration_secs > i64::from(self.role_max_session_secs) {
            return Err(Refusal::new(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        if let Some(p) = policy
            && !serde_json::from_str::<Value>(p).is_ok_and(|v| v.is_object())
        {
            return Err(Refusal::new(
                400,
                "MalformedPolicyDocument",
                "The policy is not in the valid JSON format.",
            ));
        }

        let credentials = credentials
            .or(self.credentials.as_ref())
            .cloned()
            .unwrap_or_else(StsCredentials::generate);
        let expiration = credentials
            .expiration
            .clone()
            .unwrap_or_else(|| iso8601(unix_now() + duration_secs));
        let audience = audience_matching(&claims, &provider.client_ids).unwrap_or_default();
        let packed_policy_size = (policy.is_some() || !policy_arns.is_empty()).then(|| {
            let packed = policy.map_or(0, str::len) + 64 * policy_arns.len();
            u32::try_from((packed * 100 / 4096).max(1)).unwrap_or(100)
        });
        Ok(AssumeRoleAnswer {
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: credentials.session_token,
            expiration,
            subject: claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            audience,
            provider: format!(
                "arn:{}:iam::{}:oidc-provider/{}",
                role.partition,
                role.account,
                provider
                    .issuer
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
            ),
            assumed_role_arn: format!(
                "arn:{}:sts::{}:assumed-role/{}/{session}",
                role.partition, role.account, role.name
            ),
            assumed_role_id: format!("{}:{session}", role_id(role_arn)),
            packed_policy_size,
            request_id: request_id.to_owned(),
        })
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
