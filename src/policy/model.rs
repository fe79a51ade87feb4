//! The policy model: an IAM policy document reduced to what a trust policy uses
//! (statements, effect, principal, action, conditions), whatever format it came from.
//!
//! Every loader produces IAM's JSON shape first and goes through [`PolicyDocument::from_value`],
//! so JSON, `aws iam get-role` output and Terraform are judged by one model.

use serde_json::Value;
use thiserror::Error;

/// A policy document: an ordered list of statements.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// The `Version` element, when present.
    pub version: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The statement grants when it applies.
    Allow,
    /// The statement refuses when it applies, whatever else grants.
    Deny,
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The `Sid`, when present.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// The `Principal` (or `NotPrincipal`, see [`Statement::principal_negated`]); `None` when absent.
    pub principal: Option<Principal>,
    /// True when the statement uses `NotPrincipal`.
    pub principal_negated: bool,
    /// The `Action` (or `NotAction`) patterns.
    pub actions: Vec<String>,
    /// True when the statement uses `NotAction`.
    pub actions_negated: bool,
    /// The `Resource` (or `NotResource`) patterns; empty when absent (a trust policy has none).
    pub resources: Vec<String>,
    /// True when the statement uses `NotResource`.
    pub resources_negated: bool,
    /// The conditions, one per operator and key; all must hold.
    pub conditions: Vec<Condition>,
    /// 1-based line of the statement in its file, when the format gives one.
    pub line: Option<usize>,
}

/// The `Principal` element.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `{"Federated": ..., "AWS": ..., "Service": ...}` flattened to (kind, identifier) pairs.
    Typed(Vec<(PrincipalKind, String)>),
}

/// The kind of a typed principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An identity provider (OIDC or SAML) ARN.
    Federated,
    /// An account, user or role ARN, or `*`.
    Aws,
    /// An AWS service principal.
    Service,
    /// Any other key (`CanonicalUser`, ...).
    Other(String),
}

impl PrincipalKind {
    fn parse(key: &str) -> Self {
        match key {
            "Federated" => PrincipalKind::Federated,
            "AWS" => PrincipalKind::Aws,
            "Service" => PrincipalKind::Service,
            other => PrincipalKind::Other(other.to_string()),
        }
    }

    /// The element name as IAM spells it.
    pub fn as_str(&self) -> &str {
        match self {
            PrincipalKind::Federated => "Federated",
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Other(s) => s,
        }
    }
}

impl Principal {
    /// True when the principal admits everyone: `"*"`, `{"AWS": "*"}` or `{"Federated": "*"}`.
    pub fn is_everyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Typed(list) => list.iter().any(|(k, id)| {
                id == "*" && matches!(k, PrincipalKind::Aws | PrincipalKind::Federated)
            }),
        }
    }

    /// The federated principal identifiers (provider ARNs).
    pub fn federated(&self) -> impl Iterator<Item = &str> {
        let list = match self {
            Principal::Any => None,
            Principal::Typed(list) => Some(list),
        };
        list.into_iter()
            .flatten()
            .filter(|(k, _)| *k == PrincipalKind::Federated)
            .map(|(_, id)| id.as_str())
    }
}

/// One condition: an operator applied to one key with one or more values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written (`StringLike`, `ForAnyValue:StringEqualsIfExists`, ...).
    pub operator: String,
    /// The operator, parsed.
    pub op: Operator,
    /// The condition key as written (`token.actions.githubusercontent.com:sub`).
    pub key: String,
    /// The values, as strings (booleans and numbers converted), OR'd.
    pub values: Vec<String>,
    /// 1-based line of the condition in its file, when the format gives one.
    pub line: Option<usize>,
}

/// A parsed condition operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// `ForAnyValue:` or `ForAllValues:`.
    pub set: Option<SetQualifier>,
    /// The test itself.
    pub test: Test,
    /// The `...IfExists` suffix.
    pub if_exists: bool,
}

/// The set qualifiers for multi-valued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// `ForAnyValue:`: at least one request value must match.
    ForAnyValue,
    /// `ForAllValues:`: every request value must match; true when the key is absent.
    ForAllValues,
}

/// The comparison of a condition operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// `StringEquals`.
    StringEquals,
    /// `StringNotEquals`.
    StringNotEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringNotEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// `StringLike` (`*` and `?` wildcards).
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `ArnEquals`.
    ArnEquals,
    /// `ArnNotEquals`.
    ArnNotEquals,
    /// `ArnLike`.
    ArnLike,
    /// `ArnNotLike`.
    ArnNotLike,
    /// `Bool`.
    Bool,
    /// `Null`: tests presence of the key.
    Null,
    /// Any other operator (numeric, date, IP address, ...), kept by name.
    Other(String),
}

