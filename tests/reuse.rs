//! `use-existing-credentials` against the in-process stand-ins: the exchange is skipped only when
//! a signed `GetCallerIdentity` shows the environment's credentials are a session of exactly the
//! role asked for; anything else runs the exchange and says why.

mod common;

use common::{exports, outputs, run, value};
use oidc_assume_stand_ins::{RunnerEnv, Sts, StsCredentials, TokenEndpoint};

const DEMO_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions";

/// A run whose environment holds `held`, registered with the stand-in as `caller`.
fn run_holding(
    held: &StsCredentials,
    caller: &str,
    secret_in_env: &str,
    flag: &str,
) -> (TokenEndpoint, Sts, RunnerEnv, common::Run) {
    let token = TokenEndpoint::start();
    let sts = Sts::builder()
        .source_credentials(held.clone(), caller)
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("AWS_ACCESS_KEY_ID", &held.access_key_id)
        .set("AWS_SECRET_ACCESS_KEY", secret_in_env)
        .set("AWS_SESSION_TOKEN", &held.session_token)
        .input("use-existing-credentials", flag);
    let result = run(&env);
    (token, sts, env, result)
}

#[test]
fn a_session_of_the_role_is_kept_and_nothing_new_is_asked_for() {
    let held = StsCredentials::generate();
    let (token, sts, env, result) =
        run_holding(&held, DEMO_SESSION, &held.secret_access_key, "true");
    assert!(result.succeeded(), "{}", result.log);
    assert!(token.token_requests().is_empty());
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].form_value("Action").as_deref(),
        Some("GetCallerIdentity")
    );
    assert!(requests[0].header("authorization").is_some(), "signed");
    assert!(result.log.contains(&format!(
        "use-existing-credentials: the credentials in the environment are already a session of arn:aws:iam::111122223333:role/oidc-assume-demo ({DEMO_SESSION}); no new credentials were requested"
    )));
    assert_eq!(
        value(&outputs(&env), "authenticated-arn"),
        Some(DEMO_SESSION)
    );
    assert!(
        exports(&env)
            .iter()
            .all(|(name, _)| !name.starts_with("AWS_")),
        "the credentials are not written again"
    );
    // They were masked before anything else was printed.
    for secret in [
        &held.access_key_id,
        &held.secret_access_key,
        &held.session_token,
    ] {
        assert!(
            result.log.contains(&format!("::add-mask::{secret}")),
            "{secret}\n{}",
            result.log
        );
    }
}

#[test]
fn anything_but_a_session_of_the_role_runs_the_exchange() {
    let held = StsCredentials::generate();
    let cases = [
        (
            "arn:aws:sts::111122223333:assumed-role/other-role/GitHubActions",
            held.secret_access_key.clone(),
            "belong to arn:aws:sts::111122223333:assumed-role/other-role/GitHubActions, not to a session of",
        ),
        (
            "arn:aws:sts::444455556666:assumed-role/oidc-assume-demo/GitHubActions",
            held.secret_access_key.clone(),
            "not to a session of arn:aws:iam::111122223333:role/oidc-assume-demo",
        ),
        (
            "arn:aws:iam::111122223333:user/ci",
            held.secret_access_key.clone(),
            "belong to arn:aws:iam::111122223333:user/ci",
        ),
        (
            DEMO_SESSION,
            format!("{}x", held.secret_access_key),
            "the credentials in the environment do not work (STS refused GetCallerIdentity: SignatureDoesNotMatch:",
        ),
    ];
    for (caller, secret, expected) in cases {
        let (token, sts, env, result) = run_holding(&held, caller, &secret, "true");
        assert!(result.succeeded(), "{caller}: {}", result.log);
        assert!(
            result.log.contains(expected),
            "{caller}: {expected}\n{}",
            result.log
        );
        assert!(result.log.contains("requesting new credentials"));
        assert_eq!(token.token_requests().len(), 1, "{caller}");
        assert_eq!(sts.requests().len(), 2, "{caller}");
        assert_eq!(
            value(&exports(&env), "AWS_ACCESS_KEY_ID"),
            Some(sts.issued()[0].access_key_id.as_str())
        );
    }
}

#[test]
fn false_means_off_and_missing_credentials_run_the_exchange() {
    let held = StsCredentials::generate();
    // The anchor action reads this input as a string, so that `false` turns it on; here it is a
    // boolean like every other.
    let (token, sts, _, result) =
        run_holding(&held, DEMO_SESSION, &held.secret_access_key, "false");
    assert!(result.succeeded(), "{}", result.log);
    assert!(!result.log.contains("use-existing-credentials"));
    assert_eq!(token.token_requests().len(), 1);
    assert_eq!(
        sts.requests()[0].form_value("Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );

    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("use-existing-credentials", "true");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    assert!(result.log.contains(
        "use-existing-credentials: no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; requesting new credentials"
    ));
    assert_eq!(sts.requests().len(), 1);
}
