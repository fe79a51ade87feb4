//! Deflates the IAM action table (`data/aws-iam/actions.txt`, about 0.55 MB of text) into
//! `OUT_DIR` for `include_bytes!`: embedded compressed it costs the binary about 0.11 MB, and only
//! `policy permissions` inflates it (`src/policy/permissions/catalogue.rs`).

use std::path::PathBuf;

const TABLE: &str = "data/aws-iam/actions.txt";

fn main() {
    println!("cargo::rerun-if-changed={TABLE}");
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let text = std::fs::read(manifest.join(TABLE)).expect("data/aws-iam/actions.txt is readable");
    let compressed = miniz_oxide::deflate::compress_to_vec(&text, 10);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("actions.txt.deflate"), compressed).expect("OUT_DIR is writable");
}
