//! Example tokens for findings that say a policy admits something: a "witness" is a set of
//! claims the statement admits that shows the finding's point (another owner's repository,
//! another branch, a token without the claim). `check` keeps an admission finding only when the
//! evaluator behind `explain` admits its witness for the whole document, so the two commands
//! cannot contradict each other.

use serde_json::{Map, Value, json};

use crate::policy::eval::{AccessRequest, Decision, evaluate};
use crate::policy::github::{AUDIENCE, GITHUB_HOST, IssuerForm, github_key, provider_path};
use crate::policy::matching::like;
use crate::policy::model::{Condition, Effect, PolicyDocument, Statement, Test};
use crate::policy::variables::{self, Substituted};

/// What the witness must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Focus {
    /// No condition pins a repository: a repository of an unrelated owner.
    AnyRepository,
    /// One value of one condition (index into the statement's conditions), instantiated with
    /// text no one intended.
    Value {
        /// The condition.
        condition: usize,
        /// The value.
        value: String,
    },
    /// The condition's key absent from the token.
    Absent {
        /// The condition.
        condition: usize,
    },
    /// A run of the pinned repository on a branch no one named.
    AnyBranch,
}

/// A finding that claims an admission, waiting for its witness.
#[derive(Debug, Clone)]
pub(super) struct Admission {
    /// Index of the finding in the output.
    pub finding: usize,
    /// 0-based statement.
    pub statement: usize,
    /// The statement's GitHub issuer (host and path).
    pub issuer: String,
    /// What to show.
    pub focus: Focus,
}

/// The outcome of trying a witness against the whole document.
pub(super) enum Verdict {
    /// The evaluator admits this token.
    Admitted(Map<String, Value>),
    /// It refuses it, for this reason.
    Refused(String),
}

/// Claims of a token from an unrelated owner, the starting point of every witness.
fn hostile_token(issuer: &str) -> Map<String, Value> {
    let token = json!({
        "iss": format!("https://{issuer}"),
        "aud": AUDIENCE,
        "sub": "repo:evil-org/evil-repo:ref:refs/heads/main",
        "repository": "evil-org/evil-repo",
        "repository_id": "999999",
        "repository_owner": "evil-org",
        "repository_owner_id": "999998",
        "ref": "refs/heads/main",
        "event_name": "push",
        "workflow": "evil",
        "actor": "evil-user",
        "actor_id": "999997",
    });
    match token {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `value` with every wildcard replaced (when `wild`): `?` by one letter, `*` by `evil`, or by
/// `-evil` when it continues a name (`repo:acme*` becomes `repo:acme-evil`).
fn instantiate(value: &str, wild: bool) -> String {
    if !wild {
        return value.to_string();
    }
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '*' if out.is_empty() || out.ends_with(['/', ':', '@', '.', '-']) => {
                out.push_str("evil")
            }
            '*' => out.push_str("-evil"),
            '?' => out.push('x'),
            c => out.push(c),
        }
    }
    out
}

/// `instantiate` for a `sub` value, completing a trailing `*` into a whole subject, so the
/// example reads as a real token's (`repo:acme/*` becomes `repo:acme/evil:ref:refs/heads/main`).
fn instantiate_subject(value: &str, wild: bool, branch: &str) -> String {
    let Some(prefix) = value.strip_suffix('*').filter(|_| wild) else {
        return instantiate(value, wild);
    };
    let head = instantiate(prefix, wild);
    let context = format!(":ref:refs/heads/{branch}");
    let tail = match head.strip_prefix("repo:") {
        _ if head.is_empty() => format!("repo:evil-org/evil-repo{context}"),
        Some(rest) if !rest.contains(':') && rest.contains('/') => {
            if rest.ends_with(['/', '-', '.', '_']) {
                format!("evil{context}")
            } else {
                format!("-evil{context}")
            }
        }
        Some(rest) if !rest.contains(':') => {
            if rest.is_empty() {
                format!("evil-org/evil-repo{context}")
            } else {
                format!("-evil/evil-repo{context}")
            }
        }
        _ if head.ends_with(['/', ':', '@', '.', '-']) => "evil".to_string(),
        _ => "-evil".to_string(),
    };
    format!("{head}{tail}")
}

