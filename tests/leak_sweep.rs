//! The leak sweep: every success and failure path, run as the real binary with sentinel secrets and
//! every debug switch on (`RUNNER_DEBUG=1`, `RUST_LOG=trace`, `RUST_BACKTRACE=full`).
//!
//! The request token, the JWT, the key id, the secret key and the session token must appear nowhere
//! (raw, base64, URL-encoded or JSON-escaped) in stdout, stderr, the summary or the state file,
//! except in `::add-mask::` lines; the credentials appear in GITHUB_ENV / GITHUB_OUTPUT only as the
//! values of their own entries, and only when the run succeeded. The request token is masked on
//! the first line.

mod common;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use common::{exports, outputs, run_binary, value};
use oidc_assume_stand_ins::faults::StsError;
use oidc_assume_stand_ins::sts::StsCredentials;
use oidc_assume_stand_ins::{
    Behaviour, ConnectProxy, Fault, ProxyMode, RunnerEnv, Sts, TestCa, TokenEndpoint,
};

const REQUEST_TOKEN: &str = "SentinelRequestToken-ab12cd34ef56";
const KEY: &str = "ASIASENTINELKEY00001";
const SECRET: &str = "SentinelSecretKey/0000000000000000000000+";
const SESSION: &str = "SentinelSessionToken+/AAAABBBBCCCC==";
const PROXY_PASSWORD: &str = "SentinelProxyPassw0rd-77aa";
const FILE_TOKEN: &str = "SentinelTokenFileContent-5e6f7a8b";
/// An intermediate role's credentials in a chain: never written anywhere, on any path.
const HOP_KEY: &str = "ASIASENTINELHOPKEY01";
const HOP_SECRET: &str = "SentinelHopSecret/1111111111111111111111+";
const HOP_SESSION: &str = "SentinelHopSessionToken+/DDDDEEEEFFFF==";
/// The environment's credentials `role-chaining` signs with.
const SOURCE_KEY: &str = "ASIASENTINELSOURCE01";
const SOURCE_SECRET: &str = "SentinelSourceSecret/222222222222222222+";
const SOURCE_SESSION: &str = "SentinelSourceSessionToken+/GGGGHHHHIIII==";
const TARGET: &str = "arn:aws:iam::444455556666:role/target";

/// Whether a run with two attempts gets credentials when STS answers `error` once.
fn recovers_from_one(error: StsError) -> bool {
    common::expected_retry(error) != common::Expected::Permanent
}

/// One path through the action.
struct Scenario {
    name: &'static str,
    token: Vec<Behaviour>,
    sts: Vec<Fault>,
    inputs: Vec<(&'static str, &'static str)>,
    remove: Vec<&'static str>,
    credentials: Option<StsCredentials>,
    /// `web-identity-token-file` with this content, instead of the token endpoint.
    token_file: Option<String>,
    /// `role-chaining` with the source credentials in the environment, this secret key among
    /// them (the stand-in knows [`SOURCE_SECRET`]).
    source: Option<&'static str>,
    succeeds: bool,
}

impl Scenario {
    fn new(name: &'static str, succeeds: bool) -> Self {
        Self {
            name,
            token: Vec::new(),
            sts: Vec::new(),
            inputs: Vec::new(),
            remove: Vec::new(),
            credentials: None,
            token_file: None,
            source: None,
            succeeds,
        }
    }
    /// `role-chain` to one more role; the OIDC session's credentials are the hop's.
    fn chained(self) -> Self {
        self.input("role-chain", TARGET)
            .sts(Fault::Credentials(StsCredentials::new(
                HOP_KEY,
                HOP_SECRET,
                HOP_SESSION,
            )))
    }
    fn chaining_from_environment(self, secret: &'static str) -> Self {
        self.holding(secret).input("role-chaining", "true")
    }
    /// The environment holds the source credentials, with this secret key.
    fn holding(mut self, secret: &'static str) -> Self {
        self.source = Some(secret);
        self
    }
    fn token(mut self, b: Behaviour) -> Self {
        self.token.push(b);
        self
    }
    fn sts(mut self, f: Fault) -> Self {
        self.sts.push(f);
        self
    }
    fn input(mut self, name: &'static str, value: &'static str) -> Self {
        self.inputs.push((name, value));
        self
    }
}

