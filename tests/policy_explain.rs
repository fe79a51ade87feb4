//! `policy explain` and the evaluator: a table of claims x policies whose verdicts follow IAM's
//! documented semantics, and the command's input forms, output and exit codes.

mod policy_support;

use oidc_assume::policy::{AccessRequest, Decision, PolicyDocument, evaluate};
use policy_support::policy;
use serde_json::{Map, Value, json};

const K: &str = "token.actions.githubusercontent.com";
const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

fn claims(sub: &str, extra: Value) -> Map<String, Value> {
    let mut m = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": sub,
        "repository": "acme/app",
        "repository_owner": "acme",
        "repository_id": "42",
        "ref": "refs/heads/main",
        "event_name": "push",
        "ref_protected": "true",
    });
    if let (Some(base), Value::Object(more)) = (m.as_object_mut(), extra) {
        base.extend(more);
    }
    m.as_object().expect("object").clone()
}

fn main_push() -> Map<String, Value> {
    claims("repo:acme/app:ref:refs/heads/main", json!({}))
}
fn env(name: &str) -> Map<String, Value> {
    claims(
        &format!("repo:acme/app:environment:{name}"),
        json!({"environment": name}),
    )
}
fn pull_request() -> Map<String, Value> {
    claims(
        "repo:acme/app:pull_request",
        json!({"event_name": "pull_request", "ref": "refs/pull/7/merge"}),
    )
}
fn evil() -> Map<String, Value> {
    claims(
        "repo:evil/app:ref:refs/heads/main",
        json!({"repository": "evil/app", "repository_owner": "evil"}),
    )
}

fn allow(condition: Value) -> Value {
    json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})
}

fn doc(statements: Vec<Value>) -> PolicyDocument {
    PolicyDocument::from_json_str(
        &json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
    )
    .expect("policy")
}

fn verdict(policy: &PolicyDocument, claims: &Map<String, Value>) -> bool {
    evaluate(policy, &AccessRequest::from_claims(ARN, claims)).admitted()
}

