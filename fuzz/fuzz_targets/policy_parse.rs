//! The trust-policy loaders on arbitrary text: IAM JSON, `aws iam get-role` output, Terraform,
//! and claims (JSON or JWT); and the `policy trust` renderers on trust specs built from the same
//! bytes.
//!
//! Properties:
//! - no loader panics, whatever the text;
//! - whatever loads can be checked, and evaluated against GitHub-like claims, without a panic,
//!   with the same result twice;
//! - every finding points into the input: its statement exists in its policy (1-based, at most
//!   the number of statements) and its line exists in the text (1-based, at most the number of
//!   lines); so do the lines the model records for statements and conditions;
//! - a document that loads from JSON loads again, to the same model, from its own
//!   `Statement` list re-serialised (the model does not depend on formatting);
//! - a trust spec that validates renders as Terraform that loads back, with no unresolved
//!   expression, as one `aws_iam_policy_document` of the given name whose policy is the spec's
//!   `policy_json`; its pretty JSON (`policy_text`) is the same JSON.

#![no_main]

use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use oidc_assume::policy::check::{check_document, check_policies};
use oidc_assume::policy::claims::parse_claims;
use oidc_assume::policy::generate::{Partition, Target, TrustSpec, provider_arn};
use oidc_assume::policy::load::{LoadedPolicy, load_json_text, load_terraform_texts};
use oidc_assume::policy::model::SpanHints;
use oidc_assume::policy::{AccessRequest, PolicyDocument, evaluate};
use serde_json::{Map, Value, json};

fn claims() -> Map<String, Value> {
    let value = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": "repo:acme/app:ref:refs/heads/main",
        "repository": "acme/app",
        "repository_owner": "acme",
        "ref": "refs/heads/main",
        "event_name": "push",
        "job_workflow_ref": "acme/app/.github/workflows/deploy.yml@refs/heads/main",
    });
    value.as_object().cloned().unwrap_or_default()
}

/// 1-based lines of `text` (a final line without a line feed counts; an empty text has one).
fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Every line the model and the findings give lies in `text`; every statement number names a
/// statement of its policy.
fn check_locations(policies: &[LoadedPolicy], text: &str) {
    let lines = line_count(text);
    let in_text = |what: &str, line: Option<usize>| {
        if let Some(l) = line {
            assert!(
                (1..=lines).contains(&l),
                "{what} line {l} is not in the input ({lines} lines)"
            );
        }
    };
    for policy in policies {
        for st in &policy.document.statements {
            in_text("statement", st.line);
            for c in &st.conditions {
                in_text("condition", c.line);
            }
        }
        let count = policy.document.statements.len();
        for finding in check_policies(std::slice::from_ref(policy)) {
            let loc = &finding.location;
            assert_eq!(loc.file, policy.file);
            assert_eq!(loc.policy, policy.name);
            in_text(finding.rule, loc.line);
            if let Some(n) = loc.statement {
                assert!(
                    (1..=count).contains(&n),
                    "{} names statement {n} of a policy with {count}",
                    finding.rule
                );
            }
        }
    }
}

fn exercise(policies: &[LoadedPolicy], text: &str) {
    let first = check_policies(policies);
    assert_eq!(
        first,
        check_policies(policies),
        "check is not deterministic"
    );
    check_locations(policies, text);
    let claims = claims();
    for provider in [
        "",
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    ] {
        let request = AccessRequest::from_claims(provider, &claims);
        for policy in policies {
            let evaluation = evaluate(&policy.document, &request);
            assert_eq!(evaluation, evaluate(&policy.document, &request));
            let _ = check_document(&policy.document, &policy.file);
        }
    }
}

/// Text from a table of plausible values, or anything.
#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Any(String),
}

impl Text {
    fn render(&self, table: &[&str]) -> String {
        match self {
            Text::Known(i) => table[usize::from(*i) % table.len()].to_owned(),
            Text::Any(s) => s.clone(),
        }
    }
}

const NAMES: &[&str] = &["acme", "app", "octo-org", "octo-repo", "a.b_c-d", "A1"];
const REFS: &[&str] = &[
    "main",
    "release/*",
    "v1.2.0",
    "prod:eu",
    "Production",
    "feature/${x}",
    "%{if}",
    "\"quoted\"",
    "back\\slash",
    "ma?n",
    "ünïcödé",
];
const WORKFLOWS: &[&str] = &[
    "acme/workflows/.github/workflows/deploy.yml@refs/heads/main",
    "octo-org/octo-automation/.github/workflows/oidc.yml@refs/tags/v1",
];
const ISSUERS: &[&str] = &[
    "https://token.actions.githubusercontent.com",
    "https://token.actions.githubusercontent.com/acme-corp",
    "https://ghes.example.com/_services/token",
];
const AUDIENCES: &[&str] = &["sts.amazonaws.com", "sts.amazonaws.com.cn", "api://x"];
const TF_NAMES: &[&str] = &["trust", "github_actions", "t-1"];

