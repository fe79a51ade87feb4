//! `refresh-credentials`: a long job whose credentials expire many times over, against the
//! stand-ins (STS issuing credentials that live a few seconds and refusing them afterwards, the
//! token endpoint minting short-lived JWTs). The later step is a separate process with only a
//! later step's environment, resolving credentials through a real SDK: the AWS SDK for Rust's
//! default chain (`later-step`), and botocore from the test virtualenv.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use clap::Parser;
use common::{exports, later_step, outputs, run_binary, run_later_step, value};
use oidc_assume::app::{Cli, Command as Subcommand};
use oidc_assume_stand_ins::runner_env::DEMO_ROLE_ARN;
use oidc_assume_stand_ins::sts::deny_all;
use oidc_assume_stand_ins::{Claims, RunnerEnv, Sts, TokenEndpoint, scrubbed_command};

/// How long the STS stand-in's credentials live.
const LIFETIME_SECS: i64 = 3;
/// How long the simulated later step keeps calling: several lifetimes.
const JOB_SECS: u64 = 10;

struct Job {
    token: TokenEndpoint,
    sts: Sts,
    env: RunnerEnv,
}

fn job() -> Job {
    let token = TokenEndpoint::builder()
        .claims(Claims::new().lifetime(60))
        .start()
        .expect("token endpoint");
    let sts = Sts::builder()
        .session_lifetime(LIFETIME_SECS)
        .start()
        .expect("STS stand-in");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    env.input("refresh-credentials", "true");
    Job { token, sts, env }
}

/// Every secret of the job: the request token, every JWT minted, every key issued.
fn secrets(job: &Job) -> Vec<String> {
    let mut all = vec![job.token.request_token().to_owned()];
    all.extend(job.token.minted());
    for answer in job.sts.issued() {
        all.extend([
            answer.access_key_id,
            answer.secret_access_key,
            answer.session_token,
        ]);
    }
    all
}

fn assert_no_secret(secrets: &[String], text: &str, place: &str) {
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "a secret in {place}");
    }
}

