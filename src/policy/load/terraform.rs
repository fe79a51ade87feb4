//! Terraform: `data "aws_iam_policy_document"` blocks, the `assume_role_policy` of `aws_iam_role`
//! and the `policy` of `aws_iam_role_policy` and `aws_iam_policy`, written as `jsonencode({...})`,
//! a heredoc or string of JSON, `file(...)`, or a reference to a data source (checked as the
//! data source itself).
//!
//! Parsed with hcl-edit (re-exported by hcl-rs), which keeps byte spans: a data source's
//! statement has the line of its `statement` block and a condition the line of its `condition`
//! block; in `jsonencode`, the line of the statement object and of the condition value.
//! A data source is turned into the JSON the AWS provider would render (`.json`), so the checks
//! and the evaluator see exactly one model.

use std::collections::BTreeMap;
use std::path::Path;

use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::structure::{Block, Body};
use serde_json::{Map, Value};

use super::merge;
use super::tfvalue::{Scope, Tf, source};
use super::{LoadedPolicy, Note, PolicyKind, duplicates, json, line_of};
use crate::policy::PolicyError;
use crate::policy::model::{PolicyDocument, SpanHints, StatementSpan};

struct File<'a> {
    name: &'a str,
    text: &'a str,
    body: Body,
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels.iter().map(|l| l.as_str()).collect()
}

fn line(text: &str, span: Option<std::ops::Range<usize>>) -> Option<usize> {
    span.map(|r| line_of(text, r.start))
}

