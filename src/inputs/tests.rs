//! The input validation table: every input, good and bad.

use std::collections::HashMap;
use std::time::Duration;

use super::{Config, DEFAULT_ACTION_TIMEOUT, InputErrors, TokenSource};

const ROLE: &str = "arn:aws:iam::111122223333:role/plan";

fn base() -> HashMap<String, String> {
    [
        ("INPUT_AWS-REGION", "us-east-1"),
        ("INPUT_ROLE-TO-ASSUME", ROLE),
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://pipelines.example/token?api-version=2.0",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
        ("GITHUB_OUTPUT", "/tmp/out"),
        ("GITHUB_ENV", "/tmp/env"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env = base();
    for (k, v) in pairs {
        if v.is_empty() {
            env.remove(*k);
        } else {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    env
}

fn problems(env: &HashMap<String, String>) -> Vec<String> {
    match Config::from_map(env) {
        Ok(_) => Vec::new(),
        Err(InputErrors(problems)) => problems.into_iter().map(|p| p.input).collect(),
    }
}

#[test]
fn defaults_apply() {
    let config = Config::from_map(&base()).expect("valid");
    let inputs = &config.inputs;
    assert_eq!(inputs.region.name(), "us-east-1");
    assert_eq!(inputs.audience, "sts.amazonaws.com");
    assert_eq!(inputs.role_session_name, "GitHubActions");
    assert_eq!(inputs.duration_seconds, 3600);
    assert_eq!(inputs.max_attempts, 12);
    assert_eq!(inputs.action_timeout, DEFAULT_ACTION_TIMEOUT);
    assert!(inputs.output_env_credentials && !inputs.output_credentials);
    assert!(!inputs.unset_current_credentials && !inputs.mask_aws_account_id);
    assert!(inputs.sts_endpoint.is_none() && inputs.inline_session_policy.is_none());
    assert!(matches!(config.token_source, TokenSource::GitHub { .. }));
}

#[test]
fn good_values_are_accepted() {
    let cases: &[&[(&str, &str)]] = &[
        &[("INPUT_AWS-REGION", ""), ("AWS_REGION", "eu-west-2")],
        &[
            ("INPUT_AWS-REGION", ""),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ],
        &[
            ("INPUT_AWS-REGION", "cn-north-1"),
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws-cn:iam::111122223333:role/r",
            ),
        ],
        &[
            ("INPUT_AWS-REGION", "us-gov-west-1"),
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws-us-gov:iam::111122223333:role/path/r",
            ),
        ],
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::111122223333:role/a/b/role+=,.@_-x",
        )],
        &[("INPUT_AUDIENCE", "my-audience")],
        &[("INPUT_ROLE-SESSION-NAME", "ab")],
        &[("INPUT_ROLE-SESSION-NAME", "a_b+c=d,e.f@g-h")],
        &[("INPUT_ROLE-DURATION-SECONDS", "900")],
        &[("INPUT_ROLE-DURATION-SECONDS", "43200")],
        &[(
            "INPUT_INLINE-SESSION-POLICY",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        )],
        &[(
            "INPUT_MANAGED-SESSION-POLICIES",
            "arn:aws:iam::aws:policy/ReadOnlyAccess\n\narn:aws:iam::111122223333:policy/p/x\n",
        )],
        &[("INPUT_OUTPUT-CREDENTIALS", "True")],
        &[
            ("INPUT_OUTPUT-ENV-CREDENTIALS", "FALSE"),
            ("GITHUB_ENV", ""),
        ],
        &[("INPUT_UNSET-CURRENT-CREDENTIALS", "true")],
        &[("INPUT_MASK-AWS-ACCOUNT-ID", "false")],
        &[("INPUT_ALLOWED-ACCOUNT-IDS", "111122223333, 444455556666")],
        &[("INPUT_RETRY-MAX-ATTEMPTS", "1")],
        &[("INPUT_RETRY-MAX-ATTEMPTS", "50")],
        &[("INPUT_DISABLE-RETRY", "true")],
        &[("INPUT_ACTION-TIMEOUT-S", "0")],
        &[("INPUT_ACTION-TIMEOUT-S", "30")],
        &[("INPUT_STS-ENDPOINT", "https://sts.example.com")],
        &[("INPUT_STS-ENDPOINT", "http://127.0.0.1:4566")],
        &[("AWS_ENDPOINT_URL_STS", "http://localhost:5000")],
        &[("AWS_ENDPOINT_URL_STS", "http://LOCALHOST:5000")],
        &[("AWS_ENDPOINT_URL_STS", "http://[::1]:5000")],
        &[("INPUT_HTTP-PROXY", "http://user:pass@proxy.example:3128")],
        &[
            ("HTTPS_PROXY", "proxy.example:3128"),
            ("NO_PROXY", "localhost,.internal"),
        ],
        &[("INPUT_NO-PROXY", "*")],
        &[("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/token")],
    ];
    for case in cases {
        assert_eq!(problems(&with(case)), Vec::<String>::new(), "{case:?}");
    }
}

