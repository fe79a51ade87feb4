//! The JWT's claims, decoded for display and diagnosis only.
//!
//! STS verifies the token; the action never trusts a claim for a decision. It shows the claims that
//! decide a trust policy (`sub`, `aud`, `repository`, ...) so that a refused job says why, and checks
//! that the token is a well-formed JWT within STS's size limit before sending it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::secret::Secret;

/// STS accepts web identity tokens of 4 to 20000 characters.
pub const MAX_TOKEN_CHARS: usize = 20_000;

/// The claims a person needs to match a trust policy, in the order they are shown.
pub const SHOWN_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "repository",
    "ref",
    "environment",
    "job_workflow_ref",
    "event_name",
];

/// Why a token is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormError {
    /// Longer than STS accepts.
    #[error("the token is {len} characters long; STS accepts at most {MAX_TOKEN_CHARS}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Not three base64url segments with a JSON header and payload.
    #[error(
        "the token is not a well-formed JWT (three base64url parts with a JSON header and claims)"
    )]
    NotJwt,
}

/// The decoded claims of a JWT. Claims are not secret; the token is.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims(Map<String, Value>);

impl Claims {
    /// Checks the token's form and decodes its claims without verifying the signature.
    pub fn decode(token: &Secret) -> Result<Self, TokenFormError> {
        let raw = token.reveal();
        // STS counts characters; a byte count would call a short non-ASCII token too long.
        let len = raw.chars().count();
        if len > MAX_TOKEN_CHARS {
            return Err(TokenFormError::TooLong { len });
        }
        if raw.split('.').count() != 3 {
            return Err(TokenFormError::NotJwt);
        }
        // The header through jsonwebtoken: JSON with an algorithm it knows.
        jsonwebtoken::decode_header(raw).map_err(|_| TokenFormError::NotJwt)?;
        // The payload as jsonwebtoken decodes it (base64url without padding, then JSON), but not
        // through `jsonwebtoken::decode`: that always reads `sub`, `iss` and `aud` for its
        // validation, even when validation is off, and refuses the whole token when one of them
        // is not a string, although the token is well-formed.
        let payload = raw.split('.').nth(1).ok_or(TokenFormError::NotJwt)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenFormError::NotJwt)?;
        let claims = serde_json::from_slice::<Map<String, Value>>(&json)
            .map_err(|_| TokenFormError::NotJwt)?;
        Ok(Self(claims))
    }

    /// Builds claims from a JSON object (tests, `policy explain`).
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// All claims.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// A claim as text: strings as they are, arrays joined with `, `, numbers and booleans printed.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The `sub` claim.
    pub fn subject(&self) -> Option<String> {
        self.text("sub")
    }

    /// The issuer without its scheme, which is how IAM names condition keys
    /// (`token.actions.githubusercontent.com:sub`).
    pub fn condition_key_prefix(&self) -> String {
        let issuer = self
            .text("iss")
            .unwrap_or_else(|| "token.actions.githubusercontent.com".to_owned());
        issuer
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned()
    }

    /// The shown claims that are present, in display order.
    pub fn shown(&self) -> Vec<(&'static str, String)> {
        SHOWN_CLAIMS
            .iter()
            .filter_map(|name| self.text(name).map(|v| (*name, v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Claims, TokenFormError};
    use crate::secret::Secret;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(header: &str, claims: &str) -> Secret {
        Secret::new(format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        ))
    }

    #[test]
    fn decodes_claims_without_verification() {
        let token = jwt(
            r#"{"alg":"RS256","typ":"JWT","kid":"k"}"#,
            r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r:ref:refs/heads/main","aud":["sts.amazonaws.com"],"run_id":"7","exp":1}"#,
        );
        let claims = Claims::decode(&token).expect("decodes");
        assert_eq!(
            claims.subject().as_deref(),
            Some("repo:o/r:ref:refs/heads/main")
        );
        assert_eq!(claims.text("aud").as_deref(), Some("sts.amazonaws.com"));
        assert_eq!(
            claims.condition_key_prefix(),
            "token.actions.githubusercontent.com"
        );
        assert_eq!(claims.shown().first().map(|(k, _)| *k), Some("iss"));
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        for bad in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "not base64!.x.y",
            "e30.e30",
            "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        ] {
            assert_eq!(
                Claims::decode(&Secret::new(bad)),
                Err(TokenFormError::NotJwt),
                "{bad:?}"
            );
        }
        let long = Secret::new("a".repeat(20_001));
        assert_eq!(
            Claims::decode(&long),
            Err(TokenFormError::TooLong { len: 20_001 })
        );
    }

    #[test]
    fn a_token_of_exactly_the_limit_is_decoded() {
        // STS's limit is inclusive: a token of MAX_TOKEN_CHARS characters is a JWT like any
        // other, one more is too long.
        let base = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"repo:o/r:pull_request"}"#);
        let padding = super::MAX_TOKEN_CHARS - base.reveal().chars().count();
        let at_limit = Secret::new(format!("{}{}", base.reveal(), "A".repeat(padding)));
        assert_eq!(at_limit.reveal().chars().count(), super::MAX_TOKEN_CHARS);
        let claims = Claims::decode(&at_limit).expect("a token at the limit decodes");
        assert_eq!(claims.subject().as_deref(), Some("repo:o/r:pull_request"));
        let over = Secret::new(format!("{}A", at_limit.reveal()));
        assert!(matches!(
            Claims::decode(&over),
            Err(TokenFormError::TooLong { .. })
        ));
    }
}
