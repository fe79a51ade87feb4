//! What a refused job prints for a person to copy: the `policy trust` and `policy explain`
//! commands and the JSON lines. They must come out exactly as they will be used and be safe to
//! paste, whatever the claims hold; when that is impossible on one line, no command is printed.

mod common;

use std::path::Path;
use std::process::Command;

use common::run;
use oidc_assume_stand_ins::faults::{Fault, StsError};
use oidc_assume_stand_ins::issuer::Claims;
use oidc_assume_stand_ins::{RunnerEnv, Sts, TokenEndpoint};
use serde_json::Value;

/// Branch names a workflow can be triggered from (valid ref names, or at least names a claim
/// can carry), each with a shell or JSON trap.
const HOSTILE_BRANCHES: &[&str] = &[
    "x'$(touch${IFS}pwned)'",
    "it's",
    "a\"b",
    "`touch pwned`",
    "$(touch pwned)",
    "back\\slash\\\\",
    "semi;colon&&amp|pipe>redir",
    "%0Atouch pwned",
    "::warning::x",
    "[x]{y}",
    "é-ünïcödé",
];

/// Values no single line can carry exactly without the runner or a terminal interpreting it.
const UNPRINTABLE_BRANCHES: &[&str] = &[
    "new\nline",
    "carriage\rreturn",
    "tab\there",
    "esc\u{1b}[31m",
    "bidi\u{202e}txt",
    "x##[warning]y",
];

struct Refused {
    log: String,
    summary: String,
    token: TokenEndpoint,
    _sts: Sts,
}

/// A job with these claims, refused by the trust policy.
fn refused_with(claims: Claims) -> Refused {
    let token = TokenEndpoint::builder()
        .claims(claims)
        .start()
        .expect("token");
    let sts = Sts::start();
    sts.push(StsError::AccessDenied.fault());
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let result = run(&env);
    assert!(!result.succeeded());
    Refused {
        log: result.log,
        summary: env.read_summary().expect("summary"),
        token,
        _sts: sts,
    }
}

/// The line after the one that equals `intro`.
fn line_after<'a>(log: &'a str, intro: &str) -> Option<&'a str> {
    let mut lines = log.lines();
    lines.by_ref().find(|line| *line == intro)?;
    lines.next()
}

