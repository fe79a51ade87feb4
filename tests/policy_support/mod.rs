//! Shared helpers for the policy tests: run a `policy` subcommand through clap, as the binary
//! would, and locate the corpus.

#![allow(dead_code)]

use std::path::PathBuf;

use clap::Parser;
use oidc_assume::policy::{PolicyCommand, run};

#[derive(Parser)]
#[command(name = "oidc-assume")]
struct Cli {
    #[command(subcommand)]
    cmd: Top,
}

#[derive(clap::Subcommand)]
enum Top {
    Policy {
        #[command(subcommand)]
        cmd: PolicyCommand,
    },
}

/// Exit code and standard output of `oidc-assume policy ARGS...` (2 for usage and input errors).
pub fn policy(args: &[&str], stdin: &str) -> (u8, String) {
    let mut argv = vec!["oidc-assume", "policy"];
    argv.extend_from_slice(args);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => return (2, e.to_string()),
    };
    let Top::Policy { cmd } = cli.cmd;
    let mut out = Vec::new();
    let mut input = stdin.as_bytes();
    match run(cmd, &mut input, &mut out) {
        Ok(exit) => (exit.code(), String::from_utf8(out).expect("utf-8 output")),
        Err(e) => (2, format!("error: {e}")),
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the corpus directory.
pub fn corpus(rel: &str) -> String {
    root()
        .join("tests/policy-corpus")
        .join(rel)
        .display()
        .to_string()
}

/// The corpus manifest: file -> {rules, blind_spot?, checkov_exception?}.
pub fn manifest() -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(root().join("tests/policy-corpus/expected.json"))
        .expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Rule ids of `policy check --format json` output, sorted.
pub fn rule_ids(json_out: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json_out).expect("check output is JSON");
    let mut ids: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect();
    ids.sort();
    ids
}

/// Every violation of the OASIS SARIF 2.1.0 schema (vendored under tests/sarif, see its README)
/// by `log`, as "instance path: message".
pub fn sarif_schema_violations(log: &serde_json::Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/sarif/sarif-schema-2.1.0.json"))
        .expect("vendored SARIF schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::draft4::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
