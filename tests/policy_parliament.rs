//! parliament (PyPI, BSD, 1.6.4), a permissions-policy linter nobody here wrote, against
//! `policy permissions check` over the permissions corpus (`tests/policy-permissions/`).
//!
//! Asserted: what parliament reports on each case, pinned (a new parliament that reports
//! otherwise fails here, to be looked at); and where the two differ, the difference is one
//! docs/policy.md explains: parliament judges no access levels (every case where ours finds a
//! write, parliament is silent or reports something else); both check resource ARNs against each
//! action's resource types (its `RESOURCE_MISMATCH`, our OA-P013). The comparison table
//! goes to target/measurements/. Needs parliament in `<repo>/.venv`; the test script runs it
//! with `--ignored`.

mod policy_support;

use std::collections::BTreeMap;
use std::process::Command;

use policy_support::root;

/// What parliament 1.6.4 reports on each case (its issue names).
const PARLIAMENT: &[(&str, &[&str])] = &[
    ("allow-condition-does-not-help.json", &[]),
    ("allow-not-action.json", &["RESOURCE_STAR"]),
    ("allow-not-resource.json", &[]),
    ("case-insensitive.json", &[]),
    ("deny-conditional.json", &[]),
    ("deny-narrower-resource.json", &[]),
    ("deny-unconditional.json", &[]),
    ("get-verbs-that-write.json", &["RESOURCE_STAR"]),
    ("kms-decrypt.json", &[]),
    ("plan-backend-reads.json", &[]),
    ("plan-lock-file.json", &[]),
    ("plan-lock-table.json", &[]),
    ("plan-other-kms-key.json", &[]),
    ("plan-whole-bucket.json", &[]),
    ("plan-writes-state.json", &[]),
    ("resource-star-scopable.json", &["RESOURCE_STAR"]),
    ("resource-type-mismatch.json", &["RESOURCE_MISMATCH"]),
    ("secrets-read.json", &[]),
    ("service-get-wildcard.json", &["RESOURCE_STAR"]),
    ("sts-get-wildcard-writes.json", &[]),
    ("unknown-action.json", &["UNKNOWN_ACTION", "UNKNOWN_PREFIX"]),
    ("wafv2-read.json", &[]),
];

fn parliament(policy: &str) -> Vec<String> {
    let program = root().join(".venv/bin/parliament");
    assert!(
        program.exists(),
        "parliament is missing at {}: run scripts/install-test-deps",
        program.display()
    );
    // --string: parliament refuses --file when standard input is not a terminal.
    let out = Command::new(&program)
        .args(["--string", policy, "--json"])
        .output()
        .expect("parliament runs");
    let mut issues: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("parliament printed {l:?}: {e}"));
            v["issue"].as_str().expect("an issue name").to_owned()
        })
        .collect();
    issues.sort();
    issues.dedup();
    issues
}

#[test]
#[ignore = "needs parliament; run by the test script"]
fn parliament_comparison_on_the_permissions_corpus() {
    let dir = root().join("tests/policy-permissions");
    let manifest: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("manifest"),
    )
    .expect("JSON");
    let pinned: BTreeMap<&str, &[&str]> = PARLIAMENT.iter().copied().collect();
    let mut table = String::from("| case | ours | parliament 1.6.4 |\n| --- | --- | --- |\n");
    let mut silent_on_writes = 0;
    // parliament reads IAM JSON only: the Terraform cases are ours alone.
    let json_cases = manifest.iter().filter(|(file, _)| file.ends_with(".json"));
    for (file, expected) in json_cases {
        let text = std::fs::read_to_string(dir.join(file)).expect("case");
        let theirs = parliament(&text);
        let want: Vec<String> = pinned
            .get(file.as_str())
            .unwrap_or_else(|| panic!("{file}: add what parliament reports to PARLIAMENT"))
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            theirs, want,
            "{file}: parliament now reports something else"
        );
        let ours: Vec<&str> = expected["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("id"))
            .collect();
        if ours
            .iter()
            .any(|r| ["OA-P001", "OA-P002", "OA-P003"].contains(r))
            && !theirs
                .iter()
                .any(|i| i.contains("WRITE") || i.contains("PRIVILEGE"))
        {
            silent_on_writes += 1;
        }
        table.push_str(&format!(
            "| {file} | {} | {} |\n",
            if ours.is_empty() {
                "clean".to_owned()
            } else {
                ours.join(", ")
            },
            if theirs.is_empty() {
                "nothing".to_owned()
            } else {
                theirs.join(", ")
            }
        ));
    }
    assert_eq!(
        pinned.len(),
        manifest.keys().filter(|f| f.ends_with(".json")).count(),
        "every JSON case is compared"
    );
    table.push_str(&format!(
        "\nparliament says nothing about a write in {silent_on_writes} of the cases where ours finds one.\n"
    ));
    let measurements = root().join("target/measurements");
    std::fs::create_dir_all(&measurements).expect("dir");
    std::fs::write(measurements.join("parliament.txt"), &table).expect("write");
    assert!(silent_on_writes >= 10, "{table}");
}