/// Makes the claims no condition tests agree with those it does, as in a real token: `sub`
/// from `repository` and the run (`environment`, else `ref`, else `branch`), or `repository`,
/// `repository_owner`, `environment` and `ref` from a tested `sub`.
fn agree(token: &mut Map<String, Value>, tested: &[String], branch: &str) {
    let untested = |claim: &str| !tested.iter().any(|t| t == claim);
    let get = |token: &Map<String, Value>, claim: &str| {
        token.get(claim).and_then(Value::as_str).map(str::to_string)
    };
    if untested("sub") {
        let Some(repository) = get(token, "repository") else {
            return;
        };
        let context = match (get(token, "environment"), get(token, "ref")) {
            (Some(env), _) if !untested("environment") => format!("environment:{env}"),
            (_, Some(r)) if !untested("ref") => format!("ref:{r}"),
            _ => {
                if untested("ref") {
                    token.insert("ref".into(), Value::String(format!("refs/heads/{branch}")));
                }
                format!("ref:refs/heads/{branch}")
            }
        };
        let sub = format!("repo:{repository}:{context}");
        token.insert("sub".into(), Value::String(sub));
        return;
    }
    let Some(sub) = get(token, "sub") else {
        return;
    };
    // `repo:` leads the default subject and may sit anywhere in a custom template.
    let at = if sub.starts_with("repo:") {
        Some(0)
    } else {
        sub.find(":repo:").map(|i| i + 1)
    };
    let Some(at) = at else {
        return;
    };
    let rest = &sub[at + "repo:".len()..];
    let mut segments = rest.split(':');
    let full = segments.next().unwrap_or_default();
    let strip = |s: &str| s.split('@').next().unwrap_or(s).to_string();
    if let Some((owner, repo)) = full.split_once('/') {
        if untested("repository") {
            let repository = format!("{}/{}", strip(owner), strip(repo));
            token.insert("repository".into(), Value::String(repository));
        }
        if untested("repository_owner") {
            token.insert("repository_owner".into(), Value::String(strip(owner)));
        }
    }
    match (segments.next(), segments.next()) {
        (Some("environment"), Some(env)) if untested("environment") => {
            token.insert("environment".into(), Value::String(env.to_string()));
        }
        (Some("ref"), Some(r)) if untested("ref") => {
            token.insert("ref".into(), Value::String(r.to_string()));
        }
        _ => {}
    }
}

/// A value none of `c`'s values matches, if one of a few candidates is.
fn unmatched(c: &Condition, current: Option<&str>) -> Option<String> {
    let candidates = [current.unwrap_or("evil"), "evil-unlisted", "x", ""];
    candidates
        .into_iter()
        .find(|v| !c.values.iter().any(|p| compare(&c.op.test, p, v)))
        .map(str::to_string)
}

fn compare(test: &Test, policy: &str, value: &str) -> bool {
    match test {
        Test::StringLike | Test::StringNotLike | Test::ArnLike | Test::ArnNotLike => {
            like(policy, value)
        }
        Test::StringEqualsIgnoreCase | Test::StringNotEqualsIgnoreCase => {
            policy.to_lowercase() == value.to_lowercase()
        }
        _ => policy == value,
    }
}

/// Builds the witness for `admission` and asks the evaluator about it.
pub(super) fn try_witness(doc: &PolicyDocument, admission: &Admission) -> Verdict {
    let Some(st) = doc.statements.get(admission.statement) else {
        return Verdict::Refused("the statement is not in the document".into());
    };
    let token = build(st, &admission.issuer, &admission.focus);
    let request = AccessRequest::from_claims("", &token);
    let evaluation = evaluate(doc, &request);
    match evaluation.decision {
        Decision::Admitted { .. } => Verdict::Admitted(token),
        Decision::ExplicitDeny { statement } => Verdict::Refused(format!(
            "statement {statement} (Deny) refuses the example token"
        )),
        Decision::ImplicitDeny => {
            let failed = evaluation
                .statements
                .get(admission.statement)
                .and_then(|s| {
                    let parts = [("principal", &s.principal), ("action", &s.action)];
                    parts
                        .into_iter()
                        .find(|(_, check)| !check.matched)
                        .map(|(what, check)| format!("its {what} ({})", check.reason))
                        .or_else(|| {
                            s.conditions.iter().find(|c| !c.matched).map(|c| {
                                format!("its condition {} {} ({})", c.operator, c.key, c.reason)
                            })
                        })
                })
                .unwrap_or_else(|| "the statement".into());
            Verdict::Refused(format!(
                "the example token this checker built fails {failed}"
            ))
        }
    }
}

/// A token the document admits, built from the first Allow statement that yields one: a job of
/// the kind the policy is meant for, from which tests derive the tokens it must refuse. `None`
/// when no statement yields an admitted token.
pub fn intended_token(doc: &PolicyDocument) -> Option<Map<String, Value>> {
    doc.statements
        .iter()
        .filter(|st| st.effect == Effect::Allow)
        .map(|st| build(st, &statement_issuer(st), &Focus::AnyRepository))
        .find(|token| evaluate(doc, &AccessRequest::from_claims("", token)).admitted())
}

