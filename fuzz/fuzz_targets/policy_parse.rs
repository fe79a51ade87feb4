//! The trust-policy loaders on arbitrary text: IAM JSON, `aws iam get-role` output, Terraform,
//! and claims (JSON or JWT).
//!
//! Properties:
//! - no loader panics, whatever the text;
//! - whatever loads can be checked, and evaluated against GitHub-like claims, without a panic,
//!   with the same result twice;
//! - a document that loads from JSON loads again, to the same model, from its own
//!   `Statement` list re-serialised (the model does not depend on formatting).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use oidc_assume::policy::check::{check_document, check_policies};
use oidc_assume::policy::claims::parse_claims;
use oidc_assume::policy::load::{LoadedPolicy, load_json_text, load_terraform_texts};
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

fn exercise(policies: &[LoadedPolicy]) {
    let first = check_policies(policies);
    assert_eq!(
        first,
        check_policies(policies),
        "check is not deterministic"
    );
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(policies) = load_json_text("fuzz.json", text) {
        exercise(&policies);
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
        exercise(&policies);
    }

    let _ = parse_claims(text);
});
