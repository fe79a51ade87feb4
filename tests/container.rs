//! The image, run the way the GitHub runner runs a container action.
//!
//! The static release binary is built, the image is built from it with podman, offline
//! (`BINARY_FROM=host`), and every run uses the runner's `docker run` command line
//! (actions/runner `DockerCommandManager.DockerRun`): `--workdir /github/workspace --rm`, one
//! `-e NAME` per variable with the value in podman's own environment, `-e GITHUB_ACTIONS=true`,
//! `--entrypoint` from `action.yml`, and the runner's mounts (`/var/run/docker.sock`,
//! `/github/runner_temp`, `/github/home`, `/github/workflow`, `/github/file_commands`,
//! `/github/workspace`), with every variable's host path rewritten to its container path as the
//! runner does. Two departures: `--network host` instead of the job's network, so the container
//! reaches the stand-ins on loopback, and `--add-host` where a test needs a host name; and an
//! empty file stands in for the Docker socket, which these machines do not have.
//!
//! What is read back goes through the runner-format parser, exactly as for the plain binary.

mod common;
mod moto_server;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use common::{assert_nothing_written, errors, exports, outputs, value};
use moto_server::MotoServer;
use oidc_assume_stand_ins::faults::StsError;
use oidc_assume_stand_ins::runner_env::DEMO_REGION;
use oidc_assume_stand_ins::{RunnerEnv, Sts, TestCa, TokenEndpoint};

/// The budget for the uncompressed image.
const MAX_IMAGE_BYTES: u64 = 6_000_000;

const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The podman settings these sandboxes need (`scripts/install-test-deps` writes them).
fn containers_conf() -> OsString {
    let conf = std::env::var_os("CONTAINERS_CONF")
        .unwrap_or_else(|| repo().join(".tmp/containers.conf").into_os_string());
    assert!(
        Path::new(&conf).exists(),
        "{} is missing: run scripts/install-test-deps (scripts/test does)",
        Path::new(&conf).display()
    );
    conf
}

fn podman() -> Command {
    let mut command = Command::new("podman");
    command.env("CONTAINERS_CONF", containers_conf());
    command
}

fn run_checked(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot start it ({e}); is it installed? scripts/install-test-deps installs it"
        )
    });
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes a measurement where `scripts/test` prints it.
fn record(name: &str, text: &str) {
    let dir = repo().join("target/measurements");
    std::fs::create_dir_all(&dir).expect("measurements directory");
    std::fs::write(dir.join(format!("{name}.txt")), format!("{text}\n"))
        .expect("write measurement");
}

/// Builds the static binary and the image once for all tests here; returns the image name.
fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        run_checked(
            Command::new(cargo)
                .current_dir(repo())
                .args(["build", "--release", "--locked", "--target", MUSL_TARGET])
                .args(["--package", "oidc-assume", "--bin", "oidc-assume"]),
            "cargo build --release --target x86_64-unknown-linux-musl",
        );
        let name = "localhost/oidc-assume:container-test";
        run_checked(
            podman()
                .current_dir(repo())
                .args(["build", "--quiet", "--no-cache", "--network=none"])
                .args([
                    "--build-arg",
                    "BINARY_FROM=host",
                    "--build-arg",
                    "TARGETARCH=amd64",
                ])
                .args([
                    "--build-arg",
                    concat!("VERSION=", env!("CARGO_PKG_VERSION")),
                ])
                .args(["--tag", name, "."]),
            "podman build",
        );
        name.to_owned()
    })
}