impl Test {
    /// True for the operators whose values must all fail to match (`StringNotEquals`, ...,
    /// and the unjudged `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`).
    pub fn is_negated(&self) -> bool {
        match self {
            Test::StringNotEquals
            | Test::StringNotEqualsIgnoreCase
            | Test::StringNotLike
            | Test::ArnNotEquals
            | Test::ArnNotLike => true,
            Test::Other(name) => name.contains("Not"),
            _ => false,
        }
    }

    /// True for the positive string comparisons that can scope a claim.
    pub fn is_positive_string(&self) -> bool {
        matches!(
            self,
            Test::StringEquals
                | Test::StringEqualsIgnoreCase
                | Test::StringLike
                | Test::ArnEquals
                | Test::ArnLike
        )
    }

    /// True when `*` and `?` are wildcards in this operator's values.
    pub fn has_wildcards(&self) -> bool {
        matches!(
            self,
            Test::StringLike | Test::StringNotLike | Test::ArnLike | Test::ArnNotLike
        )
    }
}

impl Operator {
    /// Parses `[ForAnyValue:|ForAllValues:]Test[IfExists]`.
    pub fn parse(name: &str) -> Operator {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        // `Null` takes no IfExists; every other operator may carry it.
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) if base != "Null" && !base.is_empty() => (base, true),
            _ => (rest, false),
        };
        let test = match base {
            "StringEquals" => Test::StringEquals,
            "StringNotEquals" => Test::StringNotEquals,
            "StringEqualsIgnoreCase" => Test::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Test::StringNotEqualsIgnoreCase,
            "StringLike" => Test::StringLike,
            "StringNotLike" => Test::StringNotLike,
            "ArnEquals" => Test::ArnEquals,
            "ArnNotEquals" => Test::ArnNotEquals,
            "ArnLike" => Test::ArnLike,
            "ArnNotLike" => Test::ArnNotLike,
            "Bool" => Test::Bool,
            "Null" => Test::Null,
            other => Test::Other(other.to_string()),
        };
        Operator {
            set,
            test,
            if_exists,
        }
    }
}

/// A document that is not an IAM policy the model understands.
#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    /// The document is not a JSON object.
    #[error("the policy is not a JSON object; give an IAM policy document with a Statement")]
    NotAnObject,
    /// There is no `Statement` element.
    #[error("the policy has no Statement element; give an IAM policy document")]
    NoStatement,
    /// One statement is malformed.
    #[error("statement {index}: {reason}")]
    Statement {
        /// 1-based statement number.
        index: usize,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

/// Lines of statements and conditions, collected by a loader that knows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpanHints {
    /// The line of the document itself (used when nothing finer is known).
    pub document_line: Option<usize>,
    /// Per statement, in document order.
    pub statements: Vec<StatementSpan>,
}

/// Where one statement and its conditions are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementSpan {
    /// 1-based line of the statement.
    pub line: Option<usize>,
    /// (operator, key) -> 1-based line.
    pub conditions: Vec<(String, String, usize)>,
}

impl PolicyDocument {
    /// Parses an IAM policy document from JSON text (no line information kept; loaders add it).
    pub fn from_json_str(text: &str) -> Result<PolicyDocument, crate::policy::PolicyError> {
        let value: Value =
            serde_json::from_str(text).map_err(|source| crate::policy::PolicyError::Json {
                file: "<policy>".to_string(),
                source,
            })?;
        Ok(PolicyDocument::from_value(&value, &SpanHints::default())?)
    }