fn scenarios() -> Vec<Scenario> {
    let mut all = vec![
        Scenario::new("success", true),
        Scenario::new("success with every output", true)
            .input("output-credentials", "true")
            .input("mask-aws-account-id", "true"),
        Scenario::new("token endpoint 401", false)
            .token(Behaviour::Status(401, REQUEST_TOKEN.to_owned())),
        Scenario::new("token endpoint pending then success", true).token(Behaviour::pending()),
        Scenario::new("token endpoint 500 then success", true)
            .token(Behaviour::Status(500, "x".to_owned())),
        Scenario::new("token endpoint not JSON", false).token(Behaviour::NotJson),
        Scenario::new("token endpoint no value", false).token(Behaviour::NoValue),
        Scenario::new("token endpoint not a JWT", false).token(Behaviour::NotJwt),
        Scenario::new("token endpoint empty value", false).token(Behaviour::EmptyValue),
        Scenario::new("token endpoint non-string value", false).token(Behaviour::NonStringValue),
        Scenario::new("token endpoint endless body", false).token(Behaviour::EndlessChunked),
        Scenario::new("token endpoint broken chunk framing", false).token(Behaviour::BrokenChunked),
        Scenario::new("token endpoint trickle", false)
            .token(Behaviour::trickle())
            .input("action-timeout-s", "2"),
        Scenario::new("token endpoint 429 then success", true)
            .token(Behaviour::Status(429, "slow".to_owned())),
        Scenario::new("token endpoint oversized token", false).token(Behaviour::Oversized),
        Scenario::new("token endpoint huge body", false).token(Behaviour::HugeBody),
        Scenario::new("token endpoint redirect", false).token(Behaviour::Redirect(
            "http://127.0.0.1:9/elsewhere".to_owned(),
        )),
        Scenario::new("STS HTML answer", false)
            .sts(Fault::Html(502))
            .input("retry-max-attempts", "1"),
        Scenario::new("STS truncated XML", false).sts(Fault::TruncatedXml),
        Scenario::new("STS entity expansion", false).sts(Fault::EntityExpansionXml),
        Scenario::new("STS huge answer", false).sts(Fault::HugeBody),
        Scenario::new("STS cut-off answer", false).sts(Fault::CutOff),
        Scenario::new("access denied with a masked account", false)
            .sts(StsError::AccessDenied.fault())
            .input("mask-aws-account-id", "true"),
        Scenario::new("allowed-account-ids mismatch", false)
            .input("allowed-account-ids", "444455556666"),
        Scenario::new("invalid input", false).input("role-duration-seconds", "1"),
        Scenario::new("deadline", false)
            .token(Behaviour::NoHeaders)
            .input("action-timeout-s", "1"),
        Scenario::new("role chain", true).chained(),
        Scenario::new("role chain refused", false)
            .chained()
            .sts(StsError::AccessDenied.fault()),
        Scenario::new("role chain HTML answer", false)
            .chained()
            .sts(Fault::Html(502))
            .input("retry-max-attempts", "1"),
        Scenario::new("role chain throttled then success", true)
            .chained()
            .sts(StsError::Throttling.fault()),
        Scenario::new("role chain unsafe credentials", false)
            .chained()
            .sts(Fault::Credentials(StsCredentials::new(
                KEY,
                format!("{SECRET}\nAWS_X=1"),
                SESSION,
            ))),
        Scenario::new("role-chaining", true).chaining_from_environment(SOURCE_SECRET),
        Scenario::new("role-chaining with a wrong secret key", false)
            .chaining_from_environment("SentinelWrongSourceSecret/33333333333333+"),
        Scenario::new("use-existing-credentials of another role", true)
            .holding(SOURCE_SECRET)
            .input("use-existing-credentials", "true"),
        Scenario::new("use-existing-credentials that do not work", true)
            .holding("SentinelWrongSourceSecret/44444444444444+")
            .input("use-existing-credentials", "true"),
        Scenario::new("role-chaining over an hour", false)
            .chaining_from_environment(SOURCE_SECRET)
            .input("role-duration-seconds", "7200"),
        Scenario::new("aws-profile", true).input("aws-profile", "state"),
        Scenario::new("aws-profile with exported credentials", true)
            .input("aws-profile", "state")
            .input("output-env-credentials", "true"),
        Scenario::new("aws-profile with a role chain", true)
            .chained()
            .input("aws-profile", "state"),
        Scenario::new("refresh-credentials", true).input("refresh-credentials", "true"),
        Scenario::new("refresh-credentials with a role chain", true)
            .chained()
            .input("refresh-credentials", "true"),
        Scenario::new("refresh-credentials refused", false)
            .input("refresh-credentials", "true")
            .input("output-credentials", "true"),
        Scenario::new("aws-profile refused", false)
            .input("aws-profile", "state")
            .sts(StsError::AccessDenied.fault()),
    ];
    for error in StsError::ALL {
        let name: &'static str = Box::leak(format!("STS {error:?}").into_boxed_str());
        all.push(Scenario::new(name, recovers_from_one(error)).sts(error.fault()));
    }
    for (name, content) in [
        ("malformed token file", format!("not-a-jwt-{FILE_TOKEN}")),
        (
            "token file of three parts that do not decode",
            format!("{FILE_TOKEN}.{FILE_TOKEN}.{FILE_TOKEN}"),
        ),
    ] {
        let mut scenario = Scenario::new(name, false);
        scenario.token_file = Some(content);
        all.push(scenario);
    }
    let mut missing = Scenario::new("missing permission", false);
    missing.remove = vec![
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ];
    all.push(missing);
    let mut unsafe_creds = Scenario::new("unsafe credentials", false);
    unsafe_creds.credentials = Some(StsCredentials::new(
        KEY,
        format!("{SECRET}\nAWS_X=1"),
        SESSION,
    ));
    all.push(unsafe_creds);
    all
}

