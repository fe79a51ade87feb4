//! The built binary against moto's STS server, with the token from the token-endpoint stand-in.
//!
//! moto accepts any `AssumeRoleWithWebIdentity` request, so what this proves is interoperability:
//! our request is one a third-party STS implementation understands (its answer reflects the role,
//! session name and duration we sent, and its request recorder shows every field it received,
//! session policies included: moto does not enforce them), and we parse its answer into the
//! exact outputs and exports. A chained exchange goes the same way: moto answers the signed
//! `AssumeRole` (it does not check signatures; the STS stand-in does) with the tags, external id
//! and duration we sent in its recording.

mod common;
mod moto_server;

use std::time::{Instant, SystemTime};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use common::{errors, exports, outputs, run_binary, value};
use moto_server::MotoServer;
use oidc_assume_stand_ins::runner_env::{DEMO_REGION, DEMO_ROLE_ARN};
use oidc_assume_stand_ins::{RunnerEnv, TokenEndpoint};

fn env_for(token: &TokenEndpoint, moto: &MotoServer) -> RunnerEnv {
    RunnerEnv::new(&token.url(), token.request_token(), &moto.url()).expect("runner environment")
}

/// The `::add-mask::` values of a log, in order.
fn masks(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .collect()
}

/// The account id in an STS assumed-role ARN (`arn:aws:sts::<account>:assumed-role/...`).
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).expect("an ARN has an account field")
}

/// Writes a measurement where `scripts/test` prints it.
fn record(name: &str, text: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/measurements");
    std::fs::create_dir_all(&dir).expect("measurements directory");
    std::fs::write(dir.join(format!("{name}.txt")), format!("{text}\n"))
        .expect("write measurement");
}

#[test]
#[ignore = "needs moto (.venv); run by scripts/test"]
fn the_binary_assumes_a_role_from_moto() {
    let token = TokenEndpoint::start();
    let moto = MotoServer::start();
    let env = env_for(&token, &moto);

    // moto loads its STS backend on the first request; the second run shows our own cost.
    // Each run gets fresh runner files, as each step does.
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..2 {
        for file in [env.output_file(), env.env_file(), env.summary_file()] {
            std::fs::write(file, "").expect("fresh runner file");
        }
        let started = Instant::now();
        let run = run_binary(&env, &[]);
        times.push(started.elapsed().as_millis());
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        out = Some(run);
    }
    let out = out.expect("two runs");
    let log = String::from_utf8_lossy(&out.stdout);
    record(
        "binary-exchange-moto",
        &format!(
            "one exchange of the plain binary against moto: {} ms (moto cold), {} ms (moto warm)",
            times[0], times[1]
        ),
    );

    let outputs = outputs(&env);
    let arn = value(&outputs, "authenticated-arn").expect("authenticated-arn");
    let role_name = DEMO_ROLE_ARN.rsplit('/').next().expect("role name");
    assert!(
        arn.starts_with("arn:aws:sts::")
            && arn.ends_with(&format!(":assumed-role/{role_name}/GitHubActions")),
        "moto names the role and the session we sent: {arn}"
    );
    assert_eq!(value(&outputs, "aws-account-id"), Some(account_of(arn)));
    assert_eq!(
        outputs.len(),
        2,
        "credentials are outputs only when asked: {outputs:?}"
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
    assert_eq!(value(&exported, "AWS_REGION"), Some(DEMO_REGION));
    let masked = masks(&log);
    assert_eq!(masked.first().copied(), Some(token.request_token()));
    assert!(
        token
            .minted()
            .last()
            .is_some_and(|jwt| masked.contains(&jwt.as_str())),
        "the JWT of the last run is masked"
    );
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        let secret = value(&exported, name).expect("exported");
        assert!(!secret.is_empty(), "{name} is set");
        assert!(
            masked.contains(&secret),
            "{name} is masked before it is written"
        );
    }
}

