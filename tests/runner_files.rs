//! The runner's files when writing them fails: a write that fails half-way (a file size limit,
//! provoked for real with `ulimit -f`) is cut back in every file, the step summary cannot fail
//! the step, and paths that are not regular files are refused by both steps.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{exports, outputs};
use oidc_assume_stand_ins::{RunnerEnv, Sts, TokenEndpoint, scrubbed_command};

/// The file size limit, in bash's 1024-byte blocks: 4096 bytes. bash, not `sh`: dash drops
/// variables whose names hold a hyphen (`INPUT_AWS-REGION`) from the environment it passes on.
const LIMIT_BLOCKS: u32 = 4;
const LIMIT_BYTES: usize = 4096;

/// Runs the binary (as `post` when `post` is set) under bash's `ulimit -f`, with `SIGXFSZ` ignored by
/// the shell (`trap_xfsz`, inherited through exec) or left at its default, which kills a process
/// that has no handler of its own.
fn run_limited(env: &RunnerEnv, trap_xfsz: bool, post: bool) -> Output {
    let trap = if trap_xfsz { "trap '' XFSZ; " } else { "" };
    let args = if post { " post" } else { "" };
    let script = format!("{trap}ulimit -f {LIMIT_BLOCKS}; exec \"$BIN\"{args}",);
    let mut command = scrubbed_command("bash", env.vars());
    command
        .env("BIN", env!("CARGO_BIN_EXE_oidc-assume"))
        .args(["-c", &script])
        .current_dir(env.workspace());
    command.output().expect("bash runs")
}

fn log(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Fills `path` so that fewer than `room` bytes fit under the limit.
fn fill(path: &Path, room: usize) -> String {
    let filler = format!("{}\n", "#".repeat(LIMIT_BYTES - room - 1));
    std::fs::write(path, &filler).expect("fill");
    filler
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

#[test]
fn a_write_that_fails_half_way_is_cut_back_in_every_file() {
    for trap_xfsz in [true, false] {
        let token = TokenEndpoint::start();
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        env.input("output-credentials", "true");
        // GITHUB_OUTPUT is written first and fits; GITHUB_ENV fails after a partial write.
        let env_before = fill(env.env_file(), 100);
        let output = run_limited(&env, trap_xfsz, false);
        let log = log(&output);
        assert_eq!(
            output.status.code(),
            Some(1),
            "trap {trap_xfsz}: a failed write, not a kill by SIGXFSZ: {log}"
        );
        assert!(log.contains("File too large"), "{log}");
        assert_eq!(sts.calls(), 1, "the exchange itself succeeded");
        assert_eq!(read(env.output_file()), "", "GITHUB_OUTPUT is cut back");
        assert_eq!(read(env.env_file()), env_before, "GITHUB_ENV is cut back");
        let summary = read(env.summary_file());
        assert!(
            summary.starts_with(common::FAILURE_HEADING)
                && !summary.contains("### AWS credentials"),
            "only the failure page: {summary}"
        );
    }
}

#[test]
fn a_summary_that_cannot_be_written_is_a_warning_and_leaves_nothing_partial() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let summary_before = fill(env.summary_file(), 50);
    let output = run_limited(&env, false, false);
    let log = log(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(
        log.lines()
            .any(|l| l.starts_with("::warning::the step summary was not written")),
        "{log}"
    );
    assert_eq!(read(env.summary_file()), summary_before);
    let issued = &sts.issued()[0];
    assert_eq!(
        common::value(&exports(&env), "AWS_ACCESS_KEY_ID"),
        Some(issued.access_key_id.as_str())
    );
    assert!(common::value(&outputs(&env), "aws-account-id").is_some());
}

#[test]
fn the_post_step_cuts_back_a_failed_write() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let env_before = fill(env.env_file(), 40);
    let output = run_limited(&env, false, true);
    assert_eq!(output.status.code(), Some(1), "{}", log(&output));
    assert_eq!(read(env.env_file()), env_before);
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn paths_that_are_not_regular_files_are_refused_by_both_steps() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    for (kind, described) in [("directory", "a directory"), ("fifo", "a FIFO")] {
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        let odd = env.root().join(format!("odd-{kind}"));
        if kind == "directory" {
            std::fs::create_dir(&odd).expect("dir");
        } else {
            mkfifo(&odd);
        }
        let odd_path = odd.to_string_lossy().into_owned();
        for (variable, step) in [
            ("GITHUB_OUTPUT", None),
            ("GITHUB_ENV", None),
            ("GITHUB_STEP_SUMMARY", None),
            ("GITHUB_ENV", Some("post")),
        ] {
            let mut env_for_case = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
            env_for_case.set(variable, &odd_path);
            let output = common::run_binary(&env_for_case, step.as_slice());
            let log = log(&output);
            let message = format!("{variable} points to {odd_path}, which is {described}");
            if variable == "GITHUB_STEP_SUMMARY" {
                // The summary cannot fail the step: a warning, and the credentials still go out.
                assert_eq!(output.status.code(), Some(0), "{kind} {variable}: {log}");
                assert!(
                    log.lines()
                        .any(|l| l.starts_with("::warning::") && l.contains(&message)),
                    "{kind} {variable}: {log}"
                );
            } else {
                assert_eq!(
                    output.status.code(),
                    Some(1),
                    "{kind} {variable} {step:?}: {log}"
                );
                assert!(
                    log.lines()
                        .any(|l| l.starts_with("::error::") && l.contains(&message)),
                    "{kind} {variable} {step:?}: {log}"
                );
            }
            if step.is_none() && variable == "GITHUB_ENV" {
                assert_eq!(
                    read(env_for_case.output_file()),
                    "",
                    "{kind}: nothing written"
                );
            }
        }
        env.set("GITHUB_OUTPUT", &odd_path);
    }
}