/// Every form in which a secret could be spotted in a log: raw, URL-encoded, JSON-escaped,
/// base64 (standard and URL-safe) at each of the three byte offsets it can take inside a longer
/// encoded text, as the runner's masker registers them, and any distinctive 16-character piece
/// (a cut secret is still a leak).
fn forms(secret: &str) -> Vec<String> {
    let url: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).expect("json");
    let mut forms = vec![secret.to_owned(), url, json.trim_matches('"').to_owned()];
    let bytes = secret.as_bytes();
    for offset in 0..3 {
        let tail = &bytes[offset.min(bytes.len())..];
        // Whole groups of three bytes only: the characters of a partial group depend on the
        // bytes around the secret.
        let whole = &tail[..tail.len() / 3 * 3];
        forms.push(STANDARD_NO_PAD.encode(whole));
        forms.push(URL_SAFE_NO_PAD.encode(whole));
    }
    // Pieces: every 16-character window (every fourth start) with at least six distinct
    // characters, so that a run of zeros in a sentinel cannot match innocent text.
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() > 16 {
        for start in (0..=chars.len() - 16).step_by(4) {
            let window = &chars[start..start + 16];
            let mut distinct = window.to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() >= 6 {
                forms.push(window.iter().collect());
            }
        }
    }
    forms.retain(|form| form.len() >= 8);
    forms.sort();
    forms.dedup();
    forms
}

fn assert_absent(secrets: &[(&str, String)], text: &str, place: &str, scenario: &str) {
    for (what, secret) in secrets {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "{scenario}: the {what} appears in {place} as {form:?}\n{text}"
            );
        }
    }
}