#[test]
fn bad_values_name_their_input() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("INPUT_AWS-REGION", "")], "aws-region"),
        (&[("INPUT_AWS-REGION", "US-EAST-1")], "aws-region"),
        (&[("INPUT_AWS-REGION", "us-east-1; rm -rf /")], "aws-region"),
        (
            &[("INPUT_AWS-REGION", ""), ("AWS_REGION", "nowhere")],
            "AWS_REGION",
        ),
        (&[("INPUT_ROLE-TO-ASSUME", "")], "role-to-assume"),
        (&[("INPUT_ROLE-TO-ASSUME", "my-role")], "role-to-assume"),
        (
            &[("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::1111:role/r")],
            "role-to-assume",
        ),
        (
            &[("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111122223333:user/r")],
            "role-to-assume",
        ),
        (
            &[(
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::111122223333:role/r\nx",
            )],
            "role-to-assume",
        ),
        (
            &[("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111122223333:role/")],
            "role-to-assume",
        ),
        (
            &[(
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws-cn:iam::111122223333:role/r",
            )],
            "role-to-assume",
        ),
        (
            &[(
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws-moon:iam::111122223333:role/r",
            )],
            "role-to-assume",
        ),
        (&[("INPUT_AUDIENCE", "two words")], "audience"),
        (&[("INPUT_ROLE-SESSION-NAME", "a")], "role-session-name"),
        (
            &[("INPUT_ROLE-SESSION-NAME", "has space")],
            "role-session-name",
        ),
        (
            &[("INPUT_ROLE-SESSION-NAME", "x".repeat(65).leak())],
            "role-session-name",
        ),
        (
            &[("INPUT_ROLE-DURATION-SECONDS", "899")],
            "role-duration-seconds",
        ),
        (
            &[("INPUT_ROLE-DURATION-SECONDS", "43201")],
            "role-duration-seconds",
        ),
        (
            &[("INPUT_ROLE-DURATION-SECONDS", "1h")],
            "role-duration-seconds",
        ),
        (
            &[("INPUT_ROLE-DURATION-SECONDS", "-900")],
            "role-duration-seconds",
        ),
        (
            &[("INPUT_INLINE-SESSION-POLICY", "[]")],
            "inline-session-policy",
        ),
        (
            &[("INPUT_INLINE-SESSION-POLICY", "{not json")],
            "inline-session-policy",
        ),
        (
            &[(
                "INPUT_INLINE-SESSION-POLICY",
                format!("{{\"a\":\"{}\"}}", "x".repeat(2050)).leak(),
            )],
            "inline-session-policy",
        ),
        (
            &[("INPUT_MANAGED-SESSION-POLICIES", "ReadOnlyAccess")],
            "managed-session-policies",
        ),
        (
            &[(
                "INPUT_MANAGED-SESSION-POLICIES",
                "arn:aws-cn:iam::aws:policy/ReadOnlyAccess",
            )],
            "managed-session-policies",
        ),
        (
            &[(
                "INPUT_MANAGED-SESSION-POLICIES",
                "arn:aws:iam::aws:policy/P\n".repeat(11).leak(),
            )],
            "managed-session-policies",
        ),
        (&[("INPUT_OUTPUT-CREDENTIALS", "yes")], "output-credentials"),
        (
            &[("INPUT_OUTPUT-ENV-CREDENTIALS", "tRuE")],
            "output-env-credentials",
        ),
        (
            &[("INPUT_UNSET-CURRENT-CREDENTIALS", "1")],
            "unset-current-credentials",
        ),
        (
            &[("INPUT_MASK-AWS-ACCOUNT-ID", "on")],
            "mask-aws-account-id",
        ),
        (&[("INPUT_DISABLE-RETRY", "no")], "disable-retry"),
        (
            &[("INPUT_ALLOWED-ACCOUNT-IDS", "1234")],
            "allowed-account-ids",
        ),
        (
            &[("INPUT_ALLOWED-ACCOUNT-IDS", "111122223333,abc")],
            "allowed-account-ids",
        ),
        (&[("INPUT_RETRY-MAX-ATTEMPTS", "0")], "retry-max-attempts"),
        (&[("INPUT_RETRY-MAX-ATTEMPTS", "51")], "retry-max-attempts"),
        (
            &[("INPUT_RETRY-MAX-ATTEMPTS", "many")],
            "retry-max-attempts",
        ),
        (&[("INPUT_ACTION-TIMEOUT-S", "-1")], "action-timeout-s"),
        (&[("INPUT_ACTION-TIMEOUT-S", "21601")], "action-timeout-s"),
        (
            &[("INPUT_STS-ENDPOINT", "http://sts.example.com")],
            "sts-endpoint",
        ),
        (&[("INPUT_STS-ENDPOINT", "not a url")], "sts-endpoint"),
        // Names under .localhost go to DNS: not loopback, so no plain http.
        (
            &[("INPUT_STS-ENDPOINT", "http://sts.localhost:4566")],
            "sts-endpoint",
        ),
        (
            &[(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "http://evil.localhost/token",
            )],
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ),
        // Credentials in an endpoint URL would be one more secret to keep out of the log.
        (
            &[("INPUT_STS-ENDPOINT", "https://user:pass@sts.example.com")],
            "sts-endpoint",
        ),
        (
            &[("AWS_ENDPOINT_URL", "http://user@127.0.0.1:4566")],
            "AWS_ENDPOINT_URL",
        ),
        (
            &[("INPUT_STS-ENDPOINT", "ftp://sts.example.com")],
            "sts-endpoint",
        ),
        (
            &[("AWS_ENDPOINT_URL_STS", "http://10.0.0.1")],
            "AWS_ENDPOINT_URL_STS",
        ),
        (&[("INPUT_HTTP-PROXY", "::bad::")], "http-proxy"),
        (&[("INPUT_HTTP-PROXY", "socks5://proxy:1080")], "http-proxy"),
        (&[("https_proxy", "ftp://x")], "https_proxy"),
        (
            &[("ACTIONS_ID_TOKEN_REQUEST_URL", "http://token.example/")],
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ),
        (
            &[("INPUT_WEB-IDENTITY-TOKEN-FILE", "/nonexistent/token")],
            "web-identity-token-file",
        ),
        (&[("GITHUB_OUTPUT", "")], "GITHUB_OUTPUT"),
        (&[("GITHUB_ENV", "")], "GITHUB_ENV"),
    ];
    for (case, input) in cases {
        let found = problems(&with(case));
        assert!(
            found.iter().any(|p| p == input),
            "{case:?}: expected a problem with {input}, got {found:?}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let env = with(&[
        ("INPUT_ROLE-DURATION-SECONDS", "10"),
        ("INPUT_ROLE-SESSION-NAME", "a"),
        ("INPUT_DISABLE-RETRY", "maybe"),
    ]);
    assert_eq!(
        problems(&env),
        [
            "role-session-name",
            "role-duration-seconds",
            "disable-retry"
        ]
    );
}

