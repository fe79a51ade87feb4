//! `policy permissions check`: is a role's permissions policy read-only, by AWS's own catalogue
//! of actions and access levels ([`catalogue`]), with the reads that return content named
//! ([`content`])?
//!
//! How a statement is read, as IAM evaluates it (IAM User Guide, "Policy evaluation logic" and
//! "IAM JSON policy elements"): action names compare without regard to case, and `*` and `?`
//! wildcards expand against the catalogue (the expansion is named). `Allow` with `NotAction` or
//! `NotResource` grants what it does not list. A `Deny` removes an action only where it applies
//! unconditionally: no condition, its actions cover the action and its resources cover every
//! resource of the `Allow` (a `Deny` with a condition may not apply to a given call). A condition
//! on an `Allow` never makes a write acceptable: it narrows when, not what.

pub mod catalogue;
pub mod cli;
mod content;
pub mod explain;
pub mod managed;
pub mod plan;
pub mod rules;

use crate::policy::check::{Finding, Location, Rule};
use crate::policy::load::{LoadedPolicy, PolicyKind, is_deployment_value};
use crate::policy::matching::{action_matches, like};
use crate::policy::model::{Effect, Statement};
pub use catalogue::{Action, Catalogue, Levels};
pub use content::{CONTENT_READS, ContentRead, content_read};
pub use managed::{ManagedPolicies, resolve_attached};
pub use plan::{Exception, PlanState};

/// What the role is meant to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// Reads only.
    ReadOnly,
    /// `terraform plan` with an S3 backend: reads, plus what the backend needs.
    Plan(PlanState),
}

/// The most actions a message lists before it says how many more there are.
const LISTED: usize = 8;

/// Checks the permissions policies among `policies` (trust policies are left to `policy check`).
pub fn check_policies(
    policies: &[LoadedPolicy],
    catalogue: &Catalogue,
    profile: &Profile,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in policies.iter().filter(|p| may_be_permissions(p)) {
        let base = Location {
            file: p.file.clone(),
            policy: p.name.clone(),
            statement: None,
            sid: None,
            line: p.document.statements.first().and_then(|s| s.line),
        };
        for note in &p.notes {
            push(
                &mut out,
                rules::UNRESOLVED,
                Location {
                    line: note.line.or(base.line),
                    ..base.clone()
                },
                note.message.clone(),
                "check the rendered policy as well (`terraform show -json`, `aws iam get-role-policy`, `aws iam get-policy-version`)",
            );
        }
        let placeholders = deployment_values(p);
        if !placeholders.is_empty() {
            push(
                &mut out,
                rules::DEPLOYMENT_VALUE,
                base.clone(),
                format!(
                    "ARNs interpolate the deploying account's partition, account id or region, taken to match any value: {}",
                    placeholders.join(", ")
                ),
                "nothing to change; `terraform show -json` of a plan shows the values",
            );
        }
        for d in &p.duplicates {
            push(
                &mut out,
                rules::DUPLICATE_NAME,
                Location {
                    line: Some(d.second_line),
                    ..base.clone()
                },
                format!("{d}: JSON parsers disagree on which one counts (RFC 8259, section 4)"),
                format!("keep one {:?}", d.name),
            );
        }
        let denies: Vec<&Statement> = p
            .document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Deny && s.conditions.is_empty())
            .collect();
        for (i, st) in p.document.statements.iter().enumerate() {
            if st.effect != Effect::Allow {
                continue;
            }
            let loc = Location {
                statement: Some(i + 1),
                sid: st.sid.clone(),
                line: st.line.or(base.line),
                ..base.clone()
            };
            check_statement(st, &denies, catalogue, profile, &loc, &mut out);
        }
    }
    out
}

/// The distinct `${...}` interpolations of the deploying account's partition, account id or
/// region in the resources of `p`'s statements, in order of appearance.
fn deployment_values(p: &LoadedPolicy) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let resources = p.document.statements.iter().flat_map(|s| &s.resources);
    for whole in resources.flat_map(|r| plan::interpolations(r)) {
        if is_deployment_value(&whole[2..whole.len() - 1]) && !found.iter().any(|f| f == whole) {
            found.push(whole.to_owned());
        }
    }
    found
}

/// A permissions policy, or an input that could be one and was not resolved (named, never
/// judged clean).
pub(crate) fn may_be_permissions(p: &LoadedPolicy) -> bool {
    p.is_permissions() || (p.kind == PolicyKind::Unknown && p.document.statements.is_empty())
}

