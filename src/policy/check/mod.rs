//! `policy check`: judges every statement of every trust policy, whatever precedes it, and
//! reports findings with a rule id, severity, location, what is wrong and the fix.

pub mod rules;
mod scope;
mod statement;
mod witness;

use serde::Serialize;

use crate::policy::load::LoadedPolicy;
use crate::policy::model::PolicyDocument;
pub use rules::{RULES, Rule};
pub use witness::intended_token;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy admits more than it should: `check` exits 1.
    Error,
    /// Likely wrong or broader than needed.
    Warning,
    /// Worth knowing.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note` (also SARIF's level names).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, as given.
    pub file: String,
    /// The policy inside the file (`data.aws_iam_policy_document.x`, `aws_iam_role.y`, `role/Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// 1-based statement number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    /// The statement's Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(p) = &self.policy {
            write!(f, " {p}")?;
        }
        if let Some(s) = self.statement {
            write!(f, " statement {s}")?;
        }
        if let Some(sid) = &self.sid {
            write!(f, " (Sid {sid:?})")?;
        }
        Ok(())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id (`OA-T001`).
    pub rule: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// For a finding that says the policy admits something: the claims of a token that shows
    /// it, which `policy explain` admits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_claims: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Checks loaded policies; findings come in file, policy and statement order.
pub fn check_policies(policies: &[LoadedPolicy]) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in policies {
        let base = Location {
            file: p.file.clone(),
            policy: p.name.clone(),
            statement: None,
            sid: None,
            line: p.document.statements.first().and_then(|s| s.line),
        };
        // A permissions policy is not judged here, nor its notes.
        let judged = p.is_trust();
        for note in p.notes.iter().filter(|_| judged) {
            out.push(Finding {
                rule: rules::UNRESOLVED.id,
                severity: rules::UNRESOLVED.severity,
                location: Location {
                    line: note.line.or(base.line),
                    ..base.clone()
                },
                message: note.message.clone(),
                fix: "check the rendered policy as well (`terraform show -json` or `aws iam get-role`)".into(),
                example_claims: None,
            });
        }
        for d in &p.duplicates {
            out.push(Finding {
                rule: rules::DUPLICATE_NAME.id,
                severity: rules::DUPLICATE_NAME.severity,
                location: Location {
                    line: Some(d.second_line),
                    ..base.clone()
                },
                message: format!(
                    "{d}: JSON parsers disagree on which one counts (RFC 8259, section 4), so this document is judged here as if the last one counted"
                ),
                fix: format!("keep one {:?}, merging the two if both were meant", d.name),
                example_claims: None,
            });
        }
        check_into(&p.document, &base, &mut out);
    }
    out
}

/// Checks one document; locations name `file` only.
pub fn check_document(doc: &PolicyDocument, file: &str) -> Vec<Finding> {
    let base = Location {
        file: file.to_string(),
        policy: None,
        statement: None,
        sid: None,
        line: None,
    };
    let mut out = Vec::new();
    check_into(doc, &base, &mut out);
    out
}

fn check_into(doc: &PolicyDocument, base: &Location, out: &mut Vec<Finding>) {
    let mut admissions = Vec::new();
    for (i, st) in doc.statements.iter().enumerate() {
        let loc = Location {
            statement: Some(i + 1),
            sid: st.sid.clone(),
            line: st.line.or(base.line),
            ..base.clone()
        };
        statement::check(st, i, &loc, out, &mut admissions);
    }
    // A finding that says the policy admits something stands only with a token the evaluator
    // admits; otherwise it says what stopped the example.
    for admission in admissions {
        let finding = &mut out[admission.finding];
        match witness::try_witness(doc, &admission) {
            witness::Verdict::Admitted(token) => finding.example_claims = Some(token),
            witness::Verdict::Refused(why) => {
                finding.rule = rules::UNPROVEN.id;
                finding.severity = rules::UNPROVEN.severity;
                finding.message = format!(
                    "on its own, this statement looks like this: {}; but {why}, so whether the policy admits such a token depends on the rest of the document, which this checker does not prove",
                    finding.message
                );
            }
        }
    }
}

/// True when some finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
