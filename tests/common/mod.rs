//! Helpers shared by the integration tests: running the exchange in-process or as the built
//! binary against the stand-ins, and reading back what it wrote.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::Duration;

use oidc_assume::exchange::Tuning;
use oidc_assume::retry::Backoff;
use oidc_assume::runner::parse_file_commands;
use oidc_assume_stand_ins::RunnerEnv;
use oidc_assume_stand_ins::faults::StsError;

/// Short backoff and timeouts, so retry tests take milliseconds.
pub fn fast() -> Tuning {
    Tuning {
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
        },
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
    }
}

/// What an in-process run printed and returned.
pub struct Run {
    pub code: ExitCode,
    pub log: String,
}

impl Run {
    pub fn succeeded(&self) -> bool {
        self.code == ExitCode::SUCCESS
    }
}

/// Runs the action in-process with the runner environment.
pub fn run(env: &RunnerEnv) -> Run {
    run_with(env, &fast())
}

/// Runs the action in-process with the given tuning.
pub fn run_with(env: &RunnerEnv, tuning: &Tuning) -> Run {
    let vars: HashMap<String, String> = env.vars().clone().into_iter().collect();
    let mut log = Vec::new();
    let code = oidc_assume::app::run_action(&vars, &mut log, tuning);
    Run {
        code,
        log: String::from_utf8(log).expect("the log is UTF-8"),
    }
}

/// Runs the built binary in a scrubbed environment (only the runner's variables and PATH).
pub fn run_binary(env: &RunnerEnv, args: &[&str]) -> Output {
    let mut command =
        oidc_assume_stand_ins::scrubbed_command(env!("CARGO_BIN_EXE_oidc-assume"), env.vars());
    command.args(args);
    command.current_dir(env.workspace());
    command.output().expect("the binary runs")
}

/// The entries of GITHUB_OUTPUT, read back with the runner's parser.
pub fn outputs(env: &RunnerEnv) -> Vec<(String, String)> {
    parse_file_commands(&env.read_output().expect("read GITHUB_OUTPUT"))
        .expect("GITHUB_OUTPUT parses")
}

/// The entries of GITHUB_ENV, read back with the runner's parser.
pub fn exports(env: &RunnerEnv) -> Vec<(String, String)> {
    parse_file_commands(&env.read_env().expect("read GITHUB_ENV")).expect("GITHUB_ENV parses")
}

/// The entries of GITHUB_STATE, read back with the runner's parser.
pub fn parse_state(env: &RunnerEnv) -> Vec<(String, String)> {
    parse_file_commands(&env.read_state().expect("read GITHUB_STATE")).expect("GITHUB_STATE parses")
}

/// The value of one entry.
pub fn value<'a>(entries: &'a [(String, String)], name: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The heading of the step summary a failed run writes.
pub const FAILURE_HEADING: &str = "### oidc-assume: no AWS credentials\n";

/// A failed run must leave every runner file as it found it (empty), except the step summary,
/// which holds either nothing or the failure page (never the success page).
pub fn assert_nothing_written(env: &RunnerEnv) {
    let summary = env.read_summary().expect("read");
    assert!(
        summary.is_empty()
            || (summary.starts_with(FAILURE_HEADING)
                && summary.matches(FAILURE_HEADING).count() == 1),
        "GITHUB_STEP_SUMMARY holds only the failure page: {summary}"
    );
    assert!(!summary.contains("AWS credentials\n\n|"), "{summary}");
    assert_untouched(env, false);
}

/// Runs the action in-process and checks it stopped with exit code 2 before any call to `sts`,
/// saying `why`, and wrote nothing.
pub fn assert_refused_before_any_call(
    env: &RunnerEnv,
    sts: &oidc_assume_stand_ins::Sts,
    why: &str,
) {
    let result = run(env);
    assert_eq!(result.code, ExitCode::from(2), "{}", result.log);
    assert!(result.log.contains(why), "{}", result.log);
    assert_eq!(sts.calls(), 0, "refused before any call");
    assert_nothing_written(env);
}

/// Like [`assert_nothing_written`], and the step summary stays empty too (a stopped run).
pub fn assert_untouched(env: &RunnerEnv, summary_too: bool) {
    if summary_too {
        assert_eq!(
            env.read_summary().expect("read"),
            "",
            "GITHUB_STEP_SUMMARY must stay empty"
        );
    }
    assert_nothing_else_written(env);
}

fn assert_nothing_else_written(env: &RunnerEnv) {
    assert_eq!(
        env.read_output().expect("read"),
        "",
        "GITHUB_OUTPUT must stay empty"
    );
    assert_eq!(
        env.read_env().expect("read"),
        "",
        "GITHUB_ENV must stay empty"
    );
    assert_eq!(
        env.read_state().expect("read"),
        "",
        "GITHUB_STATE must stay empty"
    );
}

/// The `::error::` annotations in a log.
pub fn errors(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.starts_with("::error::")).collect()
}

/// How the action must treat an STS error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Retried until the attempts run out.
    Transient,
    /// Retried once, with a fresh JWT.
    Once,
    /// Never retried.
    Permanent,
}

/// The retry table of aws-sts.md section 2, stated by hand: tests compare the action with this,
/// never with the classifier under test.
pub fn expected_retry(error: StsError) -> Expected {
    match error {
        StsError::Throttling
        | StsError::IdpCommunicationError
        | StsError::VerificationKey
        | StsError::RequestTimeout
        | StsError::InternalFailure
        | StsError::BadGateway
        | StsError::ServiceUnavailable
        | StsError::GatewayTimeout => Expected::Transient,
        StsError::ExpiredToken => Expected::Once,
        StsError::InvalidIdentityToken
        | StsError::IdpRejectedClaim
        | StsError::AccessDenied
        | StsError::MalformedPolicyDocument
        | StsError::PackedPolicyTooLarge
        | StsError::RegionDisabled
        | StsError::ValidationError => Expected::Permanent,
    }
}

/// A later `run:` step's environment: the job's variables (no `INPUT_*`, those are the action's
/// own) with what the action exported applied, as the runner applies `GITHUB_ENV`.
pub fn later_step(env: &RunnerEnv) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = env
        .vars()
        .iter()
        .filter(|(name, _)| !name.starts_with("INPUT_"))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    vars.extend(exports(env));
    vars
}

/// The Rust SDK's later step, built beside the action's binary.
pub fn later_step_program() -> PathBuf {
    let action = Path::new(env!("CARGO_BIN_EXE_oidc-assume"));
    let program = action.with_file_name("later-step");
    if !program.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args([
                "build",
                "--locked",
                "-p",
                "oidc-assume-stand-ins",
                "--bin",
                "later-step",
            ])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "later-step builds");
    }
    program
}

pub fn run_later_step(vars: &BTreeMap<String, String>, seconds: u64) -> Output {
    oidc_assume_stand_ins::scrubbed_command(later_step_program(), vars)
        .args(["--seconds", &seconds.to_string(), "--interval-ms", "400"])
        .output()
        .expect("later-step runs")
}
