//! Which repositories, and which of their runs, a statement admits: the scoping rules of
//! `policy check` (OA-T001 to OA-T004, OA-T007, OA-T010 to OA-T013, OA-T019, OA-T026).

use super::rules::{self, Rule};
use super::statement::{ClaimCondition, Sink, TRUST_HINT};
use super::witness::Focus;
use crate::policy::github::{self, Breadth, ClaimKind, Context, SubjectScope, claim_kind};
use crate::policy::model::SetQualifier;

fn pins(kind: ClaimKind) -> bool {
    matches!(
        kind,
        ClaimKind::Subject | ClaimKind::Repository | ClaimKind::Owner | ClaimKind::Enterprise
    )
}

/// A broad value found while judging the scoping conditions, reported only when nothing else
/// in the statement pins a repository.
struct Broad {
    rule: Rule,
    line: Option<usize>,
    message: String,
    fix: String,
    issuer: String,
    focus: Focus,
}

pub(super) fn scope_rules(
    sink: &mut Sink<'_>,
    claims: &[ClaimCondition<'_>],
    issuer_text: &str,
    issuer: &str,
) {
    let positive: Vec<&ClaimCondition<'_>> = claims
        .iter()
        .filter(|c| c.cond.op.test.is_positive_string() && pins(claim_kind(&c.claim)))
        .collect();
    if positive.is_empty() {
        let negative: Vec<&str> = claims
            .iter()
            .filter(|c| c.cond.op.test.is_negated() && pins(claim_kind(&c.claim)))
            .map(|c| c.cond.key.as_str())
            .collect();
        if !negative.is_empty() {
            sink.push_admitting(
                rules::NEGATIVE_ONLY,
                None,
                format!(
                    "the only repository conditions are negative ({}): every repository not listed can assume the role",
                    negative.join(", ")
                ),
                format!("add a positive condition: StringEquals on {issuer}:sub with repo:OWNER/REPO:... values; {TRUST_HINT}"),
                issuer,
                Focus::AnyRepository,
            );
            return;
        }
        let context: Vec<&str> = claims
            .iter()
            .filter(|c| {
                matches!(
                    claim_kind(&c.claim),
                    ClaimKind::Context | ClaimKind::Workflow
                ) && c.cond.op.test.is_positive_string()
            })
            .map(|c| c.claim.as_str())
            .collect();
        let why = if context.is_empty() {
            String::new()
        } else if context.contains(&"job_workflow_ref") {
            format!(
                " (conditions on {} can be met from any repository: job_workflow_ref names the reusable workflow, not its caller, and every repository allowed to call it, all of them if its repository is public, produces it)",
                context.join(", ")
            )
        } else {
            format!(
                " (conditions on {} can be met from any repository)",
                context.join(", ")
            )
        };
        sink.push_admitting(
            rules::UNSCOPED,
            None,
            format!(
                "the statement trusts {issuer_text} but no condition pins a repository: any GitHub workflow can assume the role{why}"
            ),
            format!("add StringEquals on {issuer}:sub, e.g. \"repo:OWNER/REPO:ref:refs/heads/main\"; {TRUST_HINT}"),
            issuer,
            Focus::AnyRepository,
        );
        return;
    }
    let narrows_context = claims.iter().any(|c| {
        matches!(c.claim.as_str(), "ref" | "environment" | "job_workflow_ref") && narrows(c)
    });
    let mut statement_breadth = Breadth::Anyone;
    let mut broad: Vec<Broad> = Vec::new();
    for cc in positive {
        let kind = claim_kind(&cc.claim);
        let like = cc.cond.op.test.has_wildcards();
        let mut key_breadth = Breadth::Repository;
        for v in &cc.cond.values {
            let breadth = if kind == ClaimKind::Subject {
                let scope = github::subject_scope(v, like);
                subject_findings(sink, &mut broad, cc, v, &scope, narrows_context);
                scope.breadth()
            } else {
                let b = github::repository_value_breadth(v, like, kind);
                if b < Breadth::Repository {
                    broad.push(breadth_finding(cc, v, b));
                }
                b
            };
            key_breadth = key_breadth.min(breadth);
        }
        statement_breadth = statement_breadth.max(key_breadth);
    }
    if statement_breadth < Breadth::Repository {
        for b in broad {
            sink.push_admitting(b.rule, b.line, b.message, b.fix, &b.issuer, b.focus);
        }
        return;
    }
    context_rules(sink, claims);
}

/// True when a condition holds only for some runs: a positive test with no value that starts
/// with a wildcard; for `sub`, every value names a context (or matches nothing GitHub sends).
/// `IfExists` and `ForAllValues:` pass a token without the claim, so they narrow nothing,
/// except on `sub` and `aud`, which every token carries (their absence is reported apart).
fn narrows(cc: &ClaimCondition<'_>) -> bool {
    let op = &cc.cond.op;
    let always_present = matches!(cc.claim.as_str(), "sub" | "aud");
    let passes_absent = op.if_exists || op.set == Some(SetQualifier::ForAllValues);
    if !op.test.is_positive_string() || passes_absent && !always_present {
        return false;
    }
    let like = op.test.has_wildcards();
    cc.cond.values.iter().all(|v| match cc.claim.as_str() {
        "sub" => subject_narrows(v, like),
        "ref" => !matches!(github::ref_context(v, like), Context::Broad(_)),
        _ => !(like && v.starts_with(['*', '?'])),
    })
}

/// True when a `sub` value admits only some runs of the repositories it matches.
fn subject_narrows(v: &str, like: bool) -> bool {
    match github::subject_scope(v, like) {
        SubjectScope::Repository(_, context) => !matches!(context, Context::Broad(_)),
        SubjectScope::CustomPinned(_) | SubjectScope::NeverMatches(_) => true,
        // `repo:acme/*:environment:production`: the text after the last wildcard names the
        // context (a `:` inside a claim value is sent as %3A, so a wildcard cannot fake it).
        SubjectScope::Owner(_) | SubjectScope::RepositoryPattern(..) => {
            let tail = v.rsplit(['*', '?']).next().unwrap_or_default();
            tail.len() > 1 && tail.starts_with(':')
        }
        SubjectScope::Anyone
        | SubjectScope::OwnerPattern(_)
        | SubjectScope::CustomUnpinned { .. } => false,
    }
}

/// A statement pinned to repositories: does anything narrow which of their runs it admits?
fn context_rules(sink: &mut Sink<'_>, claims: &[ClaimCondition<'_>]) {
    let by_run = claims
        .iter()
        .any(|cc| matches!(cc.claim.as_str(), "sub" | "ref" | "environment") && narrows(cc));
    if by_run {
        return;
    }
    if let Some(w) = claims
        .iter()
        .find(|cc| cc.claim == "job_workflow_ref" && narrows(cc))
    {
        sink.push(
            rules::WORKFLOW_DECIDES,
            w.cond.line,
            format!(
                "`{}` pins the reusable workflow {:?}; any branch, tag, environment or pull request of the repository that calls it can assume the role",
                w.cond.key, w.cond.values
            ),
            "fine when the reusable workflow decides what may run; add a sub or environment condition to narrow its callers",
        );
        return;
    }
    // A `sub` value that admits every context of a repository is reported as such (OA-T010).
    let broad_subject = claims.iter().any(|cc| {
        cc.claim == "sub"
            && cc.cond.op.test.is_positive_string()
            && cc.cond.values.iter().any(|v| {
                matches!(
                    github::subject_scope(v, cc.cond.op.test.has_wildcards()),
                    SubjectScope::Repository(_, Context::Broad(_))
                )
            })
    });
    if broad_subject {
        return;
    }
    let Some(pin) = claims
        .iter()
        .find(|cc| cc.cond.op.test.is_positive_string() && pins(claim_kind(&cc.claim)))
    else {
        return;
    };
    sink.push_admitting(
        rules::BROAD_CONTEXT,
        pin.cond.line,
        format!(
            "`{}` pins {:?}, but no condition narrows which runs: every branch, tag, environment and pull request of it can assume the role",
            pin.cond.key, pin.cond.values
        ),
        format!(
            "add a sub condition naming the one the role is for, e.g. StringEquals {}:sub \"repo:OWNER/REPO:ref:refs/heads/main\"",
            pin.issuer
        ),
        &pin.issuer,
        Focus::AnyBranch,
    );
}

