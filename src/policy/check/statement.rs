//! The rules, applied to one statement.

use super::rules::{self, Rule};
use super::witness::{Admission, Focus};
use super::{Finding, Location};
use crate::inputs::{SESSION_NAME_PREFIX, default_session_name};
use crate::policy::eval::when_absent;
use crate::policy::github::{self, AUDIENCE, AUDIENCE_CN, IssuerForm};
use crate::policy::keys;
use crate::policy::matching::{WEB_IDENTITY_ACTION, actions_admit, like};
use crate::policy::model::{Condition, Effect, SetQualifier, Statement, Test};
use crate::policy::variables;

pub(super) struct Sink<'a> {
    loc: &'a Location,
    out: &'a mut Vec<Finding>,
    /// 0-based index of the statement.
    statement: usize,
    admissions: &'a mut Vec<Admission>,
}

impl Sink<'_> {
    pub(super) fn push(
        &mut self,
        rule: Rule,
        line: Option<usize>,
        message: String,
        fix: impl Into<String>,
    ) {
        let mut location = self.loc.clone();
        if line.is_some() {
            location.line = line;
        }
        self.out.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            location,
            message,
            fix: fix.into(),
            example_claims: None,
        });
    }

    /// Pushes a finding that says the statement admits something, to be shown by a witness.
    pub(super) fn push_admitting(
        &mut self,
        rule: Rule,
        line: Option<usize>,
        message: String,
        fix: impl Into<String>,
        issuer: &str,
        focus: Focus,
    ) {
        self.push(rule, line, message, fix);
        self.admissions.push(Admission {
            finding: self.out.len() - 1,
            statement: self.statement,
            issuer: issuer.to_string(),
            focus,
        });
    }
}

pub(super) const TRUST_HINT: &str = "`oidc-assume policy trust --repo OWNER/REPO --branch main --account ID` writes a scoped policy";

/// A condition on a claim of one of the statement's GitHub issuers.
pub(super) struct ClaimCondition<'c> {
    pub(super) cond: &'c Condition,
    /// Its index among the statement's conditions.
    pub(super) index: usize,
    /// The issuer of its key.
    pub(super) issuer: String,
    pub(super) claim: String,
}