/// The GitHub issuer a statement is about: its provider's, else its condition keys', else
/// github.com's.
fn statement_issuer(st: &Statement) -> String {
    let from_principal = st.principal.as_ref().and_then(|p| {
        p.federated()
            .filter_map(provider_path)
            .find(|path| IssuerForm::of(path).is_some())
            .map(str::to_ascii_lowercase)
    });
    from_principal
        .or_else(|| {
            st.conditions
                .iter()
                .find_map(|c| github_key(&c.key).map(|(issuer, _)| issuer))
        })
        .unwrap_or_else(|| GITHUB_HOST.to_string())
}

fn build(st: &Statement, issuer: &str, focus: &Focus) -> Map<String, Value> {
    let mut token = hostile_token(issuer);
    let form = IssuerForm::of(issuer);
    let mut tested: Vec<String> = Vec::new();
    let mut with_variables: Vec<(String, &Condition)> = Vec::new();
    let branch = if *focus == Focus::AnyBranch {
        "evil-branch"
    } else {
        "main"
    };
    for (i, c) in st.conditions.iter().enumerate() {
        let Some((key_issuer, claim)) = github_key(&c.key) else {
            continue;
        };
        if !key_issuer.eq_ignore_ascii_case(issuer) || form.is_some_and(|f| !f.evaluates(&claim)) {
            continue;
        }
        let wild = c.op.test.has_wildcards();
        tested.push(claim.clone());
        if c.values.iter().any(|v| variables::has_variables(v)) {
            with_variables.push((claim, c));
            continue;
        }
        let fill = |v: &str| {
            if claim == "sub" {
                instantiate_subject(v, wild, branch)
            } else {
                instantiate(v, wild)
            }
        };
        match focus {
            Focus::Value { condition, value } if *condition == i => {
                token.insert(claim.clone(), Value::String(fill(value)));
                continue;
            }
            Focus::Absent { condition } if *condition == i => {
                token.remove(&claim);
                continue;
            }
            _ => {}
        }
        let current = token
            .get(&claim)
            .and_then(Value::as_str)
            .map(str::to_string);
        match &c.op.test {
            Test::Null => {
                if c.values.iter().any(|v| v.eq_ignore_ascii_case("true")) {
                    token.remove(&claim);
                } else if current.is_none() {
                    token.insert(claim, Value::String("x".into()));
                }
            }
            test if test.is_negated() => match unmatched(c, current.as_deref()) {
                Some(v) => {
                    token.insert(claim, Value::String(v));
                }
                None => {
                    token.remove(&claim);
                }
            },
            _ => {
                // Keep the hostile value when it already satisfies the condition.
                let satisfied = current
                    .as_deref()
                    .is_some_and(|v| c.values.iter().any(|p| compare(&c.op.test, p, v)));
                if !satisfied && let Some(first) = c.values.first() {
                    token.insert(claim.clone(), Value::String(fill(first)));
                }
            }
        }
    }
    agree(&mut token, &tested, branch);
    // Values with policy variables last, from the claims settled above.
    for (claim, c) in with_variables {
        if c.op.test.is_negated() {
            continue;
        }
        let Some(first) = c.values.first() else {
            continue;
        };
        let lookup = |key: &str| {
            let (key_issuer, other) = github_key(key)?;
            (key_issuer.eq_ignore_ascii_case(issuer) && other != claim)
                .then(|| {
                    token
                        .get(&other)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .flatten()
        };
        if let Substituted::Text(text) = variables::substitute(first, lookup) {
            let text = text
                .replace(variables::LITERAL_STAR, "*")
                .replace(variables::LITERAL_QUESTION, "?");
            token.insert(
                claim,
                Value::String(instantiate(&text, c.op.test.has_wildcards())),
            );
        }
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_become_text_no_one_intended() {
        assert_eq!(instantiate("repo:acme*", true), "repo:acme-evil");
        assert_eq!(instantiate("repo:acme/*", true), "repo:acme/evil");
        assert_eq!(instantiate("*", true), "evil");
        assert_eq!(
            instantiate("repo:a/b:ref:refs/heads/ma?n", true),
            "repo:a/b:ref:refs/heads/maxn"
        );
        assert_eq!(instantiate("repo:acme/*", false), "repo:acme/*");
        assert_eq!(
            instantiate_subject("repo:acme/*", true, "main"),
            "repo:acme/evil:ref:refs/heads/main"
        );
        assert_eq!(
            instantiate_subject("repo:acme*", true, "main"),
            "repo:acme-evil/evil-repo:ref:refs/heads/main"
        );
        assert_eq!(
            instantiate_subject("repo:acme/app:*", true, "main"),
            "repo:acme/app:evil"
        );
        assert_eq!(
            instantiate_subject("*", true, "main"),
            "repo:evil-org/evil-repo:ref:refs/heads/main"
        );
        assert_eq!(
            instantiate_subject("repo:acme/infra-*", true, "main"),
            "repo:acme/infra-evil:ref:refs/heads/main"
        );
    }
}
