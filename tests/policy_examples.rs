//! The examples: trust policies are exactly what `policy trust` writes, every example passes
//! `policy check` with no error or warning, the Terraform is `terraform fmt` clean, and the
//! example roles admit the jobs of the example workflows and nothing else.

mod policy_support;

use policy_support::{policy, root};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

fn example(rel: &str) -> String {
    root().join("examples").join(rel).display().to_string()
}

/// (file, `policy trust` arguments)
const TRUST_FILES: &[(&str, &[&str])] = &[
    (
        "iam/plan-role-trust.json",
        &["--repo", "acme/waf-infra", "--pull-request"],
    ),
    (
        "iam/apply-role-trust.json",
        &["--repo", "acme/waf-infra", "--environment", "production"],
    ),
];

/// With `BLESS` set, the examples are rewritten from `policy trust` and the test fails, so that a
/// blessed run never counts as a passing one; in CI (`CI` set) blessing is refused.
#[test]
fn trust_examples_are_what_trust_writes() {
    let bless = std::env::var_os("BLESS").is_some();
    assert!(
        !(bless && std::env::var_os("CI").is_some()),
        "BLESS is refused when CI is set: bless locally and commit the files"
    );
    let mut blessed = Vec::new();
    for (file, args) in TRUST_FILES {
        let mut argv = vec!["trust"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["--account", ACCOUNT]);
        let (code, out) = policy(&argv, "");
        assert_eq!(code, 0, "{out}");
        let path = example(file);
        if bless {
            std::fs::write(&path, &out).expect("write example");
            blessed.push(*file);
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).expect("example exists");
        assert_eq!(
            on_disk,
            out,
            "{file} differs from `oidc-assume policy trust {}`; rerun with BLESS=1",
            args.join(" ")
        );
    }
    assert!(
        !bless,
        "blessed {}; run again without BLESS",
        blessed.join(", ")
    );
}

#[test]
fn examples_pass_check_with_no_error_or_warning() {
    let (code, out) = policy(
        &[
            "check",
            "--format",
            "json",
            &example("iam/plan-role-trust.json"),
            &example("iam/apply-role-trust.json"),
            &example("iam/plan-role-permissions.json"),
            &example("terraform"),
            &example("waf"),
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["counts"]["error"], 0, "{out}");
    assert_eq!(v["counts"]["warning"], 0, "{out}");
    // Both trust policies of the module were found and judged.
    let policies = v["policies"].as_u64().expect("count");
    assert!(policies >= 5, "{out}");
}

fn claims(sub: &str, extra: Value) -> String {
    let mut c = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": sub,
        "repository": "acme/waf-infra",
    });
    if let (Some(m), Value::Object(e)) = (c.as_object_mut(), extra) {
        m.extend(e);
    }
    c.to_string()
}

#[test]
fn example_roles_admit_their_workflow_jobs_only() {
    let pr = claims(
        "repo:acme/waf-infra:pull_request",
        json!({"event_name": "pull_request"}),
    );
    let prod = claims(
        "repo:acme/waf-infra:environment:production",
        json!({"environment": "production", "ref": "refs/heads/main"}),
    );
    let main = claims(
        "repo:acme/waf-infra:ref:refs/heads/main",
        json!({"ref": "refs/heads/main"}),
    );
    let fork = claims(
        "repo:evil/waf-infra:pull_request",
        json!({"repository": "evil/waf-infra"}),
    );
    let module = example("terraform");
    let cases = [
        ("plan_trust", &pr, 0),
        ("plan_trust", &prod, 1),
        ("plan_trust", &main, 1),
        ("plan_trust", &fork, 1),
        ("apply_trust", &prod, 0),
        ("apply_trust", &pr, 1),
        ("apply_trust", &main, 1),
    ];
    for (name, claims, want) in cases {
        let (code, out) = policy(
            &[
                "explain", "--policy", &module, "--name", name, "--claims", "-",
            ],
            claims,
        );
        assert_eq!(code, want, "{name} with {claims}:\n{out}");
    }
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &example("iam/plan-role-trust.json"),
            "--claims",
            "-",
            "--account",
            ACCOUNT,
        ],
        &pr,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &example("iam/apply-role-trust.json"),
            "--claims",
            "-",
            "--account",
            ACCOUNT,
        ],
        &pr,
    );
    assert_eq!(code, 1, "{out}");
}

fn terraform_fmt_check(dir: &std::path::Path) {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-recursive"])
        .arg(dir)
        .output();
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "terraform fmt -check {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(e) => panic!("terraform is needed for this test ({e}); install terraform >= 1.10"),
    }
}

#[test]
#[ignore = "needs terraform; run by the test script"]
fn example_terraform_is_formatted() {
    terraform_fmt_check(&root().join("examples"));
}

#[test]
fn workflows_pin_actions_and_grant_least_privilege() {
    for file in [
        "workflows/terraform-plan.yml",
        "workflows/terraform-apply.yml",
    ] {
        let text = std::fs::read_to_string(example(file)).expect("workflow");
        assert!(
            text.contains("\npermissions: {}\n"),
            "{file}: top-level permissions must be empty"
        );
        assert!(text.contains("id-token: write"), "{file}");
        assert!(text.contains("contents: read"), "{file}");
        assert!(text.contains("persist-credentials: false"), "{file}");
        assert!(text.contains("uses: oidc-assume/oidc-assume@v1"), "{file}");
        for line in text
            .lines()
            .filter(|l| l.trim_start().starts_with("- uses:") && !l.contains("oidc-assume/"))
        {
            let spec = line.split("@").nth(1).expect("ref");
            let sha = spec.split_whitespace().next().expect("sha");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{file}: {line} is not pinned by commit"
            );
            assert!(
                spec.contains("# v"),
                "{file}: {line} has no version comment"
            );
        }
    }
    let apply =
        std::fs::read_to_string(example("workflows/terraform-apply.yml")).expect("workflow");
    assert!(apply.contains("environment: production"));
}