/// Every file under the job's directory, read as bytes (the program's copy included).
fn assert_no_secret_in_files(secrets: &[String], dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            assert_no_secret_in_files(secrets, &path);
        } else {
            let bytes = std::fs::read(&path).expect("readable");
            let text = String::from_utf8_lossy(&bytes);
            assert_no_secret(secrets, &text, &path.display().to_string());
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The log without its `::add-mask::` lines, the one place a secret may be (the runner hides
/// the line and keeps the value to mask).
fn visible(log: &[u8]) -> String {
    text(log)
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the action's step with the real binary (the profile names the binary that wrote it).
fn action_step(job: &Job) -> Output {
    let out = run_binary(&job.env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    out
}

/// The `credential_process` line the action wrote.
fn credential_process(env: &RunnerEnv) -> String {
    let config = std::fs::read_to_string(
        value(&exports(env), "AWS_CONFIG_FILE").expect("AWS_CONFIG_FILE exported"),
    )
    .expect("config written");
    config
        .lines()
        .find_map(|l| l.strip_prefix("credential_process = "))
        .expect("a credential_process line")
        .to_owned()
}

/// Runs the line as the SDKs do (`sh -c`), in a later step's environment.
fn run_line(line: &str, vars: &BTreeMap<String, String>) -> Output {
    scrubbed_command("sh", vars)
        .args(["-c", line])
        .output()
        .expect("sh runs")
}

#[test]
fn a_long_job_renews_its_credentials_through_the_rust_sdk_and_no_key_is_written() {
    let job = job();
    let action = action_step(&job);
    let log = text(&action.stdout);
    assert!(log.contains("renews the credentials"), "{log}");

    let exported = exports(&job.env);
    let dir = job.env.runner_temp().join("oidc-assume-aws");
    let names: Vec<&str> = exported.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_PROFILE"
        ]
    );
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert_eq!(value(&exported, key), Some(""), "{key} is blanked");
    }
    assert_eq!(value(&exported, "AWS_PROFILE"), Some("oidc-assume"));
    let config_path = dir.join("config");
    assert_eq!(
        value(&exported, "AWS_CONFIG_FILE"),
        Some(config_path.to_str().expect("UTF-8"))
    );
    let names: Vec<String> = outputs(&job.env).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["aws-account-id", "authenticated-arn"]);
    let config = std::fs::read_to_string(&config_path).expect("config");
    let program = env!("CARGO_BIN_EXE_oidc-assume");
    assert_eq!(
        config,
        format!(
            "[profile oidc-assume]\nregion = us-east-1\ncredential_process = {program} credential-process --role-to-assume={DEMO_ROLE_ARN} --aws-region=us-east-1 --audience=sts.amazonaws.com --role-session-name=GitHubActions --role-duration-seconds=3600 --sts-endpoint={}/\n",
            job.sts.url()
        )
    );
    assert_eq!(
        std::fs::metadata(&config_path)
            .expect("config")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        job.sts.calls(),
        1,
        "the step proved the setup with one exchange"
    );

    let later = run_later_step(&later_step(&job.env), JOB_SECS);
    let said = text(&later.stdout);
    assert!(later.status.success(), "{said}\n{}", text(&later.stderr));
    let calls = said.lines().count();
    assert!(
        said.lines().all(|l| l.starts_with("ok arn:aws:sts::")),
        "{said}"
    );
    // Each refresh minted a JWT of its own and assumed the role with it.
    let jwts = job.sts.web_identity_tokens();
    let refreshes = jwts.len() - 1;
    let lifetimes = JOB_SECS / LIFETIME_SECS as u64;
    assert!(
        refreshes >= lifetimes as usize,
        "{refreshes} refreshes in {JOB_SECS} s of {LIFETIME_SECS} s credentials ({calls} calls)"
    );
    assert_eq!(job.token.calls(), jwts.len(), "one JWT per exchange");
    assert_eq!(
        jwts.iter().collect::<HashSet<_>>().len(),
        jwts.len(),
        "every JWT is fresh"
    );
    assert_eq!(job.token.minted(), jwts);

    let secrets = secrets(&job);
    assert_no_secret_in_files(&secrets, job.env.root());
    for (place, bytes) in [
        ("the action's stdout", &action.stdout),
        ("the action's stderr", &action.stderr),
        ("the later step's stdout", &later.stdout),
        ("the later step's stderr", &later.stderr),
    ] {
        assert_no_secret(&secrets, &visible(bytes), place);
    }
    // The request token is the runner's own variable; no other variable holds a secret.
    for (name, value) in later_step(&job.env) {
        if name != "ACTIONS_ID_TOKEN_REQUEST_TOKEN" {
            assert_no_secret(&secrets, &value, &name);
        }
    }
}

