//! The trust-policy evaluator on fuzzed policies and claims.
//!
//! Policies are built in IAM's JSON shape from fuzzed statements (effects, principals, actions,
//! condition operators, keys and values drawn from what trust policies use, plus arbitrary
//! text), loaded with `PolicyDocument::from_value` and evaluated against fuzzed claims.
//! Properties:
//! - no panic; evaluation is deterministic and serialises;
//! - the decision is the first applying Deny, else the first applying Allow, else implicit deny;
//! - Deny always wins: adding an applying Deny anywhere makes the decision an explicit deny;
//!   adding an Allow never turns a Deny into anything else;
//! - statements are judged on their own: a statement applies in the document exactly when it
//!   applies alone, and reversing the statements does not change whether the request is
//!   admitted;
//! - for a key with exactly one value, `StringNotEquals`/`StringNotLike` hold exactly when
//!   `StringEquals`/`StringLike` with the same values do not;
//! - the policy `suggest_trust` writes for a GitHub job admits that job and refuses the same
//!   job from another repository.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oidc_assume::policy::model::SpanHints;
use oidc_assume::policy::{AccessRequest, Decision, PolicyDocument, evaluate, suggest_trust};
use serde_json::{Map, Value, json};

const ISSUER: &str = "token.actions.githubusercontent.com";
const PROVIDER: &str =
    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "StringLikeIfExists",
    "StringNotLikeIfExists",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
    "ForAllValues:StringLike",
    "ForAnyValue:StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "Bool",
    "Null",
    "NumericEquals",
    "DateLessThan",
    "StringLikeX",
    "",
];

const CLAIMS: &[&str] = &[
    "sub",
    "aud",
    "repository",
    "repository_owner",
    "ref",
    "environment",
    "job_workflow_ref",
    "event_name",
    "amr",
    "SUB",
];

const VALUES: &[&str] = &[
    "*",
    "?",
    "",
    "sts.amazonaws.com",
    "repo:acme/app:*",
    "repo:acme/*",
    "repo:acme/app:ref:refs/heads/main",
    "repo:acme/app:environment:prod",
    "repo:acme/app:pull_request",
    "repo:ACME/app:*",
    "repo:acme/app:ref:refs/heads/*",
    "acme/app",
    "acme",
    "refs/heads/main",
    "refs/tags/v*",
    "prod",
    "push",
    "pull_request",
    "true",
    "false",
    "acme/app/.github/workflows/*.yml@*",
    "$",
    "${",
];

const ACTIONS: &[&str] = &[
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRole",
    "sts:*",
    "*",
    "STS:assumerolewithwebidentity",
    "sts:AssumeRoleWith*",
    "sts:TagSession",
    "iam:*",
];

#[derive(Arbitrary, Debug, Clone)]
enum Text {
    Known(u8),
    Glued(u8, u8),
    Any(String),
}

