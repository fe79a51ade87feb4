//! `source_policy_documents` and `override_policy_documents` of `data "aws_iam_policy_document"`,
//! merged as the AWS provider documents it (`website/docs/d/iam_policy_document.html.markdown` in
//! hashicorp/terraform-provider-aws): the source documents' statements first (their `sid`s must be
//! unique), then the block's own statements, then each override document in order; a statement
//! with a non-blank `sid` replaces an earlier one with the same `sid`, any other is added.
//!
//! A document given as literal JSON, `file(...)`, `jsonencode(...)` or another data source of the
//! module (`data.aws_iam_policy_document.X.json`) is resolved; anything else is named in a note,
//! and the rest of the policy is judged without it.

use std::collections::BTreeMap;

use hcl::edit::Span;
use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::structure::Block;
use serde_json::Value;

use super::tfvalue::{Scope, Tf, source};
use super::{Note, line_of};
use crate::policy::model::StatementSpan;

/// Statements as JSON, with their lines and what could not be resolved.
#[derive(Debug, Clone, Default)]
pub(super) struct Statements {
    pub statements: Vec<Value>,
    pub spans: Vec<StatementSpan>,
    pub notes: Vec<Note>,
}

struct Entry<'a> {
    block: &'a Block,
    text: &'a str,
    own: Statements,
}

/// The module's `aws_iam_policy_document` data sources, by name.
pub(super) struct Documents<'a> {
    entries: BTreeMap<String, Entry<'a>>,
}

impl<'a> Documents<'a> {
    pub(super) fn new() -> Self {
        Documents {
            entries: BTreeMap::new(),
        }
    }

    /// Records data source `name` (its block, its file's text and its own statements).
    pub(super) fn insert(&mut self, name: &str, block: &'a Block, text: &'a str, own: Statements) {
        self.entries
            .insert(name.to_string(), Entry { block, text, own });
    }

    /// Data source `name` with its source and override documents merged in.
    pub(super) fn merged(&self, scope: &Scope, name: &str) -> Statements {
        self.merge(scope, name, &mut Vec::new())
    }

    fn merge(&self, scope: &Scope, name: &str, visiting: &mut Vec<String>) -> Statements {
        let Some(entry) = self.entries.get(name) else {
            return Statements::default();
        };
        visiting.push(name.to_string());
        let mut out = Statements::default();
        let mut notes = Vec::new();
        for attr in ["source_policy_documents", "source_json"] {
            for doc in self.documents(scope, entry, attr, visiting, &mut notes) {
                for (statement, span) in doc.statements.into_iter().zip(doc.spans) {
                    if let Some(sid) = sid(&statement)
                        && out.statements.iter().any(|s| self::sid(s) == Some(sid))
                    {
                        notes.push(Note::at(
                            attribute_line(entry, attr),
                            format!(
                                "Sid {sid:?} is in more than one source document, which the AWS provider refuses"
                            ),
                        ));
                    }
                    out.statements.push(statement);
                    out.spans.push(span);
                }
                notes.extend(doc.notes);
            }
        }
        add(&mut out, entry.own.clone());
        for attr in ["override_policy_documents", "override_json"] {
            for doc in self.documents(scope, entry, attr, visiting, &mut notes) {
                add(&mut out, doc);
            }
        }
        out.notes.extend(notes);
        visiting.pop();
        out
    }

    /// The documents an attribute lists (a list, or one document for the `_json` forms).
    fn documents(
        &self,
        scope: &Scope,
        entry: &Entry<'_>,
        attr: &str,
        visiting: &mut Vec<String>,
        notes: &mut Vec<Note>,
    ) -> Vec<Statements> {
        let Some(attribute) = entry.block.body.get_attribute(attr) else {
            return Vec::new();
        };
        let at = line(entry.text, attribute.value.span());
        let exprs: Vec<&Expression> = match (&attribute.value, attr.ends_with("_json")) {
            (expr, true) => vec![expr],
            (Expression::Array(items), false) => items.iter().collect(),
            (expr, false) => {
                notes.push(unresolved(at, attr, &source(expr, entry.text)));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for expr in exprs {
            let at = line(entry.text, expr.span()).or(at);
            if let Some(other) = data_source_json(expr) {
                if visiting.iter().any(|v| v == other) {
                    notes.push(Note::at(
                        at,
                        format!("{attr} refers back to data.aws_iam_policy_document.{other}, a cycle the provider refuses; not merged"),
                    ));
                } else if self.entries.contains_key(other) {
                    let mut doc = self.merge(scope, other, visiting);
                    // The other document's lines are in its own block, maybe another file.
                    doc.spans = vec![StatementSpan::default(); doc.statements.len()];
                    out.push(doc);
                } else {
                    notes.push(unresolved(at, attr, &source(expr, entry.text)));
                }
                continue;
            }
            let parsed = match scope.eval(expr, entry.text) {
                Tf::Str(text) => serde_json::from_str::<Value>(&text).ok(),
                obj @ Tf::Obj(_) => Some(obj.to_json()),
                _ => None,
            };
            // What stayed unresolved is named once, by the note below.
            scope.take_unresolved();
            match parsed.as_ref().and_then(statements_of) {
                Some(statements) => out.push(Statements {
                    spans: vec![StatementSpan::default(); statements.len()],
                    statements,
                    notes: Vec::new(),
                }),
                None => notes.push(unresolved(at, attr, &source(expr, entry.text))),
            }
        }
        out
    }
}

fn unresolved(line: Option<usize>, attr: &str, src: &str) -> Note {
    Note::at(
        line,
        format!(
            "{attr} entry `{src}` is not resolved here, so the statements it merges into this policy are not checked"
        ),
    )
}

fn line(text: &str, span: Option<std::ops::Range<usize>>) -> Option<usize> {
    span.map(|r| line_of(text, r.start))
}

fn attribute_line(entry: &Entry<'_>, attr: &str) -> Option<usize> {
    entry
        .block
        .body
        .get_attribute(attr)
        .and_then(|a| line(entry.text, a.value.span()))
}

/// `X` of `data.aws_iam_policy_document.X.json`.
pub(super) fn data_source_json(expr: &Expression) -> Option<&str> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let path: Vec<&str> = t
        .operators
        .iter()
        .map(|op| match op.value() {
            TraversalOperator::GetAttr(id) => Some(id.as_str()),
            _ => None,
        })
        .collect::<Option<Vec<&str>>>()?;
    match (root.as_str(), path.as_slice()) {
        ("data", ["aws_iam_policy_document", name, "json"]) => Some(name),
        _ => None,
    }
}

/// The statements of a policy document (`Statement` as a list or a single object).
fn statements_of(doc: &Value) -> Option<Vec<Value>> {
    match doc.get("Statement")? {
        Value::Array(items) => Some(items.clone()),
        single @ Value::Object(_) => Some(vec![single.clone()]),
        _ => None,
    }
}

fn sid(statement: &Value) -> Option<&str> {
    statement
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Adds `doc` to `out`: a statement whose non-blank `sid` is already there replaces it.
fn add(out: &mut Statements, doc: Statements) {
    for (statement, span) in doc.statements.into_iter().zip(doc.spans) {
        let existing = sid(&statement).and_then(|sid| {
            out.statements
                .iter()
                .position(|s| self::sid(s) == Some(sid))
        });
        match existing {
            Some(i) => {
                out.statements[i] = statement;
                out.spans[i] = span;
            }
            None => {
                out.statements.push(statement);
                out.spans.push(span);
            }
        }
    }
    out.notes.extend(doc.notes);
}
