//! Input validation on fuzzed environments.
//!
//! A valid base environment is edited by fuzzed operations (set a known variable to an arbitrary
//! value, to a plausible value, to pieces glued together, or remove it; set an unknown
//! variable). Properties:
//! - `Config::from_map` never panics and gives the same answer twice;
//! - an `Err` lists at least one problem;
//! - an `Ok` satisfies every documented bound: duration 900..=43200, session name of 2 to 64
//!   allowed characters, role ARN in the region's partition, attempts 1..=50, timeout
//!   1..=21600 s, endpoints `https` or loopback `http`, audience one short word, account ids of
//!   12 digits, at most 10 managed policies, an inline policy that is a JSON object of at most
//!   2048 characters, the runner files that are needed;
//! - neither the request token nor a proxy password shows in `Debug` of the configuration or in
//!   the error message, unless the fuzzer also put it in another variable.

#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oidc_assume::inputs::{Config, TokenSource, is_loopback};
use url::Url;

const KEYS: &[&str] = &[
    "INPUT_AWS-REGION",
    "INPUT_ROLE-TO-ASSUME",
    "INPUT_AUDIENCE",
    "INPUT_ROLE-SESSION-NAME",
    "INPUT_ROLE-DURATION-SECONDS",
    "INPUT_INLINE-SESSION-POLICY",
    "INPUT_MANAGED-SESSION-POLICIES",
    "INPUT_OUTPUT-CREDENTIALS",
    "INPUT_OUTPUT-ENV-CREDENTIALS",
    "INPUT_UNSET-CURRENT-CREDENTIALS",
    "INPUT_MASK-AWS-ACCOUNT-ID",
    "INPUT_ALLOWED-ACCOUNT-IDS",
    "INPUT_RETRY-MAX-ATTEMPTS",
    "INPUT_DISABLE-RETRY",
    "INPUT_ACTION-TIMEOUT-S",
    "INPUT_STS-ENDPOINT",
    "INPUT_WEB-IDENTITY-TOKEN-FILE",
    "INPUT_HTTP-PROXY",
    "INPUT_NO-PROXY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_OUTPUT",
    "GITHUB_ENV",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_WORKSPACE",
    "RUNNER_DEBUG",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
];

/// Values and fragments that get past the first checks, so the fuzzer reaches the later ones.
const WORDS: &[&str] = &[
    "",
    " ",
    "\n",
    "us-east-1",
    "eu-west-2",
    "cn-north-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
    "arn",
    ":",
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "iam",
    "111122223333",
    "role/",
    "policy/",
    "path/",
    "my-role",
    "arn:aws:iam::111122223333:role/r",
    "arn:aws-cn:iam::111122223333:role/r",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "https://",
    "http://",
    "localhost",
    "a.localhost",
    "127.0.0.1",
    "127.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "0x7f.1",
    "sts.amazonaws.com",
    "sts.example",
    ":8443",
    "/",
    "?x=1",
    "#f",
    "@",
    "proxyuser-sentinel:Proxy-Password-Sentinel@",
    "proxy.example:3128",
    "true",
    "false",
    "TRUE",
    "1",
    "0",
    "12",
    "50",
    "51",
    "900",
    "43200",
    "43201",
    "21600",
    "4294967296",
    "-1",
    "+5",
    ",",
    "GitHubActions",
    "{}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
    "[]",
    "/tmp/out",
    "/tmp/env",
    "/dev/null",
    "/etc",
    "request-token-sentinel",
];

#[derive(Arbitrary, Debug)]
enum Value {
    Remove,
    Word(u8),
    Glued(Vec<u8>),
    GluedWith(Vec<u8>, String),
    Any(String),
}