impl Text {
    fn render(&self, table: &[&str]) -> String {
        let pick = |i: &u8| table[usize::from(*i) % table.len()];
        match self {
            Text::Known(i) => pick(i).to_owned(),
            Text::Glued(a, b) => format!("{}{}", pick(a), pick(b)),
            Text::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum PrincipalInput {
    None,
    Star,
    Federated(bool),
    AwsStar,
    Service,
    FederatedList(bool, Text),
    NotPrincipal,
}

#[derive(Arbitrary, Debug, Clone)]
struct ConditionInput {
    operator: Text,
    claim: Text,
    /// A key without the issuer prefix, or with another issuer.
    foreign_key: bool,
    values: Vec<Text>,
    single: bool,
}

#[derive(Arbitrary, Debug, Clone)]
struct StatementInput {
    effect: u8,
    sid: Option<String>,
    principal: PrincipalInput,
    actions: Vec<Text>,
    not_action: bool,
    conditions: Vec<ConditionInput>,
}

#[derive(Arbitrary, Debug, Clone)]
enum ClaimValue {
    Text(Text),
    List(Vec<Text>),
    Bool(bool),
    Number(i64),
    Null,
}

#[derive(Arbitrary, Debug)]
struct Job {
    owner: Vec<u8>,
    repo: Vec<u8>,
    kind: u8,
    name: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    statements: Vec<StatementInput>,
    claims: Vec<(Text, ClaimValue)>,
    with_provider: bool,
    deny_at: u16,
    duality: Option<(bool, Vec<Text>, Text)>,
    job: Job,
}

fn statement_json(st: &StatementInput) -> Value {
    let mut obj = Map::new();
    if let Some(sid) = &st.sid {
        obj.insert("Sid".into(), json!(sid));
    }
    let effect = match st.effect % 5 {
        0 | 1 => "Allow",
        2 | 3 => "Deny",
        _ => "allow",
    };
    obj.insert("Effect".into(), json!(effect));
    let federated = |exact: bool| {
        if exact {
            json!(PROVIDER)
        } else {
            json!("arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com")
        }
    };
    match &st.principal {
        PrincipalInput::None => {}
        PrincipalInput::Star => {
            obj.insert("Principal".into(), json!("*"));
        }
        PrincipalInput::Federated(exact) => {
            obj.insert(
                "Principal".into(),
                json!({ "Federated": federated(*exact) }),
            );
        }
        PrincipalInput::AwsStar => {
            obj.insert("Principal".into(), json!({ "AWS": "*" }));
        }
        PrincipalInput::Service => {
            obj.insert(
                "Principal".into(),
                json!({ "Service": "ec2.amazonaws.com" }),
            );
        }
        PrincipalInput::FederatedList(exact, other) => {
            obj.insert(
                "Principal".into(),
                json!({ "Federated": [federated(*exact), other.render(VALUES)] }),
            );
        }
        PrincipalInput::NotPrincipal => {
            obj.insert("NotPrincipal".into(), json!({ "AWS": "*" }));
        }
    }
    let actions: Vec<String> = st.actions.iter().map(|a| a.render(ACTIONS)).collect();
    let action_key = if st.not_action { "NotAction" } else { "Action" };
    match actions.as_slice() {
        [one] => obj.insert(action_key.into(), json!(one)),
        _ => obj.insert(action_key.into(), json!(actions)),
    };
    if !st.conditions.is_empty() {
        let mut conditions = Map::new();
        for c in &st.conditions {
            let claim = c.claim.render(CLAIMS);
            let key = if c.foreign_key {
                format!("accounts.google.com:{claim}")
            } else {
                format!("{ISSUER}:{claim}")
            };
            let values: Vec<String> = c.values.iter().map(|v| v.render(VALUES)).collect();
            let value = match (c.single, values.as_slice()) {
                (true, [one, ..]) => json!(one),
                _ => json!(values),
            };
            let op = conditions
                .entry(c.operator.render(OPERATORS))
                .or_insert_with(|| json!({}));
            if let Some(keys) = op.as_object_mut() {
                keys.insert(key, value);
            }
        }
        obj.insert("Condition".into(), Value::Object(conditions));
    }
    Value::Object(obj)
}

fn claim_value(value: &ClaimValue) -> Value {
    match value {
        ClaimValue::Text(t) => json!(t.render(VALUES)),
        ClaimValue::List(items) => {
            Value::Array(items.iter().map(|t| json!(t.render(VALUES))).collect())
        }
        ClaimValue::Bool(b) => json!(b),
        ClaimValue::Number(n) => json!(n),
        ClaimValue::Null => Value::Null,
    }
}

fn document(statements: &[Value]) -> Option<PolicyDocument> {
    let value = json!({ "Version": "2012-10-17", "Statement": statements });
    PolicyDocument::from_value(&value, &SpanHints::default()).ok()
}

/// An Allow or Deny that applies to any web-identity request.
fn applying(effect: &str) -> Value {
    json!({ "Effect": effect, "Principal": "*", "Action": "*" })
}

fn check_decision(doc: &PolicyDocument, request: &AccessRequest) -> Decision {
    let evaluation = evaluate(doc, request);
    assert_eq!(evaluation, evaluate(doc, request), "not deterministic");
    serde_json::to_string(&evaluation).expect("serialises");
    assert_eq!(evaluation.statements.len(), doc.statements.len());
    let first = |effect: &str| {
        evaluation
            .statements
            .iter()
            .find(|s| s.applies && s.effect == effect)
            .map(|s| s.index)
    };
    let want = match (first("Deny"), first("Allow")) {
        (Some(statement), _) => Decision::ExplicitDeny { statement },
        (None, Some(statement)) => Decision::Admitted { statement },
        (None, None) => Decision::ImplicitDeny,
    };
    assert_eq!(evaluation.decision, want);
    for s in &evaluation.statements {
        let all = s.principal.matched && s.action.matched && s.conditions.iter().all(|c| c.matched);
        assert_eq!(s.applies, all);
    }
    evaluation.decision
}

fn check_policy(input: &Input, request: &AccessRequest) {
    let statements: Vec<Value> = input.statements.iter().map(statement_json).collect();
    let Some(doc) = document(&statements) else {
        return;
    };
    let decision = check_decision(&doc, request);
    let full = evaluate(&doc, request);

    // Each statement alone applies exactly when it applies in the document.
    for (i, st) in statements.iter().enumerate() {
        let alone = document(std::slice::from_ref(st)).expect("a statement of a valid document");
        let evaluation = evaluate(&alone, request);
        assert_eq!(evaluation.statements[0].applies, full.statements[i].applies);
    }

    // Order does not decide.
    let mut reversed = statements.clone();
    reversed.reverse();
    let reversed_doc = document(&reversed).expect("the same statements");
    assert_eq!(
        evaluate(&reversed_doc, request).admitted(),
        full.admitted(),
        "statement order changed the decision"
    );

    // Deny wins wherever it stands.
    let at = usize::from(input.deny_at) % (statements.len() + 1);
    let mut with_deny = statements.clone();
    with_deny.insert(at, applying("Deny"));
    let with_deny_doc = document(&with_deny).expect("still valid");
    assert!(matches!(
        check_decision(&with_deny_doc, request),
        Decision::ExplicitDeny { .. }
    ));
    // An Allow does not undo a Deny.
    let mut with_allow = statements.clone();
    with_allow.insert(at, applying("Allow"));
    let with_allow_doc = document(&with_allow).expect("still valid");
    let after = check_decision(&with_allow_doc, request);
    match decision {
        Decision::ExplicitDeny { .. } => {
            assert!(matches!(after, Decision::ExplicitDeny { .. }), "{after:?}")
        }
        _ => assert!(matches!(after, Decision::Admitted { .. }), "{after:?}"),
    }
}

/// `StringNotX` is the negation of `StringX` for a key with one value.
fn check_duality(input: &Input, request: &AccessRequest) {
    let Some((like, values, claim)) = &input.duality else {
        return;
    };
    let claim = claim.render(CLAIMS);
    let key = format!("{ISSUER}:{claim}");
    if request.value(&key).is_none_or(|v| v.len() != 1) {
        return;
    }
    let values: Vec<String> = values.iter().map(|v| v.render(VALUES)).collect();
    if values.is_empty() {
        return;
    }
    let (positive, negative) = if *like {
        ("StringLike", "StringNotLike")
    } else {
        ("StringEquals", "StringNotEquals")
    };
    let admitted = |op: &str| {
        let st = json!({
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { op: { key.clone(): values.clone() } },
        });
        document(&[st]).map(|doc| evaluate(&doc, request).admitted())
    };
    if let (Some(p), Some(n)) = (admitted(positive), admitted(negative)) {
        assert_ne!(p, n, "{positive} and {negative} agree on {key}");
    }
}

/// A name GitHub allows: letters, digits, `-`, `_`, `.`; never empty.
fn name(bytes: &[u8], extra: &str) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    let mut out: String = bytes
        .iter()
        .take(24)
        .map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()]))
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, 'x');
    }
    out.push_str(extra);
    out
}

