//! Hostile and broken peers: every fault must end in a clean error that names the problem, in
//! bounded time and memory, with no secret and no peer-supplied body echoed, and nothing written.

mod common;

use base64::Engine as _;

use std::time::{Duration, Instant};

use common::{Run, assert_nothing_written, errors, fast, run_with};
use oidc_assume::runner::LogReplay;
use oidc_assume_stand_ins::faults::StsError;
use oidc_assume_stand_ins::proxy::ProxyMode;
use oidc_assume_stand_ins::sts::StsCredentials;
use oidc_assume_stand_ins::tls::{TestCa, unknown_ca_tls};
use oidc_assume_stand_ins::{
    Behaviour, Claims, ConnectProxy, Fault, RunnerEnv, Sts, TokenEndpoint,
};

const REQUEST_TOKEN: &str = "HostileTestRequestToken-1f2e3d";

fn token_endpoint(behaviour: Behaviour) -> TokenEndpoint {
    TokenEndpoint::builder()
        .request_token(REQUEST_TOKEN)
        .default_behaviour(behaviour)
        .start()
        .expect("token endpoint")
}

/// Runs once (no retry), with a 1.5 s request timeout, and checks the common guarantees.
fn run_once(env: &mut RunnerEnv) -> (Run, Duration) {
    env.input("retry-max-attempts", "1");
    let mut tuning = fast();
    tuning.request_timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let result = run_with(env, &tuning);
    let elapsed = started.elapsed();
    assert!(!result.succeeded(), "{}", result.log);
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    assert_eq!(errors(&result.log).len(), 1, "{}", result.log);
    assert_nothing_written(env);
    for line in result
        .log
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
    {
        assert!(
            !line.contains(REQUEST_TOKEN),
            "request token leaked: {line}"
        );
    }
    (result, elapsed)
}

#[test]
fn broken_token_answers_end_in_clean_errors() {
    let cases = [
        (Behaviour::NotJson, "a body that is not JSON"),
        (Behaviour::NoValue, "JSON without a `value`"),
        (Behaviour::EmptyValue, "an empty `value`"),
        (Behaviour::NonStringValue, "a `value` that is not a string"),
        (Behaviour::NotJwt, "not a well-formed JWT"),
        (
            Behaviour::Oversized,
            "20001 characters long; STS accepts at most 20000",
        ),
        (Behaviour::HugeBody, "larger than 65536 bytes"),
        (Behaviour::EndlessChunked, "larger than 65536 bytes"),
        (
            Behaviour::trickle(),
            "the answer could not be read (it stopped arriving within the request timeout)",
        ),
        (
            Behaviour::BrokenChunked,
            "the answer could not be read (its framing is broken or the connection closed before its end)",
        ),
        (Behaviour::NoHeaders, "no answer within the request timeout"),
    ];
    for (behaviour, expected) in cases {
        let token = token_endpoint(behaviour.clone());
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        let (result, _) = run_once(&mut env);
        assert!(
            result.log.contains(expected),
            "{behaviour:?}: expected {expected:?} in\n{}",
            result.log
        );
        assert_eq!(sts.calls(), 0, "{behaviour:?}");
    }
}

#[test]
fn an_answer_whose_body_cannot_be_read_is_not_retried() {
    for behaviour in [Behaviour::BrokenChunked, Behaviour::trickle()] {
        let token = token_endpoint(behaviour.clone());
        let sts = Sts::start();
        let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        let mut tuning = fast();
        tuning.request_timeout = Duration::from_millis(1500);
        let result = run_with(&env, &tuning);
        assert!(!result.succeeded());
        assert_eq!(
            token.calls(),
            1,
            "{behaviour:?}: one attempt\n{}",
            result.log
        );
        assert!(
            !result.log.contains("connection failed"),
            "{behaviour:?}: the endpoint answered\n{}",
            result.log
        );
        assert_nothing_written(&env);
    }
}

