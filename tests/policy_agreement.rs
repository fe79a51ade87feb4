//! `policy check` and `policy explain` never contradict each other:
//!
//! - every finding that says a policy admits some repository, branch or environment carries an
//!   example token, and `explain` admits that token;
//! - for every policy `check` passes without an error or a warning, the tokens a reviewer fears
//!   (another owner, another repository of the owner, an owner whose name starts the same, another
//!   branch, another environment, a pull request) are refused, unless a note says the policy
//!   admits them on purpose.
//!
//! Over the corpus (through the command line, as a user runs it) and over generated policies
//! (through the library, so thousands of cases stay fast).

mod policy_support;

use std::collections::BTreeSet;

use oidc_assume::policy::check::{self, Finding, Severity};
use oidc_assume::policy::load::load_paths;
use oidc_assume::policy::{AccessRequest, PolicyDocument, evaluate};
use policy_support::{corpus, manifest, policy};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The rules whose findings say the policy admits something (stated by hand: the rule table's
/// summaries say so for exactly these).
const ADMITTING: &[&str] = &[
    "OA-T001", "OA-T002", "OA-T003", "OA-T004", "OA-T005", "OA-T006", "OA-T007", "OA-T010",
    "OA-T011", "OA-T012",
];

/// A policy a finding calls not fully judged (an unresolved Terraform expression) is left out.
const NOT_FULLY_JUDGED: &[&str] = &["OA-T021"];

fn admitted(doc: &PolicyDocument, claims: &Map<String, Value>) -> bool {
    evaluate(doc, &AccessRequest::from_claims("", claims)).admitted()
}

fn text(token: &Map<String, Value>, claim: &str) -> Option<String> {
    token.get(claim).and_then(Value::as_str).map(str::to_string)
}

/// `sub` with its `repo:OWNER/REPO` part (default or custom template, `@ID` forms included)
/// renamed; `None` when it has none.
fn rename_subject(sub: &str, owner: &str, repo: &str) -> Option<String> {
    let at = if sub.starts_with("repo:") {
        0
    } else {
        sub.find(":repo:")? + 1
    };
    let start = at + "repo:".len();
    let end = sub[start..].find(':').map_or(sub.len(), |i| start + i);
    let (old_owner, old_repo) = sub[start..end].split_once('/')?;
    let id = |old: &str| if old.contains('@') { "@424242" } else { "" };
    Some(format!(
        "{}{owner}{}/{repo}{}{}",
        &sub[..start],
        id(old_owner),
        id(old_repo),
        &sub[end..]
    ))
}

/// The tokens a reviewer fears, derived from a token the policy admits, by name.
fn hostile_variants(token: &Map<String, Value>) -> Vec<(&'static str, Map<String, Value>)> {
    let mut out = Vec::new();
    let Some(repository) = text(token, "repository") else {
        return out;
    };
    let Some((owner, repo)) = repository.split_once('/') else {
        return out;
    };
    let sub = text(token, "sub").unwrap_or_default();
    let rename = |new_owner: &str, new_repo: &str| {
        let mut t = token.clone();
        if let Some(renamed) = rename_subject(&sub, new_owner, new_repo) {
            t.insert("sub".into(), json!(renamed));
        }
        t.insert(
            "repository".into(),
            json!(format!("{new_owner}/{new_repo}")),
        );
        t.insert("repository_owner".into(), json!(new_owner));
        t.insert("repository_id".into(), json!("424242"));
        if new_owner != owner {
            t.insert("repository_owner_id".into(), json!("424243"));
        }
        t
    };
    out.push(("another owner", rename("evil-org", repo)));
    out.push((
        "an owner whose name starts the same",
        rename(&format!("{owner}-evil"), repo),
    ));
    out.push((
        "another repository of the owner",
        rename(owner, "other-repo"),
    ));
    if let Some(ctx) = sub.find(":ref:refs/heads/") {
        let mut t = token.clone();
        t.insert(
            "sub".into(),
            json!(format!("{}:ref:refs/heads/evil-branch", &sub[..ctx])),
        );
        t.insert("ref".into(), json!("refs/heads/evil-branch"));
        out.push(("another branch", t));
    }
    if let Some(ctx) = sub.find(":environment:") {
        let mut t = token.clone();
        t.insert(
            "sub".into(),
            json!(format!("{}:environment:evil-env", &sub[..ctx])),
        );
        t.insert("environment".into(), json!("evil-env"));
        out.push(("another environment", t));
    }
    let prefix = format!("repo:{repository}:");
    if sub.starts_with(&prefix) && !sub.ends_with(":pull_request") {
        let mut t = token.clone();
        t.insert("sub".into(), json!(format!("{prefix}pull_request")));
        t.insert("event_name".into(), json!("pull_request"));
        t.insert("ref".into(), json!("refs/pull/1/merge"));
        t.remove("environment");
        out.push(("a pull request", t));
    }
    out
}

/// The variants a note says the policy admits on purpose.
fn deliberate(findings: &[Finding]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for f in findings {
        match f.rule {
            "OA-T011" => out.push("a pull request"),
            "OA-T026" => out.extend(["another branch", "another environment", "a pull request"]),
            _ => {}
        }
    }
    out
}

/// The disagreements for one policy, given `check`'s findings for it.
fn disagreements(doc: &PolicyDocument, findings: &[Finding]) -> Vec<String> {
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| ADMITTING.contains(&f.rule)) {
        match &f.example_claims {
            None => out.push(format!("{} has no example token: {}", f.rule, f.message)),
            Some(claims) if !admitted(doc, claims) => out.push(format!(
                "{} says the policy admits something, but its example is refused: {}\n{}",
                f.rule,
                f.message,
                Value::Object(claims.clone())
            )),
            Some(_) => {}
        }
    }
    let clean = !findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Error | Severity::Warning));
    if clean && let Some(token) = check::intended_token(doc) {
        let noted = deliberate(findings);
        for (what, hostile) in hostile_variants(&token) {
            if !noted.contains(&what) && admitted(doc, &hostile) {
                out.push(format!(
                    "check passes the policy, but it admits {what}:\n{}",
                    Value::Object(hostile)
                ));
            }
        }
    }
    out
}

