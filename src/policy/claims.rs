//! Claims for `policy explain`: a JSON object, or a JWT decoded without verifying its signature
//! (the claims are only compared against a policy on the user's machine; nothing is granted).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Map, Value};

use crate::policy::PolicyError;

/// Claims and how they were read.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// The claims.
    pub map: Map<String, Value>,
    /// True when they came from a JWT whose signature was not verified.
    pub from_unverified_token: bool,
}

/// Reads claims from `text`: a JSON object, or a JWT (`header.payload.signature`).
///
/// Errors never echo the input: it may be a live token.
pub fn parse_claims(text: &str) -> Result<Claims, PolicyError> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let map: Map<String, Value> = serde_json::from_str(trimmed).map_err(|e| {
            PolicyError::Claims(format!(
                "the claims are not a JSON object ({} at line {}, column {})",
                match e.classify() {
                    serde_json::error::Category::Syntax => "syntax error",
                    serde_json::error::Category::Data => "not an object",
                    serde_json::error::Category::Eof => "unexpected end",
                    serde_json::error::Category::Io => "read error",
                },
                e.line(),
                e.column()
            ))
        })?;
        return Ok(Claims {
            map,
            from_unverified_token: false,
        });
    }
    if trimmed.split('.').count() != 3 {
        return Err(PolicyError::Claims(
            "the claims are neither a JSON object nor a JWT (three base64url parts separated by '.')".into(),
        ));
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = decode::<Map<String, Value>>(trimmed, &DecodingKey::from_secret(&[]), &validation)
        .map_err(|e| {
        // Only the kind of failure: a decoder's message could quote the token's content.
        let why = match e.kind() {
            ErrorKind::InvalidToken => "it is not three base64url parts",
            ErrorKind::Base64(_) => "a part is not base64url",
            ErrorKind::Json(_) => "its header or payload is not a JSON object",
            ErrorKind::Utf8(_) => "its payload is not UTF-8",
            _ => "it is malformed",
        };
        PolicyError::Claims(format!("the JWT could not be decoded: {why}"))
    })?;
    Ok(Claims {
        map: data.claims,
        from_unverified_token: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn jwt_without_verification() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!(
            "{}.{}.{}",
            b64.encode(r#"{"alg":"RS256","typ":"JWT","kid":"k"}"#),
            b64.encode(r#"{"sub":"repo:a/b:pull_request","exp":1}"#),
            b64.encode("not-a-signature")
        );
        let claims = parse_claims(&token).expect("decodes");
        assert!(claims.from_unverified_token);
        assert_eq!(claims.map["sub"], "repo:a/b:pull_request");
    }

    #[test]
    fn errors_do_not_echo_input() {
        let secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXNlbnRpbmVs.sig";
        let err = parse_claims(secret).expect_err("bad payload").to_string();
        assert!(!err.contains("c2VjcmV0"), "{err}");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!(
            "{}.{}.sig",
            b64.encode(r#"{"alg":"RS256"}"#),
            b64.encode(r#""secret-sentinel""#)
        );
        let err = parse_claims(&token)
            .expect_err("payload not an object")
            .to_string();
        assert!(!err.contains("sentinel"), "{err}");
        let err = parse_claims("{\"sub\": secret-sentinel}")
            .expect_err("bad json")
            .to_string();
        assert!(!err.contains("sentinel"), "{err}");
    }
}