#[test]
fn verdict_table() {
    let aud = json!({"StringEquals": {format!("{K}:aud"): "sts.amazonaws.com"}});
    let with = |extra: Value| -> Value {
        let mut c = aud.clone();
        for (op, keys) in extra.as_object().expect("object") {
            let entry = c
                .as_object_mut()
                .expect("object")
                .entry(op.clone())
                .or_insert(json!({}));
            entry
                .as_object_mut()
                .expect("object")
                .extend(keys.as_object().expect("keys").clone());
        }
        c
    };
    let sub = format!("{K}:sub");
    let envk = format!("{K}:environment");
    #[allow(clippy::type_complexity)]
    let table: Vec<(&str, PolicyDocument, Vec<(&str, Map<String, Value>, bool)>)> = vec![
        (
            "exact main",
            doc(vec![allow(with(
                json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}),
            ))]),
            vec![
                ("main", main_push(), true),
                ("environment", env("production"), false),
                ("pr", pull_request(), false),
                ("evil", evil(), false),
            ],
        ),
        (
            "like any context",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/app:*"}}),
            ))]),
            vec![
                ("main", main_push(), true),
                ("environment", env("production"), true),
                ("pr", pull_request(), true),
                ("evil", evil(), false),
            ],
        ),
        (
            "question mark",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/app:ref:refs/heads/ma?n"}}),
            ))]),
            vec![("main", main_push(), true), ("pr", pull_request(), false)],
        ),
        (
            "values are case-sensitive",
            doc(vec![allow(with(
                json!({"StringEquals": {&sub: "repo:Acme/App:ref:refs/heads/main"}}),
            ))]),
            vec![("main", main_push(), false)],
        ),
        (
            "IgnoreCase",
            doc(vec![allow(with(
                json!({"StringEqualsIgnoreCase": {&sub: "repo:Acme/App:ref:refs/heads/main"}}),
            ))]),
            vec![
                ("main", main_push(), true),
                ("pr", pull_request(), false),
                ("evil", evil(), false),
            ],
        ),
        (
            "key names are case-insensitive",
            doc(vec![allow(with(
                json!({"StringEquals": {sub.to_uppercase(): "repo:acme/app:ref:refs/heads/main"}}),
            ))]),
            vec![("main", main_push(), true)],
        ),
        (
            "values of a key are OR'd",
            doc(vec![allow(with(
                json!({"StringEquals": {&sub: ["repo:acme/app:pull_request", "repo:acme/app:environment:production"]}}),
            ))]),
            vec![
                ("pr", pull_request(), true),
                ("environment", env("production"), true),
                ("main", main_push(), false),
            ],
        ),
        (
            // `ref` is one of the GitHub claims STS evaluates (the Service Authorization
            // Reference's condition keys for sts); `event_name` is not, so it cannot stand here.
            "keys are AND'd",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/*"}, "StringEquals": {format!("{K}:ref"): "refs/heads/main"}}),
            ))]),
            vec![
                ("main", main_push(), true),
                ("pr", pull_request(), false),
                ("evil", evil(), false),
            ],
        ),
        (
            "IfExists passes an absent key",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/app:*"}, "StringEqualsIfExists": {&envk: "production"}}),
            ))]),
            vec![
                ("main (no environment)", main_push(), true),
                ("production", env("production"), true),
                ("staging", env("staging"), false),
            ],
        ),
        (
            "ForAllValues is true for an absent key",
            doc(vec![allow(with(
                json!({"ForAllValues:StringEquals": {&envk: "production"}}),
            ))]),
            vec![
                ("main (no environment)", main_push(), true),
                ("evil (no environment)", evil(), true),
                ("staging", env("staging"), false),
                ("production", env("production"), true),
            ],
        ),
        (
            "ForAnyValue is false for an absent key",
            doc(vec![allow(with(
                json!({"ForAnyValue:StringEquals": {&envk: "production"}}),
            ))]),
            vec![
                ("main (no environment)", main_push(), false),
                ("production", env("production"), true),
            ],
        ),
        (
            "negated operator passes an absent key",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/app:*"}, "StringNotEquals": {&envk: "production"}}),
            ))]),
            vec![
                ("main (no environment)", main_push(), true),
                ("production", env("production"), false),
                ("staging", env("staging"), true),
            ],
        ),
        (
            "negated: none of the values may match",
            doc(vec![allow(with(
                json!({"StringNotLike": {&sub: ["repo:evil/*", "repo:acme/secret*"]}}),
            ))]),
            vec![("main", main_push(), true), ("evil", evil(), false)],
        ),
        (
            "Null false requires the key",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/*"}, "Null": {&envk: "false"}}),
            ))]),
            vec![
                ("main (no environment)", main_push(), false),
                ("production", env("production"), true),
            ],
        ),
        // No `Bool` row: STS evaluates no GitHub claim as a condition key except `sub`, `aud`,
        // `amr` and the keys the Service Authorization Reference lists for sts (`actor`,
        // `environment`, `job_workflow_ref`, `ref`, `repository`, ... ; see
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html),
        // and none of those is boolean; `ref_protected` is not among them, so STS sees it as
        // absent. The boolean keys STS does evaluate for this call are `aws:` global keys of the
        // request context (`aws:SecureTransport`), which `AccessRequest::from_claims` does not
        // model. A row here would state a verdict STS does not give.
        (
            // `event_name` and `repository_owner` are in every token, but they are not
            // condition keys STS evaluates (Service Authorization Reference, sts; vendored in
            // data/aws-iam/conditionKeys/sts.json): the keys are absent from the request.
            "a claim STS does not evaluate never matches a positive operator",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:acme/*"}, "StringEquals": {format!("{K}:event_name"): "push"}}),
            ))]),
            vec![("main (event_name push)", main_push(), false)],
        ),
        (
            "a claim STS does not evaluate always passes a negated operator",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:*"}, "StringNotEquals": {format!("{K}:repository_owner"): "evil"}}),
            ))]),
            vec![("main", main_push(), true), ("evil", evil(), true)],
        ),
        (
            // The same exclusion on a key STS evaluates does exclude.
            "a negated operator on a key STS evaluates excludes",
            doc(vec![allow(with(
                json!({"StringLike": {&sub: "repo:*"}, "StringNotLike": {format!("{K}:repository"): "evil/*"}}),
            ))]),
            vec![("main", main_push(), true), ("evil", evil(), false)],
        ),
        (
            "explicit deny wins",
            doc(vec![
                allow(with(json!({"StringLike": {&sub: "repo:acme/*"}}))),
                json!({"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Condition": {"StringEquals": {&sub: "repo:acme/app:pull_request"}}}),
            ]),
            vec![("main", main_push(), true), ("pr", pull_request(), false)],
        ),
        (
            "audience must match",
            doc(vec![allow(
                json!({"StringEquals": {format!("{K}:aud"): "sts.amazonaws.com.cn", &sub: "repo:acme/app:ref:refs/heads/main"}}),
            )]),
            vec![("main", main_push(), false)],
        ),
        (
            "other provider",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}),
            ]),
            vec![("main", main_push(), false)],
        ),
        (
            "other account's provider",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN.replace("123456789012", "210987654321")}, "Action": "sts:AssumeRoleWithWebIdentity"}),
            ]),
            vec![("main", main_push(), false)],
        ),
        (
            "action wildcard",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": "sts:*", "Condition": {"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}}),
            ]),
            vec![("main", main_push(), true), ("pr", pull_request(), false)],
        ),
        (
            // The refusing side of the row above: wildcards that do not cover the call.
            "action wildcard that does not cover the call",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": ["sts:AssumeRoleWith?AML", "sts:*Role", "iam:*"], "Condition": {"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}}),
            ]),
            vec![("main", main_push(), false)],
        ),
        (
            // Action names compare case-insensitively, wildcards included.
            "action wildcard in another letter case",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": "STS:assumerolewith*", "Condition": {"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}}),
            ]),
            vec![("main", main_push(), true), ("evil", evil(), false)],
        ),
        (
            "wrong action",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": "sts:AssumeRole"}),
            ]),
            vec![("main", main_push(), false)],
        ),
        (
            "NotAction",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "NotAction": "sts:AssumeRole"}),
            ]),
            vec![("main", main_push(), true)],
        ),
        (
            // The refusing side of the row above: NotAction that lists the call (by a wildcard,
            // in another letter case) excludes it.
            "NotAction listing the call",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "NotAction": ["sts:AssumeRole", "STS:AssumeRoleWith*"]}),
            ]),
            vec![("main", main_push(), false), ("pr", pull_request(), false)],
        ),
        (
            "no statement applies: default deny",
            doc(vec![
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}),
            ]),
            vec![("main", main_push(), false)],
        ),
        (
            "2026 claim keys",
            doc(vec![allow(with(
                json!({"StringEquals": {format!("{K}:repository_id"): "42", format!("{K}:repository"): "acme/app"}}),
            ))]),
            vec![("main", main_push(), true), ("evil", evil(), false)],
        ),
    ];
    let mut failures = Vec::new();
    for (name, policy, cases) in &table {
        for (who, c, want) in cases {
            if verdict(policy, c) != *want {
                let eval = evaluate(policy, &AccessRequest::from_claims(ARN, c));
                failures.push(format!("{name} / {who}: expected admitted={want}\n{eval}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explicit_deny_is_reported_as_such() {
    let policy = doc(vec![
        allow(json!({"StringLike": {format!("{K}:sub"): "repo:acme/*"}})),
        json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"StringEquals": {format!("{K}:sub"): "repo:acme/app:pull_request"}}}),
    ]);
    let eval = evaluate(&policy, &AccessRequest::from_claims(ARN, &pull_request()));
    assert_eq!(eval.decision, Decision::ExplicitDeny { statement: 2 });
}

#[test]
fn without_provider_arn_the_provider_path_is_compared() {
    let policy = doc(vec![allow(json!({}))]);
    let eval = evaluate(&policy, &AccessRequest::from_claims("", &main_push()));
    assert!(eval.admitted());
    assert!(
        eval.notes
            .iter()
            .any(|n| n.contains("no provider ARN given")),
        "{:?}",
        eval.notes
    );
    let mut enterprise = main_push();
    enterprise.insert(
        "iss".into(),
        json!("https://token.actions.githubusercontent.com/acme-corp"),
    );
    assert!(!evaluate(&policy, &AccessRequest::from_claims("", &enterprise)).admitted());
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

fn jwt(claims: &Map<String, Value>) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        b64.encode(r#"{"alg":"RS256","typ":"JWT","kid":"x"}"#),
        b64.encode(Value::Object(claims.clone()).to_string()),
        b64.encode("signature-not-checked")
    )
}

#[test]
fn cli_explains_refusal_per_condition_with_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy_file = write(&dir, "trust.json", &json!({"Version": "2012-10-17", "Statement": [allow(json!({
        "StringEquals": {format!("{K}:aud"): "sts.amazonaws.com", format!("{K}:sub"): "repo:acme/app:ref:refs/heads/main"}
    }))]}).to_string());
    let claims_file = write(
        &dir,
        "claims.json",
        &Value::Object(env("production")).to_string(),
    );
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &policy_file,
            "--claims",
            &claims_file,
            "--account",
            "123456789012",
        ],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("verdict: REFUSED: no statement admits this token (implicit deny)"),
        "{out}"
    );
    assert!(out.contains("ok   StringEquals token.actions.githubusercontent.com:aud: claim \"sts.amazonaws.com\" equals \"sts.amazonaws.com\""), "{out}");
    assert!(out.contains("FAIL StringEquals token.actions.githubusercontent.com:sub: claim \"repo:acme/app:environment:production\" equals none of [\"repo:acme/app:ref:refs/heads/main\"]"), "{out}");
    assert!(
        out.contains("hint: the job references an environment"),
        "{out}"
    );
    assert!(out.contains("Federated arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com is the token's provider"), "{out}");
    assert!(
        !out.contains("NOT verified"),
        "JSON claims are not a token: {out}"
    );

    let claims_file = write(&dir, "main.json", &Value::Object(main_push()).to_string());
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &policy_file,
            "--claims",
            &claims_file,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("policy: "), "{out}");
    assert!(out.contains("verdict: ADMITTED by statement 1"), "{out}");
    assert!(out.contains("note: no provider ARN given"), "{out}");
}

#[test]
fn cli_reads_a_jwt_from_stdin_without_verifying_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy_file = write(&dir, "trust.json", &json!({"Statement": [allow(json!({"StringLike": {format!("{K}:sub"): "repo:acme/app:*"}}))]}).to_string());
    let token = jwt(&pull_request());
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &policy_file,
            "--claims",
            "-",
            "--provider-arn",
            ARN,
        ],
        &format!("{token}\n"),
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("note: the token's signature was NOT verified"),
        "{out}"
    );
    assert!(!out.contains(&token), "the token must not be echoed");
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &policy_file,
            "--claims",
            "-",
            "--format",
            "json",
        ],
        &token,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["admitted"], true);
    assert_eq!(v["unverified_token"], true);
    assert_eq!(v["evaluation"]["decision"]["decision"], "admitted");
}

#[test]
fn cli_requires_a_name_when_a_module_holds_several_trust_policies() {
    let dir = root_examples();
    let claims_dir = tempfile::tempdir().expect("tempdir");
    let c = write(
        &claims_dir,
        "c.json",
        &Value::Object(pull_request()).to_string(),
    );
    let (code, out) = policy(&["explain", "--policy", &dir, "--claims", &c], "");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("choose one with --name"), "{out}");
    // docs/policy.md: `explain` admits the plan role for the example's pull request job (the
    // module's repository is acme/waf-infra) and exits 0 when it admits, 1 when it refuses.
    let waf_pr = claims(
        "repo:acme/waf-infra:pull_request",
        json!({"repository": "acme/waf-infra", "event_name": "pull_request", "ref": "refs/pull/7/merge"}),
    );
    let c = write(&claims_dir, "pr.json", &Value::Object(waf_pr).to_string());
    for name in ["plan_trust", "data.aws_iam_policy_document.plan_trust"] {
        let (code, out) = policy(
            &["explain", "--policy", &dir, "--claims", &c, "--name", name],
            "",
        );
        assert_eq!(code, 0, "{name}: {out}");
        assert!(
            out.starts_with(&format!(
                "policy: {dir}/plan_role.tf (data.aws_iam_policy_document.plan_trust)\n"
            )),
            "{out}"
        );
        assert!(out.contains("verdict: ADMITTED by statement 1"), "{out}");
    }
    // The other policy of the module refuses that job.
    let (code, out) = policy(
        &[
            "explain",
            "--policy",
            &dir,
            "--claims",
            &c,
            "--name",
            "apply_trust",
        ],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("verdict: REFUSED: no statement admits this token"),
        "{out}"
    );
}

fn root_examples() -> String {
    policy_support::root()
        .join("examples/terraform")
        .display()
        .to_string()
}

#[test]
fn bad_claims_exit_2_without_echo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy_file = write(
        &dir,
        "trust.json",
        &json!({"Statement": [allow(json!({}))]}).to_string(),
    );
    let (code, out) = policy(
        &["explain", "--policy", &policy_file, "--claims", "-"],
        "not-a-token-secret-sentinel",
    );
    assert_eq!(code, 2);
    assert!(!out.contains("sentinel"), "{out}");
}

fn evaluation(
    policy: &PolicyDocument,
    claims: &Map<String, Value>,
) -> oidc_assume::policy::Evaluation {
    evaluate(policy, &AccessRequest::from_claims(ARN, claims))
}

#[test]
fn principals_as_iam_matches_them() {
    let sub = format!("{K}:sub");
    let pinned = json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}});
    let with_principal = |principal: Value, negated: bool| {
        let element = if negated { "NotPrincipal" } else { "Principal" };
        doc(vec![
            json!({"Effect": "Allow", element: principal, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": pinned}),
        ])
    };
    let google = "arn:aws:iam::123456789012:oidc-provider/accounts.google.com";
    // Federated "*" matches every provider; NotPrincipal admits every principal not listed.
    assert!(verdict(
        &with_principal(json!({"Federated": "*"}), false),
        &main_push()
    ));
    assert!(verdict(
        &with_principal(json!({"Federated": google}), true),
        &main_push()
    ));
    assert!(!verdict(
        &with_principal(json!({"Federated": ARN}), true),
        &main_push()
    ));
    assert!(!verdict(
        &with_principal(json!({"Federated": google}), false),
        &main_push()
    ));
    // A Terraform reference stands for an ARN we cannot see: its provider path is compared,
    // even when the request names the full provider ARN.
    let reference =
        "arn:${partition}:iam::${account}:oidc-provider/token.actions.githubusercontent.com";
    assert!(verdict(
        &with_principal(json!({"Federated": reference}), false),
        &main_push()
    ));
    let other_path =
        "arn:${partition}:iam::${account}:oidc-provider/token.actions.githubusercontent.com/acme";
    assert!(!verdict(
        &with_principal(json!({"Federated": other_path}), false),
        &main_push()
    ));
}

#[test]
fn claim_values_of_every_json_kind_become_context_values() {
    // Non-string claims: numbers and booleans compare as their JSON text, arrays give several
    // values (ForAllValues needs every one to match, ForAnyValue one).
    let policy = |op: &str, key: &str, value: Value| {
        doc(vec![allow(json!({op: {format!("{K}:{key}"): value}}))])
    };
    let mut numeric = main_push();
    numeric.insert("repository_id".into(), json!(42));
    assert!(verdict(
        &policy("StringEquals", "repository_id", json!("42")),
        &numeric
    ));
    let mut two_audiences = main_push();
    two_audiences.insert("aud".into(), json!(["sts.amazonaws.com", "other"]));
    assert!(verdict(
        &policy("ForAnyValue:StringEquals", "aud", json!("other")),
        &two_audiences
    ));
    assert!(!verdict(
        &policy("ForAllValues:StringEquals", "aud", json!("other")),
        &two_audiences
    ));
    assert!(verdict(
        &policy(
            "ForAllValues:StringEquals",
            "aud",
            json!(["other", "sts.amazonaws.com"])
        ),
        &two_audiences
    ));
    // A claim of another issuer's token (not GitHub's) is kept whatever its kind.
    let mut google = Map::new();
    google.insert("iss".into(), json!("https://accounts.google.com"));
    google.insert("email_verified".into(), json!(true));
    let google_policy = doc(vec![
        json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"accounts.google.com:email_verified": "true"}}}),
    ]);
    let e = evaluate(
        &google_policy,
        &AccessRequest::from_claims(
            "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
            &google,
        ),
    );
    assert!(e.admitted(), "{e}");
}

#[test]
fn reasons_say_how_each_value_was_compared() {
    let sub = format!("{K}:sub");
    let e = evaluation(
        &doc(vec![allow(json!({
            "StringLike": {&sub: "repo:acme/*"},
            "StringEqualsIgnoreCase": {format!("{K}:repository"): "ACME/APP"},
            "StringEquals": {format!("{K}:event_name"): "push"},
        }))]),
        &main_push(),
    );
    let reasons: Vec<&str> = e.statements[0]
        .conditions
        .iter()
        .map(|c| c.reason.as_str())
        .collect();
    let text = reasons.join("\n");
    assert!(
        text.contains("\"repo:acme/app:ref:refs/heads/main\" matches \"repo:acme/*\""),
        "{text}"
    );
    assert!(
        text.contains("\"acme/app\" equals (ignoring case) \"ACME/APP\""),
        "{text}"
    );
    assert!(
        text.contains(
            "STS does not evaluate `event_name` for issuer token.actions.githubusercontent.com"
        ),
        "{text}"
    );
}

#[test]
fn hints_come_only_with_a_refusal_and_only_when_they_apply() {
    let sub = format!("{K}:sub");
    let aud = format!("{K}:aud");
    let hints = |policy: Value, claims: &Map<String, Value>| {
        evaluation(&doc(vec![allow(policy)]), claims).hints
    };
    let has = |hints: &[String], what: &str| hints.iter().any(|h| h.contains(what));
    // Admitted: no hints at all.
    assert!(
        hints(
            json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}),
            &main_push()
        )
        .is_empty()
    );
    // The job references an environment, the policy names a branch.
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}),
        &env("production"),
    );
    assert!(has(&h, "references an environment"), "{h:?}");
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/app:environment:staging"}}),
        &env("production"),
    );
    assert!(!has(&h, "references an environment"), "{h:?}");
    // Letter case.
    let h = hints(
        json!({"StringEquals": {&sub: "repo:ACME/app:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(has(&h, "letter case"), "{h:?}");
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/other:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(!has(&h, "letter case"), "{h:?}");
    // The immutable subject form, and a custom template.
    let immutable = claims("repo:acme@1/app@2:ref:refs/heads/main", json!({}));
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}),
        &immutable,
    );
    assert!(has(&h, "immutable subject form"), "{h:?}");
    assert!(!has(&h, "custom subject template"), "{h:?}");
    let custom = claims("environment:production:repo:acme/app", json!({}));
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}),
        &custom,
    );
    assert!(has(&h, "custom subject template"), "{h:?}");
    assert!(!has(&h, "immutable subject form"), "{h:?}");
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/other:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(
        !has(&h, "immutable") && !has(&h, "custom subject template"),
        "{h:?}"
    );
    // The audience: named only when the policy tests it and expects another.
    let h = hints(
        json!({"StringEquals": {&aud: "sts.amazonaws.com.cn", &sub: "repo:acme/app:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(has(&h, "audience"), "{h:?}");
    let h = hints(
        json!({"StringEquals": {&aud: "sts.amazonaws.com", &sub: "repo:acme/other:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(!has(&h, "audience"), "{h:?}");
    let h = hints(
        json!({"StringEquals": {&sub: "repo:acme/other:ref:refs/heads/main"}}),
        &main_push(),
    );
    assert!(!has(&h, "audience"), "{h:?}");
}

#[test]
fn notes_say_what_the_evaluation_could_not_establish_and_only_then() {
    let sub = format!("{K}:sub");
    let notes = |condition: Value, claims: &Map<String, Value>| {
        evaluation(&doc(vec![allow(condition)]), claims).notes
    };
    let has = |notes: &[String], what: &str| notes.iter().any(|n| n.contains(what));
    let pinned = json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}});

    // Claims STS does not evaluate for this issuer are named; with none, nothing is said.
    let n = notes(pinned.clone(), &main_push());
    assert!(
        has(
            &n,
            "claims STS does not evaluate for issuer token.actions.githubusercontent.com"
        ) && has(&n, "event_name"),
        "{n:?}"
    );
    let mut minimal = Map::new();
    // (`iss` itself is not a condition key STS evaluates.)
    for (key, value) in [
        ("aud", "sts.amazonaws.com"),
        ("sub", "repo:acme/app:ref:refs/heads/main"),
    ] {
        minimal.insert(key.into(), json!(value));
    }
    let n = notes(pinned.clone(), &minimal);
    assert!(!has(&n, "claims STS does not evaluate"), "{n:?}");

    // A `${` that is not a policy variable is compared as written, and said to be.
    let n = notes(
        json!({"StringLike": {&sub: "repo:acme/${oops"}}),
        &main_push(),
    );
    assert!(has(&n, "unresolved `${...}` expression"), "{n:?}");
    let n = notes(
        json!({"StringLike": {&sub: "repo:${token.actions.githubusercontent.com:repository}:*"}}),
        &main_push(),
    );
    assert!(!has(&n, "unresolved"), "{n:?}");
    assert!(!has(&notes(pinned.clone(), &main_push()), "unresolved"));

    // ForAnyValue with IfExists on an absent key: undocumented, said so; other absent keys not.
    let environment = format!("{K}:environment");
    let n = notes(
        json!({"ForAnyValue:StringEqualsIfExists": {&environment: "prod"}}),
        &main_push(),
    );
    assert!(has(&n, "ForAnyValue:StringEqualsIfExists"), "{n:?}");
    let n = notes(
        json!({"ForAllValues:StringEquals": {&environment: "prod"}}),
        &main_push(),
    );
    assert!(!has(&n, "ForAllValues:StringEquals"), "{n:?}");

    // Keys from the request (aws:, sts:) are not the token's: evaluated as absent, said so.
    for key in ["aws:SourceIp", "sts:RoleSessionName"] {
        let n = notes(json!({"StringEquals": {key: "x"}}), &main_push());
        assert!(has(&n, "comes from the request"), "{key}: {n:?}");
    }
    let n = notes(json!({"StringEquals": {&environment: "x"}}), &main_push());
    assert!(!has(&n, "comes from the request"), "{n:?}");
}

#[test]
fn null_on_an_absent_key_follows_iam() {
    let environment = format!("{K}:environment");
    let null = |value: &str| doc(vec![allow(json!({"Null": {&environment: value}}))]);
    // main_push has no environment claim.
    assert!(verdict(&null("true"), &main_push()));
    assert!(!verdict(&null("false"), &main_push()));
    assert!(!verdict(&null("true"), &env("production")));
    assert!(verdict(&null("false"), &env("production")));
}

#[test]
fn star_and_question_mark_in_values_are_literal_where_iam_says() {
    let sub = format!("{K}:sub");
    let with_sub = |value: &str| claims(value, json!({}));
    let policy = |op: &str, value: &str| doc(vec![allow(json!({op: {&sub: value}}))]);
    // StringEquals has no wildcards: a `*` in the value matches only a `*` in the claim.
    assert!(verdict(&policy("StringEquals", "x*y"), &with_sub("x*y")));
    assert!(!verdict(&policy("StringEquals", "x*y"), &with_sub("xAy")));
    // `${*}` is a literal star, in StringEquals and StringLike alike.
    assert!(verdict(&policy("StringEquals", "x${*}y"), &with_sub("x*y")));
    assert!(verdict(&policy("StringLike", "x${*}y"), &with_sub("x*y")));
    assert!(!verdict(&policy("StringLike", "x${*}y"), &with_sub("xAy")));
    assert!(verdict(&policy("StringLike", "x${?}y*"), &with_sub("x?yz")));
    assert!(!verdict(
        &policy("StringLike", "x${?}y*"),
        &with_sub("xAyz")
    ));
}

#[test]
fn the_environment_hint_reads_only_positive_conditions_on_sub() {
    let sub = format!("{K}:sub");
    let hints = |policy: Value| evaluation(&doc(vec![allow(policy)]), &env("production")).hints;
    let has_hint = |h: &[String]| h.iter().any(|h| h.contains("references an environment"));
    // A negated condition on sub, or a positive one on another key, is no branch the policy
    // trusts: no hint that the job should trust its environment instead of a branch.
    let h = hints(json!({
        "StringEquals": {&sub: "repo:acme/app:environment:staging"},
        "StringNotEquals": {&sub: "repo:acme/app:ref:refs/heads/dev"},
    }));
    assert!(!has_hint(&h), "{h:?}");
    let h = hints(json!({
        "StringEquals": {&sub: "repo:acme/app:environment:staging"},
        "StringLike": {format!("{K}:repository"): "acme/app:ref:*"},
    }));
    assert!(!has_hint(&h), "{h:?}");
    let h = hints(json!({"StringEquals": {&sub: "repo:acme/app:ref:refs/heads/main"}}));
    assert!(has_hint(&h), "{h:?}");
}

#[test]
fn numbers_and_booleans_inside_a_list_claim_are_values_too() {
    let google = "arn:aws:iam::123456789012:oidc-provider/accounts.google.com";
    let mut claims = Map::new();
    claims.insert("iss".into(), json!("https://accounts.google.com"));
    claims.insert("groups".into(), json!([42, true, {"nested": "ignored"}]));
    let admits = |value: &str| {
        let policy = doc(vec![
            json!({"Effect": "Allow", "Principal": {"Federated": google}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"ForAnyValue:StringEquals": {"accounts.google.com:groups": value}}}),
        ]);
        evaluate(&policy, &AccessRequest::from_claims(google, &claims)).admitted()
    };
    assert!(admits("42"));
    assert!(admits("true"));
    assert!(!admits("ignored"));
}