#[test]
fn the_line_prints_only_the_json_and_ignores_the_calling_steps_inputs_and_keys() {
    let job = job();
    action_step(&job);
    let line = credential_process(&job.env);
    let mut vars = later_step(&job.env);
    // Another action's inputs and stale keys in the calling process's environment.
    vars.insert(
        "INPUT_ROLE-TO-ASSUME".to_owned(),
        "arn:aws:iam::999999999999:role/other".to_owned(),
    );
    vars.insert("AWS_ACCESS_KEY_ID".to_owned(), "AKIASTALE".to_owned());
    vars.insert(
        "AWS_ENDPOINT_URL_STS".to_owned(),
        "http://127.0.0.1:9".to_owned(),
    );
    // In-process, with the variables as given: `sh -c` would drop the names holding `-`, which
    // botocore (no shell) passes on.
    assert!(!line.contains('\''), "{line}");
    let cli = Cli::try_parse_from(line.split_whitespace()).expect("the line parses");
    let Some(Subcommand::CredentialProcess(arguments)) = cli.command else {
        panic!("{line} runs credential-process");
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = oidc_assume::credential_process::run(
        &arguments,
        &vars.into_iter().collect(),
        &mut stdout,
        &mut stderr,
    );
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", text(&stderr));
    assert!(stderr.is_empty(), "{}", text(&stderr));
    let stdout = text(&stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let issued = job.sts.issued();
    let last = issued.last().expect("issued");
    assert_eq!(
        json,
        serde_json::json!({
            "Version": 1,
            "AccessKeyId": last.access_key_id,
            "SecretAccessKey": last.secret_access_key,
            "SessionToken": last.session_token,
            "Expiration": last.expiration,
        })
    );
    let requests = job.sts.requests();
    let role = requests
        .last()
        .and_then(|r| r.form_value("RoleArn"))
        .expect("a RoleArn");
    assert_eq!(role, DEMO_ROLE_ARN);
}

#[test]
fn a_refused_refresh_prints_one_line_that_the_sdk_shows_and_no_secret() {
    let job = job();
    action_step(&job);
    job.sts.set_trust(Some(deny_all()));
    let vars = later_step(&job.env);

    let out = run_line(&credential_process(&job.env), &vars);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("oidc-assume credential-process: no credentials from STS")
            && stderr.contains("AccessDenied")
            && stderr.contains("trust policy"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("::") || !stderr.starts_with("::"),
        "{stderr}"
    );
    assert!(!stderr.contains("##["), "{stderr}");

    let later = run_later_step(&vars, 0);
    assert!(!later.status.success());
    let said = text(&later.stdout);
    assert!(
        said.starts_with("error ") && said.contains(stderr.trim_end()),
        "the SDK's error carries the line: {said}"
    );
    let secrets = secrets(&job);
    for (place, bytes) in [
        ("stderr", &out.stderr),
        ("the later step", &later.stdout),
        ("the later step's stderr", &later.stderr),
    ] {
        assert_no_secret(&secrets, &text(bytes), place);
    }
}

#[test]
fn a_chain_is_renewed_whole() {
    let job = job();
    let mut env = job.env;
    env.input("role-chain", "arn:aws:iam::444455556666:role/deploy");
    let job = Job { env, ..job };
    action_step(&job);
    let line = credential_process(&job.env);
    assert!(
        line.contains("--role-chain=arn:aws:iam::444455556666:role/deploy"),
        "{line}"
    );
    let out = run_line(&line, &later_step(&job.env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let calls = job.sts.assume_role_calls();
    assert_eq!(calls.len(), 2, "the step's chain and the refresh's");
    let last = job.sts.issued().pop().expect("issued");
    assert_eq!(json["AccessKeyId"], last.access_key_id.as_str());
    assert!(
        last.assumed_role_arn
            .contains(":444455556666:assumed-role/deploy/")
    );
}

#[test]
fn inputs_that_would_write_a_key_or_cannot_renew_are_refused_before_any_call() {
    for (input, value, why) in [
        (
            "output-env-credentials",
            "true",
            "would put the keys in environment variables",
        ),
        (
            "output-credentials",
            "true",
            "would put the keys in step outputs",
        ),
        (
            "role-chaining",
            "true",
            "list the roles in `role-chain` instead",
        ),
        ("use-existing-credentials", "true", "do not renew"),
        (
            "http-proxy",
            "http://user:pass@proxy.example:3128",
            "HTTPS_PROXY",
        ),
        (
            "inline-session-policy",
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "a #b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
            "would start a comment",
        ),
    ] {
        let mut job = job();
        job.env.input(input, value);
        common::assert_refused_before_any_call(&job.env, &job.sts, why);
    }
}

#[test]
fn keys_of_the_same_profile_in_the_credentials_file_are_refused_or_removed() {
    let mut job = job();
    let credentials = job.env.runner_temp().join("shared-credentials");
    std::fs::write(
        &credentials,
        "[state]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n\n[other]\naws_access_key_id = AKIAKEEP\n",
    )
    .expect("credentials");
    let path = credentials.to_str().expect("UTF-8").to_owned();
    job.env
        .input("aws-profile", "state")
        .set("AWS_SHARED_CREDENTIALS_FILE", path);
    common::assert_refused_before_any_call(&job.env, &job.sts, "overwrite-aws-profile");

    job.env.input("overwrite-aws-profile", "true");
    action_step(&job);
    assert_eq!(
        std::fs::read_to_string(&credentials).expect("credentials"),
        "[other]\naws_access_key_id = AKIAKEEP\n",
        "the profile's keys are gone, the rest is kept"
    );
    let exported = exports(&job.env);
    assert_eq!(
        value(&exported, "AWS_PROFILE"),
        None,
        "a named profile is not exported"
    );
    assert_eq!(
        value(&exported, "AWS_SHARED_CREDENTIALS_FILE"),
        None,
        "handed in"
    );
    assert!(credential_process(&job.env).contains("credential-process"));
}

#[test]
fn the_post_step_removes_the_profile_it_wrote_and_keeps_the_rest() {
    let job = job();
    let config = job.env.runner_temp().join("oidc-assume-aws/config");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("dir");
    std::fs::write(&config, "[profile mine]\nregion = eu-west-1\n").expect("config");
    action_step(&job);
    let state = common::parse_state(&job.env);
    let mut post = job.env.vars().clone();
    for (name, value) in &state {
        post.insert(format!("STATE_{name}"), value.clone());
    }
    let out = scrubbed_command(env!("CARGO_BIN_EXE_oidc-assume"), &post)
        .arg("post")
        .output()
        .expect("post runs");
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("Removed the refreshing profile"));
    assert_eq!(
        std::fs::read_to_string(&config).expect("config kept"),
        "[profile mine]\nregion = eu-west-1\n"
    );
    assert!(
        Path::new(env!("CARGO_BIN_EXE_oidc-assume")).exists(),
        "the native binary is not a copy: it stays"
    );
}

/// botocore's later step: the same calls, with botocore's own credential resolution (its
/// `custom-process` provider, which refreshes 15 minutes before expiry: every call here).
const BOTOCORE_LATER_STEP: &str = r#"
import os, sys, time
import botocore.session
end = time.monotonic() + float(sys.argv[1])
try:
    # botocore resolves the credentials when it makes the client, then before each call.
    client = botocore.session.get_session().create_client(
        "sts", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"])
    while True:
        print("ok", client.get_caller_identity()["Arn"], flush=True)
        if time.monotonic() >= end:
            break
        time.sleep(0.4)
except Exception as e:
    print("error", e, flush=True)
    sys.exit(1)
"#;

fn run_botocore(vars: &BTreeMap<String, String>, seconds: u64) -> Output {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    scrubbed_command(python, vars)
        .args(["-c", BOTOCORE_LATER_STEP, &seconds.to_string()])
        .output()
        .expect("python runs")
}

#[test]
#[ignore = "needs the test virtualenv (botocore); run by scripts/test"]
fn botocore_renews_the_credentials_and_shows_a_refusal_in_one_line() {
    let job = job();
    action_step(&job);
    let vars = later_step(&job.env);
    let later = run_botocore(&vars, JOB_SECS);
    let said = text(&later.stdout);
    assert!(later.status.success(), "{said}\n{}", text(&later.stderr));
    assert!(
        said.lines().all(|l| l.starts_with("ok arn:aws:sts::")),
        "{said}"
    );
    let jwts = job.sts.web_identity_tokens();
    assert!(
        jwts.len() > (JOB_SECS / LIFETIME_SECS as u64) as usize,
        "{} exchanges",
        jwts.len()
    );
    assert_eq!(job.token.calls(), jwts.len(), "one JWT per exchange");
    assert_eq!(jwts.iter().collect::<HashSet<_>>().len(), jwts.len());

    job.sts.set_trust(Some(deny_all()));
    let refused = run_botocore(&vars, 0);
    let said = text(&refused.stdout);
    assert!(!refused.status.success());
    assert!(
        said.starts_with("error Error when retrieving credentials from custom-process: oidc-assume credential-process: no credentials from STS")
            && said.contains("AccessDenied"),
        "{said}{}",
        text(&refused.stderr)
    );
    let secrets = secrets(&job);
    for bytes in [
        &later.stdout,
        &later.stderr,
        &refused.stdout,
        &refused.stderr,
    ] {
        assert_no_secret(&secrets, &text(bytes), "botocore's output");
    }
}