#[test]
fn redirects_are_never_followed() {
    let elsewhere = TokenEndpoint::start();
    for target in [elsewhere.url(), "http://198.51.100.7/token".to_owned()] {
        let token = token_endpoint(Behaviour::Redirect(target.clone()));
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        let (result, _) = run_once(&mut env);
        assert!(
            result.log.contains("redirects are not followed"),
            "{}",
            result.log
        );
        assert_eq!(
            elsewhere.calls(),
            0,
            "the bearer must not follow a redirect to {target}"
        );
    }
}

#[test]
fn tls_with_a_wrong_name_or_an_unknown_ca_is_refused() {
    let ca = TestCa::new();
    for (tls, expected) in [
        (
            ca.wrong_name_tls().with_url_host("localhost"),
            "not valid for name",
        ),
        (
            unknown_ca_tls(&["localhost"]).with_url_host("localhost"),
            "UnknownIssuer",
        ),
    ] {
        let token = TokenEndpoint::builder()
            .request_token(REQUEST_TOKEN)
            .tls(tls)
            .start()
            .expect("token");
        let sts = Sts::start();
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        env.trust_ca(&ca).expect("ca");
        // The default 12 attempts: a refused certificate is permanent, so one handshake.
        let result = run_with(&env, &fast());
        assert!(!result.succeeded());
        assert_eq!(token.connections(), 1, "not retried: {}", result.log);
        assert_eq!(token.calls(), 0);
        assert!(
            result.log.contains("the TLS handshake failed") && result.log.contains(expected),
            "{}",
            result.log
        );
        assert!(
            result.log.contains("SSL_CERT_FILE"),
            "the message names the fix: {}",
            result.log
        );
    }
}

#[test]
fn a_private_ca_given_with_ssl_cert_file_is_trusted_for_both_calls() {
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
    assert!(
        token.url().starts_with("https://localhost:")
            && sts.url().starts_with("https://localhost:")
    );
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let without_ca = run_with(&env, &fast());
    assert!(
        !without_ca.succeeded(),
        "the test CA must not be trusted by default"
    );
    env.trust_ca(&ca).expect("ca");
    let result = run_with(&env, &fast());
    assert!(result.succeeded(), "{}", result.log);
}

#[test]
fn broken_sts_answers_end_in_clean_errors() {
    broken_sts_answers(false);
}

/// The same answers to a chained `AssumeRole`, after a good OIDC exchange.
#[test]
fn broken_answers_to_a_chained_call_end_in_clean_errors() {
    broken_sts_answers(true);
}

fn broken_sts_answers(chained: bool) {
    let cases = [
        (Fault::Html(200), "could not be read as an STS response"),
        (Fault::Html(502), "could not be read as an STS response"),
        // The SDK accepts a cut-off success document and fills the missing expiry with 1970.
        (
            Fault::TruncatedXml,
            "STS's answer cannot be used: the credentials' Expiration is already past",
        ),
        (
            Fault::EntityExpansionXml,
            "STS's answer (HTTP 200) could not be read as an STS response",
        ),
        (
            Fault::HugeBody,
            "STS answered with a body that cannot be used: the response body is larger than 65536 bytes",
        ),
        (Fault::Hang, "no answer within the request timeout"),
        (
            Fault::Slow(Duration::from_secs(10)),
            "no answer within the request timeout",
        ),
        (
            Fault::Trickle(Duration::from_millis(500)),
            "the answer could not be read (it stopped arriving within the request timeout)",
        ),
        (
            Fault::CutOff,
            "the answer could not be read (its framing is broken or the connection closed before its end)",
        ),
    ];
    let (key, secret, session) = (
        "ASIAHOSTILEKEY000001",
        "HostileSecretKey00000000000000000000000+",
        "HostileSessionToken+/0000000000000000==",
    );
    for (fault, expected) in cases {
        let token = token_endpoint(Behaviour::Ok);
        let mut builder = Sts::builder().credentials(StsCredentials::new(key, secret, session));
        if chained {
            builder = builder.fault(Fault::Pass);
        }
        let sts = builder.default_fault(fault.clone()).start().expect("sts");
        let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
        if chained {
            env.input("role-chain", "arn:aws:iam::444455556666:role/target");
        }
        let (result, _) = run_once(&mut env);
        if chained {
            assert_eq!(sts.requests().len(), 2, "{fault:?}: {}", result.log);
            assert!(
                result
                    .log
                    .contains("from STS AssumeRole after 1 of at most 1 attempt(s)")
                    || matches!(fault, Fault::Hang | Fault::Slow(_)),
                "{fault:?}: {}",
                result.log
            );
        }
        assert!(
            result.log.contains(expected),
            "{fault:?}: expected {expected:?} in\n{}",
            result.log
        );
        // Nothing of the answer's body: none of its markup, none of the values it carried
        // (whole or a distinctive middle part), outside the mask lines.
        let visible: Vec<&str> = result
            .log
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        let mut echoes = vec![
            "<html",
            "<?xml",
            "<!DOCTYPE",
            "<ErrorResponse",
            "<Error>",
            "<AssumeRoleWithWebIdentityResponse",
            "<AssumeRoleWithWebIdentityResult",
            "<AssumeRoleResponse",
            "<AssumeRoleResult",
            "<Credentials",
            "<AccessKeyId",
            "<SecretAccessKey",
            "<SessionToken",
            "<AssumedRoleUser",
            "&lt;",
            "ENTITY",
        ];
        for value in [key, secret, session] {
            echoes.push(value);
            echoes.push(&value[4..value.len() - 4]);
        }
        for echo in echoes {
            assert!(
                !visible.iter().any(|l| l.contains(echo)),
                "{fault:?}: the answer's {echo:?} was echoed\n{}",
                result.log
            );
        }
        for jwt in token.minted() {
            assert!(
                !result
                    .log
                    .lines()
                    .any(|l| !l.starts_with("::add-mask::") && l.contains(&jwt)),
                "{fault:?}: JWT leaked"
            );
        }
    }
}