#[test]
#[ignore = "needs moto (.venv); run by scripts/test"]
fn every_request_field_reaches_moto_and_every_output_comes_back() {
    let token = TokenEndpoint::start();
    let recording = tempfile::tempdir().expect("tempdir");
    let moto = MotoServer::start_recording(&recording.path().join("requests.jsonl"));
    let mut env = env_for(&token, &moto);
    let inline_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
    let managed = [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ];
    env.input("role-session-name", "deploy-42")
        .input("role-duration-seconds", "900")
        .input("inline-session-policy", inline_policy)
        .input("managed-session-policies", managed.join("\n"))
        .input("output-credentials", "true")
        .input("mask-aws-account-id", "true");

    let out = run_binary(&env, &[]);
    let log = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(errors(&log).is_empty(), "{log}");

    // What moto received (its request recorder): one AssumeRoleWithWebIdentity, every field as
    // the inputs asked, the session policies included (STS's query API:
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
    let requests = moto.recorded();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, format!("{}/", moto.url()));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let jwt = token.minted().last().cloned().expect("a token was minted");
    let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Action",
            "DurationSeconds",
            "Policy",
            "PolicyArns.member.1.arn",
            "PolicyArns.member.2.arn",
            "RoleArn",
            "RoleSessionName",
            "Version",
            "WebIdentityToken",
        ]
    );
    assert_eq!(field("Action"), Some("AssumeRoleWithWebIdentity"));
    assert_eq!(field("Version"), Some("2011-06-15"));
    assert_eq!(field("RoleArn"), Some(DEMO_ROLE_ARN));
    assert_eq!(field("RoleSessionName"), Some("deploy-42"));
    assert_eq!(field("DurationSeconds"), Some("900"));
    assert_eq!(field("WebIdentityToken"), Some(jwt.as_str()));
    let sent_policy: serde_json::Value =
        serde_json::from_str(field("Policy").expect("Policy")).expect("Policy is JSON");
    assert_eq!(
        sent_policy,
        serde_json::from_str::<serde_json::Value>(inline_policy).expect("JSON")
    );
    assert_eq!(field("PolicyArns.member.1.arn"), Some(managed[0]));
    assert_eq!(field("PolicyArns.member.2.arn"), Some(managed[1]));

    let outputs = outputs(&env);
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
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
    let arn = value(&outputs, "authenticated-arn").expect("arn");
    assert!(
        arn.ends_with("/deploy-42"),
        "moto got our session name: {arn}"
    );

    // moto computes the expiry from our DurationSeconds; the output is a bare ISO-8601 time.
    let expiration = value(&outputs, "aws-expiration").expect("aws-expiration");
    assert!(!expiration.contains('"'), "no JSON quotes: {expiration}");
    let expires = DateTime::from_str(expiration, Format::DateTime)
        .unwrap_or_else(|e| panic!("aws-expiration {expiration:?} is ISO-8601: {e}"));
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let lifetime = expires.secs() - i64::try_from(now).expect("seconds fit");
    assert!(
        (840..=900).contains(&lifetime),
        "the credentials live for the 900 s we asked, not moto's default: {lifetime} s"
    );

    let exported = exports(&env);
    for (output, export) in [
        ("aws-access-key-id", "AWS_ACCESS_KEY_ID"),
        ("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY"),
        ("aws-session-token", "AWS_SESSION_TOKEN"),
    ] {
        assert_eq!(value(&outputs, output), value(&exported, export));
    }
    let masked = masks(&log);
    let account = value(&outputs, "aws-account-id").expect("account");
    assert!(
        masked.contains(&account),
        "mask-aws-account-id masks the account id"
    );
    assert!(masked.contains(&arn), "mask-aws-account-id masks the ARN");
}

#[test]
#[ignore = "needs moto (.venv); run by scripts/test"]
fn a_chained_exchange_reaches_moto_and_its_answer_is_exported() {
    let token = TokenEndpoint::start();
    let recording = tempfile::tempdir().expect("tempdir");
    let moto = MotoServer::start_recording(&recording.path().join("requests.jsonl"));
    let mut env = env_for(&token, &moto);
    let target = "arn:aws:iam::444455556666:role/target";
    env.set("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .input("role-chain", target)
        .input("role-external-id", "tenant-42")
        .input("custom-tags", r#"{"Team": "platform"}"#)
        .input("transitive-tag-keys", "Team")
        .input("role-duration-seconds", "1800")
        .input("output-credentials", "true");

    let out = run_binary(&env, &[]);
    let log = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{log}");

    let requests = moto.recorded();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let form = |i: usize| -> Vec<(String, String)> {
        url::form_urlencoded::parse(&requests[i].body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let field = |form: &[(String, String)], name: &str| {
        form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };
    let first = form(0);
    assert_eq!(
        field(&first, "Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(field(&first, "DurationSeconds").as_deref(), Some("900"));
    let second = form(1);
    assert_eq!(field(&second, "Action").as_deref(), Some("AssumeRole"));
    assert_eq!(field(&second, "RoleArn").as_deref(), Some(target));
    assert_eq!(field(&second, "DurationSeconds").as_deref(), Some("1800"));
    assert_eq!(field(&second, "ExternalId").as_deref(), Some("tenant-42"));
    let tags: Vec<(String, String)> = (1..)
        .map_while(|n| {
            Some((
                field(&second, &format!("Tags.member.{n}.Key"))?,
                field(&second, &format!("Tags.member.{n}.Value"))?,
            ))
        })
        .collect();
    assert_eq!(
        tags,
        [
            ("GitHub", "Actions"),
            ("Repository", "octo-org/octo-repo"),
            ("Team", "platform"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(
        field(&second, "TransitiveTagKeys.member.1").as_deref(),
        Some("Team")
    );

    // moto's answer for the last role is what the step exports; the first session's
    // credentials were masked and are written nowhere.
    let outputs = outputs(&env);
    let arn = value(&outputs, "authenticated-arn").expect("authenticated-arn");
    assert!(
        arn.starts_with("arn:aws:sts::444455556666:assumed-role/target/"),
        "{arn}"
    );
    let key = value(&outputs, "aws-access-key-id").expect("key");
    assert_eq!(value(&exports(&env), "AWS_ACCESS_KEY_ID"), Some(key));
    let mask_list = masks(&log);
    assert!(mask_list.contains(&key));
    let written = format!(
        "{}{}",
        env.read_env().expect("env"),
        env.read_output().expect("out")
    );
    let intermediate: Vec<&&str> = mask_list
        .iter()
        .filter(|m| m.starts_with("ASIA") || m.starts_with("AKIA"))
        .filter(|m| **m != key)
        .collect();
    assert!(
        !intermediate.is_empty(),
        "the first session's key was masked: {log}"
    );
    for secret in intermediate {
        assert!(!written.contains(*secret));
    }
}
