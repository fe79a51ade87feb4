//! The rules `policy permissions check` applies, with their ids and severities.

use crate::policy::check::{Rule, Severity};

const fn rule(
    id: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
) -> Rule {
    Rule {
        id,
        name,
        severity,
        summary,
    }
}

/// `Allow` with `NotAction`.
pub const ALLOW_NOT_ACTION: Rule = rule(
    "OA-P001",
    "allow-not-action",
    Severity::Error,
    "An Allow statement with NotAction grants every action not listed, in every service, including services AWS adds later.",
);
/// `Allow` with `NotResource`.
pub const ALLOW_NOT_RESOURCE: Rule = rule(
    "OA-P002",
    "allow-not-resource",
    Severity::Error,
    "An Allow statement with NotResource grants its actions on every resource but those listed, including resources created later.",
);
/// An action that changes something.
pub const WRITE: Rule = rule(
    "OA-P003",
    "not-read-only",
    Severity::Error,
    "An allowed action has the access level Write, Permissions management or Tagging in AWS's Service Authorization Reference: the role is not read-only. A condition on the Allow does not change that.",
);
/// A read that returns content or a credential.
pub const CONTENT_READ: Rule = rule(
    "OA-P004",
    "reads-content",
    Severity::Warning,
    "An allowed Read or List action returns content or a credential (object contents, secret values, parameters, messages, code, user data): read-only does not mean harmless.",
);
/// A wildcard in `Action`.
pub const ACTION_WILDCARD: Rule = rule(
    "OA-P005",
    "action-wildcard",
    Severity::Warning,
    "An Action pattern with `*` or `?` matches the actions AWS lists today and every action it adds later under that name.",
);
/// `"Resource": "*"` on an action that can be scoped.
pub const RESOURCE_WILDCARD: Rule = rule(
    "OA-P006",
    "resource-wildcard",
    Severity::Note,
    "An allowed action that supports resource ARNs is granted on `\"Resource\": \"*\"`: every resource of its type.",
);
/// An action or service the catalogue does not know.
pub const UNKNOWN_ACTION: Rule = rule(
    "OA-P007",
    "unknown-action",
    Severity::Warning,
    "An Action names no action of AWS's catalogue (a typo, a retired action or service, or data older than the action): it grants nothing today and is not judged.",
);
/// Something the loader could not resolve.
pub const UNRESOLVED: Rule = rule(
    "OA-P008",
    "not-judged",
    Severity::Warning,
    "A part of the input could not be resolved (a Terraform expression, an attached managed policy whose document is neither given nor shipped): it is named, never judged clean.",
);
/// A name given twice in one JSON object.
pub const DUPLICATE_NAME: Rule = rule(
    "OA-P009",
    "duplicate-name",
    Severity::Error,
    "A name is given twice in one JSON object of the policy: parsers disagree on which one counts, so the document is ambiguous.",
);

/// `plan`: what the S3 backend needs to read the state.
pub const STATE_READ: Rule = rule(
    "OA-P010",
    "backend-read",
    Severity::Note,
    "Under --profile plan: listing the state bucket, reading exactly the state object, reading the DynamoDB lock table or decrypting with the state's KMS key, as Terraform's S3 backend needs.",
);
/// `plan`: lock writes.
pub const LOCK_WRITE: Rule = rule(
    "OA-P011",
    "backend-lock-write",
    Severity::Warning,
    "Under --profile plan: writes to the state's lock (the .tflock object or the DynamoDB lock table) are real writes: a pull request can take the lock, or remove the one a running apply holds; `terraform plan -lock=false` needs none.",
);
/// `plan`: reading more of the state bucket than the state.
pub const OTHER_STATES: Rule = rule(
    "OA-P012",
    "other-states",
    Severity::Warning,
    "Under --profile plan: s3:GetObject on more of the state bucket than the state object reads other workspaces' states, which can hold secrets.",
);

/// A statement names an action on resources of none of its types.
pub const NOT_ITS_RESOURCE: Rule = rule(
    "OA-P013",
    "resource-type-mismatch",
    Severity::Warning,
    "A statement allows an action on resources none of which is of a type the action acts on (AWS's Service Authorization Reference): AWS does not grant it there, so the ARN or the action is likely wrong.",
);

/// ARNs that interpolate the deploying account's partition, account id or region.
pub const DEPLOYMENT_VALUE: Rule = rule(
    "OA-P014",
    "deployment-value",
    Severity::Note,
    "A resource ARN interpolates the deploying account's partition, account id or region (data.aws_partition, data.aws_caller_identity, data.aws_region): known only at plan time, it is taken to match any value.",
);

/// Every rule, in id order.
pub const RULES: &[Rule] = &[
    ALLOW_NOT_ACTION,
    ALLOW_NOT_RESOURCE,
    WRITE,
    CONTENT_READ,
    ACTION_WILDCARD,
    RESOURCE_WILDCARD,
    UNKNOWN_ACTION,
    UNRESOLVED,
    DUPLICATE_NAME,
    STATE_READ,
    LOCK_WRITE,
    OTHER_STATES,
    NOT_ITS_RESOURCE,
    DEPLOYMENT_VALUE,
];