#[test]
fn concurrent_runs_share_throttling_and_each_stays_bounded() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    for _ in 0..6 {
        sts.push(StsError::Throttling.fault());
    }
    let runs = 4;
    let envs: Vec<RunnerEnv> = (0..runs)
        .map(|_| RunnerEnv::for_stand_ins(&token, &sts).expect("env"))
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = envs
            .iter()
            .map(|env| scope.spawn(move || run_with(env, &fast())))
            .collect();
        for handle in handles {
            let result = handle.join().expect("run");
            assert!(result.succeeded(), "{}", result.log);
        }
    });
    assert_eq!(
        sts.calls(),
        6 + runs,
        "every throttled call retried once with a fresh JWT, no more"
    );
    assert_eq!(token.calls(), 6 + runs);
}

/// Text no peer may smuggle into the log as a command.
const HOSTILE: &str = "x\n::stop-commands::pwned\n::add-mask::nothing\r##[add-mask]y \u{1b}[31mred\u{1b}[0m ::error::fake";

#[test]
fn untrusted_text_cannot_issue_workflow_commands() {
    // An STS message and claim values that try to issue commands.
    let token = TokenEndpoint::builder()
        .request_token(REQUEST_TOKEN)
        .claims(
            Claims::new()
                .environment(HOSTILE)
                .set("job_workflow_ref", HOSTILE),
        )
        .start()
        .expect("token");
    let sts = Sts::builder()
        .default_fault(Fault::error(403, "AccessDenied", HOSTILE))
        .start()
        .expect("sts");
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.set("RUNNER_DEBUG", "1");
    let (result, _) = run_once(&mut env);
    assert!(
        !result.log.contains('\u{1b}') && !result.log.contains('\r'),
        "raw control characters printed"
    );

    let mut replay = LogReplay::new();
    replay.feed(&result.log);
    assert!(
        !replay.is_stopped(),
        "the runner must still process commands"
    );
    let names: Vec<String> = replay
        .commands()
        .map(|c| c.name.to_ascii_lowercase())
        .collect();
    assert!(
        names.iter().any(|n| n == "error"),
        "the replay saw the run's commands: {names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| n == "add-mask" || n == "error" || n == "debug"),
        "{names:?}"
    );
    assert_eq!(names.iter().filter(|n| *n == "error").count(), 1);
    let masks: Vec<String> = replay
        .commands()
        .filter(|c| c.is("add-mask"))
        .map(|c| c.data.clone())
        .collect();
    assert!(
        !masks.iter().any(|m| m.contains("nothing") || m == "y"),
        "a peer registered a mask: {masks:?}"
    );
    // Masks still work after the hostile text: the JWT stays hidden in what the runner shows.
    let shown = replay.visible_log();
    for jwt in token.minted() {
        assert!(!shown.contains(&jwt));
    }
    assert!(
        shown.contains("stop-commands"),
        "the text is shown, harmlessly: {shown}"
    );
}