fn push(
    out: &mut Vec<Finding>,
    rule: Rule,
    location: Location,
    message: String,
    fix: impl Into<String>,
) {
    out.push(Finding {
        rule: rule.id,
        severity: rule.severity,
        location,
        message,
        fix: fix.into(),
        example_claims: None,
    });
}

/// What one `Allow` statement grants, sorted into the findings' lists.
#[derive(Default)]
struct Granted<'a> {
    writes: Vec<&'a Action>,
    content: Vec<(&'a Action, &'static ContentRead)>,
    everywhere: Vec<&'a Action>,
    backend: Vec<(&'a Action, Exception)>,
    elsewhere: Vec<&'a Action>,
    /// Each action pattern with what it matches today.
    wildcards: Vec<(&'a str, Vec<&'a Action>)>,
}

fn check_statement(
    st: &Statement,
    denies: &[&Statement],
    catalogue: &Catalogue,
    profile: &Profile,
    loc: &Location,
    out: &mut Vec<Finding>,
) {
    if st.actions_negated {
        push(
            out,
            rules::ALLOW_NOT_ACTION,
            loc.clone(),
            format!(
                "Allow with NotAction {:?} grants every other action of every service, Write and Permissions management included",
                st.actions
            ),
            "list the actions to allow in Action instead",
        );
        return;
    }
    if st.resources_negated {
        push(
            out,
            rules::ALLOW_NOT_RESOURCE,
            loc.clone(),
            format!(
                "Allow with NotResource {:?} grants its actions on every other resource, including ones created later",
                st.resources
            ),
            "list the resources to allow in Resource instead",
        );
    }
    let resource_star = st.resources.iter().any(|r| r == "*");
    let mut granted = Granted::default();
    for pattern in &st.actions {
        let expansion = catalogue.expand(pattern);
        if expansion.actions.is_empty() {
            let why = if expansion.unknown_service {
                "its service prefix is not in AWS's catalogue"
            } else {
                "no action of its service has that name"
            };
            push(
                out,
                rules::UNKNOWN_ACTION,
                loc.clone(),
                format!(
                    "Action {pattern:?} matches no action: {why} ({})",
                    catalogue.source
                ),
                "correct the name (see the service's page in the Service Authorization Reference), or remove it",
            );
            continue;
        }
        if pattern.contains(['*', '?']) {
            granted.wildcards.push((pattern, expansion.actions.clone()));
        }
        for action in expansion.actions {
            if !catalogue.acts_on_any(action, &st.resources) {
                granted.elsewhere.push(action);
                continue;
            }
            if denied(action, &st.resources, denies) {
                continue;
            }
            if let Profile::Plan(state) = profile
                && let Some(exception) = state.classify(&action.name, &st.resources)
            {
                granted.backend.push((action, exception));
                continue;
            }
            if action.levels.changes_anything() {
                granted.writes.push(action);
            } else if let Some(entry) = content_read(&action.name) {
                granted.content.push((action, entry));
            }
            if resource_star && action.has_resources() {
                granted.everywhere.push(action);
            }
        }
    }
    wildcard_finding(&granted.wildcards, loc, out);
    dedup(&mut granted.writes);
    dedup(&mut granted.everywhere);
    granted.content.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    granted.content.dedup_by(|a, b| a.0.name == b.0.name);
    if !granted.writes.is_empty() {
        let shown = listed(
            granted
                .writes
                .iter()
                .map(|a| format!("{} ({})", a.name, a.levels.names())),
        );
        push(
            out,
            rules::WRITE,
            loc.clone(),
            format!(
                "allows {} action(s) that change something, by AWS's access levels: {shown}",
                granted.writes.len()
            ),
            "remove them, or move them to a role that only trusted workflows (e.g. the default branch) can assume",
        );
    }
    if !granted.content.is_empty() {
        let shown = listed(
            granted
                .content
                .iter()
                .map(|(a, c)| format!("{} ({}; {})", a.name, c.reason, c.source)),
        );
        push(
            out,
            rules::CONTENT_READ,
            loc.clone(),
            format!("allows reads that return content or credentials: {shown}"),
            "scope them to the resources the job must read, or remove them",
        );
    }
    backend_findings(&granted.backend, st, loc, out);
    dedup(&mut granted.elsewhere);
    if !granted.elsewhere.is_empty() {
        let shown = listed(granted.elsewhere.iter().map(|a| {
            let types: Vec<String> = catalogue
                .resource_types(a)
                .iter()
                .map(|t| format!("{} {}", t.name, t.arns.join(" or ")))
                .collect();
            format!("{} (acts on {})", a.name, types.join("; "))
        }));
        push(
            out,
            rules::NOT_ITS_RESOURCE,
            loc.clone(),
            format!(
                "Resource {:?} is of no type that {} action(s) act on, so AWS does not grant them here: {shown}",
                st.resources,
                granted.elsewhere.len()
            ),
            "write the ARN of the resource the action acts on, or remove the action",
        );
    }
    if !granted.everywhere.is_empty() {
        push(
            out,
            rules::RESOURCE_WILDCARD,
            loc.clone(),
            format!(
                "grants {} action(s) that support resource ARNs on \"Resource\": \"*\": {}",
                granted.everywhere.len(),
                listed(granted.everywhere.iter().map(|a| a.name.as_str()))
            ),
            "name the resources (ARNs) where you can",
        );
    }
}

