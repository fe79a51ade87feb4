//! The built binary in a scrubbed environment (no inherited GITHUB_*, RUNNER_*, ACTIONS_*, AWS_*):
//! exact exit codes, exact log lines and exact file contents.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_nothing_written, assert_untouched, exports, outputs, run_binary, value};
use oidc_assume_stand_ins::sts::StsCredentials;
use oidc_assume_stand_ins::{Behaviour, RunnerEnv, Sts, TokenEndpoint};

const KEY: &str = "ASIAE2EKEYID0000001";
const SECRET: &str = "e2eSecretAccessKey0000000000000000000000";
const SESSION: &str = "e2eSessionToken+/=AAAA";
const EXPIRES: &str = "2099-01-01T00:00:00Z";

fn stand_ins() -> (TokenEndpoint, Sts) {
    let creds = StsCredentials::new(KEY, SECRET, SESSION).with_expiration(EXPIRES);
    (
        TokenEndpoint::start(),
        Sts::builder().credentials(creds).start().expect("sts"),
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn file_lines(content: &str) -> Vec<String> {
    content.lines().map(str::to_owned).collect()
}

/// Every entry is `NAME<<ghadelimiter_<uuid>`, the value, the same delimiter; delimiters differ.
fn assert_toolkit_framing(content: &str) {
    let lines = file_lines(content);
    assert_eq!(lines.len() % 3, 0, "{content}");
    let mut delimiters = Vec::new();
    for entry in lines.chunks(3) {
        let (_, delimiter) = entry[0].split_once("<<").expect("heredoc form");
        assert!(
            delimiter.starts_with("ghadelimiter_") && delimiter.len() == "ghadelimiter_".len() + 36,
            "{delimiter}"
        );
        assert_eq!(entry[2], delimiter);
        delimiters.push(delimiter.to_owned());
    }
    let count = delimiters.len();
    delimiters.sort();
    delimiters.dedup();
    assert_eq!(delimiters.len(), count, "a fresh delimiter per entry");
}

#[test]
fn success_exact_log_and_files() {
    let (token, sts) = stand_ins();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert_eq!(text(&output.stderr), "");

    let jwt = &token.minted()[0];
    let expected = [
        format!("::add-mask::{}", token.request_token()),
        "Assuming arn:aws:iam::111122223333:role/oidc-assume-demo in us-east-1 as session GitHubActions".to_owned(),
        format!("::add-mask::{jwt}"),
        "Got an ID token for subject repo:octo-org/octo-repo:ref:refs/heads/main".to_owned(),
        format!("::add-mask::{KEY}"),
        format!("::add-mask::{SECRET}"),
        format!("::add-mask::{SESSION}"),
        format!(
            "Assumed arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions in us-east-1 (attempt 1); the credentials expire at {EXPIRES}"
        ),
    ];
    assert_eq!(file_lines(&text(&output.stdout)), expected);

    let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
    assert_eq!(
        outputs(&env),
        [
            pair("aws-account-id", "111122223333"),
            pair(
                "authenticated-arn",
                "arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions"
            )
        ]
    );
    assert_eq!(
        exports(&env),
        [
            pair("AWS_REGION", "us-east-1"),
            pair("AWS_DEFAULT_REGION", "us-east-1"),
            pair("AWS_ACCESS_KEY_ID", KEY),
            pair("AWS_SECRET_ACCESS_KEY", SECRET),
            pair("AWS_SESSION_TOKEN", SESSION)
        ]
    );
    assert_toolkit_framing(&env.read_output().expect("read"));
    assert_toolkit_framing(&env.read_env().expect("read"));
    assert_eq!(env.read_state().expect("read"), "");
    let summary = env.read_summary().expect("read");
    for expected in [
        "arn:aws:iam::111122223333:role/oidc-assume-demo",
        "GitHubActions",
        "111122223333",
        "us-east-1",
        EXPIRES,
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
}

#[test]
fn the_session_is_named_after_the_run_and_the_summary_says_how_to_find_its_calls() {
    let (token, sts) = stand_ins();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("GITHUB_RUN_ID", "9100000001")
        .set("GITHUB_RUN_ATTEMPT", "2");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    // STS puts the session name it received into the assumed-role ARN.
    assert_eq!(
        value(&outputs(&env), "authenticated-arn"),
        Some("arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions-9100000001-2")
    );
    let summary = env.read_summary().expect("read");
    assert!(
        summary.contains(
            "```\naws cloudtrail lookup-events --region us-east-1 --lookup-attributes AttributeKey=Username,AttributeValue=GitHubActions-9100000001-2\n```\n"
        ),
        "{summary}"
    );
    // The input still decides.
    let (token, sts) = stand_ins();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("GITHUB_RUN_ID", "9100000001")
        .set("GITHUB_RUN_ATTEMPT", "2")
        .input("role-session-name", "plan-42");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(
        value(&outputs(&env), "authenticated-arn").is_some_and(|arn| arn.ends_with("/plan-42"))
    );
}

#[test]
fn invalid_input_exits_2_with_one_error_and_each_problem() {
    let (token, sts) = stand_ins();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("role-duration-seconds", "60");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        file_lines(&text(&output.stdout)),
        [
            format!("::add-mask::{}", token.request_token()),
            "::error::oidc-assume: 1 invalid input: `role-duration-seconds` must be a whole number of seconds from 900 to 43200 (and at most the role's maximum session duration)".to_owned(),
            "  input `role-duration-seconds` must be a whole number of seconds from 900 to 43200 (and at most the role's maximum session duration)".to_owned(),
        ]
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0));
    assert_nothing_written(&env);
}

#[test]
fn missing_permission_exits_1_and_says_what_to_add() {
    let (token, sts) = stand_ins();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines = file_lines(&stdout);
    assert_eq!(
        lines[0],
        "Assuming arn:aws:iam::111122223333:role/oidc-assume-demo in us-east-1 as session GitHubActions"
    );
    assert_eq!(
        lines[1],
        "::error::oidc-assume: GitHub did not give this job an ID token: add `permissions: id-token: write` to the job (or the workflow), and note that pull requests from forks never get one"
    );
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_nothing_written(&env);
}

#[test]
fn access_denied_exits_1() {
    let (token, sts) = stand_ins();
    sts.push(oidc_assume_stand_ins::StsError::AccessDenied.fault());
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let output = run_binary(&env, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("::error::"))
            .count(),
        1
    );
    assert!(stdout.contains("::error::oidc-assume: no credentials from STS after 1 of at most 12 attempt(s): STS refused AssumeRoleWithWebIdentity: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"), "{stdout}");
    assert_nothing_written(&env);
}

