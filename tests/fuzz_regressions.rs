//! Inputs found by the fuzz targets under `fuzz/`, kept as plain tests so that a regression
//! shows up in `cargo test` on stable. Each test names the target that found it and the
//! property that broke.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use oidc_assume::claims::{Claims, MAX_TOKEN_CHARS, TokenFormError};
use oidc_assume::inputs::Config;
use oidc_assume::policy::load::load_terraform_texts;
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

/// `jwt_claims`: a well-formed token whose `sub`, `iss` or `aud` is not a string was refused
/// as "not a well-formed JWT" (`jsonwebtoken::decode` reads those claims for its validation
/// even with validation off, and fails the whole token). The crash input had `"sub"` as an
/// object under a `PS512` header.
#[test]
fn claims_of_any_json_type_decode() {
    for payload in [
        json!({"sub": {"": {"": null}}, "\u{0}\u{0}": {"": [null]}}),
        json!({"sub": 7, "iss": ["a", 1], "aud": {"x": true}, "exp": "soon", "nbf": [1]}),
        json!({"iss": null, "aud": [1, 2], "repository": "acme/app"}),
    ] {
        let token = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"PS512"}"#),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let claims = Claims::decode(&Secret::new(token)).expect("a well-formed token");
        assert_eq!(Some(claims.as_map()), payload.as_object());
        let _ = claims.shown();
    }
    // What was refused before still is: a payload that is not an object, an unknown algorithm.
    for (header, payload) in [(r#"{"alg":"RS256"}"#, "[1]"), (r#"{"alg":"none"}"#, "{}")] {
        let token = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        assert_eq!(
            Claims::decode(&Secret::new(token)),
            Err(TokenFormError::NotJwt)
        );
    }
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
            "HTTPS_PROXY",
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

/// `policy_parse`: Terraform's `file()` read whatever path it was given to the end, so a
/// configuration with `file("/dev/zero")` filled memory (libFuzzer: out-of-memory) and
/// `file("/dev/stdin")` would wait forever. Devices and oversized files now stay unknown.
#[test]
fn terraform_file_reads_only_small_regular_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}}]}"#;
    std::fs::write(dir.path().join("trust.json"), policy).expect("write");
    std::fs::write(dir.path().join("big.json"), " ".repeat(2 * 1024 * 1024)).expect("write");

    let role = |path: &str| {
        format!(
            "resource \"aws_iam_role\" \"r\" {{\n  name = \"r\"\n  assume_role_policy = file(\"{path}\")\n}}\n"
        )
    };
    let load = |text: String| {
        let dir = dir.path().to_owned();
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let loaded = load_terraform_texts(&dir, &[("main.tf".to_owned(), text)]);
            let _ = done.send(
                loaded
                    .map(|p| (p.len(), format!("{p:?}")))
                    .map_err(|e| e.to_string()),
            );
        });
        wait.recv_timeout(Duration::from_secs(20))
            .expect("file() returns promptly")
    };

    let sub = "repo:acme/app:ref:refs/heads/main";
    let (roles, content) = load(role("trust.json")).expect("loads");
    assert_eq!(roles, 1);
    assert!(content.contains(sub), "a small file is read: {content}");
    for path in ["/dev/zero", "big.json", "/nonexistent/trust.json"] {
        // Unknown, as a missing file is: the role is still found, its policy unresolved.
        let (roles, content) = load(role(path)).expect("loads");
        assert_eq!(roles, 1, "{path}");
        assert!(!content.contains(sub), "{path}: {content}");
    }
}

/// `file()` in Terraform under review reads only files inside the module's directory.
#[test]
fn terraform_file_reads_nothing_outside_the_module() {
    let policy = |sid: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        )
    };
    let root = tempfile::tempdir().expect("tempdir");
    let module = root.path().join("module");
    std::fs::create_dir(&module).expect("module dir");
    std::fs::write(root.path().join("outside.json"), policy("OutsideSentinel")).expect("write");
    std::fs::write(module.join("inside.json"), policy("InsideControl")).expect("write");
    let outside = root.path().join("outside.json");
    let tf = format!(
        "resource \"aws_iam_role\" \"a\" {{\n  name = \"a\"\n  assume_role_policy = file(\"{}\")\n}}\n\
         resource \"aws_iam_role\" \"b\" {{\n  name = \"b\"\n  assume_role_policy = file(\"../outside.json\")\n}}\n\
         resource \"aws_iam_role\" \"c\" {{\n  name = \"c\"\n  assume_role_policy = file(\"${{path.module}}/inside.json\")\n}}\n",
        outside.display()
    );
    std::fs::write(module.join("main.tf"), tf).expect("write tf");
    let loaded =
        oidc_assume::policy::load::load_paths(&[module], &mut || Ok(String::new())).expect("loads");
    let text = format!("{loaded:?}");
    assert!(
        !text.contains("OutsideSentinel"),
        "read a file outside the module: {text}"
    );
    assert!(
        text.contains("InsideControl"),
        "the module's own file must still be read: {text}"
    );
}