#[test]
fn no_secret_leaks_on_any_path() {
    for scenario in scenarios() {
        let token = TokenEndpoint::builder()
            .request_token(REQUEST_TOKEN)
            .start()
            .expect("token");
        for behaviour in &scenario.token {
            token.push(behaviour.clone());
        }
        let creds = scenario
            .credentials
            .clone()
            .unwrap_or_else(|| StsCredentials::new(KEY, SECRET, SESSION));
        let source = StsCredentials::new(SOURCE_KEY, SOURCE_SECRET, SOURCE_SESSION);
        let sts = Sts::builder()
            .credentials(creds)
            .source_credentials(source, "arn:aws:sts::111122223333:assumed-role/hub/s")
            .start()
            .expect("sts");
        for fault in &scenario.sts {
            sts.push(fault.clone());
        }
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        env.set("RUNNER_DEBUG", "1")
            .set("RUST_LOG", "trace")
            .set("RUST_BACKTRACE", "full");
        env.input("retry-max-attempts", "2");
        for (name, value) in &scenario.inputs {
            env.input(name, *value);
        }
        for name in &scenario.remove {
            env.remove(name);
        }
        let mut extra = vec![
            ("intermediate access key id", HOP_KEY.to_owned()),
            ("intermediate secret access key", HOP_SECRET.to_owned()),
            ("intermediate session token", HOP_SESSION.to_owned()),
        ];
        if let Some(secret) = scenario.source {
            env.set("AWS_ACCESS_KEY_ID", SOURCE_KEY)
                .set("AWS_SECRET_ACCESS_KEY", secret)
                .set("AWS_SESSION_TOKEN", SOURCE_SESSION);
            extra.push(("source access key id", SOURCE_KEY.to_owned()));
            extra.push(("source secret access key", secret.to_owned()));
            extra.push(("source session token", SOURCE_SESSION.to_owned()));
        }
        let mut inputs_read = Vec::new();
        if let Some(content) = &scenario.token_file {
            let file = env.workspace().join("web-identity-token");
            std::fs::write(&file, content).expect("token file");
            env.input("web-identity-token-file", "web-identity-token");
            extra.push(("token file content", content.clone()));
            extra.push(("token file sentinel", FILE_TOKEN.to_owned()));
            inputs_read.push(file);
        }
        let output = run_binary(&env, &[]);
        let request_token_given = scenario.remove.is_empty();
        sweep(
            scenario.name,
            scenario.succeeds,
            request_token_given,
            &output,
            &env,
            &token,
            &extra,
        );
        // The post step, after any run: nothing of the above in what it prints or writes.
        let post = run_binary(&env, &["post"]);
        let name = format!("{} (post step)", scenario.name);
        let secrets = secrets_of(&token, request_token_given, &extra);
        assert_absent(&secrets, &visible(&post.stdout), "stdout", &name);
        assert_absent(
            &secrets,
            &String::from_utf8_lossy(&post.stderr),
            "stderr",
            &name,
        );
        sweep_files(&env, &secrets, &inputs_read, scenario.succeeds, &name);
    }
}

/// The secrets of a run: the credentials, every minted JWT (and its signature alone), the request
/// token when it was given, and `extra`.
fn secrets_of(
    token: &TokenEndpoint,
    request_token_given: bool,
    extra: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut secrets: Vec<(&str, String)> = vec![
        ("access key id", KEY.to_owned()),
        ("secret access key", SECRET.to_owned()),
        ("session token", SESSION.to_owned()),
    ];
    secrets.extend(extra.iter().cloned());
    for jwt in token.minted() {
        let signature = jwt.rsplit('.').next().unwrap_or_default().to_owned();
        secrets.push(("JWT", jwt));
        secrets.push(("JWT signature", signature));
    }
    if request_token_given {
        secrets.push(("request token", token.request_token().to_owned()));
    }
    secrets
}