fn inspect(format: &str) -> String {
    let out = run_checked(
        podman().args(["image", "inspect", "--format", format, image()]),
        "podman image inspect",
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// How a runner version mounts and translates its temporary directory.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Current runners mount `RUNNER_TEMP` at `/github/runner_temp`; older ones do not.
    runner_temp_mounted: bool,
    /// Whether `RUNNER_TEMP` itself arrives translated to `/github/runner_temp`.
    runner_temp_translated: bool,
}

/// Today's GitHub-hosted runners.
const CURRENT: Layout = Layout {
    runner_temp_mounted: true,
    runner_temp_translated: true,
};

/// An older runner's layout: no `runner_temp` mount, so the files go through `/github/home`;
/// the name, the layout and the action's directory under the job's root.
const OLDER: (&str, Layout, &str) = (
    "older, runner_temp not mounted",
    Layout {
        runner_temp_mounted: false,
        runner_temp_translated: false,
    },
    "_temp/_github_home/oidc-assume-aws",
);

/// The runner's mounts for `env`: host path, container path.
fn mounts(env: &RunnerEnv, layout: Layout) -> Vec<(PathBuf, &'static str)> {
    let workflow = env.runner_temp().join("_github_workflow");
    let docker_socket = env.root().join("docker.sock");
    std::fs::create_dir_all(&workflow).expect("_github_workflow");
    std::fs::write(&docker_socket, "").expect("docker.sock stand-in");
    let mut mounts = vec![(docker_socket, "/var/run/docker.sock")];
    if layout.runner_temp_mounted {
        mounts.push((env.runner_temp(), "/github/runner_temp"));
    }
    mounts.extend([
        (env.home(), "/github/home"),
        (workflow, "/github/workflow"),
        (env.file_commands_dir(), "/github/file_commands"),
        (env.workspace(), "/github/workspace"),
    ]);
    mounts
}

/// The runner's `TranslateToContainerPath`: a value under a mounted host path names the same
/// file inside the container (the longest mount wins).
fn translate(value: &str, mounts: &[(PathBuf, &'static str)]) -> String {
    let mut by_length: Vec<&(PathBuf, &str)> = mounts.iter().collect();
    by_length.sort_by_key(|(host, _)| std::cmp::Reverse(host.as_os_str().len()));
    for (host, container) in by_length {
        let host = host.to_string_lossy();
        if let Some(rest) = value.strip_prefix(host.as_ref())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{container}{rest}");
        }
    }
    value.to_owned()
}

/// Runs the image with the runner's command line; `extra` goes before the image name.
fn run_image(env: &RunnerEnv, entrypoint: &str, extra: &[&str]) -> Output {
    run_image_in(env, entrypoint, extra, CURRENT)
}

/// Runs the image as a runner of the given layout does.
fn run_image_in(env: &RunnerEnv, entrypoint: &str, extra: &[&str], layout: Layout) -> Output {
    let image = image();
    let mounts = mounts(env, layout);
    let vars: BTreeMap<&str, String> = env
        .vars()
        .iter()
        .map(|(k, v)| {
            if k == "RUNNER_TEMP" && !layout.runner_temp_translated {
                (k.as_str(), v.clone())
            } else {
                (k.as_str(), translate(v, &mounts))
            }
        })
        .collect();
    let mut command = podman();
    // podman reads each `-e NAME` value from its own environment, as docker does for the runner.
    command.env_clear();
    command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command.env("CONTAINERS_CONF", containers_conf());
    command.envs(&vars);
    let name = format!("oidc-assume-test-{}", uuid::Uuid::new_v4().simple());
    command.args(["run", "--name", &name, "--label", "oidc-assume-test"]);
    command.args(["--workdir", "/github/workspace", "--rm"]);
    for key in vars.keys() {
        command.args(["-e", key]);
    }
    command.args(["-e", "GITHUB_ACTIONS=true"]);
    if !vars.contains_key("CI") {
        command.args(["-e", "CI=true"]);
    }
    command.args(["--entrypoint", entrypoint, "--network", "host"]);
    for (host, container) in &mounts {
        command
            .arg("-v")
            .arg(format!("{}:{container}", host.display()));
    }
    command.args(extra);
    command.arg(image);
    command.output().expect("podman runs")
}

fn log_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn masks(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .collect()
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_is_small_and_follows_the_runner_rules() {
    let size: u64 = inspect("{{.Size}}").parse().expect("a size");
    let binary =
        std::fs::metadata(repo().join(format!("target/{MUSL_TARGET}/release/oidc-assume")))
            .expect("the release binary")
            .len();
    record(
        "image-size",
        &format!(
            "image: {size} bytes uncompressed (budget {MAX_IMAGE_BYTES}); static binary: {binary} bytes"
        ),
    );
    assert!(size <= MAX_IMAGE_BYTES, "the image is {size} bytes");
    assert!(
        size - binary < 64 * 1024,
        "the image holds the binary and nearly nothing else"
    );
    assert_eq!(inspect("{{len .RootFS.Layers}}"), "1", "one layer");
    assert_eq!(
        inspect("{{json .Config.Entrypoint}}"),
        r#"["/oidc-assume"]"#
    );
    assert_eq!(inspect("{{.Config.User}}"), "", "no USER");
    assert_eq!(inspect("{{.Config.WorkingDir}}"), "", "no WORKDIR");
    assert_eq!(
        inspect(r#"{{index .Config.Labels "org.opencontainers.image.version"}}"#),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        inspect(r#"{{index .Config.Labels "org.opencontainers.image.licenses"}}"#),
        "Apache-2.0"
    );
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_exchanges_against_the_stand_ins() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = run_image(&env, "/oidc-assume", &[]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    // The container read the hyphenated inputs and reached both stand-ins.
    let calls = sts.requests();
    assert_eq!((token.calls(), calls.len()), (1, 1), "{log}");
    assert_eq!(
        token.token_requests()[0].query_values("audience"),
        ["sts.amazonaws.com"]
    );
    assert_eq!(
        calls[0].form_value("RoleArn").as_deref(),
        env.get("INPUT_ROLE-TO-ASSUME")
    );
    assert_eq!(
        calls[0].form_value("WebIdentityToken"),
        token.minted().first().cloned()
    );

    // Masks first, every secret masked, then the files through the mounts, read by the
    // runner's parser.
    let issued = &sts.issued()[0];
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_owned);
    assert_eq!(
        first,
        Some(format!("::add-mask::{}", token.request_token()))
    );
    let masked = masks(&log);
    for secret in [
        token.minted()[0].as_str(),
        &issued.access_key_id,
        &issued.secret_access_key,
        &issued.session_token,
    ] {
        assert!(masked.contains(&secret), "{secret} is masked");
    }
    assert_eq!(
        outputs(&env),
        [
            ("aws-account-id".to_owned(), "111122223333".to_owned()),
            (
                "authenticated-arn".to_owned(),
                issued.assumed_role_arn.clone()
            ),
        ]
    );
    assert_eq!(
        exports(&env),
        [
            ("AWS_REGION".to_owned(), DEMO_REGION.to_owned()),
            ("AWS_DEFAULT_REGION".to_owned(), DEMO_REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID".to_owned(), issued.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY".to_owned(),
                issued.secret_access_key.clone()
            ),
            ("AWS_SESSION_TOKEN".to_owned(), issued.session_token.clone()),
        ]
    );
    assert!(
        env.read_summary()
            .expect("summary")
            .contains("oidc-assume-demo")
    );
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_resolves_a_host_name_and_trusts_the_ca_from_ssl_cert_file() {
    let ca = TestCa::new();
    let host = "stand-ins.oidc-assume.test";
    let token = TokenEndpoint::builder()
        .tls(ca.server_tls(&[host]))
        .start()
        .expect("token endpoint");
    let sts = Sts::builder()
        .tls(ca.server_tls(&[host]))
        .start()
        .expect("sts");
    assert!(token.url().starts_with(&format!("https://{host}:")));
    assert!(sts.url().starts_with(&format!("https://{host}:")));
    let add_host = format!("{host}:127.0.0.1");

    // Without the CA the handshake must fail, at once: the built-in roots do not know the test
    // CA, and an untrusted certificate is not a transient failure.
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let started = Instant::now();
    let out = run_image(&env, "/oidc-assume", &["--add-host", &add_host]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    let errors = errors(&log);
    assert_eq!(errors.len(), 1, "{log}");
    assert!(
        errors[0].contains("TLS") && errors[0].contains("SSL_CERT_FILE"),
        "{log}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "not retried: {log}"
    );
    assert_nothing_written(&env);

    // A PEM file under RUNNER_TEMP, named by its host path as a workflow would: the runner's
    // path translation makes it /github/runner_temp/... inside the container.
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let ca_file = env.runner_temp().join("corporate-ca.pem");
    ca.write_pem(&ca_file).expect("write the CA");
    env.set("SSL_CERT_FILE", ca_file.to_string_lossy());
    let out = run_image(&env, "/oidc-assume", &["--add-host", &add_host]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(
        token.calls(),
        1,
        "the failed run never reached the token endpoint's handler"
    );
    assert_eq!(sts.calls(), 1);
    assert_eq!(
        value(&exports(&env), "AWS_ACCESS_KEY_ID"),
        Some(sts.issued()[0].access_key_id.as_str())
    );
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_reaches_localhost_without_etc_hosts() {
    // A scratch image has no /etc/hosts of its own, and musl would ask DNS for `localhost`:
    // the binary maps it to the loopback addresses itself.
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let on_localhost = |url: String| url.replace("127.0.0.1", "localhost");
    let env = RunnerEnv::new(
        &on_localhost(token.url()),
        token.request_token(),
        &on_localhost(sts.url()),
    )
    .expect("runner environment");
    assert!(
        env.get("ACTIONS_ID_TOKEN_REQUEST_URL")
            .is_some_and(|u| u.starts_with("http://localhost:"))
    );
    let out = run_image(&env, "/oidc-assume", &["--no-hosts"]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!((token.calls(), sts.calls()), (1, 1), "{log}");
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_fails_clearly_without_the_id_token_permission() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    env.remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let out = run_image(&env, "/oidc-assume", &[]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    let errors = errors(&log);
    assert_eq!(errors.len(), 1, "{log}");
    assert!(
        errors[0].contains("permissions: id-token: write") && errors[0].contains("fork"),
        "{log}"
    );
    assert_eq!((token.calls(), sts.calls()), (0, 0));
    assert_nothing_written(&env);
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_explains_access_denied_and_does_not_retry() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    sts.push(StsError::AccessDenied.fault());
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = run_image(&env, "/oidc-assume", &[]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert_eq!((token.calls(), sts.calls()), (1, 1), "not retried");
    assert!(errors(&log)[0].contains("AccessDenied"), "{log}");
    for expected in [
        "  sub: repo:octo-org/octo-repo:ref:refs/heads/main",
        "  aud: sts.amazonaws.com",
        r#""token.actions.githubusercontent.com:sub":"repo:octo-org/octo-repo:ref:refs/heads/main""#,
    ] {
        assert!(log.contains(expected), "missing {expected:?} in\n{log}");
    }
    assert_nothing_written(&env);
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_image_rejects_invalid_input_with_exit_code_2() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    env.input("role-duration-seconds", "5");
    let out = run_image(&env, "/oidc-assume", &[]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(errors(&log)[0].contains("role-duration-seconds"), "{log}");
    assert_eq!((token.calls(), sts.calls()), (0, 0));
    assert_nothing_written(&env);
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn the_post_entrypoint_blanks_the_exports_unless_skipped() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    let out = run_image(&env, "/oidc-assume", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", log_of(&out));
    assert_eq!(exports(&env).len(), 5);

    // The runner gives every step fresh file-command files; the post step gets the same inputs
    // and arguments as the main step and differs only by its entrypoint.
    std::fs::write(env.env_file(), "").expect("fresh GITHUB_ENV");
    let out = run_image(&env, "/oidc-assume-post", &[]);
    let log = log_of(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(
        exports(&env),
        [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN"
        ]
        .map(|n| (n.to_owned(), String::new())),
        "{log}"
    );
    assert_eq!(
        (token.calls(), sts.calls()),
        (1, 1),
        "the post step calls nothing"
    );

    std::fs::write(env.env_file(), "").expect("fresh GITHUB_ENV");
    env.set("AWS_SKIP_CLEANUP_STEP", "true");
    let out = run_image(&env, "/oidc-assume-post", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", log_of(&out));
    assert_eq!(env.read_env().expect("GITHUB_ENV"), "");
}

#[test]
#[ignore = "needs podman and moto; run by scripts/test"]
fn the_image_exchanges_against_moto() {
    let token = TokenEndpoint::start();
    let moto = MotoServer::start();
    let mut env = RunnerEnv::new(&token.url(), token.request_token(), &moto.url())
        .expect("runner environment");
    env.input("output-credentials", "true");
    image();

    // moto loads its STS backend on the first request; the second run shows the container's
    // own cost. Each run gets fresh runner files, as each step does.
    let mut times = Vec::new();
    let mut log = String::new();
    for _ in 0..2 {
        for file in [env.output_file(), env.env_file(), env.summary_file()] {
            std::fs::write(file, "").expect("fresh runner file");
        }
        let started = Instant::now();
        let out = run_image(&env, "/oidc-assume", &[]);
        times.push(started.elapsed().as_millis());
        log = log_of(&out);
        assert_eq!(out.status.code(), Some(0), "{log}");
    }
    record(
        "container-exchange-moto",
        &format!(
            "one containerised exchange against moto, podman run to exit: {} ms (moto cold), {} ms (moto warm)",
            times[0], times[1]
        ),
    );

    let outputs = outputs(&env);
    let exported = exports(&env);
    let arn = value(&outputs, "authenticated-arn").expect("authenticated-arn");
    assert!(arn.ends_with("/GitHubActions"), "{arn}");
    for (output, export) in [
        ("aws-access-key-id", "AWS_ACCESS_KEY_ID"),
        ("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY"),
        ("aws-session-token", "AWS_SESSION_TOKEN"),
    ] {
        let secret = value(&exported, export).expect("exported");
        assert_eq!(value(&outputs, output), Some(secret));
        assert!(masks(&log).contains(&secret), "{export} is masked");
    }
    assert!(value(&outputs, "aws-expiration").is_some_and(|e| e.ends_with('Z')));
}

/// What botocore (from the test virtualenv) makes of a profile, run as a later host step with only
/// the variables the step exported, an empty HOME and no other AWS variable.
fn botocore_reads(exported: &[(String, String)], profile: &str, home: &Path) -> (String, String) {
    let python = repo().join(".venv/bin/python");
    let script = "import botocore.session\n\
        s = botocore.session.Session()\n\
        c = s.get_credentials().get_frozen_credentials()\n\
        print(c.access_key, s.get_config_variable('region'))\n";
    let mut command = Command::new(&python);
    command
        .env_clear()
        .env("HOME", home)
        .env("AWS_PROFILE", profile);
    command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (name, value) in exported {
        command.env(name, value);
    }
    let out = run_checked(command.args(["-c", script]), "botocore reading the profile");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let (key, region) = text.trim().split_once(' ').expect("key and region");
    (key.to_owned(), region.to_owned())
}

#[test]
#[ignore = "needs podman and the test virtualenv; run by scripts/test"]
fn profiles_written_in_the_container_are_read_on_the_host_in_every_runner_layout() {
    use std::os::unix::fs::MetadataExt;
    let layouts = [
        ("current", CURRENT, "_temp/oidc-assume-aws"),
        (
            "runner_temp mounted, RUNNER_TEMP untranslated",
            Layout {
                runner_temp_mounted: true,
                runner_temp_translated: false,
            },
            "_temp/oidc-assume-aws",
        ),
        OLDER,
    ];
    for (name, layout, directory) in layouts {
        let token = TokenEndpoint::start();
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
        // The job's user owns the runner's directories; the container runs as root.
        for dir in [env.runner_temp(), env.home()] {
            std::os::unix::fs::chown(&dir, Some(4242), Some(4343)).expect("chown");
        }
        env.input("aws-profile", "state");
        let out = run_image_in(&env, "/oidc-assume", &[], layout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", log_of(&out));
        let first = exports(&env);
        let host = env.root().join(directory);
        assert_eq!(
            first,
            [
                (
                    "AWS_CONFIG_FILE".to_owned(),
                    host.join("config").display().to_string()
                ),
                (
                    "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                    host.join("credentials").display().to_string()
                ),
            ],
            "{name}: the host paths are exported"
        );
        for file in ["config", "credentials"] {
            let meta = std::fs::metadata(host.join(file)).expect("written");
            assert_eq!(
                (meta.mode() & 0o777, meta.uid(), meta.gid()),
                (0o600, 4242, 4343),
                "{name}: {file}"
            );
        }

        // A second invocation: the runner hands the exported paths in, translated.
        for file in [env.output_file(), env.env_file(), env.summary_file()] {
            std::fs::write(file, "").expect("fresh runner file");
        }
        for (variable, value) in &first {
            env.set(variable.as_str(), value.as_str());
        }
        env.input("aws-profile", "resources")
            .input("aws-region", "eu-central-1");
        let out = run_image_in(&env, "/oidc-assume", &[], layout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", log_of(&out));
        assert!(exports(&env).is_empty(), "{name}: nothing exported again");

        let issued = sts.issued();
        let home = tempfile::tempdir().expect("empty HOME");
        assert_eq!(
            botocore_reads(&first, "state", home.path()),
            (issued[0].access_key_id.clone(), DEMO_REGION.to_owned()),
            "{name}"
        );
        assert_eq!(
            botocore_reads(&first, "resources", home.path()),
            (issued[1].access_key_id.clone(), "eu-central-1".to_owned()),
            "{name}"
        );
    }
}

#[test]
#[ignore = "needs podman; run by scripts/test"]
fn a_refreshing_profile_written_in_the_container_renews_credentials_on_the_host() {
    use std::os::unix::fs::MetadataExt;
    let layouts = [("current", CURRENT, "_temp/oidc-assume-aws"), OLDER];
    for (name, layout, directory) in layouts {
        let token = TokenEndpoint::start();
        let sts = Sts::builder()
            .session_lifetime(2)
            .start()
            .expect("STS stand-in");
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
        for dir in [env.runner_temp(), env.home()] {
            std::os::unix::fs::chown(&dir, Some(4242), Some(4343)).expect("chown");
        }
        env.input("refresh-credentials", "true");
        let out = run_image_in(&env, "/oidc-assume", &[], layout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", log_of(&out));
        let host = env.root().join(directory);
        let exported = exports(&env);
        assert_eq!(
            value(&exported, "AWS_CONFIG_FILE"),
            Some(host.join("config").to_str().expect("UTF-8")),
            "{name}"
        );
        let config = std::fs::read_to_string(host.join("config")).expect("config");
        let program = host.join("oidc-assume");
        assert!(
            config.contains(&format!(
                "credential_process = {} credential-process ",
                program.display()
            )),
            "{name}: {config}"
        );
        for (file, mode) in [("config", 0o600), ("oidc-assume", 0o700)] {
            let meta = std::fs::metadata(host.join(file)).expect("written");
            assert_eq!(
                (meta.mode() & 0o777, meta.uid(), meta.gid()),
                (mode, 4242, 4343),
                "{name}: {file}"
            );
        }

        // A later step on the host: the copied static binary renews the credentials.
        let later = common::run_later_step(&common::later_step(&env), 5);
        let said = String::from_utf8_lossy(&later.stdout);
        assert!(later.status.success(), "{name}: {said}");
        assert!(
            sts.web_identity_tokens().len() >= 3,
            "{name}: {} exchanges",
            sts.web_identity_tokens().len()
        );

        // The post step, with the state the main step saved, removes the profile and the copy.
        let state = common::parse_state(&env);
        for (key, value) in &state {
            env.set(format!("STATE_{key}"), value.as_str());
        }
        std::fs::write(env.env_file(), "").expect("fresh GITHUB_ENV");
        let out = run_image_in(&env, "/oidc-assume-post", &[], layout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", log_of(&out));
        assert!(
            log_of(&out).contains("Removed the refreshing profile"),
            "{name}: {}",
            log_of(&out)
        );
        assert!(!program.exists() && !host.join("config").exists(), "{name}");
    }
}
