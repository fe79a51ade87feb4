//! checkov's CKV_AWS_358 (data "aws_iam_policy_document") and CKV_AWS_393 (aws_iam_role
//! assume_role_policy) against our check, over the Terraform part of the corpus.
//!
//! Asserted: every policy checkov fails, ours fails too, unless the manifest names it as a
//! `checkov_exception` and says why checkov is wrong; every `blind_spot` case checkov passes and
//! ours fails. Needs checkov in `<repo>/.venv` (`python3 -m venv .venv && .venv/bin/pip install
//! checkov`); the test script runs it with `--ignored`.

mod policy_support;

use std::collections::BTreeMap;
use std::process::Command;

use policy_support::{corpus, manifest, policy, root};

#[test]
#[ignore = "needs checkov; run by the test script"]
fn checkov_comparison_on_terraform_corpus() {
    let checkov = root().join(".venv/bin/checkov");
    assert!(
        checkov.exists(),
        "checkov is missing at {}: run `python3 -m venv .venv && .venv/bin/pip install checkov`",
        checkov.display()
    );
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
