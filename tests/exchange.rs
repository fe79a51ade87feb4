//! The exchange against the in-process stand-ins: the requests sent, the retry decisions, the
//! results written, and that nothing is written when a run fails.

mod common;

use std::time::{Duration, Instant};

use common::{assert_nothing_written, errors, exports, fast, outputs, run, run_with, value};
use oidc_assume_stand_ins::faults::StsError;
use oidc_assume_stand_ins::runner_env::DEMO_ROLE_ARN;
use oidc_assume_stand_ins::sts::{Provider, StsCredentials};
use oidc_assume_stand_ins::{Behaviour, Issuer, RunnerEnv, Sts, TokenEndpoint};

fn stand_ins() -> (TokenEndpoint, Sts) {
    (TokenEndpoint::start(), Sts::start())
}

fn env_for(token: &TokenEndpoint, sts: &Sts) -> RunnerEnv {
    RunnerEnv::for_stand_ins(token, sts).expect("runner environment")
}

#[test]
fn default_exchange_sends_the_right_requests_and_writes_the_results() {
    let (token, sts) = stand_ins();
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);

    let requests = token.token_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), "/token");
    assert_eq!(request.query_value("api-version").as_deref(), Some("2.0"));
    assert_eq!(request.query_values("audience"), ["sts.amazonaws.com"]);
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", token.request_token()).as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));

    let calls = sts.requests();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path(), "/");
    assert_eq!(call.header("authorization"), None, "the call is unsigned");
    assert_eq!(
        call.form_value("Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(call.form_value("Version").as_deref(), Some("2011-06-15"));
    assert_eq!(call.form_value("RoleArn").as_deref(), Some(DEMO_ROLE_ARN));
    assert_eq!(
        call.form_value("RoleSessionName").as_deref(),
        Some("GitHubActions")
    );
    assert_eq!(call.form_value("DurationSeconds").as_deref(), Some("3600"));
    assert_eq!(
        call.form_value("WebIdentityToken"),
        token.minted().first().cloned()
    );
    assert_eq!(call.form_value("Policy"), None);
    // The form the check below reads is the whole request (Action, Version, RoleArn, ...).
    assert!(call.form().len() >= 6, "{:?}", call.form());
    assert!(
        call.form()
            .iter()
            .all(|(k, _)| !k.starts_with("PolicyArns"))
    );

    let issued = &sts.issued()[0];
    let out = outputs(&env);
    assert_eq!(
        out,
        [
            ("aws-account-id".to_owned(), "111122223333".to_owned()),
            (
                "authenticated-arn".to_owned(),
                issued.assumed_role_arn.clone()
            ),
        ]
    );
    let exported = exports(&env);
    assert_eq!(
        exported,
        [
            ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
            ("AWS_DEFAULT_REGION".to_owned(), "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID".to_owned(), issued.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY".to_owned(),
                issued.secret_access_key.clone()
            ),
            ("AWS_SESSION_TOKEN".to_owned(), issued.session_token.clone()),
        ]
    );
    let summary = env.read_summary().expect("summary");
    assert!(
        summary.contains("oidc-assume-demo")
            && summary.contains("repo:octo-org/octo-repo:ref:refs/heads/main")
    );
    assert!(
        !summary.contains(&issued.secret_access_key) && !summary.contains(&issued.access_key_id)
    );

    // The request token's mask is the very first line; every secret is masked before it is used.
    let lines: Vec<&str> = result.log.lines().collect();
    assert_eq!(lines[0], format!("::add-mask::{}", token.request_token()));
    for secret in [
        &token.minted()[0],
        &issued.access_key_id,
        &issued.secret_access_key,
        &issued.session_token,
    ] {
        assert!(
            lines.contains(&format!("::add-mask::{secret}").as_str()),
            "{secret} is masked"
        );
    }
}

#[test]
fn every_optional_input_reaches_the_request_and_the_files() {
    let token = TokenEndpoint::start();
    let sts = Sts::builder()
        .providers(vec![
            Provider::for_issuer(&Issuer::github()).client_ids(&["custom-audience"]),
        ])
        .role_max_session_duration(43_200)
        .start()
        .expect("sts");
    let mut env = env_for(&token, &sts);
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    env.remove("AWS_ENDPOINT_URL_STS")
        .input("sts-endpoint", sts.url())
        .input("audience", "custom-audience")
        .input("role-session-name", "plan-42")
        .input("role-duration-seconds", "43200")
        .input("inline-session-policy", policy)
        .input(
            "managed-session-policies",
            "arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::111122223333:policy/extra\n",
        )
        .input("output-credentials", "true")
        .input("unset-current-credentials", "true")
        .input("mask-aws-account-id", "true")
        .input("allowed-account-ids", "444455556666,111122223333")
        .input("retry-max-attempts", "3")
        .input("action-timeout-s", "30");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);

    assert_eq!(
        token.token_requests()[0].query_values("audience"),
        ["custom-audience"]
    );
    let call = &sts.requests()[0];
    assert_eq!(
        call.form_value("RoleSessionName").as_deref(),
        Some("plan-42")
    );
    assert_eq!(call.form_value("DurationSeconds").as_deref(), Some("43200"));
    assert_eq!(call.form_value("Policy").as_deref(), Some(policy));
    assert_eq!(
        call.form_value("PolicyArns.member.1.arn").as_deref(),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    assert_eq!(
        call.form_value("PolicyArns.member.2.arn").as_deref(),
        Some("arn:aws:iam::111122223333:policy/extra")
    );

    let issued = &sts.issued()[0];
    let out = outputs(&env);
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "aws-account-id",
            "authenticated-arn",
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws-session-token",
            "aws-expiration"
        ]
    );
    assert_eq!(
        value(&out, "aws-session-token"),
        Some(issued.session_token.as_str())
    );
    let expiration = value(&out, "aws-expiration").expect("expiration");
    assert!(
        !expiration.contains('"') && expiration.ends_with('Z'),
        "bare ISO-8601: {expiration}"
    );

    let exported = exports(&env);
    let names: Vec<&str> = exported.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN"
        ]
    );
    assert!(result.log.lines().any(|l| l == "::add-mask::111122223333"));
    assert!(
        !env.read_summary()
            .expect("summary")
            .contains("111122223333"),
        "the account is masked in the summary"
    );
}