#[test]
fn post_step_blanks_the_exported_variables_unless_skipped() {
    let (token, sts) = stand_ins();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let output = run_binary(&env, &["post"]);
    assert_eq!(output.status.code(), Some(0));
    let blank = |n: &str| (n.to_owned(), String::new());
    assert_eq!(
        exports(&env),
        [
            blank("AWS_REGION"),
            blank("AWS_DEFAULT_REGION"),
            blank("AWS_ACCESS_KEY_ID"),
            blank("AWS_SECRET_ACCESS_KEY"),
            blank("AWS_SESSION_TOKEN")
        ]
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0));

    let mut skipped = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    skipped.set("AWS_SKIP_CLEANUP_STEP", "true");
    let output = run_binary(&skipped, &["post"]);
    assert_eq!(output.status.code(), Some(0));
    assert_nothing_written(&skipped);

    let mut no_env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    no_env.remove("GITHUB_ENV");
    assert_eq!(run_binary(&no_env, &["post"]).status.code(), Some(1));
}

#[test]
fn version_and_self_check() {
    let (token, sts) = stand_ins();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let version = run_binary(&env, &["--version"]);
    assert_eq!(
        text(&version.stdout),
        format!("oidc-assume {}\n", env!("CARGO_PKG_VERSION"))
    );
    let check = run_binary(&env, &["self-check"]);
    assert_eq!(check.status.code(), Some(0));
    assert!(text(&check.stdout).contains("self-check passed"));
}

#[test]
fn a_signal_during_a_call_exits_as_a_shell_reports_it_and_writes_nothing() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let token = TokenEndpoint::builder()
            .default_behaviour(Behaviour::NoHeaders)
            .start()
            .expect("token");
        let sts = Sts::start();
        let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        let child =
            oidc_assume_stand_ins::scrubbed_command(env!("CARGO_BIN_EXE_oidc-assume"), env.vars())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
        let started = Instant::now();
        while token.calls() == 0 && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            token.calls(),
            1,
            "SIG{signal}: the token request is in flight"
        );
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let sent = Instant::now();
        let output = child.wait_with_output().expect("wait");
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "took {:?}",
            sent.elapsed()
        );
        assert_eq!(output.status.code(), Some(code), "SIG{signal}");
        assert!(
            text(&output.stdout).contains(&format!("stopped by SIG{signal}")),
            "{}",
            text(&output.stdout)
        );
        assert_untouched(&env, true);
    }
}
