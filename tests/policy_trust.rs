//! `policy trust` output fed back into `check` (no error or warning) and `explain` (the job it is
//! for is admitted, its neighbours refused); the Terraform form parses back to the same policy;
//! `suggest_trust` admits exactly the job whose claims it was given.

mod policy_support;

use oidc_assume::policy::load::load_terraform_texts;
use oidc_assume::policy::{AccessRequest, PolicyDocument, evaluate, suggest_trust};
use policy_support::policy;
use serde_json::{Map, Value, json};

const ACCOUNT: &str = "123456789012";

fn claims(sub: &str, extra: Value) -> Map<String, Value> {
    let mut c = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": sub,
        "repository": "acme/app",
        "repository_owner": "acme",
        "ref": "refs/heads/main",
        "event_name": "push",
    });
    if let (Some(m), Value::Object(e)) = (c.as_object_mut(), extra) {
        m.extend(e);
    }
    c.as_object().expect("object").clone()
}

struct Case {
    args: &'static [&'static str],
    admitted: Map<String, Value>,
    refused: Vec<Map<String, Value>>,
    /// Notes expected from `check` (pull_request admits every PR run).
    notes: usize,
}

fn cases() -> Vec<Case> {
    let main = claims("repo:acme/app:ref:refs/heads/main", json!({}));
    let dev = claims(
        "repo:acme/app:ref:refs/heads/dev",
        json!({"ref": "refs/heads/dev"}),
    );
    let tag = claims(
        "repo:acme/app:ref:refs/tags/v1.2.0",
        json!({"ref": "refs/tags/v1.2.0"}),
    );
    let prod = claims(
        "repo:acme/app:environment:production",
        json!({"environment": "production"}),
    );
    let staging = claims(
        "repo:acme/app:environment:staging",
        json!({"environment": "staging"}),
    );
    let pr = claims(
        "repo:acme/app:pull_request",
        json!({"event_name": "pull_request", "ref": "refs/pull/3/merge"}),
    );
    let other = claims(
        "repo:acme/other:ref:refs/heads/main",
        json!({"repository": "acme/other"}),
    );
    let reusable = claims(
        "repo:acme/app:ref:refs/heads/main",
        json!({"job_workflow_ref": "acme/workflows/.github/workflows/deploy.yml@refs/heads/main"}),
    );
    let other_reusable = claims(
        "repo:acme/app:ref:refs/heads/main",
        json!({"job_workflow_ref": "acme/workflows/.github/workflows/other.yml@refs/heads/main"}),
    );
    vec![
        Case {
            args: &["--branch", "main"],
            admitted: main.clone(),
            refused: vec![dev.clone(), prod.clone(), pr.clone(), other.clone()],
            notes: 0,
        },
        Case {
            args: &["--branch", "release/*"],
            admitted: claims("repo:acme/app:ref:refs/heads/release/2.0", json!({})),
            refused: vec![main.clone()],
            notes: 0,
        },
        Case {
            args: &["--tag", "v1.2.0"],
            admitted: tag,
            refused: vec![main.clone()],
            notes: 0,
        },
        Case {
            args: &["--environment", "production"],
            admitted: prod,
            refused: vec![staging, main.clone()],
            notes: 0,
        },
        Case {
            args: &["--pull-request"],
            admitted: pr,
            refused: vec![main.clone(), dev],
            notes: 1,
        },
        Case {
            args: &[
                "--job-workflow-ref",
                "acme/workflows/.github/workflows/deploy.yml@refs/heads/main",
            ],
            admitted: reusable,
            refused: vec![other_reusable, main, other],
            // OA-T026: the calling repository's branches are the reusable workflow's business.
            notes: 1,
        },
    ]
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[test]
fn trust_output_checks_clean_and_explains_as_intended() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, case) in cases().into_iter().enumerate() {
        for format in ["json", "terraform"] {
            let mut argv = vec![
                "trust",
                "--repo",
                "acme/app",
                "--account",
                ACCOUNT,
                "--format",
                format,
            ];
            argv.extend_from_slice(case.args);
            let (code, text) = policy(&argv, "");
            assert_eq!(code, 0, "{argv:?}: {text}");
            let file = write(
                &dir,
                &format!("case{i}.{}", if format == "json" { "json" } else { "tf" }),
                &text,
            );
            let (code, out) = policy(&["check", "--format", "json", &file], "");
            assert_eq!(code, 0, "{argv:?}:\n{text}\n{out}");
            let v: Value = serde_json::from_str(&out).expect("json");
            assert_eq!(
                v["counts"],
                json!({"error": 0, "warning": 0, "note": case.notes}),
                "{argv:?}:\n{out}"
            );
            assert_eq!(v["policies"], 1);

            let c = write(
                &dir,
                "claims.json",
                &Value::Object(case.admitted.clone()).to_string(),
            );
            let (code, out) = policy(
                &[
                    "explain",
                    "--policy",
                    &file,
                    "--claims",
                    &c,
                    "--account",
                    ACCOUNT,
                ],
                "",
            );
            assert_eq!(
                code, 0,
                "{argv:?} should admit {:?}:\n{out}",
                case.admitted["sub"]
            );
            for refused in &case.refused {
                let c = write(
                    &dir,
                    "claims.json",
                    &Value::Object(refused.clone()).to_string(),
                );
                let (code, out) = policy(
                    &[
                        "explain",
                        "--policy",
                        &file,
                        "--claims",
                        &c,
                        "--account",
                        ACCOUNT,
                    ],
                    "",
                );
                assert_eq!(
                    code, 1,
                    "{argv:?} should refuse {:?}:\n{out}",
                    refused["sub"]
                );
            }
        }
    }
}