#[test]
fn partition_decides_the_default_audience() {
    let env = with(&[
        ("INPUT_AWS-REGION", "cn-northwest-1"),
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws-cn:iam::111122223333:role/r",
        ),
    ]);
    assert_eq!(
        Config::from_map(&env).expect("valid").inputs.audience,
        "sts.amazonaws.com.cn"
    );
}

#[test]
fn retry_and_timeout_inputs_apply() {
    let env = with(&[
        ("INPUT_DISABLE-RETRY", "true"),
        ("INPUT_RETRY-MAX-ATTEMPTS", "5"),
        ("INPUT_ACTION-TIMEOUT-S", "7"),
    ]);
    let inputs = Config::from_map(&env).expect("valid").inputs;
    assert_eq!(inputs.max_attempts, 1);
    assert_eq!(inputs.action_timeout, Duration::from_secs(7));
}

#[test]
fn missing_token_variables_are_not_an_input_error() {
    for (url, token, partial) in [
        ("", "", None),
        (
            "https://x.example/t",
            "",
            Some("ACTIONS_ID_TOKEN_REQUEST_URL"),
        ),
        ("", "tok", Some("ACTIONS_ID_TOKEN_REQUEST_TOKEN")),
    ] {
        let env = with(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", token),
        ]);
        let config = Config::from_map(&env).expect("valid");
        assert!(matches!(config.token_source, TokenSource::Missing { partial: p } if p == partial));
    }
}