/// Loads the policies of the `.tf` files of one module (directory `dir`).
pub fn load_terraform_texts(
    dir: &Path,
    files: &[(String, String)],
) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let mut parsed = Vec::with_capacity(files.len());
    for (name, text) in files {
        let body = hcl::edit::parser::parse_body(text).map_err(|e| PolicyError::Terraform {
            file: name.clone(),
            message: e.to_string(),
        })?;
        parsed.push(File { name, text, body });
    }
    let scope = collect_scope(dir, &parsed);
    // Every data source's own statements first: a document can merge in another one's.
    let mut documents = merge::Documents::new();
    for file in &parsed {
        for block in file.body.blocks() {
            if let ("data", ["aws_iam_policy_document", name]) =
                (block.ident.as_str(), labels(block).as_slice())
            {
                let own = policy_document(&scope, file, block);
                documents.insert(name, block, file.text, own);
            }
        }
    }
    let mut out = Vec::new();
    for file in &parsed {
        for block in file.body.blocks() {
            match (block.ident.as_str(), labels(block).as_slice()) {
                ("data", ["aws_iam_policy_document", name]) => {
                    let merged = documents.merged(&scope, name);
                    let value = serde_json::json!({"Version": "2012-10-17", "Statement": merged.statements});
                    let hints = SpanHints {
                        document_line: line(file.text, block.span()),
                        statements: merged.spans,
                    };
                    let name = format!("data.aws_iam_policy_document.{name}");
                    out.push(finish(
                        &scope,
                        file.name,
                        name,
                        &value,
                        &hints,
                        merged.notes,
                    )?);
                }
                (
                    "resource",
                    [
                        resource @ ("aws_iam_role_policy_attachment"
                        | "aws_iam_policy_attachment"
                        | "aws_iam_role_policy_attachments_exclusive"),
                        name,
                    ],
                ) => {
                    out.extend(attachments::attached(&scope, file, resource, name, block));
                }
                (
                    "resource",
                    [
                        resource @ ("aws_iam_role" | "aws_iam_role_policy" | "aws_iam_policy"),
                        name,
                    ],
                ) => {
                    if *resource == "aws_iam_role" {
                        out.extend(attachments::attached(&scope, file, resource, name, block));
                    }
                    let (attribute, kind) = if *resource == "aws_iam_role" {
                        ("assume_role_policy", PolicyKind::Trust)
                    } else {
                        ("policy", PolicyKind::Permissions)
                    };
                    let Some(attr) = block.body.get_attribute(attribute) else {
                        continue;
                    };
                    let source = Source {
                        name: format!("{resource}.{name}"),
                        attribute,
                    };
                    if let Some(mut p) = resource_policy(&scope, file, &source, &attr.value)? {
                        p.kind = kind;
                        out.push(p);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Variables' defaults, locals and OIDC providers, from every file of the module.
fn collect_scope(dir: &Path, files: &[File<'_>]) -> Scope {
    let mut scope = Scope::new(dir);
    for file in files {
        for block in file.body.blocks() {
            match (block.ident.as_str(), labels(block).as_slice()) {
                ("variable", [name]) => {
                    if let Some(d) = block.body.get_attribute("default") {
                        let v = scope.eval(&d.value, file.text);
                        scope.vars.insert((*name).to_string(), v);
                    }
                }
                (kind @ ("resource" | "data"), ["aws_iam_openid_connect_provider", name]) => {
                    if let Some(url) = block.body.get_attribute("url") {
                        let v = scope.eval(&url.value, file.text);
                        scope
                            .oidc_providers
                            .insert((kind.to_string(), (*name).to_string()), v);
                    }
                }
                _ => {}
            }
        }
    }
    // Locals may refer to each other: a few passes settle the usual chains.
    for _ in 0..3 {
        for file in files {
            for block in file.body.get_blocks("locals") {
                for attr in block.body.attributes() {
                    let v = scope.eval(&attr.value, file.text);
                    scope.locals.insert(attr.key.as_str().to_string(), v);
                }
            }
        }
    }
    scope.take_unresolved();
    scope
}

fn notes(scope: &Scope) -> Vec<Note> {
    scope
        .take_unresolved()
        .into_iter()
        .map(|src| Note {
            deployment_value: super::is_deployment_value(&src),
            ..Note::new(format!(
                "`{src}` is not resolved here; it is checked as written"
            ))
        })
        .collect()
}

fn text_list(v: &Tf) -> Vec<Value> {
    match v {
        Tf::List(items) => items.iter().map(iam_string).collect(),
        other => vec![iam_string(other)],
    }
}

/// The AWS provider writes IAM policy variables as `&{...}` to keep them from Terraform.
fn iam_string(v: &Tf) -> Value {
    match v.to_json() {
        Value::String(s) => Value::String(s.replace("&{", "${")),
        other => other,
    }
}

fn attr_value(scope: &Scope, file: &File<'_>, body: &Body, key: &str) -> Option<Tf> {
    body.get_attribute(key)
        .map(|a| scope.eval(&a.value, file.text))
}

/// The statements of a `data "aws_iam_policy_document"` block itself, as the JSON the provider
/// renders (documents it merges in are added by [`merge`]).
fn policy_document(scope: &Scope, file: &File<'_>, block: &Block) -> merge::Statements {
    let mut statements = Vec::new();
    let mut spans = Vec::new();
    let mut extra = Vec::new();
    for dynamic in block.body.get_blocks("dynamic") {
        if labels(dynamic).first() == Some(&"statement") {
            extra.push(Note::at(
                line(file.text, dynamic.span()),
                "a `dynamic \"statement\"` block is not expanded; its statements are not checked",
            ));
        }
    }
    for st in block.body.get_blocks("statement") {
        for dynamic in st.body.get_blocks("dynamic") {
            let kind = labels(dynamic).first().copied().unwrap_or_default();
            extra.push(Note::at(
                line(file.text, dynamic.span()),
                format!(
                    "a `dynamic \"{kind}\"` block is not expanded; what it adds to this statement is not checked"
                ),
            ));
        }
        let mut obj = Map::new();
        let mut span = StatementSpan {
            line: line(file.text, st.span()),
            conditions: Vec::new(),
        };
        if let Some(sid) = attr_value(scope, file, &st.body, "sid") {
            obj.insert("Sid".into(), iam_string(&sid));
        }
        let effect = attr_value(scope, file, &st.body, "effect").and_then(|e| e.to_text());
        obj.insert(
            "Effect".into(),
            Value::String(effect.unwrap_or_else(|| "Allow".into())),
        );
        for (attr, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = attr_value(scope, file, &st.body, attr) {
                obj.insert(key.into(), Value::Array(text_list(&v)));
            }
        }
        for (blocks, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for p in st.body.get_blocks(blocks) {
                let kind = attr_value(scope, file, &p.body, "type")
                    .and_then(|t| t.to_text())
                    .unwrap_or_default();
                let ids = attr_value(scope, file, &p.body, "identifiers")
                    .map(|v| text_list(&v))
                    .unwrap_or_default();
                by_type.entry(kind).or_default().extend(ids);
            }
            if by_type.is_empty() {
                continue;
            }
            let value = if by_type.len() == 1
                && by_type
                    .get("*")
                    .is_some_and(|ids| ids.iter().all(|i| i == "*"))
            {
                Value::String("*".into())
            } else {
                Value::Object(
                    by_type
                        .into_iter()
                        .map(|(k, v)| (k, Value::Array(v)))
                        .collect(),
                )
            };
            obj.insert(key.into(), value);
        }
        let mut conditions: Map<String, Value> = Map::new();
        for c in st.body.get_blocks("condition") {
            let test = attr_value(scope, file, &c.body, "test").and_then(|t| t.to_text());
            let variable = attr_value(scope, file, &c.body, "variable").and_then(|t| t.to_text());
            let values = attr_value(scope, file, &c.body, "values")
                .map(|v| text_list(&v))
                .unwrap_or_default();
            let (Some(test), Some(variable)) = (test, variable) else {
                extra.push(Note::at(
                    line(file.text, c.span()),
                    "a condition block without test or variable is skipped",
                ));
                continue;
            };
            let variable = variable.replace("&{", "${");
            if let Some(l) = line(file.text, c.span()) {
                span.conditions.push((test.clone(), variable.clone(), l));
            }
            let keys = conditions
                .entry(test)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = keys {
                // Two blocks with the same test and variable: the provider merges their values.
                match keys.get_mut(&variable) {
                    Some(Value::Array(existing)) => existing.extend(values),
                    _ => {
                        keys.insert(variable, Value::Array(values));
                    }
                }
            }
        }
        if !conditions.is_empty() {
            obj.insert("Condition".into(), Value::Object(conditions));
        }
        statements.push(Value::Object(obj));
        spans.push(span);
    }
    extra.extend(notes(scope));
    merge::Statements {
        statements,
        spans,
        notes: extra,
    }
}

fn finish(
    scope: &Scope,
    file: &str,
    name: String,
    value: &Value,
    hints: &SpanHints,
    extra: Vec<Note>,
) -> Result<LoadedPolicy, PolicyError> {
    let document =
        PolicyDocument::from_value(value, hints).map_err(|source| PolicyError::Model {
            file: file.to_string(),
            name: Some(name.clone()),
            source,
        })?;
    let mut notes = notes(scope);
    notes.extend(extra);
    Ok(LoadedPolicy {
        file: file.to_string(),
        name: Some(name),
        document,
        notes,
        duplicates: Vec::new(),
        kind: PolicyKind::Unknown,
    })
}

/// Where a resource's policy document comes from: `aws_iam_role.NAME`'s `assume_role_policy`,
/// or the `policy` of `aws_iam_role_policy.NAME` or `aws_iam_policy.NAME`.
struct Source {
    name: String,
    attribute: &'static str,
}

/// The policy document of a resource's attribute (see [`Source`]).
fn resource_policy(
    scope: &Scope,
    file: &File<'_>,
    source: &Source,
    expr: &Expression,
) -> Result<Option<LoadedPolicy>, PolicyError> {
    let name = source.name.clone();
    match expr {
        Expression::FuncCall(f) if f.name.name.as_str() == "jsonencode" && f.args.len() == 1 => {
            let Some(arg) = f.args.iter().next() else {
                return Ok(None);
            };
            let value = scope.eval(arg, file.text).to_json();
            let hints = jsonencode_spans(arg, file.text);
            finish(scope, file.name, name, &value, &hints, Vec::new()).map(Some)
        }
        Expression::FuncCall(f) if f.name.name.as_str() == "file" => {
            let Some(Tf::Str(content)) = scope.eval(expr, file.text).into() else {
                return Ok(Some(unresolved(scope, file, name, source.attribute, expr)));
            };
            let path = f
                .args
                .iter()
                .next()
                .and_then(|a| scope.eval(a, file.text).to_text())
                .unwrap_or_else(|| file.name.to_string());
            let mut loaded = json::load_json_text(&path, &content)?;
            for l in &mut loaded {
                l.name = Some(name.clone());
            }
            Ok(loaded.into_iter().next())
        }
        Expression::Traversal(_) if merge::data_source_json(expr).is_some() => {
            // `data.aws_iam_policy_document.X.json` is checked as the data source itself.
            scope.take_unresolved();
            Ok(None)
        }
        Expression::Traversal(_) => {
            // `local.X` or `var.X`: a local holding `jsonencode(...)` or an object, or a
            // variable's default.
            let value = match scope.eval(expr, file.text) {
                Tf::Str(text) => serde_json::from_str::<Value>(&text).ok(),
                obj @ Tf::Obj(_) => Some(obj.to_json()),
                _ => None,
            };
            let Some(value) = value.filter(|v| v.get("Statement").is_some()) else {
                return Ok(Some(unresolved(scope, file, name, source.attribute, expr)));
            };
            let hints = SpanHints {
                document_line: line(file.text, expr.span()),
                statements: Vec::new(),
            };
            finish(scope, file.name, name, &value, &hints, Vec::new()).map(Some)
        }
        Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            let Some(text) = scope.eval(expr, file.text).to_text() else {
                return Ok(Some(unresolved(scope, file, name, source.attribute, expr)));
            };
            let start = line(file.text, expr.span()).unwrap_or(1);
            // A heredoc's content starts on the line after `<<EOT`.
            let first = if matches!(expr, Expression::HeredocTemplate(_)) {
                start + 1
            } else {
                start
            };
            let value: Value = serde_json::from_str(&text).map_err(|source| PolicyError::Json {
                file: format!("{} ({name})", file.name),
                source,
            })?;
            let hints = json::spans(&text, &text, first);
            let mut loaded = finish(scope, file.name, name, &value, &hints, Vec::new())?;
            loaded.duplicates = duplicates::find(&text, first, None);
            Ok(Some(loaded))
        }
        _ => Ok(Some(unresolved(scope, file, name, source.attribute, expr))),
    }
}

fn unresolved(
    scope: &Scope,
    file: &File<'_>,
    name: String,
    attribute: &str,
    expr: &Expression,
) -> LoadedPolicy {
    scope.take_unresolved();
    LoadedPolicy {
        file: file.name.to_string(),
        name: Some(name),
        document: PolicyDocument {
            version: None,
            statements: Vec::new(),
        },
        notes: vec![Note::at(
            line(file.text, expr.span()),
            format!(
                "{attribute} `{}` is not resolved here; check the rendered policy (`aws iam get-role`, `get-role-policy`) instead",
                source(expr, file.text)
            ),
        )],
        duplicates: Vec::new(),
        kind: PolicyKind::Unknown,
    }
}

fn object_get<'e>(expr: &'e Expression, key: &str) -> Option<&'e Expression> {
    let Expression::Object(obj) = expr else {
        return None;
    };
    obj.iter().find_map(|(k, v)| {
        let name = match k {
            ObjectKey::Ident(id) => id.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(_) => return None,
        };
        (name == key).then(|| v.expr())
    })
}

/// Lines of statements and conditions inside `jsonencode({...})`.
fn jsonencode_spans(expr: &Expression, text: &str) -> SpanHints {
    let mut hints = SpanHints {
        document_line: line(text, expr.span()),
        statements: Vec::new(),
    };
    let items: Vec<&Expression> = match object_get(expr, "Statement") {
        Some(Expression::Array(items)) => items.iter().collect(),
        Some(single @ Expression::Object(_)) => vec![single],
        _ => return hints,
    };
    for item in items {
        let mut span = StatementSpan {
            line: line(text, item.span()),
            conditions: Vec::new(),
        };
        if let Some(Expression::Object(ops)) = object_get(item, "Condition") {
            for (op, keys) in ops.iter() {
                let op_name = match op {
                    ObjectKey::Ident(id) => id.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => continue,
                };
                if let Expression::Object(keys) = keys.expr() {
                    for (k, v) in keys.iter() {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                            ObjectKey::Expression(e) => format!("${{{}}}", source(e, text)),
                        };
                        if let Some(l) = line(text, v.expr().span()) {
                            span.conditions.push((op_name.clone(), key, l));
                        }
                    }
                }
            }
        }
        hints.statements.push(span);
    }
    hints
}

mod attachments;
#[cfg(test)]
mod tests;
