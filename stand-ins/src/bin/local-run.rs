//! Runs the action's main job on this machine, with no GitHub and no AWS account.
//!
//! Starts the stand-ins for GitHub's token endpoint (RS256-signed JWTs with GitHub's claims, a
//! JWKS) and for STS (which verifies the JWT and enforces an embedded trust policy with the same
//! evaluator as `oidc-assume policy explain`), then runs the real `oidc-assume` binary twice in a
//! runner-style environment: once for a job the trust policy admits, once for the same job with
//! `environment: production`, which changes its `sub` and is refused. A third run chains from the
//! admitted role to a role in another account (`role-chain`), with session tags and an external
//! id; the STS stand-in checks that call's SigV4 signature with the credentials it issued. A fourth
//! run writes a refreshing profile (`refresh-credentials`) against an STS whose credentials live
//! two seconds, and a later step (`later-step`, the AWS SDK for Rust) keeps calling for longer,
//! renewing them through the profile's `credential_process`. For
//! each run it prints the step log as the runner would show it, the exit code, and what
//! GITHUB_OUTPUT, GITHUB_ENV and the step summary received.
//!
//! Usage: `cargo run --release -p oidc-assume-stand-ins --bin local-run`

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{Context, bail};
use oidc_assume::policy::{AccessRequest, PolicyDocument, evaluate};
use oidc_assume::runner::LogReplay;
use oidc_assume_stand_ins::sts::TrustCheck;
use oidc_assume_stand_ins::{Claims, RunnerEnv, Sts, TokenEndpoint};

/// The trust policy the stand-in STS enforces.
const TRUST_POLICY: &str = include_str!("../../fixtures/demo-trust-policy.json");
/// The role the third run chains to.
const CHAINED_ROLE_ARN: &str = "arn:aws:iam::444455556666:role/octo-deploy";
/// The OIDC provider the policy names.
const PROVIDER_ARN: &str =
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