fn proxy_env(token: &TokenEndpoint, sts: &Sts) -> RunnerEnv {
    RunnerEnv::for_stand_ins(token, sts).expect("env")
}

#[test]
fn https_proxy_variables_carry_both_calls() {
    let ca = TestCa::new();
    let tls = || ca.server_tls(&["localhost"]).with_url_host("localhost");
    for variable in ["HTTPS_PROXY", "https_proxy"] {
        let token = TokenEndpoint::builder().tls(tls()).start().expect("token");
        let sts = Sts::builder().tls(tls()).start().expect("sts");
        let proxy = ConnectProxy::start();
        let mut env = proxy_env(&token, &sts);
        env.trust_ca(&ca).expect("ca").set(variable, proxy.url());
        let result = run_with(&env, &fast());
        assert!(result.succeeded(), "{variable}: {}", result.log);
        let targets = proxy.targets();
        assert!(
            targets.contains(&format!("localhost:{}", token.addr().port())),
            "{targets:?}"
        );
        assert!(
            targets.contains(&format!("localhost:{}", sts.addr().port())),
            "{targets:?}"
        );
    }
}

/// Stand-ins that speak TLS as `localhost`, and an environment that trusts their CA.
fn tls_stand_ins(ca: &TestCa) -> (TokenEndpoint, Sts, RunnerEnv) {
    let tls = || ca.server_tls(&["localhost"]).with_url_host("localhost");
    let token = TokenEndpoint::builder().tls(tls()).start().expect("token");
    let sts = Sts::builder().tls(tls()).start().expect("sts");
    let mut env = proxy_env(&token, &sts);
    env.trust_ca(ca).expect("ca");
    (token, sts, env)
}

#[test]
fn plain_http_loopback_calls_never_go_through_a_proxy() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let proxy = ConnectProxy::start();
    for setting in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "input",
    ] {
        let mut env = proxy_env(&token, &sts);
        assert!(
            env.get("ACTIONS_ID_TOKEN_REQUEST_URL")
                .is_some_and(|u| u.starts_with("http://"))
        );
        if setting == "input" {
            env.input("http-proxy", proxy.url());
        } else {
            env.set(setting, proxy.url());
        }
        let result = run_with(&env, &fast());
        assert!(result.succeeded(), "{setting}: {}", result.log);
        assert_eq!(
            proxy.calls(),
            0,
            "{setting}: a plain-http request (bearer token, JWT) reached the proxy"
        );
    }
    assert_eq!((token.calls(), sts.calls()), (5, 5));
}

#[test]
fn the_proxy_input_wins_over_the_variables() {
    let ca = TestCa::new();
    let (_token, _sts, mut env) = tls_stand_ins(&ca);
    let variable = ConnectProxy::start();
    let input = ConnectProxy::start();
    env.set("HTTPS_PROXY", variable.url())
        .input("http-proxy", input.url());
    let result = run_with(&env, &fast());
    assert!(result.succeeded(), "{}", result.log);
    assert_eq!((input.calls(), variable.calls()), (2, 0));
}

#[test]
fn no_proxy_bypasses_the_proxy_by_host_suffix_and_star() {
    let ca = TestCa::new();
    for (no_proxy, via_input, bypassed) in [
        ("localhost", false, true),
        ("example.com,localhost", false, true),
        (".localhost,localhost", false, true),
        ("*", false, true),
        ("localhost", true, true),
        // A control: a list that does not name the host leaves the proxy in use.
        ("example.com", false, false),
    ] {
        let (_token, _sts, mut env) = tls_stand_ins(&ca);
        let proxy = ConnectProxy::start();
        env.set("HTTPS_PROXY", proxy.url());
        if via_input {
            env.input("no-proxy", no_proxy);
        } else {
            env.set("NO_PROXY", no_proxy);
        }
        let result = run_with(&env, &fast());
        assert!(result.succeeded(), "{no_proxy}: {}", result.log);
        let expected = if bypassed { 0 } else { 2 };
        assert_eq!(proxy.calls(), expected, "{no_proxy}: proxy calls");
    }
}