/// Checks statement `index` (0-based) of its document; findings that say it admits something
/// are also recorded in `admissions`.
pub(super) fn check(
    st: &Statement,
    index: usize,
    loc: &Location,
    out: &mut Vec<Finding>,
    admissions: &mut Vec<Admission>,
) {
    // A Deny cannot admit anyone, and a statement without a principal is not a trust statement.
    if st.effect == Effect::Deny {
        return;
    }
    let Some(principal) = &st.principal else {
        return;
    };
    let mut sink = Sink {
        loc,
        out,
        statement: index,
        admissions,
    };
    let everyone = st.principal_negated || principal.is_everyone();
    if everyone {
        let what = if st.principal_negated {
            "NotPrincipal in an Allow statement admits every principal not listed".to_string()
        } else {
            "Principal \"*\" admits every account and identity provider".to_string()
        };
        sink.push(
            rules::EVERYONE,
            None,
            what,
            "name the provider: \"Principal\": {\"Federated\": \"arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com\"}",
        );
    }
    let federated: Vec<&str> = principal.federated().collect();
    let mut issuers: Vec<String> = federated
        .iter()
        .filter_map(|f| github::provider_path(f))
        .filter(|p| github::is_github_issuer(p))
        .map(str::to_ascii_lowercase)
        .collect();
    let from_principal = !issuers.is_empty();
    let unresolved = federated.iter().any(|f| {
        f.contains("${") && !github::provider_path(f).is_some_and(github::is_github_issuer)
    });
    let mut key_issuers: Vec<String> = st
        .conditions
        .iter()
        .filter_map(|c| github::github_key(&c.key).map(|(i, _)| i))
        .collect();
    key_issuers.sort();
    key_issuers.dedup();
    if !from_principal {
        if (unresolved || everyone) && !key_issuers.is_empty() {
            issuers = key_issuers.clone();
        } else {
            if unresolved && st.conditions.is_empty() {
                sink.push(
                    rules::UNRESOLVED,
                    None,
                    format!(
                        "federated principal `{}` is not resolved and the statement has no condition: if it is GitHub's provider, any repository can assume the role",
                        federated.join(", ")
                    ),
                    "check the rendered policy, or pin the repository with a condition on token.actions.githubusercontent.com:sub",
                );
            }
            return;
        }
    }
    if !actions_admit(&st.actions, st.actions_negated, WEB_IDENTITY_ACTION) {
        sink.push(
            rules::NOT_WEB_IDENTITY,
            None,
            format!(
                "the statement trusts {} but its {} does not allow {WEB_IDENTITY_ACTION}, so it never admits a GitHub token",
                issuers.join(", "),
                if st.actions_negated { "NotAction" } else { "Action" }
            ),
            format!("set \"Action\": \"{WEB_IDENTITY_ACTION}\""),
        );
        return;
    }
    for caveat in issuers
        .iter()
        .filter_map(|i| IssuerForm::of(i).and_then(IssuerForm::caveat))
    {
        sink.push(
            rules::UNDOCUMENTED_ISSUER,
            None,
            caveat.to_string(),
            "check which issuer your tokens carry (the iss claim) before relying on this statement",
        );
    }
    let issuer_text = issuers.join(", ");
    let mut claims: Vec<ClaimCondition<'_>> = Vec::new();
    let mut never_applies = false;
    for (index, c) in st.conditions.iter().enumerate() {
        let Some((iss, claim)) = github::github_key(&c.key) else {
            // Another identity provider's key (`accounts.google.com:sub`): never in a GitHub
            // token's request. Keys of the request itself (`aws:`, `sts:`, `iam:`) are not.
            if requires_old_session_name(c) {
                sink.push(
                    rules::OLD_SESSION_NAME,
                    c.line,
                    format!(
                        "`{}` admits only the session name `{}`, the default of aws-actions/configure-aws-credentials; oidc-assume names a session `GitHubActions-<run id>-<run attempt>` unless `role-session-name` says otherwise",
                        c.key, SESSION_NAME_PREFIX
                    ),
                    "admit the run's names too (StringLike \"GitHubActions-*\"), or set `role-session-name: GitHubActions` in the workflow",
                );
            }
            if let Some((prefix, _)) = github::split_key(&c.key)
                && !matches!(prefix.to_ascii_lowercase().as_str(), "aws" | "sts" | "iam")
            {
                never_applies |= !absent_key(
                    &mut sink,
                    rules::FOREIGN_ISSUER,
                    c,
                    format!(
                        "condition key `{}` belongs to {prefix}, not to the GitHub issuer the statement trusts ({issuer_text}): the key is never in the request",
                        c.key
                    ),
                    format!("test the GitHub claims instead, e.g. {}:sub", issuers[0]),
                );
            }
            continue;
        };
        if !issuers.contains(&iss) {
            never_applies |= !absent_key(
                &mut sink,
                rules::FOREIGN_ISSUER,
                c,
                format!(
                    "condition key `{}` belongs to issuer {iss}, but the statement trusts {issuer_text}: the key is never in the request",
                    c.key
                ),
                format!("write the key as {}:{claim}", issuers[0]),
            );
            continue;
        }
        if let Some(form) = IssuerForm::of(&iss).filter(|f| !f.evaluates(&claim)) {
            // The key list decides, not the claims GitHub sends: see `keys`.
            never_applies |= !absent_key(
                &mut sink,
                rules::NOT_A_KEY,
                c,
                format!(
                    "STS does not evaluate `{claim}` for issuer {iss} (not a condition key in {}), so `{}` is absent from the request",
                    keys::SOURCE,
                    c.key
                ),
                format!(
                    "test a claim STS evaluates: {}",
                    form.evaluated_claims().join(", ")
                ),
            );
            continue;
        }
        let variables: Vec<&str> = c
            .values
            .iter()
            .flat_map(|v| variables::referenced_keys(v))
            .collect();
        if !variables.is_empty() {
            sink.push(
                rules::CALLER_DEPENDENT,
                c.line,
                format!(
                    "`{}` compares with policy variables ({}), values taken from the request itself: the condition pins nothing (a value like `repo:${{{iss}:repository}}:...` is met by every repository), and AWS does not document which GitHub claim keys STS substitutes in a trust policy",
                    c.key,
                    variables.join(", ")
                ),
                "write the values literally (repo:OWNER/REPO:...); `oidc-assume policy trust` writes such a policy",
            );
            continue;
        }
        claims.push(ClaimCondition {
            cond: c,
            index,
            issuer: iss,
            claim,
        });
    }
    if never_applies {
        return;
    }
    for cc in &claims {
        operator_rules(&mut sink, cc);
    }
    audience_rules(&mut sink, &claims, &issuers[0]);
    super::scope::scope_rules(&mut sink, &claims, &issuer_text, &issuers[0]);
}

/// A positive string condition on `sts:RoleSessionName` that admits `GitHubActions` but not the
/// name oidc-assume gives a run's session by default.
fn requires_old_session_name(c: &Condition) -> bool {
    let default_name = default_session_name(Some("1"), Some("1"));
    let matches = |value: &str, name: &str| match c.op.test {
        Test::StringEquals => value == name,
        Test::StringEqualsIgnoreCase => value.eq_ignore_ascii_case(name),
        Test::StringLike => like(value, name),
        _ => false,
    };
    c.key.eq_ignore_ascii_case("sts:RoleSessionName")
        && c.op.set.is_none()
        && c.values.iter().any(|v| matches(v, SESSION_NAME_PREFIX))
        && !c.values.iter().any(|v| matches(v, &default_name))
}

