//! `policy check` output as text and JSON.

use std::io::Write;

use serde::Serialize;

use crate::policy::PolicyError;
use crate::policy::check::{Finding, Severity};

/// Counts by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Notes.
    pub note: usize,
}

impl Counts {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Note => c.note += 1,
            }
        }
        c
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Human-readable findings, one block each, then a summary line.
pub fn write_text(
    out: &mut dyn Write,
    findings: &[Finding],
    policies: usize,
) -> Result<(), PolicyError> {
    for f in findings {
        writeln!(
            out,
            "{}: {}[{}] {}",
            f.location, f.severity, f.rule, f.message
        )
        .map_err(PolicyError::Output)?;
        writeln!(out, "  fix: {}", f.fix).map_err(PolicyError::Output)?;
    }
    let c = Counts::of(findings);
    writeln!(
        out,
        "{} checked: {}, {}, {}",
        plural(policies, "policy").replace("policys", "policies"),
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        plural(c.note, "note")
    )
    .map_err(PolicyError::Output)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    policies: usize,
    counts: Counts,
    findings: &'a [Finding],
}

/// Findings as one JSON object: `{"policies", "counts", "findings": [...]}`.
pub fn write_json(
    out: &mut dyn Write,
    findings: &[Finding],
    policies: usize,
) -> Result<(), PolicyError> {
    let report = JsonReport {
        policies,
        counts: Counts::of(findings),
        findings,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(|e| PolicyError::Output(e.into()))?;
    writeln!(out).map_err(PolicyError::Output)
}
