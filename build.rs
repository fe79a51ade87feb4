//! Deflates the vendored IAM data into `OUT_DIR` for `include_bytes!`: the action table
//! (`data/aws-iam/actions.txt`, about 0.55 MB of text, 0.11 MB deflated) and the AWS managed
//! policies (`data/aws-managed-policies/policies.txt`, about 2.5 MB, 0.33 MB deflated). Only
//! `policy permissions` inflates them (`src/policy/permissions/catalogue.rs`, `managed.rs`).

use std::path::PathBuf;

const TABLES: [(&str, &str); 2] = [
    ("data/aws-iam/actions.txt", "actions.txt.deflate"),
    (
        "data/aws-managed-policies/policies.txt",
        "managed-policies.txt.deflate",
    ),
];

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (table, deflated) in TABLES {
        println!("cargo::rerun-if-changed={table}");
        let text = std::fs::read(manifest.join(table))
            .unwrap_or_else(|e| panic!("{table} is not readable: {e}"));
        let compressed = miniz_oxide::deflate::compress_to_vec(&text, 10);
        std::fs::write(out.join(deflated), compressed).expect("OUT_DIR is writable");
    }
}