#[test]
fn corpus_check_and_explain_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let (mut judged, mut excluded, mut examples) = (0, 0, 0);
    for file in manifest().keys() {
        let path = corpus(file);
        let policies = load_paths(&[path.clone().into()], &mut || Ok(String::new()))
            .expect("the corpus loads");
        for p in &policies {
            let findings = check::check_policies(std::slice::from_ref(p));
            if findings.iter().any(|f| NOT_FULLY_JUDGED.contains(&f.rule)) {
                excluded += 1;
                continue;
            }
            judged += 1;
            for problem in disagreements(&p.document, &findings) {
                failures.push(format!("{file} {:?}: {problem}", p.name));
            }
            // The same examples through the command line, as a user would run them.
            for claims in findings.iter().filter_map(|f| f.example_claims.as_ref()) {
                let claims_file = dir.path().join("claims.json");
                std::fs::write(&claims_file, Value::Object(claims.clone()).to_string())
                    .expect("write");
                let claims_file = claims_file.display().to_string();
                let mut argv = vec!["explain", "--policy", &path, "--claims", &claims_file];
                if let Some(name) = &p.name {
                    argv.extend(["--name", name]);
                }
                let (code, out) = policy(&argv, "");
                if code != 0 {
                    failures.push(format!("{file}: explain refuses a check example:\n{out}"));
                }
                examples += 1;
            }
        }
    }
    println!(
        "agreement over the corpus: {judged} policies judged, {excluded} not fully judged (left out), {examples} examples explained"
    );
    assert!(
        judged >= 50 && examples >= 20,
        "{judged} judged, {examples} examples"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// --- generated policies ---------------------------------------------------------------------

const ISSUER: &str = "token.actions.githubusercontent.com";

fn values_for(claim: &str) -> Vec<&'static str> {
    match claim {
        "sub" => vec![
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/release/*",
            "repo:acme/app:environment:prod",
            "repo:acme/app:pull_request",
            "repo:acme/app:*",
            "repo:acme/*",
            "repo:acme*",
            "repo:ACME/App:ref:refs/heads/main",
            "repo:acme/app",
            "environment:prod:repo:acme/app",
            "workflow:deploy",
            "*",
            "",
            "repo:${token.actions.githubusercontent.com:repository}:*",
            "repo:acme/app:ref:${token.actions.githubusercontent.com:ref}",
            "repo:acme/${*}",
        ],
        "aud" => vec!["sts.amazonaws.com", "sts.amazonaws.com.cn", "*", "other"],
        "repository" => vec!["acme/app", "acme/*", "ACME/app", "*"],
        "repository_id" => vec!["42", "4*"],
        "repository_owner_id" => vec!["7"],
        "environment" => vec!["prod", "*"],
        "ref" => vec!["refs/heads/main", "refs/heads/*"],
        "job_workflow_ref" => vec![
            "acme/wf/.github/workflows/deploy.yml@refs/heads/main",
            "acme/*",
        ],
        _ => vec!["acme", "x"],
    }
}

const CLAIMS: &[&str] = &[
    "sub",
    "sub",
    "sub",
    "aud",
    "repository",
    "repository_id",
    "repository_owner_id",
    "environment",
    "ref",
    "job_workflow_ref",
    "repository_owner",
    "workflow_ref",
];

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEquals",
    "StringLike",
    "StringLike",
    "StringNotEquals",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringLikeIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
    "ForAnyValue:StringNotEquals",
    "Null",
];

fn condition() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        prop::sample::select(OPERATORS),
        prop::sample::select(CLAIMS),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(op, claim, a, b, two)| {
            let values = if op == "Null" {
                vec![if two { "true" } else { "false" }.to_string()]
            } else {
                let pool = values_for(claim);
                let mut v = vec![a.get(&pool).to_string()];
                if two {
                    v.push(b.get(&pool).to_string());
                }
                v.dedup();
                v
            };
            (op.to_string(), format!("{ISSUER}:{claim}"), values)
        })
}

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&["Allow", "Allow", "Allow", "Deny"][..]),
        prop::sample::select(&["github", "github", "github", "star", "other"][..]),
        prop::sample::select(
            &[
                "sts:AssumeRoleWithWebIdentity",
                "sts:AssumeRoleWithWebIdentity",
                "sts:*",
                "sts:AssumeRole",
            ][..],
        ),
        prop::collection::vec(condition(), 0..4),
    )
        .prop_map(|(effect, principal, action, conditions)| {
            let principal = match principal {
                "github" => json!({"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{ISSUER}")}),
                "star" => json!("*"),
                _ => json!({"Federated": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"}),
            };
            let mut cond = Map::new();
            for (op, key, values) in conditions {
                let entry = cond.entry(op).or_insert_with(|| json!({}));
                entry[key] = json!(values);
            }
            json!({"Effect": effect, "Principal": principal, "Action": action, "Condition": cond})
        })
}

fn policies() -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(), 1..3)
        .prop_map(|statements| json!({"Version": "2012-10-17", "Statement": statements}))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("AGREEMENT_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(3000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_policies_check_and_explain_agree(policy in policies()) {
        let doc = PolicyDocument::from_json_str(&policy.to_string()).expect("a policy");
        let findings = check::check_document(&doc, "generated.json");
        let problems = disagreements(&doc, &findings);
        let rules: BTreeSet<&str> = findings.iter().map(|f| f.rule).collect();
        prop_assert!(
            problems.is_empty(),
            "{}\npolicy: {policy}\nfindings: {rules:?}",
            problems.join("\n")
        );
    }
}