impl Value {
    fn render(&self) -> Option<String> {
        let word = |i: &u8| WORDS[usize::from(*i) % WORDS.len()];
        match self {
            Value::Remove => None,
            Value::Word(i) => Some(word(i).to_owned()),
            Value::Glued(parts) => Some(parts.iter().map(word).collect()),
            Value::GluedWith(parts, tail) => {
                let mut s: String = parts.iter().map(word).collect();
                s.push_str(tail);
                Some(s)
            }
            Value::Any(s) => Some(s.clone()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Known(u8, Value),
    Unknown(String, String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    ops: Vec<Op>,
}

fn base() -> HashMap<String, String> {
    [
        ("INPUT_AWS-REGION", "us-east-1"),
        ("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111122223333:role/r"),
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://token.example/t?api-version=2.0",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-sentinel"),
        ("GITHUB_OUTPUT", "/tmp/out"),
        ("GITHUB_ENV", "/tmp/env"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn endpoint_ok(url: &Url) -> bool {
    (url.scheme() == "https" && url.host_str().is_some())
        || (url.scheme() == "http" && is_loopback(url))
}

/// The secrets in `env` that no other variable also holds, so they must not be shown.
fn secrets(env: &HashMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(token) = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
        found.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN", token.clone()));
    }
    for key in [
        "INPUT_HTTP-PROXY",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        let Some(value) = env.get(key) else { continue };
        let candidate = if value.contains("://") {
            value.trim().to_owned()
        } else {
            format!("http://{}", value.trim())
        };
        if let Some(password) = Url::parse(&candidate)
            .ok()
            .and_then(|u| u.password().map(str::to_owned))
        {
            found.push((key, password));
        }
    }
    found
        .into_iter()
        .filter(|(key, secret)| {
            // Other values occur in the output by chance (a default, a fixed word); only the
            // sentinels are distinctive enough to check.
            secret.to_ascii_lowercase().contains("sentinel")
                && env
                    .get(*key)
                    .is_some_and(|own| own.matches(secret.as_str()).count() == 1)
                && !env.iter().any(|(k, v)| {
                    // The URL parser drops tabs and line breaks, which can join a sentinel.
                    let v: String = v
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
                        .collect();
                    k != key && (v.contains(secret.as_str()) || k.contains(secret.as_str()))
                })
        })
        .map(|(_, secret)| secret)
        .collect()
}

fuzz_target!(|input: Input| {
    let mut env = base();
    for op in &input.ops {
        match op {
            Op::Known(key, value) => {
                let key = KEYS[usize::from(*key) % KEYS.len()].to_owned();
                match value.render() {
                    Some(v) => env.insert(key, v),
                    None => env.remove(&key),
                };
            }
            Op::Unknown(key, value) => {
                env.insert(key.clone(), value.clone());
            }
        }
    }

    let result = Config::from_map(&env);
    let again = Config::from_map(&env);
    let shown = match &result {
        Ok(config) => format!("{config:?}"),
        Err(errors) => format!("{errors}\n{errors:?}"),
    };
    let shown_again = match &again {
        Ok(config) => format!("{config:?}"),
        Err(errors) => format!("{errors}\n{errors:?}"),
    };
    assert_eq!(shown, shown_again, "not deterministic");
    for secret in secrets(&env) {
        assert!(!shown.contains(&secret), "a secret is shown: {shown}");
    }

    let config = match result {
        Ok(config) => config,
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error without a problem");
            return;
        }
    };
    let inputs = &config.inputs;
    assert!((900..=43_200).contains(&inputs.duration_seconds));
    let name = &inputs.role_session_name;
    assert!((2..=64).contains(&name.len()), "session name {name:?}");
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)),
        "session name {name:?}"
    );
    let arn_partition = inputs.role_arn.split(':').nth(1);
    assert_eq!(
        arn_partition,
        Some(inputs.region.partition().name()),
        "{} in region {}",
        inputs.role_arn,
        inputs.region.name()
    );
    assert!(inputs.role_arn.starts_with("arn:") && inputs.role_arn.contains(":role/"));
    assert!((1..=50).contains(&inputs.max_attempts));
    assert!((1..=21_600).contains(&inputs.action_timeout.as_secs()));
    if let Some(url) = &inputs.sts_endpoint {
        assert!(endpoint_ok(url), "sts endpoint {url}");
    }
    if let TokenSource::GitHub { url, token } = &config.token_source {
        assert!(endpoint_ok(url), "token url {url}");
        assert!(!token.reveal().is_empty());
    }
    let audience = &inputs.audience;
    assert!(!audience.is_empty() && audience.len() <= 256);
    assert!(
        !audience
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    );
    for id in &inputs.allowed_account_ids {
        assert!(
            id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
    assert!(inputs.managed_session_policies.len() <= 10);
    for arn in &inputs.managed_session_policies {
        assert_eq!(
            arn.split(':').nth(1),
            Some(inputs.region.partition().name())
        );
    }
    if let Some(policy) = &inputs.inline_session_policy {
        assert!(policy.chars().count() <= 2048);
        assert!(serde_json::from_str::<serde_json::Value>(policy).is_ok_and(|v| v.is_object()));
    }
    assert!(config.files.output.is_some());
    if inputs.output_env_credentials {
        assert!(config.files.env.is_some());
    }
});