fn breadth_finding(cc: &ClaimCondition<'_>, v: &str, b: Breadth) -> Broad {
    let c = cc.cond;
    let (rule, what) = match b {
        Breadth::Anyone => (rules::ANY_REPOSITORY, "any repository of any owner".to_string()),
        Breadth::OwnerPattern => (
            rules::ANY_REPOSITORY,
            "the repositories of every owner whose name matches the pattern, including owners anyone can register".to_string(),
        ),
        Breadth::Enterprise => (rules::OWNER_WIDE, "every repository of the enterprise".to_string()),
        Breadth::Owner => (
            rules::OWNER_WIDE,
            "every repository of the owner, including repositories created later".to_string(),
        ),
        Breadth::RepositoryPattern => (
            rules::REPOSITORY_PATTERN,
            "every repository of the owner whose name matches, including ones created later".to_string(),
        ),
        Breadth::Repository => (rules::REPOSITORY_PATTERN, String::new()),
    };
    let fix = if cc.claim == "sub" {
        "list each repository: \"repo:OWNER/REPO:ref:refs/heads/main\" (StringEquals), or add StringEquals on repository_id"
    } else {
        "use the exact OWNER/REPO (or repository_id) with StringEquals"
    };
    Broad {
        rule,
        line: c.line,
        message: format!("`{}` value {v:?} admits {what}", c.key),
        fix: fix.to_string(),
        issuer: cc.issuer.clone(),
        focus: value_focus(cc, v),
    }
}