/// stdout without the `::add-mask::` lines, which are where secrets are meant to be.
fn visible(stdout: &[u8]) -> String {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The credential entries of GITHUB_ENV and GITHUB_OUTPUT, and the value each must hold.
const CREDENTIAL_ENTRIES: [(&str, &str); 6] = [
    ("AWS_ACCESS_KEY_ID", KEY),
    ("AWS_SECRET_ACCESS_KEY", SECRET),
    ("AWS_SESSION_TOKEN", SESSION),
    ("aws-access-key-id", KEY),
    ("aws-secret-access-key", SECRET),
    ("aws-session-token", SESSION),
];

/// The lines of a profile's credentials file (`aws-profile`) that hold a credential.
const PROFILE_ENTRIES: [(&str, &str); 3] = [
    ("aws_access_key_id = ", KEY),
    ("aws_secret_access_key = ", SECRET),
    ("aws_session_token = ", SESSION),
];

/// Every file under the runner's directories, read raw: secrets appear only as the value line of
/// their own credential entry (`NAME<<DELIMITER`, the value, the delimiter), or as the value of
/// their own line in the profile's credentials file, and only after a successful run. `inputs` (a
/// token file the test wrote) are skipped.
fn sweep_files(
    env: &RunnerEnv,
    secrets: &[(&str, String)],
    inputs: &[std::path::PathBuf],
    succeeded: bool,
    name: &str,
) {
    let mut pending = vec![env.root().to_path_buf()];
    let mut files = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if inputs.contains(&path) {
                continue;
            }
            files += 1;
            let raw = std::fs::read_to_string(&path).unwrap_or_default();
            let mut rest = String::new();
            let mut lines = raw.lines();
            let profile_credentials = path.ends_with("oidc-assume-aws/credentials");
            while let Some(line) = lines.next() {
                let in_profile = PROFILE_ENTRIES
                    .iter()
                    .find(|(prefix, _)| profile_credentials && line.starts_with(prefix));
                if let Some((prefix, expected)) = in_profile {
                    assert!(
                        succeeded && line == format!("{prefix}{expected}"),
                        "{name}: the profile's `{prefix}` line holds something other than its own value, or was written by a failed run"
                    );
                    continue;
                }
                let credential = CREDENTIAL_ENTRIES
                    .iter()
                    .find(|(entry, _)| line.starts_with(&format!("{entry}<<")));
                if let Some((entry, expected)) = credential {
                    let value = lines.next().unwrap_or_default();
                    // Blanked (the post step), or the credential itself after a success.
                    assert!(
                        value.is_empty() || (succeeded && value == *expected),
                        "{name}: {entry} holds something other than its own value, or was written by a failed run"
                    );
                    continue;
                }
                rest.push_str(line);
                rest.push('\n');
            }
            assert_absent(secrets, &rest, &path.display().to_string(), name);
        }
    }
    assert!(files >= 4, "{name}: the runner's files were found");
}

/// Checks one run: no secret (the request token when it was given, the minted JWTs, the
/// credentials, and `extra`) in any form outside the `::add-mask::` lines and the credential
/// entries of a successful run.
fn sweep(
    name: &str,
    succeeds: bool,
    request_token_given: bool,
    output: &std::process::Output,
    env: &RunnerEnv,
    token: &TokenEndpoint,
    extra: &[(&'static str, String)],
) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.success(), succeeds, "{name}: {stdout}");
    let secrets = secrets_of(token, request_token_given, extra);
    if request_token_given {
        assert_eq!(
            stdout.lines().next(),
            Some(format!("::add-mask::{}", token.request_token()).as_str()),
            "{name}"
        );
    }
    assert_absent(&secrets, &visible(&output.stdout), "stdout", name);
    assert_absent(&secrets, &stderr, "stderr", name);
    let inputs: Vec<std::path::PathBuf> =
        std::iter::once(env.workspace().join("web-identity-token")).collect();
    sweep_files(env, &secrets, &inputs, succeeds, name);

    let profile = env.get("INPUT_AWS-PROFILE").is_some();
    if succeeds && profile {
        let file = env.runner_temp().join("oidc-assume-aws/credentials");
        let text = std::fs::read_to_string(&file).expect("the profile's credentials file");
        assert_eq!(
            text,
            format!(
                "[state]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\naws_session_token = {SESSION}\n"
            ),
            "{name}"
        );
    }
    let refresh = env.get("INPUT_REFRESH-CREDENTIALS").is_some();
    if succeeds && refresh {
        // No key anywhere: the variables are blanked, the profile runs a command.
        for (entry, _) in CREDENTIAL_ENTRIES.iter().take(3) {
            assert_eq!(
                value(&exports(env), entry),
                Some(""),
                "{name}: {entry} is blanked"
            );
        }
    }
    let exported =
        !refresh && (!profile || env.get("INPUT_OUTPUT-ENV-CREDENTIALS") == Some("true"));
    if succeeds && exported {
        // Each exported credential is exactly its own value.
        for (entry, expected) in CREDENTIAL_ENTRIES.iter().take(3) {
            assert_eq!(
                exports(env)
                    .iter()
                    .find(|(n, _)| n == entry)
                    .map(|(_, v)| v.as_str()),
                Some(*expected),
                "{name}: {entry}"
            );
        }
        let entries = outputs(env);
        for (entry, expected) in CREDENTIAL_ENTRIES.iter().skip(3) {
            if let Some((_, value)) = entries.iter().find(|(n, _)| n == entry) {
                assert_eq!(value, expected, "{name}: {entry}");
            }
        }
    }
    if succeeds {
        // Every credential's mask precedes the line that reports success.
        let success = stdout
            .lines()
            .position(|l| l.starts_with("Assumed "))
            .expect("success line");
        for secret in [KEY, SECRET, SESSION] {
            let mask = stdout
                .lines()
                .position(|l| l == format!("::add-mask::{secret}"))
                .expect("masked");
            assert!(mask < success, "{name}\n{stdout}");
        }
    }
}

