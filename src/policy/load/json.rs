//! IAM JSON policy documents, `aws iam get-role` / `list-roles` output (trust policies), and
//! `get-role-policy`, `get-policy-version` and `get-account-authorization-details` output
//! (permissions policies).
//!
//! Lines: serde_json's `RawValue` borrows each statement and condition from the input text, so
//! its byte offset, hence its line, is exact. A URL-encoded `AssumeRolePolicyDocument` (the raw
//! API form) has no lines of its own: its statements carry the line of that field.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{LoadedPolicy, duplicates, line_of};
use crate::policy::PolicyError;
use crate::policy::model::{PolicyDocument, SpanHints, StatementSpan};

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(rename = "Statement", borrow, default)]
    statement: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawStatement<'a> {
    #[serde(rename = "Condition", borrow, default)]
    condition: Option<BTreeMap<String, BTreeMap<String, &'a RawValue>>>,
}

#[derive(Deserialize)]
struct RawRole<'a> {
    #[serde(rename = "RoleName", default)]
    name: Option<String>,
    #[serde(rename = "AssumeRolePolicyDocument", borrow, default)]
    document: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawRoleOutput<'a> {
    #[serde(rename = "Role", borrow, default)]
    role: Option<RawRole<'a>>,
    #[serde(rename = "Roles", borrow, default)]
    roles: Option<Vec<RawRole<'a>>>,
    #[serde(rename = "AssumeRolePolicyDocument", borrow, default)]
    document: Option<&'a RawValue>,
}

/// `aws iam get-role-policy`, `get-policy-version` and `get-account-authorization-details`
/// output: permissions policies, with the names they have there.
#[derive(Deserialize)]
struct RawPermissionsOutput<'a> {
    #[serde(rename = "RoleName", default)]
    role_name: Option<String>,
    #[serde(rename = "PolicyName", default)]
    policy_name: Option<String>,
    #[serde(rename = "PolicyDocument", borrow, default)]
    policy_document: Option<&'a RawValue>,
    #[serde(rename = "PolicyVersion", borrow, default)]
    policy_version: Option<RawPolicyVersion<'a>>,
    #[serde(rename = "RoleDetailList", borrow, default)]
    role_details: Option<Vec<RawRoleDetail<'a>>>,
    #[serde(rename = "Policies", borrow, default)]
    policies: Option<Vec<RawManagedPolicy<'a>>>,
}

#[derive(Deserialize)]
struct RawPolicyVersion<'a> {
    #[serde(rename = "Document", borrow)]
    document: &'a RawValue,
    #[serde(rename = "VersionId", default)]
    version: Option<String>,
    #[serde(rename = "IsDefaultVersion", default)]
    is_default: Option<bool>,
}

#[derive(Deserialize)]
struct RawRoleDetail<'a> {
    #[serde(rename = "RoleName", default)]
    name: Option<String>,
    #[serde(rename = "RolePolicyList", borrow, default)]
    inline: Vec<RawInlinePolicy<'a>>,
    #[serde(rename = "AttachedManagedPolicies", default)]
    attached: Vec<RawAttached>,
}

#[derive(Deserialize)]
struct RawInlinePolicy<'a> {
    #[serde(rename = "PolicyName", default)]
    name: Option<String>,
    #[serde(rename = "PolicyDocument", borrow)]
    document: &'a RawValue,
}

#[derive(Deserialize)]
struct RawAttached {
    #[serde(rename = "PolicyArn")]
    arn: String,
}

#[derive(Deserialize)]
struct RawManagedPolicy<'a> {
    #[serde(rename = "PolicyName", default)]
    name: Option<String>,
    #[serde(rename = "Arn", default)]
    arn: Option<String>,
    #[serde(rename = "PolicyVersionList", borrow, default)]
    versions: Vec<RawPolicyVersion<'a>>,
}

/// The permissions policies of such output: (name, document), and the managed policies a role
/// has attached (role name, policy ARN), whose documents the output may not hold.
type Permissions<'a> = (Vec<(String, &'a RawValue)>, Vec<(String, String)>);

fn permissions_documents<'a>(raw: &RawPermissionsOutput<'a>) -> Permissions<'a> {
    let mut documents = Vec::new();
    let mut attached = Vec::new();
    if let Some(document) = raw.policy_document {
        let role = raw.role_name.as_deref().unwrap_or("ROLE");
        let policy = raw.policy_name.as_deref().unwrap_or("POLICY");
        documents.push((format!("role/{role}/policy/{policy}"), document));
    }
    if let Some(version) = &raw.policy_version {
        let id = version.version.as_deref().unwrap_or("version");
        documents.push((format!("policy-version/{id}"), version.document));
    }
    for role in raw.role_details.iter().flatten() {
        let role_name = role.name.as_deref().unwrap_or("ROLE");
        for policy in &role.inline {
            let name = policy.name.as_deref().unwrap_or("POLICY");
            documents.push((format!("role/{role_name}/policy/{name}"), policy.document));
        }
        for a in &role.attached {
            attached.push((role_name.to_owned(), a.arn.clone()));
        }
    }
    for policy in raw.policies.iter().flatten() {
        let name = policy
            .arn
            .as_deref()
            .or(policy.name.as_deref())
            .unwrap_or("POLICY");
        for version in policy
            .versions
            .iter()
            .filter(|v| v.is_default != Some(false))
        {
            documents.push((format!("policy/{name}"), version.document));
        }
    }
    (documents, attached)
}

