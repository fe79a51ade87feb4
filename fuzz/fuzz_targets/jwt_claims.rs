//! JWT claim decoding on arbitrary strings and on near-JWTs.
//!
//! Properties:
//! - `Claims::decode` never panics;
//! - it answers `TooLong` exactly when the token is over 20000 characters;
//! - a well-formed token (base64url JSON header with a known `alg`, base64url JSON object
//!   payload, any third part) decodes, to exactly the payload's claims;
//! - a token whose parts are not all there, or whose payload is not a JSON object, is refused;
//! - error messages never contain the token; the claim helpers never panic.

#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use oidc_assume::claims::{Claims, MAX_TOKEN_CHARS, TokenFormError};
use oidc_assume::secret::Secret;
use serde_json::{Map, Value};

/// The algorithms `jsonwebtoken` knows, and some it does not.
const ALGS: &[&str] = &[
    "RS256", "RS384", "RS512", "HS256", "HS384", "HS512", "ES256", "ES384", "PS256", "PS384",
    "PS512", "EdDSA", "none", "rs256", "",
];
const KNOWN_ALGS: usize = 12;

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn to_value(&self, depth: usize) -> Value {
        if depth > 8 {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::Uint(u) => Value::from(*u),
            Json::Str(s) => Value::String(s.clone()),
            Json::Array(items) => items.iter().map(|i| i.to_value(depth + 1)).collect(),
            Json::Object(fields) => Value::Object(object(fields, depth + 1)),
        }
    }
}

fn object(fields: &[(String, Json)], depth: usize) -> Map<String, Value> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_value(depth)))
        .collect()
}

#[derive(Arbitrary, Debug)]
enum Part {
    /// JSON, base64url without padding: the form a JWT uses.
    Canonical,
    /// JSON, base64url with padding.
    Padded,
    /// JSON, standard base64.
    Standard,
    /// JSON, not encoded.
    Plain,
    /// Whatever text.
    Text(String),
    /// Missing: the token has one part fewer.
    Missing,
}

impl Part {
    fn encode(&self, json: &str) -> Option<String> {
        match self {
            Part::Canonical => Some(URL_SAFE_NO_PAD.encode(json)),
            Part::Padded => Some(URL_SAFE.encode(json)),
            Part::Standard => Some(STANDARD.encode(json)),
            Part::Plain => Some(json.to_owned()),
            Part::Text(t) => Some(t.clone()),
            Part::Missing => None,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Payload {
    Object(Vec<(String, Json)>),
    Any(Json),
}

#[derive(Arbitrary, Debug)]
struct NearJwt {
    alg: u8,
    alg_text: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    header_extra: Vec<(String, Json)>,
    header_part: Part,
    payload: Payload,
    payload_part: Part,
    signature: Vec<u8>,
    extra_part: Option<String>,
}

// One input lives at a time: the size difference between variants costs nothing here.
#[allow(clippy::large_enum_variant)]
#[derive(Arbitrary, Debug)]
enum Input {
    /// Any string, possibly repeated past the length limit.
    Raw {
        text: String,
        repeat: u16,
    },
    Near(NearJwt),
}

fn check(token: &str) -> Result<Claims, TokenFormError> {
    let result = Claims::decode(&Secret::new(token));
    let chars = token.chars().count();
    match &result {
        Err(TokenFormError::TooLong { len }) => {
            assert!(chars > MAX_TOKEN_CHARS, "TooLong for {chars} characters");
            assert_eq!(*len, chars);
        }
        _ => assert!(chars <= MAX_TOKEN_CHARS, "{chars} characters accepted"),
    }
    if let Err(err) = &result {
        // The exact messages: no room for the token in them.
        let want = match err {
            TokenFormError::TooLong { len } => {
                format!("the token is {len} characters long; STS accepts at most {MAX_TOKEN_CHARS}")
            }
            TokenFormError::NotJwt => "the token is not a well-formed JWT (three base64url \
                                       parts with a JSON header and claims)"
                .to_owned(),
        };
        assert_eq!(err.to_string(), want);
    }
    if let Ok(claims) = &result {
        assert_eq!(token.split('.').count(), 3);
        let _ = claims.shown();
        let _ = claims.subject();
        let _ = claims.condition_key_prefix();
        for name in claims.as_map().keys() {
            let _ = claims.text(name);
        }
    }
    result
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw { text, repeat } => {
            let _ = check(&text);
            if !text.is_empty() && repeat > 1 {
                // Up to a little over the limit, whatever the text's length.
                let times = usize::from(repeat).min(MAX_TOKEN_CHARS * 2 / text.len() + 2);
                let _ = check(&text.repeat(times));
            }
        }
        Input::Near(near) => {
            let mut header = object(&near.header_extra, 1);
            // Keys the header type knows with other types would make it unreadable; extras get
            // their own names so a canonical token stays canonical.
            header = header
                .into_iter()
                .map(|(k, v)| (format!("x-{k}"), v))
                .collect();
            let alg_index = usize::from(near.alg) % (ALGS.len() + 1);
            let alg = match (alg_index, &near.alg_text) {
                (i, _) if i < ALGS.len() => ALGS[i].to_owned(),
                (_, Some(text)) => text.clone(),
                (_, None) => "RS256".to_owned(),
            };
            let known_alg = ALGS[..KNOWN_ALGS].contains(&alg.as_str());
            header.insert("alg".into(), Value::String(alg));
            if let Some(typ) = near.typ {
                header.insert("typ".into(), Value::String(typ));
            }
            if let Some(kid) = near.kid {
                header.insert("kid".into(), Value::String(kid));
            }
            let header_json = Value::Object(header).to_string();
            let (payload_json, payload_object) = match &near.payload {
                Payload::Object(fields) => {
                    let map = object(fields, 1);
                    (Value::Object(map.clone()).to_string(), Some(map))
                }
                Payload::Any(json) => {
                    let value = json.to_value(0);
                    let map = value.as_object().cloned();
                    (value.to_string(), map)
                }
            };
            let parts: Vec<String> = [
                near.header_part.encode(&header_json),
                near.payload_part.encode(&payload_json),
                Some(URL_SAFE_NO_PAD.encode(&near.signature)),
                near.extra_part.clone(),
            ]
            .into_iter()
            .flatten()
            .collect();
            let token = parts.join(".");
            let result = check(&token);

            let canonical = matches!(near.header_part, Part::Canonical)
                && matches!(near.payload_part, Part::Canonical)
                && near.extra_part.is_none();
            if canonical && token.chars().count() <= MAX_TOKEN_CHARS {
                match (known_alg, payload_object) {
                    (true, Some(map)) => {
                        let claims = result.as_ref().unwrap_or_else(|e| {
                            panic!("{e:?} for header {header_json} and payload {payload_json}")
                        });
                        assert_eq!(claims.as_map(), &map);
                    }
                    _ => assert_eq!(result, Err(TokenFormError::NotJwt)),
                }
            }
            if token.split('.').count() != 3 && token.chars().count() <= MAX_TOKEN_CHARS {
                assert_eq!(result, Err(TokenFormError::NotJwt));
            }
        }
    }
});