/// The suggested policy admits the job it was written for, and not the same job elsewhere.
fn check_suggestion(job: &Job) {
    let owner = name(&job.owner, "");
    let repo = name(&job.repo, "");
    let n = name(&job.name, "");
    let (sub_tail, git_ref, environment, event) = match job.kind % 4 {
        0 => (
            format!("ref:refs/heads/{n}"),
            format!("refs/heads/{n}"),
            None,
            "push",
        ),
        1 => (
            format!("ref:refs/tags/{n}"),
            format!("refs/tags/{n}"),
            None,
            "push",
        ),
        2 => (
            format!("environment:{n}"),
            "refs/heads/main".to_owned(),
            Some(n.clone()),
            "push",
        ),
        _ => (
            "pull_request".to_owned(),
            "refs/pull/1/merge".to_owned(),
            None,
            "pull_request",
        ),
    };
    let claims_for = |owner: &str, repo: &str| {
        let mut claims = json!({
            "iss": format!("https://{ISSUER}"),
            "aud": "sts.amazonaws.com",
            "sub": format!("repo:{owner}/{repo}:{sub_tail}"),
            "repository": format!("{owner}/{repo}"),
            "repository_owner": owner,
            "ref": git_ref,
            "event_name": event,
        });
        if let (Some(env), Some(map)) = (&environment, claims.as_object_mut()) {
            map.insert("environment".into(), json!(env));
        }
        claims.as_object().cloned().unwrap_or_default()
    };
    let claims = claims_for(&owner, &repo);
    let suggestion = suggest_trust(
        &claims,
        "us-east-1",
        "arn:aws:iam::123456789012:role/deploy",
        "GitHubActions",
    );
    let doc = PolicyDocument::from_value(&suggestion.policy, &SpanHints::default())
        .expect("the suggested policy loads");
    let request = AccessRequest::from_claims(PROVIDER, &claims);
    let evaluation = evaluate(&doc, &request);
    assert!(
        evaluation.admitted(),
        "the suggestion refuses its own job: {:#}\n{claims:?}\n{evaluation:?}",
        suggestion.policy
    );
    let elsewhere = claims_for(&owner, &format!("{repo}-fork"));
    let request = AccessRequest::from_claims(PROVIDER, &elsewhere);
    assert!(
        !evaluate(&doc, &request).admitted(),
        "the suggestion admits another repository: {:#}",
        suggestion.policy
    );
}

fuzz_target!(|input: Input| {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(format!("https://{ISSUER}")));
    for (name, value) in &input.claims {
        claims.insert(name.render(CLAIMS), claim_value(value));
    }
    let provider = if input.with_provider { PROVIDER } else { "" };
    let request = AccessRequest::from_claims(provider, &claims);

    check_policy(&input, &request);
    check_duality(&input, &request);
    check_suggestion(&input.job);
});
