//! checkov's CKV_AWS_358 (data "aws_iam_policy_document") and CKV_AWS_393 (aws_iam_role
//! assume_role_policy) against our check, over the Terraform part of the corpus; and checkov,
//! with all its checks, over `examples/`.
//!
//! Asserted: every policy checkov fails, ours fails too, unless the manifest names it as a
//! `checkov_exception` and says why checkov is wrong; every `blind_spot` case checkov passes and
//! ours fails; checkov fails nothing in the examples and skips only the check the example
//! documents. Needs checkov in `<repo>/.venv` (`python3 -m venv .venv && .venv/bin/pip install
//! checkov`); the test script runs it with `--ignored`.

mod policy_support;

use std::collections::BTreeMap;
use std::process::Command;

use policy_support::{corpus, manifest, policy, root};

/// `<repo>/.venv/bin/checkov` (installed by scripts/install-test-deps).
fn checkov() -> std::path::PathBuf {
    let checkov = root().join(".venv/bin/checkov");
    assert!(
        checkov.exists(),
        "checkov is missing at {}: run `python3 -m venv .venv && .venv/bin/pip install checkov`",
        checkov.display()
    );
    checkov
}

#[test]
#[ignore = "needs checkov; run by the test script"]
fn checkov_comparison_on_terraform_corpus() {
    let checkov = checkov();
    let dir = root().join("tests/policy-corpus/terraform");
    let output = Command::new(&checkov)
        .args(["-d"])
        .arg(&dir)
        .args([
            "--framework",
            "terraform",
            "--check",
            "CKV_AWS_358,CKV_AWS_393",
            "-o",
            "json",
            "--skip-download",
        ])
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    // file name -> checkov failed any check on it
    let mut checkov_failed: BTreeMap<String, bool> = BTreeMap::new();
    for (kind, failed) in [("passed_checks", false), ("failed_checks", true)] {
        for c in report["results"][kind]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let file = c["file_path"]
                .as_str()
                .expect("file_path")
                .trim_start_matches('/')
                .to_string();
            let entry = checkov_failed.entry(file).or_insert(false);
            *entry |= failed;
        }
    }
    let mut problems = Vec::new();
    let (mut both_fail, mut both_pass, mut only_ours, mut only_checkov, mut total) =
        (0, 0, 0, 0, 0);
    for (file, expected) in manifest() {
        let Some(name) = file.strip_prefix("terraform/") else {
            continue;
        };
        total += 1;
        let Some(&ck_fail) = checkov_failed.get(name) else {
            problems.push(format!("{name}: checkov reported nothing"));
            continue;
        };
        let (code, _) = policy(&["check", &corpus(&file)], "");
        let ours_fail = code == 1;
        match (ck_fail, ours_fail) {
            (true, true) => both_fail += 1,
            (false, false) => both_pass += 1,
            (false, true) => only_ours += 1,
            (true, false) => only_checkov += 1,
        }
        if ck_fail && !ours_fail && expected.get("checkov_exception").is_none() {
            problems.push(format!(
                "{name}: checkov fails it, ours passes, and no exception explains why"
            ));
        }
        let checkov_only = ck_fail && !ours_fail;
        if expected.get("checkov_exception").is_some() && !checkov_only {
            problems.push(format!(
                "{name}: listed as a checkov exception but checkov={ck_fail} ours={ours_fail}"
            ));
        }
        if expected.get("blind_spot").is_some() && (ck_fail || !ours_fail) {
            problems.push(format!("{name}: blind spot expected (checkov passes, ours fails) but checkov={ck_fail} ours={ours_fail}"));
        }
    }
    println!(
        "checkov comparison over {total} Terraform policies: both fail {both_fail}, both pass {both_pass}, \
         only ours fails {only_ours} (checkov blind spots), only checkov fails {only_checkov} (listed exceptions)"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs checkov; run by the test script"]
fn checkov_reports_nothing_on_the_examples() {
    // Every framework and every check, as a user running checkov on these files would.
    let output = Command::new(checkov())
        .arg("-d")
        .arg(root().join("examples"))
        .args(["-o", "json", "--skip-download"])
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    // One object for one framework, a list for several.
    let reports = match report {
        serde_json::Value::Array(list) => list,
        one => vec![one],
    };
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let mut passed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &reports {
        assert_eq!(r["summary"]["parsing_errors"], 0, "{r}");
        let results = &r["results"];
        let list = |kind: &str| {
            results[kind]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    (
                        c["check_id"].as_str().unwrap_or_default().to_string(),
                        c["file_path"]
                            .as_str()
                            .unwrap_or_default()
                            .trim_start_matches('/')
                            .to_string(),
                        c["resource"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        };
        failed.extend(list("failed_checks"));
        skipped.extend(list("skipped_checks"));
        for (id, file, resource) in list("passed_checks") {
            passed
                .entry(file)
                .or_default()
                .push(format!("{id} {resource}"));
        }
    }
    assert!(failed.is_empty(), "checkov fails the examples: {failed:?}");
    // The one documented skip (docs/policy.md, examples/waf/main.tf): request logging.
    assert_eq!(
        skipped,
        [(
            "CKV2_AWS_31".to_string(),
            "waf/main.tf".to_string(),
            "aws_wafv2_web_acl.main".to_string()
        )],
        "checkov skips other checks than the documented one"
    );
    // checkov did run its checks on the examples' resources. Its GitHub OIDC checks
    // (CKV_AWS_358/393) pass the example trust policies without judging them: their principal is
    // a reference to the provider resource, which those checks do not follow (docs/policy.md);
    // our own check judges them (tests/policy_examples.rs).
    for file in [
        "terraform/plan_role.tf",
        "terraform/apply_role.tf",
        "waf/main.tf",
    ] {
        assert!(
            passed.get(file).is_some_and(|checks| !checks.is_empty()),
            "checkov judged nothing in {file}: {passed:?}"
        );
    }
}
