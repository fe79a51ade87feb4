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

/// What `policy check` reports: its findings, how many policies it read and how many of them
/// it could not judge fully, and the files it could not read.
pub struct Report<'a> {
    /// The data the verdicts come from (`policy permissions`: the action catalogue's source).
    pub data: Option<&'a str>,
    /// The findings, in file, policy and statement order.
    pub findings: &'a [Finding],
    /// Policies read.
    pub policies: usize,
    /// Of those, the ones with a construct the loader could not resolve.
    pub not_fully_judged: usize,
    /// Files that could not be read or parsed: (file, problem).
    pub problems: &'a [(String, String)],
}

/// Human-readable findings, one block each, the unreadable files, then a summary line.
pub fn write_text(out: &mut dyn Write, report: &Report<'_>) -> Result<(), PolicyError> {
    for f in report.findings {
        writeln!(
            out,
            "{}: {}[{}] {}",
            f.location, f.severity, f.rule, f.message
        )
        .map_err(PolicyError::Output)?;
        writeln!(out, "  fix: {}", f.fix).map_err(PolicyError::Output)?;
    }
    for (file, problem) in report.problems {
        writeln!(out, "{file}: not checked: {problem}").map_err(PolicyError::Output)?;
    }
    if let Some(data) = report.data {
        writeln!(out, "data: {data}").map_err(PolicyError::Output)?;
    }
    let c = Counts::of(report.findings);
    let partial = if report.not_fully_judged > 0 {
        format!(" ({} not fully judged)", report.not_fully_judged)
    } else {
        String::new()
    };
    let unreadable = if report.problems.is_empty() {
        String::new()
    } else {
        format!("; {} not checked", plural(report.problems.len(), "file"))
    };
    writeln!(
        out,
        "{} checked{partial}: {}, {}, {}{unreadable}",
        plural(report.policies, "policy").replace("policys", "policies"),
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        plural(c.note, "note")
    )
    .map_err(PolicyError::Output)
}

#[derive(Serialize)]
struct Problem<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a str>,
    policies: usize,
    not_fully_judged: usize,
    counts: Counts,
    findings: &'a [Finding],
    problems: Vec<Problem<'a>>,
}

/// Findings as one JSON object:
/// `{"policies", "not_fully_judged", "counts", "findings": [...], "problems": [...]}`.
pub fn write_json(out: &mut dyn Write, report: &Report<'_>) -> Result<(), PolicyError> {
    let json = JsonReport {
        data: report.data,
        policies: report.policies,
        not_fully_judged: report.not_fully_judged,
        counts: Counts::of(report.findings),
        findings: report.findings,
        problems: report
            .problems
            .iter()
            .map(|(file, message)| Problem { file, message })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json).map_err(|e| PolicyError::Output(e.into()))?;
    writeln!(out).map_err(PolicyError::Output)
}