#[test]
fn terraform_form_parses_back_to_the_json_form() {
    for case in cases() {
        let mut base = vec![
            "trust",
            "--repo",
            "acme/app",
            "--provider-arn",
            "arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        ];
        base.extend_from_slice(case.args);
        let (_, json_text) = policy(&base, "");
        let mut tf_args = base.clone();
        tf_args.extend_from_slice(&["--format", "terraform"]);
        let (_, tf_text) = policy(&tf_args, "");
        let from_json = PolicyDocument::from_json_str(&json_text).expect("json policy");
        let loaded = load_terraform_texts(
            std::path::Path::new("."),
            &[("trust.tf".into(), tf_text.clone())],
        )
        .expect("terraform parses");
        assert_eq!(loaded.len(), 1);
        let from_tf = &loaded[0].document;
        assert_eq!(from_tf.statements.len(), 1);
        let (a, b) = (&from_json.statements[0], &from_tf.statements[0]);
        assert_eq!(a.principal, b.principal, "{tf_text}");
        assert_eq!(a.actions, b.actions);
        let conds = |s: &oidc_assume::policy::model::Statement| {
            let mut v: Vec<(String, String, Vec<String>)> = s
                .conditions
                .iter()
                .map(|c| (c.operator.clone(), c.key.clone(), c.values.clone()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(conds(a), conds(b), "{tf_text}");
        // GovCloud: the audience stays sts.amazonaws.com; only China differs.
        assert!(json_text.contains("\"sts.amazonaws.com\""));
    }
}

#[test]
#[ignore = "needs terraform; run by the test script"]
fn terraform_form_is_terraform_fmt_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, case) in cases().into_iter().enumerate() {
        let mut argv = vec![
            "trust",
            "--repo",
            "acme/app",
            "--account",
            ACCOUNT,
            "--format",
            "terraform",
            "--terraform-name",
            "t",
        ];
        argv.extend_from_slice(case.args);
        let (_, text) = policy(&argv, "");
        write(
            &dir,
            &format!("t{i}.tf"),
            &text.replace("\"t\"", &format!("\"t{i}\"")),
        );
    }
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff"])
        .arg(dir.path())
        .output()
        .expect("terraform is needed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn partition_and_audience_follow_the_region() {
    let (_, out) = policy(
        &[
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
            "--region",
            "cn-northwest-1",
        ],
        "",
    );
    assert!(
        out.contains(
            "arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        ),
        "{out}"
    );
    assert!(out.contains("\"sts.amazonaws.com.cn\""), "{out}");
    let (_, out) = policy(
        &[
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
            "--region",
            "eusc-de-east-1",
        ],
        "",
    );
    assert!(out.contains("arn:aws-eusc:iam::"), "{out}");
    let (_, out) = policy(
        &[
            "trust",
            "--repo",
            "acme/app",
            "--environment",
            "prod",
            "--account",
            ACCOUNT,
            "--owner-id",
            "11",
            "--repository-id",
            "22",
        ],
        "",
    );
    assert!(
        out.contains("repo:acme@11/app@22:environment:prod"),
        "{out}"
    );
    let (_, out) = policy(
        &[
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
            "--issuer",
            "https://ghes.example.com/_services/token",
        ],
        "",
    );
    assert!(
        out.contains("oidc-provider/ghes.example.com/_services/token"),
        "{out}"
    );
    assert!(
        out.contains("ghes.example.com/_services/token:sub"),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for argv in [
        vec!["trust", "--repo", "acme/app", "--account", ACCOUNT],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--tag",
            "v1",
            "--account",
            ACCOUNT,
        ],
        vec!["trust", "--repo", "acme/app", "--branch", "main"],
        vec![
            "trust",
            "--repo",
            "acme",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            "12345",
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
            "--owner-id",
            "1",
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--provider-arn",
            "arn:aws:iam::1:role/x",
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--provider-arn",
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            "--region",
            "cn-north-1",
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--job-workflow-ref",
            "deploy.yml",
            "--account",
            ACCOUNT,
        ],
        vec![
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "ma\nin",
            "--account",
            ACCOUNT,
        ],
    ] {
        let (code, out) = policy(&argv, "");
        assert_eq!(code, 2, "{argv:?} should be refused: {out}");
    }
}

fn admitted_by_suggestion(
    c: &Map<String, Value>,
    region: &str,
    role: &str,
) -> oidc_assume::policy::Suggestion {
    let s = suggest_trust(c, region, role, "GitHubActions");
    let doc = PolicyDocument::from_json_str(&s.policy.to_string()).expect("policy");
    let arn = s.policy["Statement"][0]["Principal"]["Federated"]
        .as_str()
        .expect("arn")
        .to_string();
    let eval = evaluate(&doc, &AccessRequest::from_claims(&arn, c));
    assert!(
        eval.admitted(),
        "{:?} not admitted by its own suggestion:\n{eval}",
        c["sub"]
    );
    s
}

#[test]
fn suggestion_admits_exactly_this_job() {
    let role = "arn:aws:iam::123456789012:role/deploy";
    let env = claims(
        "repo:acme/app:environment:production",
        json!({"environment": "production"}),
    );
    let s = admitted_by_suggestion(&env, "eu-west-1", role);
    assert_eq!(
        s.command,
        "oidc-assume policy trust --repo acme/app --environment production --account 123456789012 --region eu-west-1"
    );
    assert_eq!(
        s.condition["StringEquals"]["token.actions.githubusercontent.com:sub"],
        "repo:acme/app:environment:production"
    );
    assert!(
        s.explain_command
            .contains("aws iam get-role --role-name deploy"),
        "{}",
        s.explain_command
    );
    assert!(
        s.explain_command
            .contains("oidc-assume policy explain --policy role.json --claims claims.json"),
        "{}",
        s.explain_command
    );
    assert!(s.notes.is_empty(), "{:?}", s.notes);

    // The suggested command writes exactly the suggested condition.
    let args: Vec<&str> = s.command.split(' ').skip(2).collect();
    let (code, out) = policy(&args, "");
    assert_eq!(code, 0, "{out}");
    let written: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(written["Statement"][0]["Condition"], s.condition);

    let pr = claims(
        "repo:acme/app:pull_request",
        json!({"event_name": "pull_request", "ref": "refs/pull/9/merge"}),
    );
    assert!(
        admitted_by_suggestion(&pr, "eu-west-1", role)
            .command
            .contains("--pull-request")
    );
    let tag = claims(
        "repo:acme/app:ref:refs/tags/v2",
        json!({"ref": "refs/tags/v2"}),
    );
    assert!(
        admitted_by_suggestion(&tag, "eu-west-1", role)
            .command
            .contains("--tag v2")
    );
    let branch = claims(
        "repo:acme/app:ref:refs/heads/feature/x",
        json!({"ref": "refs/heads/feature/x"}),
    );
    assert!(
        admitted_by_suggestion(&branch, "eu-west-1", role)
            .command
            .contains("--branch feature/x")
    );
    let immutable = claims("repo:acme@100/app@200:ref:refs/heads/main", json!({}));
    assert!(
        admitted_by_suggestion(&immutable, "eu-west-1", role)
            .command
            .contains("--owner-id 100 --repository-id 200")
    );
    let cn = claims(
        "repo:acme/app:ref:refs/heads/main",
        json!({"aud": "sts.amazonaws.com.cn"}),
    );
    let s = admitted_by_suggestion(
        &cn,
        "cn-north-1",
        "arn:aws-cn:iam::123456789012:role/deploy",
    );
    assert!(s.command.ends_with("--region cn-north-1"), "{}", s.command);
    let enterprise = claims(
        "repo:acme/app:ref:refs/heads/main",
        json!({"iss": "https://token.actions.githubusercontent.com/acme-corp"}),
    );
    let s = admitted_by_suggestion(&enterprise, "eu-west-1", role);
    assert!(
        s.command
            .contains("--issuer https://token.actions.githubusercontent.com/acme-corp"),
        "{}",
        s.command
    );

    let custom = claims(
        "environment:production:repo:acme/app",
        json!({"environment": "production"}),
    );
    let s = suggest_trust(&custom, "eu-west-1", role, "GitHubActions");
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("custom subject template")),
        "{:?}",
        s.notes
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn run(target: &str, name: &str, sub: &str, extra: Value) -> Result<(), TestCaseError> {
        let arg = format!("{target}={name}");
        let (code, text) = policy(
            &["trust", "--repo", "acme/app", "--account", ACCOUNT, &arg],
            "",
        );
        prop_assert_eq!(code, 0, "{}", text);
        let doc = PolicyDocument::from_json_str(&text).expect("policy");
        let findings = oidc_assume::policy::check::check_document(&doc, "trust.json");
        prop_assert!(
            findings
                .iter()
                .all(|f| f.severity == oidc_assume::policy::check::Severity::Note),
            "{:?}",
            findings
        );
        let arn =
            format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
        let admitted = evaluate(
            &doc,
            &AccessRequest::from_claims(&arn, &claims(sub, extra.clone())),
        );
        prop_assert!(admitted.admitted(), "{}", admitted);
        let other = evaluate(
            &doc,
            &AccessRequest::from_claims(&arn, &claims(&format!("{sub}x"), extra)),
        );
        prop_assert!(!other.admitted(), "{}", other);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_branch_name_round_trips(branch in "[a-zA-Z0-9._/-]{1,30}") {
            run("--branch", &branch, &format!("repo:acme/app:ref:refs/heads/{branch}"), json!({}))?;
        }

        #[test]
        fn any_environment_name_round_trips(env in "[a-zA-Z0-9 _:.-]{1,30}") {
            // GitHub sends ':' inside a subject value as %3A.
            let sub = format!("repo:acme/app:environment:{}", env.replace(':', "%3A"));
            run("--environment", &env, &sub, json!({"environment": env}))?;
        }

        #[test]
        fn like_agrees_with_a_reference_matcher(pattern in "[ab*?]{0,8}", value in "[ab]{0,8}") {
            prop_assert_eq!(oidc_assume::policy::matching::like(&pattern, &value), reference_like(&pattern, &value));
        }
    }

    /// Textbook recursive matcher, for comparison only.
    fn reference_like(p: &str, v: &str) -> bool {
        fn go(p: &[char], v: &[char]) -> bool {
            match (p.first(), v.first()) {
                (None, None) => true,
                (Some('*'), _) => go(&p[1..], v) || (!v.is_empty() && go(p, &v[1..])),
                (Some('?'), Some(_)) => go(&p[1..], &v[1..]),
                (Some(a), Some(b)) if a == b => go(&p[1..], &v[1..]),
                _ => false,
            }
        }
        let p: Vec<char> = p.chars().collect();
        let v: Vec<char> = v.chars().collect();
        go(&p, &v)
    }
}

/// The documented policies of tests/policy-trust-expected (see its manifest for each source),
/// with the `Sid` our command adds removed, as its model: statements without Sid or lines,
/// conditions sorted.
fn comparable(doc: &PolicyDocument) -> PolicyDocument {
    let mut doc = doc.clone();
    for st in &mut doc.statements {
        st.sid = None;
        st.line = None;
        for c in &mut st.conditions {
            c.line = None;
        }
        st.conditions
            .sort_by(|a, b| (&a.operator, &a.key).cmp(&(&b.operator, &b.key)));
    }
    doc
}

#[test]
fn trust_output_matches_the_documented_policies() {
    let dir = policy_support::root().join("tests/policy-trust-expected");
    let manifest: Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest is JSON");
    let mut compared = 0;
    for (file, case) in manifest.iter().filter(|(k, _)| !k.starts_with('_')) {
        let args: Vec<&str> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("arg"))
            .collect();
        assert!(
            case["sources"].as_array().is_some_and(|s| !s.is_empty()),
            "{file} names no source"
        );
        let expected_text = std::fs::read_to_string(dir.join(file)).expect("expected policy");
        let expected: Value = serde_json::from_str(&expected_text).expect("expected is JSON");

        let mut argv = vec!["trust"];
        argv.extend_from_slice(&args);
        let (code, out) = policy(&argv, "");
        assert_eq!(code, 0, "{file}: {out}");
        let mut got: Value = serde_json::from_str(&out).expect("trust writes JSON");
        for st in got["Statement"].as_array_mut().expect("Statement list") {
            let sid = st.as_object_mut().expect("statement").remove("Sid");
            assert_eq!(sid, Some(json!("GitHubActionsOidc")), "{file}");
        }
        // Structural: JSON objects compare by keys and values, lists by order.
        assert_eq!(
            got,
            expected,
            "{file}: `oidc-assume policy trust {}` differs from the documented policy:\n{out}",
            args.join(" ")
        );

        argv.extend_from_slice(&["--format", "terraform"]);
        let (code, tf) = policy(&argv, "");
        assert_eq!(code, 0, "{file}: {tf}");
        let loaded =
            load_terraform_texts(std::path::Path::new("."), &[("t.tf".into(), tf.clone())])
                .expect("terraform loads");
        assert_eq!(loaded.len(), 1, "{tf}");
        assert_eq!(
            comparable(&loaded[0].document),
            comparable(&PolicyDocument::from_json_str(&expected_text).expect("policy")),
            "{file}: the Terraform form differs from the documented policy:\n{tf}"
        );
        compared += 1;
    }
    assert_eq!(compared, 8, "every documented form is compared");
}

#[test]
fn every_issuer_form_gets_a_policy_of_keys_sts_evaluates() {
    use oidc_assume::policy::keys::IssuerForm;
    let dir = tempfile::tempdir().expect("tempdir");
    let workflow = "acme/workflows/.github/workflows/deploy.yml@refs/heads/main";
    for issuer in [
        "https://token.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com/acme-corp",
        "https://token.actions.octo.ghe.com",
        "https://github.com/enterprises/acme-corp",
        "https://ghes.example.com/_services/token",
    ] {
        let form = IssuerForm::of(issuer.trim_start_matches("https://")).expect("a GitHub form");
        for target in [["--branch", "main"], ["--job-workflow-ref", workflow]] {
            let mut argv = vec![
                "trust",
                "--repo",
                "acme/app",
                "--account",
                ACCOUNT,
                "--issuer",
                issuer,
            ];
            argv.extend_from_slice(&target);
            let (code, text) = policy(&argv, "");
            let doc = match code {
                0 => PolicyDocument::from_json_str(&text).expect("policy"),
                _ => {
                    // Only a claim STS does not evaluate for this form is refused.
                    assert_eq!(form, IssuerForm::Server, "{argv:?}: {text}");
                    assert_eq!(code, 2, "{argv:?}: {text}");
                    assert!(
                        text.contains("STS does not evaluate `repository`"),
                        "{text}"
                    );
                    continue;
                }
            };
            for condition in &doc.statements[0].conditions {
                let claim = condition.key.rsplit(':').next().expect("claim");
                assert!(form.evaluates(claim), "{argv:?} wrote {}", condition.key);
            }
            let file = write(&dir, "trust.json", &text);
            let (code, out) = policy(&["check", &file], "");
            assert_eq!(code, 0, "{argv:?}: {out}");
            let mut token = claims(
                "repo:acme/app:ref:refs/heads/main",
                json!({"iss": issuer, "job_workflow_ref": workflow}),
            );
            let c = write(
                &dir,
                "claims.json",
                &Value::Object(token.clone()).to_string(),
            );
            let explain = [
                "explain",
                "--policy",
                &file,
                "--claims",
                &c,
                "--account",
                ACCOUNT,
            ];
            let (code, out) = policy(&explain, "");
            assert_eq!(code, 0, "{argv:?} should admit its own job:\n{out}");
            token.insert("repository".into(), json!("acme/other"));
            token.insert("sub".into(), json!("repo:acme/other:ref:refs/heads/main"));
            write(&dir, "claims.json", &Value::Object(token).to_string());
            let (code, out) = policy(&explain, "");
            assert_eq!(code, 1, "{argv:?} should refuse another repository:\n{out}");
        }
    }
    let (code, out) = policy(
        &[
            "trust",
            "--repo",
            "acme/app",
            "--branch",
            "main",
            "--account",
            ACCOUNT,
            "--issuer",
            "https://gitlab.com",
        ],
        "",
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is not a GitHub Actions issuer"), "{out}");
}