    /// Builds the model from a JSON value in IAM's shape, with the lines a loader found.
    pub fn from_value(value: &Value, hints: &SpanHints) -> Result<PolicyDocument, ModelError> {
        let obj = value.as_object().ok_or(ModelError::NotAnObject)?;
        let version = obj
            .get("Version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let raw = obj.get("Statement").ok_or(ModelError::NoStatement)?;
        let list: Vec<&Value> = match raw {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut statements = Vec::with_capacity(list.len());
        for (i, item) in list.into_iter().enumerate() {
            let span = hints.statements.get(i);
            let fallback = span.and_then(|s| s.line).or(hints.document_line);
            statements.push(parse_statement(i + 1, item, span, fallback)?);
        }
        Ok(PolicyDocument {
            version,
            statements,
        })
    }
}

fn bad(index: usize, reason: impl Into<String>) -> ModelError {
    ModelError::Statement {
        index,
        reason: reason.into(),
    }
}

fn parse_statement(
    index: usize,
    value: &Value,
    span: Option<&StatementSpan>,
    line: Option<usize>,
) -> Result<Statement, ModelError> {
    let obj = value.as_object().ok_or_else(|| {
        bad(
            index,
            "is not an object; write each statement as {\"Effect\": ...}",
        )
    })?;
    let sid = match obj.get("Sid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad(index, "Sid is not a string")),
    };
    let effect = match obj.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(bad(index, "Effect must be \"Allow\" or \"Deny\"")),
    };
    let (principal_value, principal_negated) = match (obj.get("Principal"), obj.get("NotPrincipal"))
    {
        (Some(p), None) => (Some(p), false),
        (None, Some(p)) => (Some(p), true),
        (None, None) => (None, false),
        (Some(_), Some(_)) => {
            return Err(bad(index, "has both Principal and NotPrincipal; keep one"));
        }
    };
    let principal = principal_value
        .map(|p| parse_principal(index, p))
        .transpose()?;
    let (action_value, actions_negated) = match (obj.get("Action"), obj.get("NotAction")) {
        (Some(a), None) => (Some(a), false),
        (None, Some(a)) => (Some(a), true),
        (None, None) => (None, false),
        (Some(_), Some(_)) => return Err(bad(index, "has both Action and NotAction; keep one")),
    };
    let actions = match action_value {
        None => Vec::new(),
        Some(v) => {
            strings(v).ok_or_else(|| bad(index, "Action must be a string or a list of strings"))?
        }
    };
    let (resource_value, resources_negated) = match (obj.get("Resource"), obj.get("NotResource")) {
        (Some(r), None) => (Some(r), false),
        (None, Some(r)) => (Some(r), true),
        (None, None) => (None, false),
        (Some(_), Some(_)) => {
            return Err(bad(index, "has both Resource and NotResource; keep one"));
        }
    };
    let resources = match resource_value {
        None => Vec::new(),
        Some(v) => strings(v)
            .ok_or_else(|| bad(index, "Resource must be a string or a list of strings"))?,
    };
    let mut conditions = Vec::new();
    if let Some(cond) = obj.get("Condition") {
        let ops = cond.as_object().ok_or_else(|| {
            bad(
                index,
                "Condition must be an object of operator -> key -> values",
            )
        })?;
        for (operator, keys) in ops {
            let keys = keys.as_object().ok_or_else(|| {
                bad(
                    index,
                    format!("Condition operator {operator} must map keys to values"),
                )
            })?;
            for (key, values) in keys {
                let values = scalars(values).ok_or_else(|| {
                    bad(
                        index,
                        format!("Condition {operator} {key}: values must be strings, booleans or numbers"),
                    )
                })?;
                let cline = span
                    .and_then(|s| {
                        s.conditions
                            .iter()
                            .find(|(o, k, _)| o == operator && k == key)
                            .map(|(_, _, l)| *l)
                    })
                    .or(line);
                conditions.push(Condition {
                    operator: operator.clone(),
                    op: Operator::parse(operator),
                    key: key.clone(),
                    values,
                    line: cline,
                });
            }
        }
    }
    Ok(Statement {
        sid,
        effect,
        principal,
        principal_negated,
        actions,
        actions_negated,
        resources,
        resources_negated,
        conditions,
        line,
    })
}

fn parse_principal(index: usize, value: &Value) -> Result<Principal, ModelError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::Object(map) => {
            let mut list = Vec::new();
            for (kind, ids) in map {
                let ids = strings(ids).ok_or_else(|| {
                    bad(
                        index,
                        format!("Principal {kind} must be a string or a list of strings"),
                    )
                })?;
                let kind = PrincipalKind::parse(kind);
                list.extend(ids.into_iter().map(|id| (kind.clone(), id)));
            }
            Ok(Principal::Typed(list))
        }
        _ => Err(bad(
            index,
            "Principal must be \"*\" or an object such as {\"Federated\": \"arn:...\"}",
        )),
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn scalars(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse() {
        let op = Operator::parse("ForAllValues:StringLikeIfExists");
        assert_eq!(op.set, Some(SetQualifier::ForAllValues));
        assert_eq!(op.test, Test::StringLike);
        assert!(op.if_exists);
        assert_eq!(Operator::parse("Null").test, Test::Null);
        assert_eq!(
            Operator::parse("NumericLessThan").test,
            Test::Other("NumericLessThan".into())
        );
    }

    #[test]
    fn single_statement_object_and_scalars() {
        let doc = PolicyDocument::from_json_str(
            r#"{"Statement": {"Effect": "Allow", "Principal": {"Federated": ["a", "b"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"Bool": {"x:y": true}, "StringEquals": {"k": ["v", 3]}}}}"#,
        )
        .expect("parses");
        let st = &doc.statements[0];
        assert_eq!(
            st.principal.as_ref().map(|p| p.federated().count()),
            Some(2)
        );
        assert_eq!(st.conditions.len(), 2);
        assert!(st.conditions.iter().any(|c| c.values == ["v", "3"]));
        assert!(st.conditions.iter().any(|c| c.values == ["true"]));
    }

    #[test]
    fn bad_effect_is_reported_with_index() {
        let err = PolicyDocument::from_value(
            &serde_json::json!({"Statement": [{"Effect": "Allow"}, {"Effect": "allow"}]}),
            &SpanHints::default(),
        )
        .expect_err("rejected");
        assert!(matches!(err, ModelError::Statement { index: 2, .. }));
    }
}
