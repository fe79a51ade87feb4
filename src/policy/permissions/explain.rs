//! `policy permissions explain FILE... --action SERVICE:ACTION [--resource ARN]`: whether the
//! permissions policies allow an action (or each action of a pattern), which statement decides,
//! and the action's access levels.
//!
//! As IAM evaluates an identity's policies (IAM User Guide, "Policy evaluation logic"): every
//! policy of the role counts together; an applicable `Deny` wins, else an applicable `Allow`
//! allows, else the action is implicitly denied. A statement applies when its `Action` (or
//! `NotAction`) covers the action, its `Resource` (or `NotResource`) covers the resource, and its
//! conditions hold. A Terraform interpolation in a resource (`${data.aws_partition...}`) matches
//! any value, as `check` takes it. Conditions are not evaluated here (they test the request: tags, IP, time):
//! a statement with conditions is reported as deciding only when they hold.

use std::fmt::Write as _;

use super::catalogue::{Action, Catalogue};
use super::plan::interpolations_as_wildcards;
use crate::policy::load::LoadedPolicy;
use crate::policy::matching::{action_matches, like};
use crate::policy::model::{Effect, Statement};

/// The verdict for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An applicable `Allow` and no applicable `Deny`.
    Allowed(String),
    /// Allowed only if the conditions of the statement named hold.
    AllowedIf(String),
    /// An applicable `Deny`.
    Denied(String),
    /// No statement allows it.
    ImplicitlyDenied,
    /// The resource asked about is of no type the action acts on.
    NotItsResource,
}

impl Verdict {
    /// True for [`Verdict::Allowed`] and [`Verdict::AllowedIf`].
    pub fn may_allow(&self) -> bool {
        matches!(self, Verdict::Allowed(_) | Verdict::AllowedIf(_))
    }
}

/// Decides `action` on `resource` (`*` when none is given) over `policies`. For an action of the
/// catalogue, a statement applies only on resources of the types the action acts on, as `check`
/// counts it ([`Catalogue::acts_on_any`]).
pub fn decide(
    policies: &[&LoadedPolicy],
    catalogue: &Catalogue,
    action: &str,
    resource: &str,
) -> Verdict {
    let known = catalogue.action(action);
    if let Some(known) = known
        && resource != "*"
        && !catalogue.acts_on_any(known, &[resource.to_owned()])
    {
        return Verdict::NotItsResource;
    }
    let acts_on = |st: &Statement| {
        st.resources_negated || known.is_none_or(|a| catalogue.acts_on_any(a, &st.resources))
    };
    let applying =
        |st: &Statement| covers_action(st, action) && covers_resource(st, resource) && acts_on(st);
    let mut allow: Option<(String, bool)> = None;
    let mut conditional_deny: Option<String> = None;
    for p in policies {
        for (i, st) in p.document.statements.iter().enumerate() {
            if !applying(st) {
                continue;
            }
            let name = describe(p, i, st);
            match (st.effect, st.conditions.is_empty()) {
                (Effect::Deny, true) => return Verdict::Denied(name),
                (Effect::Deny, false) => {
                    conditional_deny.get_or_insert(format!("{name}, when its conditions hold"));
                }
                (Effect::Allow, unconditional) => {
                    if allow.as_ref().is_none_or(|(_, u)| !u && unconditional) {
                        allow = Some((name, unconditional));
                    }
                }
            }
        }
    }
    match allow {
        Some((name, true)) => match conditional_deny {
            Some(deny) => Verdict::AllowedIf(format!("{name}, unless {deny} denies it")),
            None => Verdict::Allowed(name),
        },
        Some((name, false)) => Verdict::AllowedIf(format!("{name}, when its conditions hold")),
        None => Verdict::ImplicitlyDenied,
    }
}

fn covers_action(st: &Statement, action: &str) -> bool {
    st.actions.iter().any(|p| action_matches(p, action)) != st.actions_negated
}

/// `*` asks about any resource: a statement that names resources covers some.
fn covers_resource(st: &Statement, resource: &str) -> bool {
    if st.resources.is_empty() {
        return false;
    }
    if resource == "*" {
        return true;
    }
    let hit = st
        .resources
        .iter()
        .any(|r| r == "*" || r == resource || like(&interpolations_as_wildcards(r), resource));
    hit != st.resources_negated
}

fn describe_policy(p: &LoadedPolicy) -> String {
    let mut s = p.file.clone();
    if let Some(name) = &p.name {
        let _ = write!(s, " {name}");
    }
    s
}

fn describe(p: &LoadedPolicy, index: usize, st: &Statement) -> String {
    let mut s = describe_policy(p);
    let _ = write!(s, " statement {}", index + 1);
    if let Some(sid) = &st.sid {
        let _ = write!(s, " (Sid {sid:?})");
    }
    s
}

/// The report for `pattern`: one line per action it expands to, with levels and verdict, what
/// was not judged, and `data`, the source of the data the verdicts come from.
pub fn explain(
    policies: &[&LoadedPolicy],
    catalogue: &Catalogue,
    pattern: &str,
    resource: &str,
    data: &str,
) -> (String, bool) {
    let expansion = catalogue.expand(pattern);
    let mut out = String::new();
    let mut any = false;
    if expansion.actions.is_empty() {
        let _ = writeln!(
            out,
            "{pattern}: not an action of AWS's catalogue ({}); judged as written",
            catalogue.source
        );
        let verdict = decide(policies, catalogue, pattern, resource);
        any = verdict.may_allow();
        let _ = writeln!(out, "  {}", show(&verdict));
    } else {
        if pattern.contains(['*', '?']) {
            let _ = writeln!(
                out,
                "{pattern} matches {} actions of AWS's catalogue:",
                expansion.actions.len()
            );
        }
        for action in &expansion.actions {
            let verdict = decide(policies, catalogue, &action.name, resource);
            any |= verdict.may_allow();
            let _ = writeln!(out, "{}: {}", heading(action), show(&verdict));
        }
        if let [action] = expansion.actions.as_slice() {
            let types: Vec<String> = catalogue
                .resource_types(action)
                .iter()
                .map(|t| format!("{} ({})", t.name, t.arns.join(" or ")))
                .collect();
            let _ = if types.is_empty() {
                writeln!(out, "acts on: \"*\" only (no resource types)")
            } else {
                writeln!(out, "acts on: {}", types.join(", "))
            };
        }
    }
    let _ = writeln!(out, "resource: {resource}");
    let unjudged: Vec<String> = policies
        .iter()
        .flat_map(|p| p.notes.iter().map(move |n| (p, n)))
        .map(|(p, n)| format!("  {}: {}", describe_policy(p), n.message))
        .collect();
    if !unjudged.is_empty() {
        let _ = writeln!(
            out,
            "not judged, so a verdict of not allowed holds only for the rest:\n{}",
            unjudged.join("\n")
        );
    }
    let _ = writeln!(out, "data: {data}");
    (out, any)
}

fn heading(action: &Action) -> String {
    format!("{} ({})", action.name, action.levels.names())
}

fn show(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Allowed(by) => format!("ALLOWED by {by}"),
        Verdict::AllowedIf(by) => format!("ALLOWED by {by}"),
        Verdict::Denied(by) => format!("DENIED by {by}"),
        Verdict::ImplicitlyDenied => "not allowed: no statement allows it (implicit deny)".into(),
        Verdict::NotItsResource => {
            "not allowed: the resource is of no type the action acts on (Service Authorization Reference)".into()
        }
    }
}