#[test]
fn proxy_inputs_and_variables() {
    let env = with(&[
        ("https_proxy", "http://lower:1"),
        ("HTTPS_PROXY", "http://upper:2"),
        ("no_proxy", ".corp"),
    ]);
    let network = Config::from_map(&env).expect("valid").network;
    assert_eq!(
        network.https_proxy.expect("proxy").reveal().as_str(),
        "http://lower:1/"
    );
    assert_eq!(network.no_proxy.as_deref(), Some(".corp"));

    let env = with(&[
        ("INPUT_HTTP-PROXY", "http://user:s3cret@proxy:3128"),
        ("HTTPS_PROXY", "http://other:2"),
    ]);
    let network = Config::from_map(&env).expect("valid").network;
    let proxy = network.https_proxy.expect("proxy");
    assert_eq!(proxy.reveal().host_str(), Some("proxy"));
    assert!(!proxy.to_string().contains("s3cret") && !format!("{proxy:?}").contains("s3cret"));
}

#[test]
fn web_identity_token_file_is_resolved_from_the_workspace_and_symlinks_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("token"), "a.b.c").expect("write");
    let workspace = dir.path().to_str().expect("utf-8");
    let env = with(&[
        ("INPUT_WEB-IDENTITY-TOKEN-FILE", "token"),
        ("GITHUB_WORKSPACE", workspace),
    ]);
    assert!(
        matches!(Config::from_map(&env).expect("valid").token_source, TokenSource::File(p) if p == dir.path().join("token"))
    );

    std::os::unix::fs::symlink(dir.path().join("token"), dir.path().join("link")).expect("symlink");
    let env = with(&[
        ("INPUT_WEB-IDENTITY-TOKEN-FILE", "link"),
        ("GITHUB_WORKSPACE", workspace),
    ]);
    assert_eq!(problems(&env), ["web-identity-token-file"]);
}

