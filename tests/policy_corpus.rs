//! Every policy of the corpus gets exactly the findings the manifest expects, and `check`
//! exits 1 exactly when one of them is an error.

mod policy_support;

use policy_support::{corpus, manifest, policy, rule_ids, sarif_schema_violations};

#[test]
fn corpus_findings_match_manifest() {
    let mut failures = Vec::new();
    for (file, expected) in manifest() {
        let want: Vec<String> = expected["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("rule id").to_string())
            .collect();
        let (code, out) = policy(&["check", "--format", "json", &corpus(&file)], "");
        if code == 2 {
            failures.push(format!("{file}: {out}"));
            continue;
        }
        let got = rule_ids(&out);
        let mut want_sorted = want.clone();
        want_sorted.sort();
        if got != want_sorted {
            failures.push(format!(
                "{file}: expected {want_sorted:?}, got {got:?}\n{out}"
            ));
        }
        let errors = got.iter().any(|id| {
            oidc_assume::policy::check::rules::rule(id)
                .is_some_and(|r| r.severity == oidc_assume::policy::check::Severity::Error)
        });
        if (code == 1) != errors {
            failures.push(format!("{file}: exit {code} but errors={errors}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The token a corpus `explain` expectation starts from: a push to main of acme/app on
/// github.com; the expectation's `claims` replace or add claims (`null` removes one).
fn corpus_token(changes: &serde_json::Value) -> serde_json::Value {
    let mut token = serde_json::json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": "repo:acme/app:ref:refs/heads/main",
        "repository": "acme/app",
        "repository_id": "42",
        "repository_owner": "acme",
        "repository_owner_id": "7",
        "ref": "refs/heads/main",
        "event_name": "push",
        "workflow": "deploy",
    });
    let map = token.as_object_mut().expect("object");
    for (claim, value) in changes.as_object().expect("claims is an object") {
        match value {
            serde_json::Value::Null => map.remove(claim),
            v => map.insert(claim.clone(), v.clone()),
        };
    }
    token
}

#[test]
fn corpus_explain_verdicts_match_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (file, expected) in manifest() {
        let Some(cases) = expected.get("explain") else {
            continue;
        };
        for case in cases.as_array().expect("explain is a list") {
            let token = corpus_token(&case["claims"]);
            let claims = dir.path().join("claims.json");
            std::fs::write(&claims, token.to_string()).expect("write claims");
            let claims = claims.display().to_string();
            let path = corpus(&file);
            let (code, out) = policy(&["explain", "--policy", &path, "--claims", &claims], "");
            let want = if case["admitted"].as_bool().expect("admitted") {
                0
            } else {
                1
            };
            if code != want {
                failures.push(format!(
                    "{file} {}: exit {code}, want {want}\n{out}",
                    case["claims"]
                ));
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} explain expectations in the manifest"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_is_exercised_by_the_corpus() {
    // The rules `check` reports on the corpus files, as run (not as the manifest says: the test
    // above holds the manifest to the output).
    let mut seen: Vec<String> = Vec::new();
    for file in manifest().keys() {
        let (code, out) = policy(&["check", "--format", "json", &corpus(file)], "");
        assert!(code <= 1, "{file}: {out}");
        seen.extend(rule_ids(&out));
    }
    let missing: Vec<&str> = oidc_assume::policy::check::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !seen.iter().any(|s| s == id))
        .collect();
    assert!(missing.is_empty(), "rules with no corpus case: {missing:?}");
}

#[test]
fn text_output_names_file_line_statement_and_fix() {
    let file = corpus("terraform/blind-second-statement.tf");
    let (code, out) = policy(&["check", &file], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "{file}:11 data.aws_iam_policy_document.trust statement 2: error[OA-T001]"
        )),
        "{out}"
    );
    assert!(
        out.contains("  fix: add StringEquals on token.actions.githubusercontent.com:sub"),
        "{out}"
    );
    assert!(
        out.contains("1 policy checked: 1 error, 0 warnings, 0 notes"),
        "{out}"
    );
}

#[test]
fn json_lines_point_at_the_offending_condition() {
    let (_, out) = policy(
        &[
            "check",
            "--format",
            "json",
            &corpus("json/multi-value-bad-second.json"),
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = &v["findings"][0];
    assert_eq!(f["location"]["statement"], 1);
    // The StringLike sub list starts on line 15 of the pretty-printed file.
    let text = std::fs::read_to_string(corpus("json/multi-value-bad-second.json")).expect("read");
    let line = text
        .lines()
        .position(|l| l.contains("\"token.actions.githubusercontent.com:sub\""))
        .expect("sub line")
        + 1;
    assert_eq!(f["location"]["line"], line);
    assert!(
        f["message"]
            .as_str()
            .expect("message")
            .contains("\"repo:*\"")
    );
}

#[test]
fn get_role_output_is_read_encoded_or_not() {
    let (code, out) = policy(&["check", &corpus("json/get-role-encoded.json")], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("role/deploy statement 1 (Sid \"GitHub\")"),
        "{out}"
    );
    let (code, _) = policy(&["check", &corpus("json/get-role-object.json")], "");
    assert_eq!(code, 0);
    // Standard input.
    let text = std::fs::read_to_string(corpus("json/get-role-encoded.json")).expect("read");
    let (code, out) = policy(&["check", "-"], &text);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn sarif_schema_rejects_what_it_should() {
    // The validator is live: a log without `runs`, with a wrong version, or with a result level
    // SARIF does not define, is refused.
    let good = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "level": "error"}
        ]}]
    });
    assert_eq!(sarif_schema_violations(&good), Vec::<String>::new());
    for (what, bad) in [
        ("no runs", serde_json::json!({"version": "2.1.0"})),
        (
            "version",
            serde_json::json!({"version": "2.0.0", "runs": []}),
        ),
        (
            "level",
            serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
                {"message": {"text": "m"}, "level": "fatal"}
            ]}]}),
        ),
        (
            "startLine 0",
            serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
                {"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}
            ]}]}),
        ),
    ] {
        assert!(!sarif_schema_violations(&bad).is_empty(), "{what}: {bad}");
    }
}