/// Runs `line` with `sh -c` in a fresh directory where `oidc-assume` and `aws` are stubs that
/// record their arguments; returns the arguments each received and the directory's files.
fn paste(line: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let calls = dir.path().join("calls");
    for stub in ["oidc-assume", "aws"] {
        let path = bin.join(stub);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\n{{ printf '%s\\0' {stub} \"$@\"; printf '\\n'; }} >> '{}'\n",
                calls.display()
            ),
        )
        .expect("stub");
        make_executable(&path);
    }
    let work = dir.path().join("work");
    std::fs::create_dir(&work).expect("work");
    let status = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(&work)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .status()
        .expect("sh runs");
    assert!(status.success(), "{line}");
    let recorded = std::fs::read(&calls).unwrap_or_default();
    let invocations = recorded
        .split(|b| *b == b'\n')
        .filter(|call| !call.is_empty())
        .map(|call| {
            call.split(|b| *b == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8(arg.to_vec()).expect("utf-8"))
                .collect()
        })
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(&work)
        .expect("read work")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    (invocations, files)
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

const TRUST_INTRO: &str = "Generate the whole least-privilege trust policy with:";
const CONDITION_INTRO: &str = "A trust-policy condition that admits exactly this job:";
const CLAIMS_INTRO: &str = "Check the role's real policy against these claims: save the next line as claims.json, then run the command after it.";
const EXPLAIN_INTRO: &str = "Then run:";

#[test]
fn a_pasted_trust_command_receives_exactly_the_branch() {
    for branch in HOSTILE_BRANCHES {
        let refused = refused_with(Claims::new().branch(branch));
        let log = &refused.log;
        let command = line_after(log, TRUST_INTRO).expect("a command is printed");
        let (calls, files) = paste(command);
        assert_eq!(
            calls,
            vec![
                [
                    "oidc-assume",
                    "policy",
                    "trust",
                    "--repo",
                    "octo-org/octo-repo",
                    "--branch",
                    branch,
                    "--account",
                    "111122223333",
                    "--region",
                    "us-east-1",
                ]
                .map(str::to_owned)
                .to_vec()
            ],
            "{branch:?}: {command}"
        );
        assert!(files.is_empty(), "{branch:?}: the paste made {files:?}");

        // The JSON lines parse, and hold the claim's value unchanged.
        let condition = line_after(log, CONDITION_INTRO).expect("condition");
        let condition = condition
            .strip_prefix("\"Condition\": ")
            .expect("condition prefix");
        let condition: Value = serde_json::from_str(condition).expect("condition is JSON");
        assert_eq!(
            condition["StringEquals"]["token.actions.githubusercontent.com:sub"],
            // GitHub sends a `:` inside a subject value as `%3A`.
            format!(
                "repo:octo-org/octo-repo:ref:refs/heads/{}",
                branch.replace(':', "%3A")
            ),
            "{branch:?}"
        );
        let claims: Value =
            serde_json::from_str(line_after(log, CLAIMS_INTRO).expect("claims")).expect("JSON");
        assert_eq!(claims["ref"], format!("refs/heads/{branch}"), "{branch:?}");

        // The explain command runs the two programs it names, with the files it names.
        let explain = line_after(log, EXPLAIN_INTRO).expect("explain command");
        let (calls, files) = paste(explain);
        assert_eq!(calls.len(), 2, "{explain}");
        assert_eq!(
            calls[0][..5],
            ["aws", "iam", "get-role", "--role-name", "oidc-assume-demo"]
        );
        assert_eq!(calls[1][..3], ["oidc-assume", "policy", "explain"]);
        assert_eq!(files, ["role.json"], "{branch:?}");
    }
}

#[test]
fn a_value_no_line_can_carry_prints_no_command_and_says_why() {
    for branch in UNPRINTABLE_BRANCHES {
        let refused = refused_with(Claims::new().branch(branch));
        let log = &refused.log;
        for intro in [TRUST_INTRO, CONDITION_INTRO, CLAIMS_INTRO] {
            let next = line_after(log, intro).expect("the intro is printed");
            // JSON escapes carry any value; a shell command cannot.
            if intro == TRUST_INTRO {
                assert!(
                    next.starts_with("  (not printed: "),
                    "{branch:?}: {next:?}\n{log}"
                );
            } else {
                let json = next.strip_prefix("\"Condition\": ").unwrap_or(next);
                let value: Value = serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("{branch:?}: {e}: {next:?}"));
                assert!(value.is_object());
            }
        }
        assert!(
            !log.contains("oidc-assume policy trust"),
            "{branch:?}: {log}"
        );
    }
}

fn refused_by(fault: Fault) -> String {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    // Twice: an expired token is retried once.
    sts.push(fault.clone());
    sts.push(fault);
    let env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    let result = run(&env);
    assert!(!result.succeeded());
    result.log
}

#[test]
fn each_known_refusal_gets_its_own_explanation() {
    for (code, message, expected) in [
        (
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
            "has no IAM OIDC identity provider for the issuer",
        ),
        (
            "InvalidIdentityToken",
            "The web identity token provided could not be validated. See the AssumeRoleWithWebIdentity documentation for requirements.",
            "in its newer wording, does not say why",
        ),
        (
            "InvalidIdentityToken",
            "Incorrect token audience",
            "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com --client-id sts.amazonaws.com",
        ),
        (
            "InvalidIdentityToken",
            "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
            "does not match a thumbprint configured",
        ),
        (
            "InvalidIdentityToken",
            "Missing a required claim: aud",
            "not a GitHub Actions ID token",
        ),
        (
            "ValidationError",
            "Request ARN is invalid",
            "STS refused the role ARN",
        ),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            "is above the role's maximum session duration",
        ),
    ] {
        let log = refused_by(Fault::error(400, code, message));
        assert!(
            log.contains(expected),
            "{message}: missing {expected:?}\n{log}"
        );
        assert!(
            !log.contains("did not admit this job's token"),
            "{message}: the trust-policy diagnosis is for AccessDenied only\n{log}"
        );
    }
    let log = refused_by(StsError::ExpiredToken.fault());
    assert!(log.contains("had expired when STS checked it"), "{log}");
}