#[test]
fn proxy_credentials_are_sent_but_never_printed() {
    let ca = TestCa::new();
    let proxy = ConnectProxy::builder()
        .mode(ProxyMode::RequireAuth {
            user: "builder".to_owned(),
            password: "ProxyPassw0rdSentinel".to_owned(),
        })
        .start()
        .expect("proxy");
    let (_token, _sts, mut env) = tls_stand_ins(&ca);
    env.set(
        "HTTPS_PROXY",
        proxy.url_with_credentials("builder", "ProxyPassw0rdSentinel"),
    )
    .set("RUNNER_DEBUG", "1");
    let result = run_with(&env, &fast());
    assert!(result.succeeded(), "{}", result.log);
    assert!(
        result.log.lines().any(|l| l.starts_with("::debug::")),
        "debug output reaches the log this test reads: {}",
        result.log
    );
    let authorizations = proxy.proxy_authorizations();
    assert_eq!(authorizations.len(), 2, "both calls through the proxy");
    assert!(authorizations.iter().all(Option::is_some));
    assert!(!result.log.contains("ProxyPassw0rdSentinel"));
    let basic = base64::engine::general_purpose::STANDARD.encode("builder:ProxyPassw0rdSentinel");
    assert!(
        !result.log.contains(&basic),
        "Proxy-Authorization: Basic {basic}"
    );

    // Wrong credentials: a clean, permanent error (one attempt) that still hides the password.
    let (token, _sts, mut env) = tls_stand_ins(&ca);
    env.set(
        "HTTPS_PROXY",
        proxy.url_with_credentials("builder", "WrongPasswordSentinel"),
    );
    let before = proxy.calls();
    let result = run_with(&env, &fast());
    assert!(!result.succeeded());
    assert_eq!(
        proxy.calls() - before,
        1,
        "a refused password is not retried"
    );
    assert_eq!(token.calls(), 0);
    assert!(result.log.contains("407"), "{}", result.log);
    assert!(
        !result.log.contains("WrongPasswordSentinel"),
        "{}",
        result.log
    );
}

#[test]
fn a_proxy_that_refuses_or_answers_html_gives_a_clean_error() {
    let ca = TestCa::new();
    let tls = || ca.server_tls(&["localhost"]).with_url_host("localhost");
    for (mode, expected) in [
        (
            ProxyMode::Status407,
            &["the proxy refused to connect (407 proxy authentication required)"][..],
        ),
        // The proxy answers its page and closes: whether the TLS client first reads the page or
        // the close is a race, and each ends in its own pinned message.
        (
            ProxyMode::AnswerHtml(200),
            &[
                "the request to GitHub's token endpoint failed: the connection failed (the connection closed before a full answer)",
                "the request to GitHub's token endpoint failed: the TLS handshake failed (received corrupt message of type InvalidContentType)",
            ][..],
        ),
    ] {
        let token = TokenEndpoint::builder()
            .request_token(REQUEST_TOKEN)
            .tls(tls())
            .start()
            .expect("token");
        let sts = Sts::builder().tls(tls()).start().expect("sts");
        let proxy = ConnectProxy::builder()
            .mode(mode.clone())
            .start()
            .expect("proxy");
        let mut env = proxy_env(&token, &sts);
        env.trust_ca(&ca)
            .expect("ca")
            .set("HTTPS_PROXY", proxy.url());
        let (result, _) = run_once(&mut env);
        assert!(
            expected.iter().any(|message| result.log.contains(message)),
            "{mode:?}: {}",
            result.log
        );
        assert!(
            !result.log.contains("<html"),
            "{mode:?}: the proxy's page was echoed"
        );
        assert_eq!(token.calls(), 0);
    }
}
