//! Role chaining against the in-process stand-ins: the STS stand-in checks every `AssumeRole`
//! signature with the credentials it issued, enforces the one-hour chained limit and records the
//! tags, external id and policies it received, so these tests assert exactly what was sent.

mod common;

use common::{assert_nothing_written, errors, exports, outputs, run, value};
use oidc_assume_stand_ins::runner_env::DEMO_ROLE_ARN;
use oidc_assume_stand_ins::sts::{deny_tag_session, require_external_id};
use oidc_assume_stand_ins::{RunnerEnv, Sts, StsCredentials, TokenEndpoint};

const HUB: &str = "arn:aws:iam::444455556666:role/hub";
const TARGET: &str = "arn:aws:iam::777788889999:role/target";

fn github_run(env: &mut RunnerEnv) {
    for (name, value) in [
        ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
        ("GITHUB_WORKFLOW", "Plan (PR)"),
        ("GITHUB_ACTION", "__oidc-assume"),
        ("GITHUB_ACTOR", "octocat"),
        ("GITHUB_SHA", "ffac537e6cbbf934b08745a378932722df287a53"),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_RUN_ID", "42"),
    ] {
        env.set(name, value);
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const DEFAULT_TAGS: [(&str, &str); 9] = [
    ("GitHub", "Actions"),
    ("Repository", "octo-org/octo-repo"),
    ("Workflow", "Plan _PR_"),
    ("Action", "__oidc-assume"),
    ("Actor", "octocat"),
    ("Commit", "ffac537e6cbbf934b08745a378932722df287a53"),
    ("Branch", "refs/pull/7/merge"),
    ("EventName", "pull_request"),
    ("RunId", "42"),
];

#[test]
fn a_chain_after_the_oidc_exchange_exports_only_the_last_roles_credentials() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    github_run(&mut env);
    env.input("role-chain", format!("{HUB}\n{TARGET}\n"))
        .input("role-external-id", "tenant-42")
        .input("custom-tags", r#"{"Team": "platform"}"#)
        .input("transitive-tag-keys", "Repository\nTeam")
        .input(
            "inline-session-policy",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        );
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);

    let requests = sts.requests();
    assert_eq!(requests.len(), 3);
    // The OIDC session is only a step: the shortest duration, no session policy.
    assert_eq!(
        requests[0].form_value("Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(
        requests[0].form_value("DurationSeconds").as_deref(),
        Some("900")
    );
    assert_eq!(requests[0].form_value("Policy"), None);

    let issued = sts.issued();
    let calls = sts.assume_role_calls();
    assert_eq!(calls.len(), 2);
    // The intermediate hop: signed by the OIDC session, minimum duration, nothing else.
    assert_eq!(calls[0].caller_access_key_id, issued[0].access_key_id);
    assert_eq!(calls[0].role_arn, HUB);
    assert_eq!(calls[0].duration_seconds.as_deref(), Some("900"));
    assert_eq!(calls[0].external_id, None);
    assert!(calls[0].tags.is_empty());
    assert_eq!(calls[0].policy, None);
    // The last hop gets the duration, external id, tags and session policy.
    assert_eq!(calls[1].caller_access_key_id, issued[1].access_key_id);
    assert_eq!(calls[1].role_arn, TARGET);
    assert_eq!(calls[1].session_name, "GitHubActions");
    assert_eq!(calls[1].duration_seconds.as_deref(), Some("3600"));
    assert_eq!(calls[1].external_id.as_deref(), Some("tenant-42"));
    let mut expected_tags = pairs(&DEFAULT_TAGS);
    expected_tags.push(("Team".to_owned(), "platform".to_owned()));
    assert_eq!(calls[1].tags, expected_tags);
    assert_eq!(calls[1].transitive_tag_keys, ["Repository", "Team"]);
    assert_eq!(
        calls[1].policy.as_deref(),
        Some(r#"{"Version":"2012-10-17","Statement":[]}"#)
    );

    // Only the last credentials leave; every credential was masked before use.
    let last = &issued[2];
    let exported = exports(&env);
    assert_eq!(
        value(&exported, "AWS_ACCESS_KEY_ID"),
        Some(last.access_key_id.as_str())
    );
    assert_eq!(
        value(&outputs(&env), "authenticated-arn"),
        Some("arn:aws:sts::777788889999:assumed-role/target/GitHubActions")
    );
    let written = format!(
        "{}{}",
        env.read_env().expect("env"),
        env.read_output().expect("out")
    );
    for earlier in &issued[..2] {
        for secret in [
            &earlier.access_key_id,
            &earlier.secret_access_key,
            &earlier.session_token,
        ] {
            assert!(
                !written.contains(secret.as_str()),
                "an intermediate credential was written"
            );
            assert!(
                result.log.contains(&format!("::add-mask::{secret}")),
                "an intermediate credential was not masked"
            );
        }
    }
}

#[test]
fn role_chaining_signs_with_the_environments_credentials_and_asks_github_for_nothing() {
    let token = TokenEndpoint::start();
    let hub = StsCredentials::generate();
    let sts = Sts::builder()
        .source_credentials(
            hub.clone(),
            "arn:aws:sts::444455556666:assumed-role/hub/GitHubActions",
        )
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("AWS_ACCESS_KEY_ID", &hub.access_key_id)
        .set("AWS_SECRET_ACCESS_KEY", &hub.secret_access_key)
        .set("AWS_SESSION_TOKEN", &hub.session_token)
        .input("role-chaining", "true")
        .input("role-skip-session-tagging", "true");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    assert!(token.token_requests().is_empty(), "no ID token is needed");
    let calls = sts.assume_role_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].caller_access_key_id, hub.access_key_id);
    assert_eq!(calls[0].role_arn, DEMO_ROLE_ARN);
    assert!(calls[0].tags.is_empty());
    // The source credentials are masked before the first line is printed.
    let first = result.log.lines().next().unwrap_or_default();
    assert!(first.starts_with("::add-mask::"), "{first}");
    for secret in [
        &hub.access_key_id,
        &hub.secret_access_key,
        &hub.session_token,
    ] {
        assert!(result.log.contains(&format!("::add-mask::{secret}")));
    }
    assert_eq!(
        value(&exports(&env), "AWS_SECRET_ACCESS_KEY"),
        Some(sts.issued()[0].secret_access_key.as_str())
    );
}

#[test]
fn chaining_rules_are_checked_before_any_call() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    // (inputs, environment variables, the message expected)
    type Pairs = &'static [(&'static str, &'static str)];
    let cases: [(Pairs, Pairs, &str); 6] = [
        (
            &[("role-chaining", "true")],
            &[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID0003")],
            "input `role-chaining` assumes the role with the credentials in the environment, but AWS_SECRET_ACCESS_KEY is not set",
        ),
        (
            &[("role-chaining", "true"), ("role-duration-seconds", "7200")],
            &[
                ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEKEYID0001"),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    "example/secret/access/key/0000000000001",
                ),
                ("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
            ],
            "input `role-duration-seconds` is 7200, but a role session that assumes another role (role chaining) gets at most 3600 seconds",
        ),
        (
            &[("role-chain", TARGET), ("role-duration-seconds", "3601")],
            &[],
            "input `role-duration-seconds` is 3601",
        ),
        (
            &[("custom-tags", r#"{"Team": "x"}"#)],
            &[],
            "input `custom-tags` are sent only with AssumeRole",
        ),
        (
            &[("role-chain", TARGET), ("transitive-tag-keys", "Nope")],
            &[],
            "input `transitive-tag-keys` names \"Nope\", which is not a session tag",
        ),
        (
            &[
                ("role-chain", "arn:aws:iam::1:role/x"),
                ("role-external-id", "x"),
            ],
            &[],
            "input `role-chain` line 1:",
        ),
    ];
    for (inputs, vars, expected) in cases {
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        for (name, value) in inputs {
            env.input(name, *value);
        }
        for (name, value) in vars {
            env.set(*name, *value);
        }
        let result = run(&env);
        assert_eq!(result.code, std::process::ExitCode::from(2), "{expected}");
        assert!(result.log.contains(expected), "{expected}\n{}", result.log);
        assert_nothing_written(&env);
    }
    // A long-lived user key is not a role session: the role's own maximum applies.
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("role-chaining", "true")
        .input("role-duration-seconds", "7200")
        .set("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID0002")
        .set(
            "AWS_SECRET_ACCESS_KEY",
            "example/secret/access/key/0000000000002",
        );
    let result = run(&env);
    assert!(
        !result.log.contains("input `role-duration-seconds`"),
        "{}",
        result.log
    );
    assert_eq!(sts.calls(), 1, "only that last run called STS");
    assert!(token.token_requests().is_empty());
}

#[test]
fn a_tagged_call_refused_by_the_trust_policy_names_tag_session() {
    let token = TokenEndpoint::start();
    let sts = Sts::builder()
        .chain_trust(deny_tag_session())
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    github_run(&mut env);
    env.input("role-chain", TARGET);
    let result = run(&env);
    assert!(!result.succeeded());
    let annotation = errors(&result.log).join("\n");
    assert!(
        annotation.contains(&format!(
            "no credentials for {TARGET} from STS AssumeRole after 1 of at most 12 attempt(s): STS refused AssumeRole: AccessDenied: User: arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions is not authorized to perform: sts:TagSession on resource: {TARGET}"
        )),
        "{annotation}"
    );
    assert!(result.log.contains(
        "This call passes session tags, so that policy must also allow sts:TagSession; or set `role-skip-session-tagging: true` to send no tags."
    ));
    assert_eq!(
        sts.assume_role_calls().len(),
        1,
        "AccessDenied is not retried"
    );
    assert_nothing_written(&env);

    env.input("role-skip-session-tagging", "true");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);

    // A wrong external id is an AccessDenied without the tagging hint.
    sts.set_chain_trust(Some(require_external_id("tenant-42")));
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("role-chain", TARGET)
        .input("role-skip-session-tagging", "true")
        .input("role-external-id", "tenant-41");
    let result = run(&env);
    assert!(!result.succeeded());
    assert!(!result.log.contains("sts:TagSession"), "{}", result.log);
    assert!(
        result
            .log
            .contains("`role-external-id` must match it exactly")
    );
}

#[test]
fn packed_policy_too_large_asks_once_more_without_the_droppable_tags() {
    let token = TokenEndpoint::start();
    // The kept tags and the custom one fit; with EventName and RunId they do not.
    let kept: usize = DEFAULT_TAGS[..7]
        .iter()
        .chain(&[("Team", "platform")])
        .map(|(k, v)| k.len() + v.len())
        .sum();
    let sts = Sts::builder()
        .packed_policy_limit(kept + 5)
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    github_run(&mut env);
    env.input("role-chain", TARGET)
        .input("custom-tags", r#"{"Team": "platform"}"#)
        .input("transitive-tag-keys", "RunId\nTeam");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    let calls = sts.assume_role_calls();
    assert_eq!(calls.len(), 2, "one refused call and one second request");
    let mut full = pairs(&DEFAULT_TAGS);
    full.push(("Team".to_owned(), "platform".to_owned()));
    assert_eq!(calls[0].tags, full);
    assert_eq!(calls[0].transitive_tag_keys, ["RunId", "Team"]);
    let mut kept_tags = pairs(&DEFAULT_TAGS[..7]);
    kept_tags.push(("Team".to_owned(), "platform".to_owned()));
    assert_eq!(calls[1].tags, kept_tags);
    assert_eq!(
        calls[1].transitive_tag_keys,
        ["Team"],
        "a dropped tag is not transitive"
    );
    assert!(result.log.contains(
        "STS found the session tags and policies too large (PackedPolicyTooLarge); asking once more without the tags EventName, RunId"
    ));

    // When even the kept tags do not fit, there is no third request: the error and its fix.
    let sts = Sts::builder().packed_policy_limit(8).start().expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    github_run(&mut env);
    env.input("role-chain", TARGET);
    let result = run(&env);
    assert!(!result.succeeded());
    assert_eq!(sts.assume_role_calls().len(), 2);
    assert!(
        result.log.contains("remove some `custom-tags`"),
        "{}",
        result.log
    );
    assert_nothing_written(&env);
}

#[test]
fn a_user_key_is_not_a_role_session_so_the_roles_own_maximum_applies() {
    let token = TokenEndpoint::start();
    let user = StsCredentials::new("AKIAEXAMPLEUSER00001", "user-secret", "");
    let sts = Sts::builder()
        .role_max_session_duration(43200)
        .source_credentials(user.clone(), "arn:aws:iam::111122223333:user/ci")
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("AWS_ACCESS_KEY_ID", &user.access_key_id)
        .set("AWS_SECRET_ACCESS_KEY", &user.secret_access_key)
        .input("role-chaining", "true")
        .input("role-skip-session-tagging", "true")
        .input("role-duration-seconds", "7200");
    let result = run(&env);
    assert!(result.succeeded(), "{}", result.log);
    assert_eq!(
        sts.assume_role_calls()[0].duration_seconds.as_deref(),
        Some("7200")
    );
}