/// Proxy credentials: the password and its `Proxy-Authorization: Basic` form are secrets too,
/// on success and when the proxy refuses them, through TLS stand-ins and CONNECT (plain-http
/// requests never go through a proxy).
#[test]
fn proxy_credentials_never_leak() {
    let ca = TestCa::new();
    let tls = || ca.server_tls(&["localhost"]).with_url_host("localhost");
    let proxy = ConnectProxy::builder()
        .mode(ProxyMode::RequireAuth {
            user: "builder".to_owned(),
            password: PROXY_PASSWORD.to_owned(),
        })
        .start()
        .expect("proxy");
    for (password, succeeds) in [
        (PROXY_PASSWORD, true),
        ("WrongProxyPassw0rd-Sentinel", false),
    ] {
        let token = TokenEndpoint::builder()
            .request_token(REQUEST_TOKEN)
            .tls(tls())
            .start()
            .expect("token");
        let sts = Sts::builder()
            .credentials(StsCredentials::new(KEY, SECRET, SESSION))
            .tls(tls())
            .start()
            .expect("sts");
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        env.trust_ca(&ca)
            .expect("ca")
            .set(
                "HTTPS_PROXY",
                proxy.url_with_credentials("builder", password),
            )
            .set("RUNNER_DEBUG", "1")
            .set("RUST_LOG", "trace")
            .set("RUST_BACKTRACE", "full");
        let before = proxy.calls();
        let output = run_binary(&env, &[]);
        assert!(proxy.calls() > before, "the run went through the proxy");
        let basic = STANDARD.encode(format!("builder:{password}"));
        sweep(
            "proxy with credentials",
            succeeds,
            true,
            &output,
            &env,
            &token,
            &[
                ("proxy password", password.to_owned()),
                ("proxy authorization", basic),
            ],
        );
    }
}

/// A write that fails half-way (a file size limit) leaves no credential in any runner file.
#[test]
fn a_failed_write_leaves_no_secret_behind() {
    let token = TokenEndpoint::builder()
        .request_token(REQUEST_TOKEN)
        .start()
        .expect("token");
    let sts = Sts::builder()
        .credentials(StsCredentials::new(KEY, SECRET, SESSION))
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("output-credentials", "true")
        .set("RUNNER_DEBUG", "1");
    std::fs::write(env.env_file(), format!("{}\n", "#".repeat(4000))).expect("fill");
    // bash, not sh: dash drops the hyphenated INPUT_ variables; `ulimit -f 4` is 4096 bytes.
    let mut command = oidc_assume_stand_ins::scrubbed_command("bash", env.vars());
    command
        .env("BIN", env!("CARGO_BIN_EXE_oidc-assume"))
        .args(["-c", "ulimit -f 4; exec \"$BIN\""])
        .current_dir(env.workspace());
    let output = command.output().expect("bash runs");
    sweep("a write cut back", false, true, &output, &env, &token, &[]);
}