/// Reports a condition whose key is never in the request (`why_absent` says why) with what that
/// does to its statement; returns whether the condition holds.
fn absent_key(
    sink: &mut Sink<'_>,
    rule: Rule,
    c: &Condition,
    why_absent: String,
    fix: String,
) -> bool {
    let (holds, why) = when_absent(c);
    let consequence = if holds {
        "always holds: the restriction it intends does nothing"
    } else {
        "never holds: this statement never admits anyone"
    };
    sink.push(
        rule,
        c.line,
        format!("{why_absent}, so `{}` {consequence} ({why})", c.operator),
        fix,
    );
    holds
}

fn operator_rules(sink: &mut Sink<'_>, cc: &ClaimCondition<'_>) {
    let c = cc.cond;
    let absent = || Focus::Absent {
        condition: cc.index,
    };
    if c.op.set == Some(SetQualifier::ForAllValues) {
        sink.push_admitting(
            rules::FOR_ALL_VALUES,
            c.line,
            format!(
                "`{}` on `{}` is true when the claim is absent, whatever the values",
                c.operator, c.key
            ),
            format!(
                "drop the `ForAllValues:` prefix (GitHub claims are single-valued): use {}",
                strip_qualifiers(&c.operator)
            ),
            &cc.issuer,
            absent(),
        );
    }
    if c.op.if_exists {
        sink.push_admitting(
            rules::IF_EXISTS,
            c.line,
            format!(
                "`{}` on `{}` is true when the claim is absent",
                c.operator, c.key
            ),
            format!("drop `IfExists`: use {}", strip_qualifiers(&c.operator)),
            &cc.issuer,
            absent(),
        );
    }
    if let Test::Other(name) = &c.op.test {
        sink.push(
            rules::UNSUPPORTED_OPERATOR,
            c.line,
            format!(
                "operator `{name}` on `{}` is not judged by this checker",
                c.key
            ),
            "use StringEquals or StringLike for GitHub claims",
        );
    }
    let string_test = c.op.test.is_positive_string()
        || c.op.test.is_negated() && !matches!(c.op.test, Test::Other(_));
    if string_test && !c.op.test.has_wildcards() {
        for v in c.values.iter().filter(|v| v.contains(['*', '?'])) {
            sink.push(
                rules::LITERAL_WILDCARD,
                c.line,
                format!(
                    "`{}` value {v:?} contains a wildcard, but {} compares literally: it matches only that exact text",
                    c.key, c.operator
                ),
                "use StringLike if a pattern is meant, or remove the wildcard",
            );
        }
    }
    if matches!(c.op.test, Test::StringLike) && !c.values.iter().any(|v| v.contains(['*', '?'])) {
        sink.push(
            rules::LIKE_WITHOUT_WILDCARD,
            c.line,
            format!("StringLike on `{}` has no wildcard in any value", c.key),
            "use StringEquals",
        );
    }
}

fn strip_qualifiers(op: &str) -> String {
    let op = op
        .strip_prefix("ForAllValues:")
        .or_else(|| op.strip_prefix("ForAnyValue:"))
        .unwrap_or(op);
    op.strip_suffix("IfExists").unwrap_or(op).to_string()
}

fn audience_rules(sink: &mut Sink<'_>, claims: &[ClaimCondition<'_>], issuer: &str) {
    let aud: Vec<&ClaimCondition<'_>> = claims
        .iter()
        .filter(|c| c.claim == "aud" && c.cond.op.test.is_positive_string())
        .collect();
    if aud.is_empty() {
        sink.push(
            rules::MISSING_AUDIENCE,
            None,
            format!("no condition checks `{issuer}:aud`"),
            format!("add StringEquals {{\"{issuer}:aud\": \"{AUDIENCE}\"}} ({AUDIENCE_CN} in the China partition)"),
        );
        return;
    }
    for cc in aud {
        let like = cc.cond.op.test.has_wildcards();
        for v in &cc.cond.values {
            let wild = like && v.contains(['*', '?']);
            if wild || (v != AUDIENCE && v != AUDIENCE_CN) {
                sink.push(
                    rules::UNEXPECTED_AUDIENCE,
                    cc.cond.line,
                    format!("`{}` admits audience {v:?}", cc.cond.key),
                    format!("use StringEquals with \"{AUDIENCE}\" ({AUDIENCE_CN} in the China partition), the audience the action requests"),
                );
            }
        }
    }
}
