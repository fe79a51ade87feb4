//! The Windows binary, run under Wine against the stand-ins, the way a Windows runner would run
//! it: Windows paths (`Z:\...`) in every runner variable, `RUNNER_OS=Windows`, and the runner
//! files read back with the runner's Windows line splitting.
//!
//! `scripts/test` builds what these need (ignored otherwise): the binary with `scripts/cross`
//! into `target/cross/`, and into `target/wine/` a Wine prefix and a stand-in for
//! `bcryptprimitives.dll` (see `tests/wine/bcryptprimitives.c`; Wine 8 lacks it, Windows has it).
//! Not covered here: Ctrl-C and Ctrl-Break (Wine does not deliver console control events to a
//! program it starts without a console) and Windows access lists.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::value;
use oidc_assume::runner::{LineEndings, parse_file_commands_as};
use oidc_assume_stand_ins::{RunnerEnv, Sts, TestCa, TokenEndpoint, scrubbed_command};

const NEEDS: &str = "needs Wine and the Windows binary: run scripts/test, which builds them";

fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// The Windows binary beside the `bcryptprimitives.dll` stand-in, as `scripts/test` leaves them.
fn program() -> PathBuf {
    let wine = target().join("wine");
    let exe = wine.join("oidc-assume.exe");
    for file in [&exe, &wine.join("bcryptprimitives.dll")] {
        assert!(file.is_file(), "{} is missing: {NEEDS}", file.display());
    }
    exe
}

/// `/tmp/x` as a Windows program sees it: Wine's drive `Z:` is the Unix root.
fn windows_path(path: &str) -> String {
    format!("Z:{}", path.replace('/', "\\"))
}

/// The runner's variables with Windows paths, as a Windows runner sets them.
fn windows_vars(env: &RunnerEnv) -> BTreeMap<String, String> {
    let mut vars = env.vars().clone();
    for (name, value) in &mut vars {
        let is_path = matches!(
            name.as_str(),
            "GITHUB_OUTPUT"
                | "GITHUB_ENV"
                | "GITHUB_STATE"
                | "GITHUB_STEP_SUMMARY"
                | "RUNNER_TEMP"
                | "GITHUB_WORKSPACE"
                | "RUNNER_WORKSPACE"
                | "HOME"
                | "SSL_CERT_FILE"
        );
        if is_path {
            *value = windows_path(value);
        }
    }
    vars.insert("RUNNER_OS".into(), "Windows".into());
    vars.insert("RUNNER_ARCH".into(), "X64".into());
    vars.insert(
        "WINEPREFIX".into(),
        path_string(&target().join("wine/prefix")),
    );
    vars.insert("WINEDEBUG".into(), "-all".into());
    vars
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs the program under Wine with the runner's variables. Wine drops variables whose names are
/// not identifiers when it starts a program, and the runner's `INPUT_*` names keep their hyphens
/// (`INPUT_ROLE-TO-ASSUME`), which Windows itself allows: a batch file sets those with `set`
/// inside Windows, then starts the program, so it sees the environment a Windows runner gives.
fn wine(env: &RunnerEnv, args: &[&str]) -> Output {
    let (plain, hyphenated): (BTreeMap<_, _>, BTreeMap<_, _>) = windows_vars(env)
        .into_iter()
        .partition(|(name, _)| !name.contains('-'));
    let mut batch = String::from("@echo off\r\n");
    for (name, value) in &hyphenated {
        assert!(
            !value.contains(['"', '%', '\r', '\n']),
            "{name}: a value this batch file cannot carry"
        );
        batch.push_str(&format!("set \"{name}={value}\"\r\n"));
    }
    let exe = windows_path(&path_string(&program()));
    batch.push_str(&format!("\"{exe}\" %*\r\nexit /b %ERRORLEVEL%\r\n"));
    let script = env.root().join("step.cmd");
    std::fs::write(&script, batch).expect("batch file");
    let mut command = scrubbed_command("wine", &plain);
    command
        .args(["cmd", "/c", &windows_path(&path_string(&script))])
        .args(args)
        .current_dir(env.workspace());
    command.output().expect("wine runs")
}

fn log(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_windows(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("readable");
    parse_file_commands_as(&text, LineEndings::Windows).expect("the Windows runner parses it")
}

#[test]
#[ignore = "needs Wine and the Windows binary: run scripts/test"]
fn under_wine_the_exchange_writes_files_a_windows_runner_reads() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = wine(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_eq!((token.calls(), sts.calls()), (1, 1));
    let issued = &sts.issued()[0];
    let exports = read_windows(env.env_file());
    assert_eq!(
        value(&exports, "AWS_SECRET_ACCESS_KEY"),
        Some(issued.secret_access_key.as_str())
    );
    assert_eq!(
        value(&exports, "AWS_SESSION_TOKEN"),
        Some(issued.session_token.as_str())
    );
    let outputs = read_windows(env.output_file());
    assert!(value(&outputs, "aws-account-id").is_some(), "{outputs:?}");
    // Each secret appears only in its mask command, which comes before anything else about it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    for secret in [&issued.secret_access_key, &issued.session_token] {
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(secret.as_str()))
            .collect();
        assert_eq!(lines, [format!("::add-mask::{secret}")], "{stdout}");
    }
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&issued.secret_access_key));

    // The post step blanks what was exported.
    std::fs::write(env.env_file(), "").expect("fresh GITHUB_ENV");
    let out = wine(&env, &["post"]);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_eq!(
        value(&read_windows(env.env_file()), "AWS_ACCESS_KEY_ID"),
        Some("")
    );
}

#[test]
#[ignore = "needs Wine and the Windows binary: run scripts/test"]
fn under_wine_a_private_ca_in_ssl_cert_file_is_trusted_and_only_then() {
    let ca = TestCa::new();
    let names = ["localhost"];
    let token = TokenEndpoint::builder()
        .tls(ca.server_tls(&names).with_url_host("localhost"))
        .start()
        .expect("token");
    let sts = Sts::builder()
        .tls(ca.server_tls(&names).with_url_host("localhost"))
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = wine(&env, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    assert!(log(&out).contains("SSL_CERT_FILE"), "{}", log(&out));
    common::assert_nothing_written(&env);
    env.trust_ca(&ca).expect("ca");
    let out = wine(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_eq!(sts.calls(), 1);
}

#[test]
#[ignore = "needs Wine and the Windows binary: run scripts/test"]
fn under_wine_profiles_are_refused_before_any_call() {
    for (input, value) in [("aws-profile", "deploy"), ("refresh-credentials", "true")] {
        let token = TokenEndpoint::start();
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
        env.input(input, value);
        let out = wine(&env, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", log(&out));
        let text = log(&out);
        assert!(
            text.contains(&format!("`{input}` is not supported on Windows runners")),
            "{text}"
        );
        assert_eq!((token.calls(), sts.calls()), (0, 0));
        common::assert_nothing_written(&env);
        let temp = std::fs::read_dir(env.runner_temp()).expect("RUNNER_TEMP");
        let names: Vec<_> = temp.map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names.len(), 2, "no profile directory: {names:?}");
    }
}