#[test]
fn output_env_credentials_false_exports_nothing() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    env.input("output-env-credentials", "false");
    assert!(run(&env).succeeded());
    assert_eq!(env.read_env().expect("read"), "");
    assert_eq!(outputs(&env).len(), 2);
}

#[test]
fn unset_current_credentials_blanks_them_when_nothing_new_is_exported() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    env.input("output-env-credentials", "false")
        .input("unset-current-credentials", "true");
    assert!(run(&env).succeeded());
    let blank = |name: &str| (name.to_owned(), String::new());
    assert_eq!(
        exports(&env),
        [
            blank("AWS_ACCESS_KEY_ID"),
            blank("AWS_SECRET_ACCESS_KEY"),
            blank("AWS_SESSION_TOKEN")
        ]
    );
}

#[test]
fn a_token_file_replaces_the_token_endpoint() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    let jwt = Issuer::github().mint(&oidc_assume_stand_ins::Claims::new());
    std::fs::write(env.workspace().join("token.jwt"), format!("{jwt}\n")).expect("write token");
    env.remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .input("web-identity-token-file", "token.jwt");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    assert_eq!(token.calls(), 0);
    assert_eq!(sts.web_identity_tokens(), [jwt]);
}

#[test]
fn missing_id_token_permission_fails_before_any_request() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    env.remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let result = run(&env);
    assert_eq!(result.code, std::process::ExitCode::from(1));
    let errors = errors(&result.log);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("permissions: id-token: write") && errors[0].contains("fork"),
        "{}",
        errors[0]
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0));
    assert_nothing_written(&env);
}

#[test]
fn a_refused_request_token_is_not_retried() {
    let token = TokenEndpoint::builder()
        .behaviour(Behaviour::Status(401, "Bad credentials".to_owned()))
        .start()
        .expect("token");
    let sts = Sts::start();
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert!(!result.succeeded());
    assert_eq!((token.calls(), sts.calls()), (1, 0));
    assert!(
        errors(&result.log)[0].contains("HTTP 401"),
        "{}",
        result.log
    );
    assert!(
        !result.log.contains("Bad credentials"),
        "the body is never echoed"
    );
    assert_nothing_written(&env);
}

#[test]
fn pending_and_server_errors_from_the_token_endpoint_are_retried() {
    for first in [
        Behaviour::pending(),
        Behaviour::Status(500, "oops".to_owned()),
        Behaviour::Status(429, "slow".to_owned()),
    ] {
        let token = TokenEndpoint::builder()
            .behaviour(first)
            .start()
            .expect("token");
        let sts = Sts::start();
        let env = env_for(&token, &sts);
        let result = run(&env);
        assert!(result.succeeded(), "{}", result.log);
        assert_eq!((token.calls(), sts.calls()), (2, 1));
        assert!(
            result.log.contains("Attempt 1 of 12 failed"),
            "{}",
            result.log
        );
    }
}