#[derive(Arbitrary, Debug)]
enum TargetInput {
    Branch(Text),
    Tag(Text),
    Environment(Text),
    PullRequest,
    JobWorkflowRef(Text),
}

#[derive(Arbitrary, Debug)]
struct SpecInput {
    owner: Text,
    repo: Text,
    ids: Option<(u32, u32)>,
    target: TargetInput,
    partition: u8,
    account: u64,
    issuer: Text,
    audience: Text,
    terraform_name: Text,
}

impl SpecInput {
    fn build(&self) -> (TrustSpec, String) {
        let target = match &self.target {
            TargetInput::Branch(t) => Target::Branch(t.render(REFS)),
            TargetInput::Tag(t) => Target::Tag(t.render(REFS)),
            TargetInput::Environment(t) => Target::Environment(t.render(REFS)),
            TargetInput::PullRequest => Target::PullRequest,
            TargetInput::JobWorkflowRef(t) => Target::JobWorkflowRef(t.render(WORKFLOWS)),
        };
        let partition = Partition::ALL[usize::from(self.partition) % Partition::ALL.len()];
        let issuer = self.issuer.render(ISSUERS);
        let account = format!("{:012}", self.account % 1_000_000_000_000);
        let spec = TrustSpec {
            repo: format!("{}/{}", self.owner.render(NAMES), self.repo.render(NAMES)),
            ids: self.ids.map(|(o, r)| (o.to_string(), r.to_string())),
            target,
            provider_arn: provider_arn(partition, &account, &issuer),
            audience: self.audience.render(AUDIENCES),
            issuer,
        };
        (spec, self.terraform_name.render(TF_NAMES))
    }
}

/// The model without what differs between formats by design: lines, and the order of
/// conditions (a JSON `Condition` object has no order).
fn comparable(doc: &PolicyDocument) -> PolicyDocument {
    let mut doc = doc.clone();
    for st in &mut doc.statements {
        st.line = None;
        for c in &mut st.conditions {
            c.line = None;
        }
        st.conditions
            .sort_by(|a, b| (&a.operator, &a.key).cmp(&(&b.operator, &b.key)));
    }
    doc
}

fn check_rendering(data: &[u8]) {
    let Ok(input) = SpecInput::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let (spec, name) = input.build();
    let tf = spec.terraform(&name);
    let text = spec.policy_text();
    if spec.validate().is_err() {
        // `policy trust` refuses such a spec before rendering; rendering must still not panic.
        return;
    }
    let json = spec.policy_json();
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("policy_text is JSON"),
        json,
        "policy_text and policy_json differ"
    );
    let want =
        PolicyDocument::from_value(&json, &SpanHints::default()).expect("policy_json is a policy");

    let loaded = load_terraform_texts(
        Path::new("/nonexistent/oidc-assume-fuzz"),
        &[("trust.tf".to_owned(), tf.clone())],
    )
    .unwrap_or_else(|e| panic!("rendered Terraform does not load: {e}\n{tf}"));
    assert_eq!(loaded.len(), 1, "{tf}");
    let got = &loaded[0];
    assert_eq!(
        got.name.as_deref(),
        Some(format!("data.aws_iam_policy_document.{name}").as_str()),
        "{tf}"
    );
    assert!(got.notes.is_empty(), "unresolved: {:?}\n{tf}", got.notes);
    assert_eq!(
        comparable(&got.document),
        comparable(&want),
        "the Terraform form loads to another policy\n{tf}\n{text}"
    );
    check_locations(&loaded, &tf);
}

fuzz_target!(|data: &[u8]| {
    check_rendering(data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(policies) = load_json_text("fuzz.json", text) {
        exercise(&policies, text);
    }
    if let Ok(document) = PolicyDocument::from_json_str(text) {
        let value: Value = serde_json::from_str(text).expect("it parsed once");
        if let Some(statement) = value.get("Statement") {
            let mut again = Map::new();
            if let Some(version) = value.get("Version") {
                again.insert("Version".into(), version.clone());
            }
            again.insert("Statement".into(), statement.clone());
            let again = PolicyDocument::from_json_str(&Value::Object(again).to_string())
                .expect("the same statements load again");
            assert_eq!(again, document);
        }
    }

    // No directory: `file()` paths relative to the module then name nothing.
    let dir = Path::new("/nonexistent/oidc-assume-fuzz");
    if let Ok(policies) = load_terraform_texts(dir, &[("main.tf".to_owned(), text.to_owned())]) {
        exercise(&policies, text);
    }

    let _ = parse_claims(text);
});