fn value_focus(cc: &ClaimCondition<'_>, v: &str) -> Focus {
    Focus::Value {
        condition: cc.index,
        value: v.to_string(),
    }
}

fn subject_findings(
    sink: &mut Sink<'_>,
    broad: &mut Vec<Broad>,
    cc: &ClaimCondition<'_>,
    v: &str,
    scope: &SubjectScope,
    narrows_context: bool,
) {
    let c = cc.cond;
    match scope {
        SubjectScope::Anyone => broad.push(breadth_finding(cc, v, Breadth::Anyone)),
        SubjectScope::OwnerPattern(owner) => {
            let mut b = breadth_finding(cc, v, Breadth::OwnerPattern);
            b.message = format!(
                "`{}` value {v:?} admits every owner whose name matches `{owner}` (for example {}-evil), and all their repositories",
                c.key,
                owner.trim_end_matches(['*', '?'])
            );
            broad.push(b);
        }
        SubjectScope::Owner(owner) => {
            let mut b = breadth_finding(cc, v, Breadth::Owner);
            b.message = format!(
                "`{}` value {v:?} admits every repository of {owner}, including repositories any member creates later",
                c.key
            );
            broad.push(b);
        }
        SubjectScope::RepositoryPattern(owner, repo) => {
            let mut b = breadth_finding(cc, v, Breadth::RepositoryPattern);
            b.message = format!(
                "`{}` value {v:?} admits every repository of {owner} named like `{repo}`, including ones created later",
                c.key
            );
            broad.push(b);
        }
        SubjectScope::CustomUnpinned {
            first_claim,
            author_controlled,
        } => {
            let why = if *author_controlled {
                format!("starts with `{first_claim}`, a claim the workflow author controls, and names no repository: a workflow in any repository with the same subject template can produce it")
            } else {
                format!("is a custom subject template (starting with `{first_claim}`) that names no repository: any repository with the same template can produce it")
            };
            broad.push(Broad {
                rule: rules::UNPINNED_TEMPLATE,
                line: c.line,
                message: format!("`{}` value {v:?} {why}", c.key),
                fix: "include repo (or repository_id) in the subject template and in the value, e.g. \"repo:OWNER/REPO:environment:production\"".into(),
                issuer: cc.issuer.clone(),
                focus: value_focus(cc, v),
            });
        }
        SubjectScope::CustomPinned(first) => sink.push(
            rules::CUSTOM_TEMPLATE,
            c.line,
            format!(
                "`{}` value {v:?} uses a custom subject template (starting with `{first}`); it names the repository, but jobs emit it only while the template is set",
                c.key
            ),
            "keep the repository's subject template under review; the default form is repo:OWNER/REPO:...",
        ),
        // A wildcard compared literally is already reported as such.
        SubjectScope::NeverMatches(_) if !c.op.test.has_wildcards() && v.contains(['*', '?']) => {}
        // An unresolved Terraform expression stands for text we cannot see (reported as a note).
        SubjectScope::NeverMatches(_) if v.contains("${") => {}
        SubjectScope::NeverMatches(why) => sink.push(
            rules::NEVER_MATCHES,
            c.line,
            format!("`{}` value {v:?} {why}", c.key),
            "write the full subject, e.g. \"repo:OWNER/REPO:ref:refs/heads/main\"",
        ),
        SubjectScope::Repository(repo, context) => match context {
            Context::Broad(what) if !narrows_context => sink.push_admitting(
                rules::BROAD_CONTEXT,
                c.line,
                format!("`{}` value {v:?} admits {what} of {repo}", c.key),
                format!("name the one the role is for: \"repo:{repo}:ref:refs/heads/main\", \"repo:{repo}:environment:production\" or \"repo:{repo}:pull_request\""),
                &cc.issuer,
                value_focus(cc, v),
            ),
            Context::PullRequest => sink.push_admitting(
                rules::PULL_REQUEST,
                c.line,
                format!(
                    "`{}` value {v:?} admits every pull_request run of {repo}: code pushed to any branch can use this role before review",
                    c.key
                ),
                "keep this role read-only (a plan role); give write access only to a branch or an environment with reviewers",
                &cc.issuer,
                value_focus(cc, v),
            ),
            _ => {}
        },
    }
}