#[test]
fn an_invalid_session_name_gets_the_nearest_valid_one() {
    for (given, nearest) in [
        ("dependabot[bot]", "dependabot_bot_"),
        ("a", "a_"),
        ("café au lait", "caf__au_lait"),
        ("ok.name@x", "ok.name@x"),
    ] {
        assert_eq!(super::nearest_session_name(given), nearest, "{given}");
    }
    assert_eq!(super::nearest_session_name(&"x".repeat(70)).len(), 64);
    let env = with(&[("INPUT_ROLE-SESSION-NAME", "dependabot[bot]")]);
    let Err(InputErrors(found)) = Config::from_map(&env) else {
        panic!("refused")
    };
    assert!(
        found[0]
            .message
            .ends_with("the nearest valid name is `dependabot_bot_`"),
        "{}",
        found[0].message
    );
}

#[test]
fn the_accounts_to_mask_are_read_before_validation() {
    assert!(super::accounts_to_mask(&base()).is_empty());
    let masked = with(&[("INPUT_MASK-AWS-ACCOUNT-ID", "true")]);
    assert_eq!(super::accounts_to_mask(&masked), ["111122223333"]);
    // An invalid flag is reported, and the account stays hidden meanwhile.
    let invalid = with(&[("INPUT_MASK-AWS-ACCOUNT-ID", "yes")]);
    assert_eq!(super::accounts_to_mask(&invalid), ["111122223333"]);
    let off = with(&[("INPUT_MASK-AWS-ACCOUNT-ID", "False")]);
    assert!(super::accounts_to_mask(&off).is_empty());
    // The accounts of a role chain are hidden too.
    let chain = with(&[
        ("INPUT_MASK-AWS-ACCOUNT-ID", "true"),
        (
            "INPUT_ROLE-CHAIN",
            "arn:aws:iam::444455556666:role/a\n  arn:aws:iam::777788889999:role/b  \n",
        ),
    ]);
    assert_eq!(
        super::accounts_to_mask(&chain),
        ["111122223333", "444455556666", "777788889999"]
    );
}

#[test]
fn plain_http_proxy_variables_are_not_read() {
    let env = with(&[
        ("HTTP_PROXY", "http://proxy.example:3128"),
        ("http_proxy", "not a url at all"),
    ]);
    let network = Config::from_map(&env).expect("valid").network;
    assert!(network.https_proxy.is_none());
}

#[test]
fn printed_urls_carry_no_credentials() {
    let url = url::Url::parse("https://user:pa55@sts.example.com:8443/x?y=1").expect("url");
    assert_eq!(
        crate::http::display_url(&url),
        "https://sts.example.com:8443/x?y=1"
    );
}

#[test]
fn problems_never_quote_a_secret_from_another_input() {
    let env = with(&[
        (
            "HTTPS_PROXY",
            "http://proxy-user:Proxy-Pa55word@proxy.example:3128",
        ),
        (
            "INPUT_MANAGED-SESSION-POLICIES",
            "proxy-user:Proxy-Pa55word@somewhere",
        ),
        ("INPUT_ROLE-SESSION-NAME", "request-token Proxy-Pa55word"),
    ]);
    let Err(InputErrors(found)) = Config::from_map(&env) else {
        panic!("refused")
    };
    assert_eq!(found.len(), 2, "{found:?}");
    for problem in &found {
        for secret in ["Proxy-Pa55word", "proxy-user", "request-token"] {
            assert!(!problem.message.contains(secret), "{secret} in {problem:?}");
        }
        assert!(problem.message.contains("***"), "{problem:?}");
    }
}

#[test]
fn config_debug_hides_a_secret_repeated_in_another_value() {
    let env = with(&[("HTTPS_PROXY", "http://proxy.request-token.example:3128")]);
    let config = Config::from_map(&env).expect("valid");
    let shown = format!("{config:?}");
    assert!(!shown.contains("request-token"), "{shown}");
    assert!(shown.starts_with("Config { inputs: Inputs {"), "{shown}");
}