/// Where `inner` (a slice of `outer`) starts, as a line of the file whose line `first_line`
/// is `outer`'s first line.
fn line_in(outer: &str, inner: &str, first_line: usize) -> usize {
    let offset = (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize);
    first_line + line_of(outer, offset) - 1
}

/// Lines of the statements and conditions of the policy document `doc`, a slice of `outer`.
pub(crate) fn spans(doc: &str, outer: &str, first_line: usize) -> SpanHints {
    let mut hints = SpanHints {
        document_line: Some(line_in(outer, doc, first_line)),
        statements: Vec::new(),
    };
    let Ok(raw) = serde_json::from_str::<RawDoc<'_>>(doc) else {
        return hints;
    };
    let Some(statement) = raw.statement else {
        return hints;
    };
    let items: Vec<&RawValue> = if statement.get().trim_start().starts_with('[') {
        serde_json::from_str(statement.get()).unwrap_or_default()
    } else {
        vec![statement]
    };
    for item in items {
        let mut span = StatementSpan {
            line: Some(line_in(outer, item.get(), first_line)),
            conditions: Vec::new(),
        };
        if let Ok(RawStatement {
            condition: Some(ops),
        }) = serde_json::from_str::<RawStatement<'_>>(item.get())
        {
            for (op, keys) in ops {
                for (key, value) in keys {
                    let line = line_in(outer, value.get(), first_line);
                    span.conditions.push((op.clone(), key, line));
                }
            }
        }
        hints.statements.push(span);
    }
    hints
}

fn model(
    file: &str,
    name: Option<String>,
    value: &Value,
    hints: &SpanHints,
) -> Result<LoadedPolicy, PolicyError> {
    let document =
        PolicyDocument::from_value(value, hints).map_err(|source| PolicyError::Model {
            file: file.to_string(),
            name: name.clone(),
            source,
        })?;
    Ok(LoadedPolicy {
        file: file.to_string(),
        name,
        document,
        notes: Vec::new(),
        duplicates: Vec::new(),
        kind: super::PolicyKind::Unknown,
    })
}

/// Loads a role's `AssumeRolePolicyDocument`: an object, or a string holding JSON, URL-encoded
/// or not.
fn role_document(
    file: &str,
    text: &str,
    name: Option<String>,
    raw: &RawValue,
) -> Result<LoadedPolicy, PolicyError> {
    let json_err = |source| PolicyError::Json {
        file: file.to_string(),
        source,
    };
    if raw.get().trim_start().starts_with('"') {
        let encoded: String = serde_json::from_str(raw.get()).map_err(json_err)?;
        let decoded = if encoded.trim_start().starts_with('{') {
            encoded
        } else {
            percent_encoding::percent_decode_str(&encoded)
                .decode_utf8()
                .map_err(|_| PolicyError::NotAPolicy {
                    file: file.to_string(),
                    reason: "AssumeRolePolicyDocument is neither JSON nor URL-encoded UTF-8 JSON"
                        .into(),
                })?
                .into_owned()
        };
        let value: Value = serde_json::from_str(&decoded).map_err(json_err)?;
        let field_line = line_in(text, raw.get(), 1);
        let hints = SpanHints {
            document_line: Some(field_line),
            statements: Vec::new(),
        };
        let mut loaded = model(file, name, &value, &hints)?;
        loaded.duplicates = duplicates::find(&decoded, 1, Some(field_line));
        Ok(loaded)
    } else {
        let value: Value = serde_json::from_str(raw.get()).map_err(json_err)?;
        model(file, name, &value, &spans(raw.get(), text, 1))
    }
}