/// One finding for a statement's action patterns: what they match today, the actions among
/// those that change something, and that they grow.
fn wildcard_finding(wildcards: &[(&str, Vec<&Action>)], loc: &Location, out: &mut Vec<Finding>) {
    let mut matched: Vec<&Action> = wildcards
        .iter()
        .flat_map(|(_, a)| a.iter().copied())
        .collect();
    dedup(&mut matched);
    let changing = listed(
        matched
            .iter()
            .filter(|a| a.levels.changes_anything())
            .map(|a| a.name.as_str()),
    );
    let count = matched
        .iter()
        .filter(|a| a.levels.changes_anything())
        .count();
    let message = match wildcards {
        [] => return,
        [(pattern, _)] => format!(
            "Action {pattern:?} matches {} actions today ({count} of them Write, Permissions management or Tagging: {changing}), and every action AWS adds under that name later",
            matched.len()
        ),
        _ => format!(
            "{} action patterns ({}) match {} actions today ({count} of them Write, Permissions management or Tagging: {changing}), and every action AWS adds under those names later",
            wildcards.len(),
            listed(wildcards.iter().map(|(p, a)| format!("{p:?}: {}", a.len()))),
            matched.len()
        ),
    };
    push(
        out,
        rules::ACTION_WILDCARD,
        loc.clone(),
        message,
        "list the actions by name",
    );
}

/// The `plan` profile's findings for what the backend needs, one per action.
fn backend_findings(
    backend: &[(&Action, Exception)],
    st: &Statement,
    loc: &Location,
    out: &mut Vec<Finding>,
) {
    let interpolated = if st.resources.iter().any(|r| plan::has_interpolation(r)) {
        " (a Terraform interpolation in the ARN is taken to match any partition, region or account)"
    } else {
        ""
    };
    let mut seen: Vec<&str> = Vec::new();
    for (action, exception) in backend {
        if seen.contains(&action.name.as_str()) {
            continue;
        }
        seen.push(&action.name);
        let (rule, message, fix) = match exception {
            Exception::StateRead(what) => (
                rules::STATE_READ,
                format!("{} {what}{interpolated}", action.name),
                "nothing to change: Terraform's S3 backend needs it".to_owned(),
            ),
            Exception::LockWrite(what) => (
                rules::LOCK_WRITE,
                format!("{} ({}) {what}{interpolated}", action.name, action.levels.names()),
                "run `terraform plan -lock=false` on pull requests and drop the lock permissions, or accept this named exception".to_owned(),
            ),
            Exception::OtherStates => (
                rules::OTHER_STATES,
                format!(
                    "{} on {:?} reads more of the state bucket than the state object: other workspaces' states",
                    action.name, st.resources
                ),
                "allow s3:GetObject on the state object's ARN only".to_owned(),
            ),
        };
        push(out, rule, loc.clone(), message, fix);
    }
}

/// True when an unconditional `Deny` covers `action` on every resource of the `Allow`.
fn denied(action: &Action, allowed: &[String], denies: &[&Statement]) -> bool {
    denies.iter().any(|deny| {
        let covers_action =
            deny.actions.iter().any(|p| action_matches(p, &action.name)) != deny.actions_negated;
        let covers_resources = !deny.resources_negated
            && !allowed.is_empty()
            && allowed.iter().all(|r| {
                deny.resources
                    .iter()
                    .any(|d| d == "*" || d == r || (!r.contains(['*', '?']) && like(d, r)))
            });
        covers_action && covers_resources
    })
}

fn dedup(actions: &mut Vec<&Action>) {
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    actions.dedup_by(|a, b| a.name == b.name);
}

/// The first few items, then how many more.
fn listed<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let items: Vec<String> = items.map(|s| s.as_ref().to_owned()).collect();
    let mut shown = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        shown.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    if shown.is_empty() {
        shown.push_str("none");
    }
    shown
}