fn main() -> anyhow::Result<ExitCode> {
    let binary = sibling_binary("oidc-assume", "oidc-assume")?;
    let policy = PolicyDocument::from_json_str(TRUST_POLICY)
        .context("the embedded trust policy does not parse")?;
    let trust: TrustCheck = Arc::new(move |claims| {
        let evaluation = evaluate(&policy, &AccessRequest::from_claims(PROVIDER_ARN, claims));
        if evaluation.admitted() {
            Ok(())
        } else {
            Err("the trust policy refused the token".to_owned())
        }
    });
    let token = TokenEndpoint::start();
    let trust_for_long_job = trust.clone();
    let sts = Sts::builder()
        .trust(trust)
        .start()
        .context("cannot start the STS stand-in")?;

    println!("oidc-assume local run: no GitHub, no AWS account");
    println!("  token endpoint stand-in: {}", token.url());
    println!(
        "  STS stand-in:            {} (verifies the JWT; enforces the trust policy below)",
        sts.url()
    );
    println!("  binary:                  {}", binary.display());
    println!(
        "\nTrust policy of {}:",
        oidc_assume_stand_ins::runner_env::DEMO_ROLE_ARN
    );
    for line in TRUST_POLICY.lines() {
        println!("  {line}");
    }

    let (admitted, _) = job(
        &binary,
        &token,
        &sts,
        "1. a push to main of octo-org/octo-repo",
        Claims::new(),
        &[],
    )?;
    let (refused, _) = job(
        &binary,
        &token,
        &sts,
        "2. the same job with `environment: production` (its sub changes, so the policy refuses it)",
        Claims::new().environment("production"),
        &[],
    )?;
    let (chained, _) = job(
        &binary,
        &token,
        &sts,
        "3. job 1, then a chain to a deploy role in another account (role-chain), with tags",
        Claims::new(),
        &[
            ("role-chain", CHAINED_ROLE_ARN),
            ("role-external-id", "octo-org-deploy"),
            ("custom-tags", r#"{"Team": "platform"}"#),
        ],
    )?;
    if let Some(call) = sts.assume_role_calls().last() {
        println!(
            "\n-- what the STS stand-in received for the chained AssumeRole (signature checked) --"
        );
        println!("  RoleArn: {}", call.role_arn);
        println!(
            "  DurationSeconds: {}",
            call.duration_seconds.as_deref().unwrap_or("-")
        );
        println!(
            "  ExternalId: {}",
            call.external_id.as_deref().unwrap_or("-")
        );
        for (key, value) in &call.tags {
            println!("  Tag {key} = {value}");
        }
    }
    let refreshed = long_job(&binary, &token, trust_for_long_job.clone())?;
    let as_expected = admitted == Some(0) && refused == Some(1) && chained == Some(0) && refreshed;
    println!(
        "\n{}",
        if as_expected {
            "All runs behaved as expected: the first was admitted, the second refused with a diagnosis, the third chained to a second role, the fourth's later step renewed its credentials."
        } else {
            "Unexpected exit codes: see the logs above."
        }
    );
    Ok(if as_expected {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Job 4: `refresh-credentials` against an STS whose credentials live a few seconds, then a later
/// step (the AWS SDK for Rust's default chain, `later-step`) that keeps calling for longer.
fn long_job(binary: &Path, token: &TokenEndpoint, trust: TrustCheck) -> anyhow::Result<bool> {
    const LIFETIME_SECS: i64 = 2;
    const LATER_STEP_SECS: &str = "5";
    let sts = Sts::builder()
        .trust(trust)
        .session_lifetime(LIFETIME_SECS)
        .start()
        .context("cannot start the STS stand-in")?;
    let minted_before = token.calls();
    let (code, env) = job(
        binary,
        token,
        &sts,
        "4. job 1 with refresh-credentials, against an STS whose credentials live 2 seconds",
        Claims::new(),
        &[("refresh-credentials", "true")],
    )?;
    if code != Some(0) {
        return Ok(false);
    }
    let exported = oidc_assume::runner::parse_file_commands(&env.read_env()?)?;
    let config = exported
        .iter()
        .find(|(name, _)| name == "AWS_CONFIG_FILE")
        .map(|(_, path)| std::fs::read_to_string(path))
        .transpose()?
        .unwrap_or_default();
    println!("\n-- the profile the later steps use (no key in it) --");
    for line in config.lines() {
        println!("  {line}");
    }
    let mut vars: std::collections::BTreeMap<String, String> = env
        .vars()
        .iter()
        .filter(|(name, _)| !name.starts_with("INPUT_"))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    vars.extend(exported);
    let later = sibling_binary("oidc-assume-stand-ins", "later-step")?;
    println!(
        "\n-- a later step: GetCallerIdentity every 0.5 s for {LATER_STEP_SECS} s through the AWS SDK for Rust --"
    );
    let output = oidc_assume_stand_ins::scrubbed_command(&later, &vars)
        .args(["--seconds", LATER_STEP_SECS, "--interval-ms", "500"])
        .output()
        .with_context(|| format!("cannot run {}", later.display()))?;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        println!("  {line}");
    }
    let exchanges = sts.web_identity_tokens().len();
    let minted = token.calls() - minted_before;
    println!(
        "  the step and its later step made {exchanges} exchanges with {minted} JWTs: the first proved the role in the step, each other one renewed the credentials (credential_process) with a JWT of its own"
    );
    Ok(output.status.success() && exchanges >= 3 && minted == exchanges)
}

fn job(
    binary: &Path,
    token: &TokenEndpoint,
    sts: &Sts,
    title: &str,
    claims: Claims,
    inputs: &[(&str, &str)],
) -> anyhow::Result<(Option<i32>, RunnerEnv)> {
    token.set_claims(claims);
    let mut env = RunnerEnv::for_stand_ins(token, sts)?;
    // The run's variables the default session tags come from.
    for (name, value) in [
        ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
        ("GITHUB_WORKFLOW", "deploy"),
        ("GITHUB_ACTION", "__oidc-assume"),
        ("GITHUB_ACTOR", "octocat"),
        ("GITHUB_SHA", "8f2c0b7bd4ad6a9f2b4e0ff3f1c0d6e5a7b9c1d3"),
        ("GITHUB_REF", "refs/heads/main"),
    ] {
        env.set(name, value);
    }
    for (name, value) in inputs {
        env.input(name, *value);
    }
    println!("\n==== Job {title} ====");
    println!(
        "Inputs: aws-region={} role-to-assume={}",
        env.get("INPUT_AWS-REGION").unwrap_or_default(),
        env.get("INPUT_ROLE-TO-ASSUME").unwrap_or_default()
    );
    for (name, value) in inputs {
        println!("        {name}={value}");
    }
    let output = env
        .command(binary)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mut replay = LogReplay::new();
    replay.feed_bytes(&output.stdout);
    replay.feed_bytes(&output.stderr);
    println!(
        "\n-- step log, as the runner shows it (workflow commands applied, masked values as ***) --"
    );
    for line in replay.visible_lines() {
        println!("  {line}");
    }
    println!(
        "\n-- exit code: {} --",
        output
            .status
            .code()
            .map_or_else(|| "killed".to_owned(), |c| c.to_string())
    );
    for (name, content) in [
        ("GITHUB_OUTPUT", env.read_output()?),
        (
            "GITHUB_ENV (stand-in credentials, not real ones)",
            env.read_env()?,
        ),
        ("GITHUB_STEP_SUMMARY", env.read_summary()?),
    ] {
        println!("\n-- {name} --");
        if content.is_empty() {
            println!("  (nothing written)");
        }
        for line in content.lines() {
            println!("  {line}");
        }
    }
    Ok((output.status.code(), env))
}

/// The binary `name` of `package` next to this one, built first when run through cargo.
fn sibling_binary(package: &str, name: &str) -> anyhow::Result<PathBuf> {
    let here = std::env::current_exe().context("cannot find this program's path")?;
    let dir = here.parent().context("this program has no directory")?;
    let binary = dir.join(name);
    if let Some(cargo) = std::env::var_os("CARGO") {
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", package, "--bin", name]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        if !build.status().context("cannot run cargo")?.success() {
            bail!("building {name} failed");
        }
    }
    if !binary.is_file() {
        bail!(
            "{} is missing: run `cargo build -p {package}` first",
            binary.display()
        );
    }
    Ok(binary)
}
