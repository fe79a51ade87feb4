//! Inputs found by the fuzz targets under `fuzz/`, kept as plain tests so that a regression
//! shows up in `cargo test` on stable. Each test names the target that found it and the
//! property that broke.

use std::collections::HashMap;

use oidc_assume::claims::{Claims, MAX_TOKEN_CHARS, TokenFormError};
use oidc_assume::inputs::Config;
use oidc_assume::secret::Secret;

/// `jwt_claims`: the length limit counted bytes, so a non-ASCII token of fewer than 20000
/// characters was refused as too long, and the message gave its byte count as "characters".
#[test]
fn token_length_is_counted_in_characters() {
    // 15000 two-byte characters: 30000 bytes, within the limit in characters.
    let short = "\u{e9}".repeat(15_000);
    assert_eq!(
        Claims::decode(&Secret::new(short)),
        Err(TokenFormError::NotJwt)
    );

    // Dots, control and two-byte characters as in the crash input, repeated past the limit.
    let unit = "...\u{2}\0\u{4cb}\u{6db}.PS51";
    let long = unit.repeat(MAX_TOKEN_CHARS / unit.chars().count() + 1);
    let chars = long.chars().count();
    assert!(chars > MAX_TOKEN_CHARS && long.len() > chars);
    let err = Claims::decode(&Secret::new(long)).expect_err("too long");
    assert_eq!(err, TokenFormError::TooLong { len: chars });
    assert_eq!(
        err.to_string(),
        format!("the token is {chars} characters long; STS accepts at most 20000")
    );

    let limit = "\u{e9}".repeat(MAX_TOKEN_CHARS);
    assert_eq!(
        Claims::decode(&Secret::new(limit)),
        Err(TokenFormError::NotJwt)
    );
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `inputs`: a proxy URL whose fragment repeats the credentials. The fragment is not a
/// secret (it is shown), but the credentials in the user-info part never are.
#[test]
fn proxy_credentials_stay_hidden_in_config_debug() {
    let config = Config::from_map(&env(&[
        ("INPUT_AWS-REGION", "us-east-1"),
        ("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111122223333:role/r"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/t"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-sentinel"),
        ("GITHUB_OUTPUT", "/tmp/out"),
        ("GITHUB_ENV", "/tmp/env"),
        (
            "HTTP_PROXY",
            "proxy-user-sentinel:Proxy-Password-Sentinel@us-isob-east-1/#f",
        ),
    ]))
    .expect("valid");
    let shown = format!("{config:?}");
    for secret in [
        "request-token-sentinel",
        "proxy-user-sentinel",
        "Proxy-Password-Sentinel",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("http://***@us-isob-east-1/#f"), "{shown}");
}