#[test]
fn sarif_is_valid_2_1_0_with_rules_and_regions() {
    let (code, out) = policy(
        &[
            "check",
            "--format",
            "sarif",
            &corpus("terraform/blind-org-wide.tf"),
            &corpus("json/missing-audience.json"),
        ],
        "",
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif is JSON");
    let problems = sarif_schema_violations(&v);
    assert!(
        problems.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n{out}",
        problems.join("\n")
    );
    assert_eq!(v["version"], "2.1.0");
    assert!(
        v["$schema"]
            .as_str()
            .expect("schema")
            .contains("sarif-2.1.0")
    );
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), oidc_assume::policy::check::RULES.len());
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().expect("level")));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
                .ends_with(".tf")
                || loc["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .ends_with(".json")
        );
        assert!(loc["region"]["startLine"].as_u64().expect("line") >= 1);
    }
}

#[test]
fn unreadable_or_malformed_input_exits_2() {
    let (code, out) = policy(&["check", "/nonexistent/policy.json"], "");
    assert_eq!(code, 2);
    assert!(
        out.contains("cannot read /nonexistent/policy.json"),
        "{out}"
    );
    let (code, out) = policy(
        &["check", "-"],
        "{\"Statement\": [{\"Effect\": \"Maybe\"}]}",
    );
    assert_eq!(code, 2);
    assert!(out.contains("malformed policy"), "{out}");
    let (code, _) = policy(&["check", "-"], "[1, 2]");
    assert_eq!(code, 2);
}

#[test]
fn one_unusable_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"Statement\": [").expect("write");
    let broken = broken.display().to_string();
    let good = corpus("json/org-wide.json");
    let files = ["/nonexistent/policy.json", broken.as_str(), good.as_str()];

    let mut argv = vec!["check"];
    argv.extend(files);
    let (code, out) = policy(&argv, "");
    assert_eq!(code, 2, "an unreadable file exits 2:\n{out}");
    assert!(
        out.contains("error[OA-T003]"),
        "the readable file is judged:\n{out}"
    );
    assert!(
        out.contains("/nonexistent/policy.json: not checked: cannot read")
            && out.contains(&format!(
                "{broken}: not checked: {broken} is not valid JSON"
            )),
        "{out}"
    );
    assert!(out.contains("2 files not checked"), "{out}");

    let mut argv = vec!["check", "--format", "json"];
    argv.extend(files);
    let (code, out) = policy(&argv, "");
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["problems"].as_array().expect("problems").len(),
        2,
        "{out}"
    );
    assert_eq!(v["counts"]["error"], 1, "{out}");

    let mut argv = vec!["check", "--format", "sarif"];
    argv.extend(files);
    let (code, out) = policy(&argv, "");
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif");
    assert!(sarif_schema_violations(&v).is_empty(), "{out}");
    let invocation = &v["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"]
            .as_array()
            .expect("notifications")
            .len(),
        2
    );
    assert_eq!(
        v["runs"][0]["results"].as_array().expect("results").len(),
        1
    );
}

#[test]
fn policies_not_fully_judged_are_counted() {
    let (code, out) = policy(
        &[
            "check",
            "--format",
            "json",
            &corpus("terraform/unjudged-constructs.tf"),
            &corpus("json/good-branch.json"),
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["policies"], 2);
    assert_eq!(v["not_fully_judged"], 1, "{out}");
    let (_, text) = policy(&["check", &corpus("terraform/unjudged-constructs.tf")], "");
    assert!(
        text.contains("1 policy checked (1 not fully judged): 0 errors, 2 warnings"),
        "{text}"
    );
}
