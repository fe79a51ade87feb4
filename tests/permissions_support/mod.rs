//! Shared helpers for the `policy permissions` tests: run the binary, read its report.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The repository root, where the tests run the binary.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `policy permissions check --format json ARGS...`; (exit code, report).
pub fn check(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
        .args(["policy", "permissions", "check", "--format", "json"])
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("an exit code"), report)
}

/// The rules a report raises, sorted, each once.
pub fn rules(report: &Value) -> Vec<String> {
    let mut rules: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// Runs `policy permissions explain`; (exit code, text).
pub fn explain(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
        .args(["policy", "permissions", "explain"])
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("an exit code"),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The messages of the findings of `rule` in `report`.
pub fn messages<'a>(report: &'a Value, rule: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().expect("message"))
        .collect()
}