#[test]
fn the_immutable_subject_form_is_named() {
    let sub = "repo:octo-org@1234/octo-repo@5678:ref:refs/heads/main";
    let refused = refused_with(Claims::new().subject(sub));
    assert!(
        refused
            .log
            .contains("This job's sub uses GitHub's immutable form"),
        "{}",
        refused.log
    );
    let plain = refused_with(Claims::new());
    assert!(!plain.log.contains("immutable form"), "{}", plain.log);
}

/// The Markdown events of a step summary, as GitHub's renderer (CommonMark + tables) sees them.
fn markdown_events(page: &str) -> Vec<pulldown_cmark::Event<'_>> {
    pulldown_cmark::Parser::new_ext(page, pulldown_cmark::Options::ENABLE_TABLES).collect()
}

fn code_blocks(page: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for event in markdown_events(page) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => current = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            Event::Text(text) => {
                if let Some(block) = current.as_mut() {
                    block.push_str(&text);
                }
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn a_refused_job_gets_a_step_summary_that_renders_literally() {
    let branch = "x'$(touch${IFS}pwned)'<img src=x onerror=alert(1)>|`tick`";
    let refused = refused_with(
        Claims::new()
            .branch(branch)
            .actor("<script>alert(1)</script>"),
    );
    let (result, token, page) = (&refused, &refused.token, &refused.summary);
    assert!(page.starts_with(common::FAILURE_HEADING), "{page}");

    // No HTML reaches the page from the claims, and every copyable line is a code block holding
    // exactly what the log printed.
    for event in markdown_events(page) {
        assert!(
            !matches!(
                event,
                pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
            ),
            "raw HTML in the summary: {event:?}\n{page}"
        );
    }
    let blocks = code_blocks(page);
    let command = line_after(&result.log, TRUST_INTRO).expect("command in the log");
    assert!(blocks.iter().any(|b| b.trim_end() == command), "{blocks:?}");
    let claims = line_after(&result.log, CLAIMS_INTRO).expect("claims in the log");
    assert!(blocks.iter().any(|b| b.trim_end() == claims), "{blocks:?}");
    assert_eq!(
        blocks.len(),
        4,
        "condition, trust command, claims, explain: {blocks:?}"
    );

    // The claims table shows the values as text.
    let text: String = markdown_events(page)
        .into_iter()
        .filter_map(|e| match e {
            pulldown_cmark::Event::Text(t) => Some(t.into_string()),
            _ => None,
        })
        .collect();
    assert!(text.contains(&format!("refs/heads/{branch}")), "{text}");
    assert!(text.contains("<script>alert(1)</script>"), "{text}");

    // Nothing secret.
    assert!(!page.contains(token.request_token()));
    for jwt in token.minted() {
        let signature = jwt.rsplit('.').next().expect("signature");
        assert!(!page.contains(signature));
    }
}

#[test]
fn invalid_inputs_get_a_step_summary_too() {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("env");
    env.input("role-session-name", "dependabot[bot]");
    let result = run(&env);
    assert!(!result.succeeded());
    let page = env.read_summary().expect("summary");
    assert!(page.starts_with(common::FAILURE_HEADING), "{page}");
    assert!(page.contains("dependabot\\_bot\\_"), "{page}");
}
