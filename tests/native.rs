//! The native action (`native/`): laid out by `scripts/native-action` as the release does, then
//! run the way the runner runs a node action (`node main.js`, then `node post.js`, with the
//! runner's `INPUT_*`, `GITHUB_*` and file-command variables), end to end against the stand-ins.
//! Only Linux x64 runs here; Node is the machine's (20), while the action declares `node24`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{exports, outputs, value};
use oidc_assume_stand_ins::{RunnerEnv, Sts, TokenEndpoint, scrubbed_command};
use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The native action as the release lays it out, with this build's binary for linux-x64.
fn lay_out() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(repo().join("scripts/native-action"))
        .arg(dir.path())
        .arg(format!("linux-x64={}", env!("CARGO_BIN_EXE_oidc-assume")))
        .output()
        .expect("scripts/native-action runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn node(action: &Path, script: &str, env: &RunnerEnv) -> Output {
    let mut command = scrubbed_command("node", env.vars());
    command
        .arg(action.join(script))
        .current_dir(env.workspace());
    command.output().expect("node runs")
}

fn log(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).expect("readable");
    YamlLoader::load_from_str(&text)
        .expect("YAML")
        .pop()
        .expect("a document")
}

/// (name, description, required, default) of each entry of a section, in order.
fn entries(action: &Yaml, section: &str) -> Vec<(String, String)> {
    let Some(map) = action[section].as_hash() else {
        panic!("no {section}");
    };
    map.iter()
        .map(|(name, entry)| {
            (
                name.as_str().expect("a name").to_owned(),
                format!(
                    "{:?} {:?} {:?}",
                    entry["description"], entry["required"], entry["default"]
                ),
            )
        })
        .collect()
}

#[test]
fn the_native_action_declares_every_input_and_output_of_the_container_action() {
    let dir = lay_out();
    let native = yaml(&dir.path().join("action.yml"));
    let container = yaml(&repo().join("action.yml"));
    for section in ["inputs", "outputs"] {
        let got = entries(&native, section);
        assert!(!got.is_empty(), "{section}");
        assert_eq!(got, entries(&container, section), "{section}");
    }
    let runs = &native["runs"];
    assert_eq!(runs["using"].as_str(), Some("node24"));
    assert_eq!(runs["main"].as_str(), Some("main.js"));
    assert_eq!(runs["post"].as_str(), Some("post.js"));
    assert_eq!(runs["post-if"].as_str(), Some("always()"));
    let files: BTreeSet<PathBuf> = std::fs::read_dir(dir.path().join("bin"))
        .expect("bin")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 2, "one binary and SHA256SUMS: {files:?}");
}

#[test]
fn the_native_action_exchanges_and_its_post_step_cleans_up() {
    let dir = lay_out();
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = node(dir.path(), "main.js", &env);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_eq!(sts.calls(), 1);
    let issued = sts.issued();
    assert_eq!(
        value(&exports(&env), "AWS_ACCESS_KEY_ID"),
        Some(issued[0].access_key_id.as_str())
    );
    assert!(value(&outputs(&env), "aws-account-id").is_some());

    std::fs::write(env.env_file(), "").expect("fresh GITHUB_ENV");
    let out = node(dir.path(), "post.js", &env);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_eq!(value(&exports(&env), "AWS_ACCESS_KEY_ID"), Some(""));
}

#[test]
fn a_binary_that_does_not_match_its_sha256_is_never_run() {
    let dir = lay_out();
    let binary = dir.path().join("bin/oidc-assume-linux-x64");
    let mut bytes = std::fs::read(&binary).expect("binary");
    bytes.push(0);
    std::fs::write(&binary, bytes).expect("tampered");
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = node(dir.path(), "main.js", &env);
    assert_eq!(out.status.code(), Some(1));
    let text = log(&out);
    assert!(
        text.starts_with(
            "::error::oidc-assume: oidc-assume-linux-x64 does not match its SHA-256 in bin/SHA256SUMS"
        ),
        "{text}"
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0), "nothing ran");
    common::assert_nothing_written(&env);

    std::fs::remove_file(&binary).expect("removed");
    let out = node(dir.path(), "main.js", &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        log(&out).contains("this release has no oidc-assume-linux-x64"),
        "{}",
        log(&out)
    );
}

#[test]
fn a_cancelled_step_reaches_the_binary_which_stops_and_writes_nothing() {
    // The runner cancels a node action's step with SIGINT to node, then SIGTERM 7.5 s later.
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        cancel_during_the_token_request(signal, code);
    }
}

fn cancel_during_the_token_request(signal: &str, code: i32) {
    use oidc_assume_stand_ins::faults::Behaviour;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = lay_out();
    let token = TokenEndpoint::builder()
        .default_behaviour(Behaviour::NoHeaders)
        .start()
        .expect("token");
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let child = scrubbed_command("node", env.vars())
        .arg(dir.path().join("main.js"))
        .current_dir(env.workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let started = Instant::now();
    while token.calls() == 0 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(token.calls(), 1, "the token request is in flight");
    let killed = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(code), "{}", log(&out));
    assert!(
        log(&out).contains(&format!("stopped by SIG{signal}")),
        "{}",
        log(&out)
    );
    common::assert_untouched(&env, true);
}