/// Loads a JSON file: a policy document, `aws iam get-role` or `aws iam list-roles` output, or
/// an object with an `AssumeRolePolicyDocument`.
pub fn load_json_text(file: &str, text: &str) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|source| PolicyError::Json {
        file: file.to_string(),
        source,
    })?;
    let Some(obj) = value.as_object() else {
        return Err(PolicyError::NotAPolicy {
            file: file.to_string(),
            reason: "the file is not a JSON object".into(),
        });
    };
    let in_file = duplicates::find(text, 1, None);
    if obj.contains_key("Statement") {
        let mut loaded = model(file, None, &value, &spans(text, text, 1))?;
        loaded.duplicates = in_file;
        return Ok(vec![loaded]);
    }
    if [
        "PolicyDocument",
        "PolicyVersion",
        "RoleDetailList",
        "Policies",
    ]
    .iter()
    .any(|k| obj.contains_key(*k))
    {
        return load_permissions_output(file, text, in_file);
    }
    let raw: RawRoleOutput<'_> =
        serde_json::from_str(text).map_err(|source| PolicyError::Json {
            file: file.to_string(),
            source,
        })?;
    let mut roles: Vec<RawRole<'_>> = raw.roles.unwrap_or_default();
    roles.extend(raw.role);
    if let Some(document) = raw.document {
        roles.push(RawRole {
            name: None,
            document: Some(document),
        });
    }
    if roles.is_empty() {
        return Err(PolicyError::NotAPolicy {
            file: file.to_string(),
            reason: "found neither Statement nor Role.AssumeRolePolicyDocument; give a policy \
                     document or the output of `aws iam get-role --output json`"
                .into(),
        });
    }
    let mut out: Vec<LoadedPolicy> = Vec::new();
    for role in roles {
        let name = role.name.map(|n| format!("role/{n}"));
        match role.document {
            Some(raw) => {
                let mut loaded = role_document(file, text, name, raw)?;
                loaded.kind = super::PolicyKind::Trust;
                out.push(loaded);
            }
            None => {
                return Err(PolicyError::NotAPolicy {
                    file: file.to_string(),
                    reason: format!(
                        "{} has no AssumeRolePolicyDocument",
                        name.unwrap_or_else(|| "the role".into())
                    ),
                });
            }
        }
    }
    // Duplicates of the file's own text (the envelope and object-form documents) are reported
    // once, with the first policy.
    if let Some(first) = out.first_mut() {
        first.duplicates.extend(in_file);
        first.duplicates.dedup();
    }
    Ok(out)
}

/// Loads the permissions policies of `get-role-policy`, `get-policy-version` or
/// `get-account-authorization-details` output; a managed policy a role has attached whose
/// document the file does not hold is named in a note, never judged clean.
fn load_permissions_output(
    file: &str,
    text: &str,
    in_file: Vec<super::DuplicateName>,
) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let raw: RawPermissionsOutput<'_> =
        serde_json::from_str(text).map_err(|source| PolicyError::Json {
            file: file.to_string(),
            source,
        })?;
    let (documents, attached) = permissions_documents(&raw);
    let mut out = Vec::new();
    for (name, document) in documents {
        let mut loaded = role_document(file, text, Some(name), document)?;
        loaded.kind = super::PolicyKind::Permissions;
        out.push(loaded);
    }
    let held: Vec<&str> = out.iter().filter_map(|p| p.name.as_deref()).collect();
    let missing: Vec<super::Note> = attached
        .iter()
        .filter(|(_, arn)| !held.contains(&format!("policy/{arn}").as_str()))
        .map(|(role, arn)| super::Note::attached(None, &format!("role {role}"), arn))
        .collect();
    if out.is_empty() && missing.is_empty() {
        return Err(PolicyError::NotAPolicy {
            file: file.to_string(),
            reason: "found no policy document in this output".into(),
        });
    }
    if !missing.is_empty() {
        out.push(LoadedPolicy {
            file: file.to_string(),
            name: Some("attached managed policies".into()),
            document: PolicyDocument {
                version: None,
                statements: Vec::new(),
            },
            notes: missing,
            duplicates: Vec::new(),
            kind: super::PolicyKind::Permissions,
        });
    }
    if let Some(first) = out.first_mut() {
        first.duplicates.extend(in_file);
        first.duplicates.dedup();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_statements_and_conditions() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Deny\",\n      \"Principal\": \"*\",\n      \"Action\": \"*\"\n    },\n    {\n      \"Effect\": \"Allow\",\n      \"Condition\": {\n        \"StringLike\": {\n          \"k\": \"v\"\n        }\n      }\n    }\n  ]\n}\n";
        let loaded = load_json_text("p.json", text).expect("loads");
        let st = &loaded[0].document.statements;
        assert_eq!(st[0].line, Some(4));
        assert_eq!(st[1].line, Some(9));
        assert_eq!(st[1].conditions[0].line, Some(13));
    }

    #[test]
    fn get_role_url_encoded() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        let enc: String =
            percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let text = format!(
            "{{\n \"Role\": {{\n  \"RoleName\": \"plan\",\n  \"AssumeRolePolicyDocument\": \"{enc}\"\n }}\n}}"
        );
        let loaded = load_json_text("role.json", &text).expect("loads");
        assert_eq!(loaded[0].name.as_deref(), Some("role/plan"));
        assert_eq!(loaded[0].document.statements[0].line, Some(4));
    }

    #[test]
    fn get_role_object_form_keeps_lines() {
        let text = "{\"Role\": {\"RoleName\": \"r\",\n\"AssumeRolePolicyDocument\": {\"Statement\": [\n{\"Effect\": \"Allow\"}]}}}";
        let loaded = load_json_text("role.json", text).expect("loads");
        assert_eq!(loaded[0].document.statements[0].line, Some(3));
    }
}
