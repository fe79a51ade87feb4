//! Managed policies a Terraform module attaches to its roles: `aws_iam_role_policy_attachment`
//! and `aws_iam_policy_attachment` (`policy_arn`), `aws_iam_role_policy_attachments_exclusive`
//! (`policy_arns`) and the `managed_policy_arns` of `aws_iam_role` (AWS provider documentation
//! of each resource). Each attached ARN becomes a note that `policy permissions` resolves when
//! it ships the policy's document; an ARN this evaluator cannot resolve is named, never judged
//! clean. A policy the module declares itself (`aws_iam_policy.NAME.arn`) is judged where it is
//! declared.

use hcl::edit::Span;
use hcl::edit::structure::Block;

use super::{File, line};
use crate::policy::load::tfvalue::{Scope, Tf, source};
use crate::policy::load::{LoadedPolicy, Note, PolicyKind};
use crate::policy::model::PolicyDocument;

/// The attribute that names the attached policies, for the resource types that attach them.
fn attribute(resource: &str) -> Option<&'static str> {
    match resource {
        "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment" => Some("policy_arn"),
        "aws_iam_role_policy_attachments_exclusive" => Some("policy_arns"),
        "aws_iam_role" => Some("managed_policy_arns"),
        _ => None,
    }
}

/// The managed policies `block` (`resource "TYPE" "NAME"`) attaches, as a policy with no
/// statement whose notes name them; `None` when it attaches none, or only the module's own.
pub(super) fn attached(
    scope: &Scope,
    file: &File<'_>,
    resource: &str,
    name: &str,
    block: &Block,
) -> Option<LoadedPolicy> {
    let attribute = attribute(resource)?;
    let attr = block.body.get_attribute(attribute)?;
    let by = format!("{resource}.{name}");
    let at = line(file.text, attr.value.span());
    scope.take_unresolved();
    let value = scope.eval(&attr.value, file.text);
    scope.take_unresolved();
    let values = match value {
        Tf::List(items) => items,
        other => vec![other],
    };
    let mut notes = Vec::new();
    for value in values {
        match value {
            Tf::Str(arn) if !arn.contains("${") || partition_only(&arn) => {
                notes.push(Note::attached(at, &by, &arn));
            }
            Tf::Unknown(src) if own_policy(&src) => {}
            other => {
                let shown = other
                    .to_text()
                    .unwrap_or_else(|| source(&attr.value, file.text));
                notes.push(Note::at(
                    at,
                    format!(
                        "{by} attaches `{shown}`, which is not resolved here: the policy it attaches is not judged"
                    ),
                ));
            }
        }
    }
    (!notes.is_empty()).then(|| LoadedPolicy {
        file: file.name.to_string(),
        name: Some(by),
        document: PolicyDocument {
            version: None,
            statements: Vec::new(),
        },
        notes,
        duplicates: Vec::new(),
        kind: PolicyKind::Permissions,
    })
}

/// `arn:${...}:iam::...` with the partition the only interpolation (`data.aws_partition`).
fn partition_only(arn: &str) -> bool {
    arn.strip_prefix("arn:${")
        .and_then(|rest| rest.split_once("}:"))
        .is_some_and(|(_, rest)| !rest.contains("${"))
}

/// `aws_iam_policy.NAME.arn` (or `.id`): a policy of the module, judged where it is declared.
fn own_policy(src: &str) -> bool {
    let parts: Vec<&str> = src.trim().split('.').collect();
    matches!(parts.as_slice(), ["aws_iam_policy", _, "arn" | "id"])
}