#[test]
fn a_hung_token_endpoint_is_bounded_by_the_request_timeout() {
    let token = TokenEndpoint::builder()
        .default_behaviour(Behaviour::NoHeaders)
        .start()
        .expect("token");
    let sts = Sts::start();
    let mut env = env_for(&token, &sts);
    env.input("retry-max-attempts", "2");
    let mut tuning = fast();
    tuning.request_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = run_with(&env, &tuning);
    assert!(!result.succeeded());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(token.calls(), 2);
    assert!(
        result.log.contains("no answer within the request timeout"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn a_hung_endpoint_is_bounded_by_the_overall_deadline() {
    let token = TokenEndpoint::builder()
        .default_behaviour(Behaviour::NoHeaders)
        .start()
        .expect("token");
    let sts = Sts::start();
    let mut env = env_for(&token, &sts);
    env.input("action-timeout-s", "1");
    let mut tuning = fast();
    tuning.request_timeout = Duration::from_secs(30);
    let started = Instant::now();
    let result = run_with(&env, &tuning);
    assert!(!result.succeeded());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        errors(&result.log)[0].contains("did not finish within 1 s (action-timeout-s)"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn access_denied_is_not_retried_and_explains_the_claims() {
    let (token, sts) = stand_ins();
    sts.push(StsError::AccessDenied.fault());
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert_eq!(result.code, std::process::ExitCode::from(1));
    assert_eq!((token.calls(), sts.calls()), (1, 1));
    let log = &result.log;
    assert!(errors(log)[0].contains("AccessDenied"), "{log}");
    assert_eq!(
        log.matches("Not authorized to perform").count(),
        1,
        "each cause is printed once:\n{log}"
    );
    for expected in [
        "  sub: repo:octo-org/octo-repo:ref:refs/heads/main",
        "  aud: sts.amazonaws.com",
        "  repository: octo-org/octo-repo",
        "  ref: refs/heads/main",
        "  event_name: push",
        r#""token.actions.githubusercontent.com:sub":"repo:octo-org/octo-repo:ref:refs/heads/main""#,
        "oidc-assume policy trust --repo octo-org/octo-repo --branch main --account 111122223333 --region us-east-1",
        "oidc-assume policy explain --policy role.json --claims claims.json --provider-arn arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "environment:",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in\n{log}");
    }
    assert_nothing_written(&env);
}

#[test]
fn a_masked_account_is_masked_before_the_first_line_that_shows_it() {
    for fault in [Some(StsError::AccessDenied), None] {
        let (token, sts) = stand_ins();
        if let Some(fault) = &fault {
            sts.push(fault.fault());
        }
        let mut env = env_for(&token, &sts);
        env.input("mask-aws-account-id", "true");
        let log = run(&env).log;
        let account = "111122223333";
        let mut lines = log.lines();
        let masked_at = lines
            .position(|line| line == format!("::add-mask::{account}"))
            .expect("the account is masked");
        let before: Vec<&str> = log.lines().take(masked_at).collect();
        assert!(
            before.iter().all(|line| line.starts_with("::add-mask::")),
            "{fault:?}: only masks come before it:\n{log}"
        );
        for line in log.lines().filter(|l| !l.starts_with("::add-mask::")) {
            assert!(!line.contains(account), "{fault:?}: shown in {line:?}");
        }
    }
}

#[test]
fn throttling_is_retried_with_a_fresh_jwt_every_attempt() {
    let (token, sts) = stand_ins();
    sts.push(StsError::Throttling.fault());
    sts.push(StsError::Throttling.fault());
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    assert_eq!((token.calls(), sts.calls()), (3, 3));
    let jwts = sts.web_identity_tokens();
    assert_eq!(jwts, token.minted());
    assert!(
        jwts[0] != jwts[1] && jwts[1] != jwts[2],
        "one JWT per attempt"
    );
}

#[test]
fn throttling_stops_after_the_configured_attempts() {
    let (token, sts) = stand_ins();
    sts.set_default(StsError::Throttling.fault());
    let mut env = env_for(&token, &sts);
    env.input("retry-max-attempts", "4");
    let result = run(&env);
    assert!(!result.succeeded());
    assert_eq!((token.calls(), sts.calls()), (4, 4));
    assert!(
        errors(&result.log)[0].contains("after 4 of at most 4 attempt(s)"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);

    let (token, sts) = stand_ins();
    sts.set_default(StsError::Throttling.fault());
    let mut env = env_for(&token, &sts);
    env.input("disable-retry", "true");
    assert!(!run(&env).succeeded());
    assert_eq!(sts.calls(), 1);
}

#[test]
fn an_expired_token_is_retried_once_with_a_new_jwt() {
    let (token, sts) = stand_ins();
    sts.push(StsError::ExpiredToken.fault());
    let env = env_for(&token, &sts);
    assert!(run(&env).succeeded());
    assert_eq!((token.calls(), sts.calls()), (2, 2));

    let (token, sts) = stand_ins();
    sts.set_default(StsError::ExpiredToken.fault());
    let env = env_for(&token, &sts);
    assert!(!run(&env).succeeded());
    assert_eq!(sts.calls(), 2, "expired twice: give up");
    assert_nothing_written(&env);
}

#[test]
fn only_the_verification_key_case_of_invalid_identity_token_is_retried() {
    let (token, sts) = stand_ins();
    sts.push(StsError::VerificationKey.fault());
    let env = env_for(&token, &sts);
    assert!(run(&env).succeeded());
    assert_eq!(sts.calls(), 2);

    let (token, sts) = stand_ins();
    sts.set_default(StsError::InvalidIdentityToken.fault());
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert!(!result.succeeded());
    assert_eq!(sts.calls(), 1);
    assert!(
        result
            .log
            .contains("is not a client id (audience) of the account's OIDC provider"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn a_duration_above_the_role_maximum_is_a_validation_error() {
    let token = TokenEndpoint::start();
    let sts = Sts::builder()
        .role_max_session_duration(3600)
        .start()
        .expect("sts");
    let mut env = env_for(&token, &sts);
    env.input("role-duration-seconds", "7200");
    let result = run(&env);
    assert!(!result.succeeded());
    assert_eq!(sts.calls(), 1);
    assert!(
        errors(&result.log)[0].contains("ValidationError"),
        "{}",
        result.log
    );
    assert!(
        result.log.contains("role-duration-seconds (7200)"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

/// STS calls a run makes when every answer is `error`, with the default 12 attempts.
fn sts_calls_for_a_persistent(error: StsError) -> usize {
    match common::expected_retry(error) {
        common::Expected::Transient => 12,
        common::Expected::Once => 2,
        common::Expected::Permanent => 1,
    }
}

#[test]
fn every_permanent_sts_error_fails_at_once_and_writes_nothing() {
    for error in StsError::ALL {
        let (token, sts) = stand_ins();
        sts.set_default(error.fault());
        let env = env_for(&token, &sts);
        let result = run(&env);
        assert!(!result.succeeded(), "{error:?}");
        let expected = sts_calls_for_a_persistent(error);
        assert_eq!(sts.calls(), expected, "{error:?}");
        assert_eq!(
            errors(&result.log).len(),
            1,
            "{error:?}: one error annotation"
        );
        assert_nothing_written(&env);
    }
}

#[test]
fn an_account_outside_allowed_account_ids_writes_nothing() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    env.input("allowed-account-ids", "444455556666");
    let result = run(&env);
    assert_eq!(result.code, std::process::ExitCode::from(1));
    assert!(
        errors(&result.log)[0].contains("which allowed-account-ids does not list"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn unsafe_credentials_are_refused_before_any_write() {
    for (key, secret, session) in [
        ("ASIAAAAAAAAAAAAAAAAA", "secret\nAWS_EXTRA=1", "token"),
        ("ASIAAAAAAAAAAAAAAAAA", "sec%0Aret", "token"),
        ("ASIAAAAAAAAAAAAAAAAA", "secret", ""),
        ("ASIA AAAAAAAAAAAAAAA", "secret", "token"),
        (
            "ASIAAAAAAAAAAAAAAAAA",
            "secret",
            "tok\nghadelimiter_x\nAWS_X=1",
        ),
    ] {
        let token = TokenEndpoint::start();
        let sts = Sts::builder()
            .credentials(StsCredentials::new(key, secret, session))
            .start()
            .expect("sts");
        let env = env_for(&token, &sts);
        let result = run(&env);
        assert!(!result.succeeded(), "{secret:?} {session:?}");
        assert_eq!(sts.calls(), 1);
        assert!(
            errors(&result.log)[0].contains("cannot be used"),
            "{}",
            result.log
        );
        assert_nothing_written(&env);
    }
}

#[test]
fn credentials_that_already_expired_are_refused() {
    let token = TokenEndpoint::start();
    let creds = StsCredentials::new("ASIAAAAAAAAAAAAAAAAA", "secret", "token")
        .with_expiration("2001-01-01T00:00:00Z");
    let sts = Sts::builder().credentials(creds).start().expect("sts");
    let env = env_for(&token, &sts);
    let result = run(&env);
    assert!(
        errors(&result.log)[0].contains("already past"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn invalid_inputs_exit_2_before_any_request() {
    let (token, sts) = stand_ins();
    let mut env = env_for(&token, &sts);
    env.input("role-duration-seconds", "12")
        .input("role-session-name", "a b");
    let result = run(&env);
    assert_eq!(result.code, std::process::ExitCode::from(2));
    assert!(
        result.log.contains(
            "input `role-duration-seconds` must be a whole number of seconds from 900 to 43200"
        ),
        "{}",
        result.log
    );
    assert!(
        result.log.contains("input `role-session-name`"),
        "{}",
        result.log
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0));
    assert_nothing_written(&env);
}
