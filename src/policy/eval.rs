//! The evaluator: decides, as IAM does for `sts:AssumeRoleWithWebIdentity`, whether a trust
//! policy admits a token's claims, and records why for every statement and condition.
//!
//! Semantics (IAM's documented policy logic, reduced to this call): a statement applies when its
//! principal, action and every condition match; an applying Deny wins; otherwise an applying
//! Allow admits; otherwise the request is refused (implicit deny). Condition operators and keys
//! are AND'd, the values of one key OR'd (for negated operators: none may match). Key names
//! compare case-insensitively, values case-sensitively unless the operator says `IgnoreCase`.
//! An absent key fails positive operators and passes negated ones; `...IfExists` passes when
//! the key is absent; `ForAllValues:` is true when the key is absent; `Null` tests presence.

use std::fmt;

use serde::Serialize;

use crate::policy::github;
use crate::policy::keys;
use crate::policy::matching::{actions_admit, like};
use crate::policy::model::{
    Condition, Effect, PolicyDocument, Principal, PrincipalKind, SetQualifier, Statement, Test,
};
pub use crate::policy::request::AccessRequest;
use crate::policy::variables::{self, LITERAL_QUESTION, LITERAL_STAR, Substituted};

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// An Allow statement applies and no Deny does.
    Admitted {
        /// 1-based number of the first applying Allow statement.
        statement: usize,
    },
    /// A Deny statement applies.
    ExplicitDeny {
        /// 1-based number of the first applying Deny statement.
        statement: usize,
    },
    /// No statement applies.
    ImplicitDeny,
}

/// Whether one part of a statement matched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// True when it matched.
    pub matched: bool,
    /// Why, for a person.
    pub reason: String,
}

/// One condition, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionResult {
    /// The operator as written.
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The request's values for the key; `None` when absent.
    pub request: Option<Vec<String>>,
    /// The policy's values.
    pub values: Vec<String>,
    /// True when the condition holds.
    pub matched: bool,
    /// Why, for a person.
    pub reason: String,
}

/// One statement, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementResult {
    /// 1-based statement number.
    pub index: usize,
    /// Its Sid.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The principal check.
    pub principal: Check,
    /// The action check.
    pub action: Check,
    /// Every condition.
    pub conditions: Vec<ConditionResult>,
    /// True when principal, action and every condition matched.
    pub applies: bool,
}

/// The full evaluation: decision, per-statement detail and notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Every statement, judged.
    pub statements: Vec<StatementResult>,
    /// Caveats (unknown provider ARN, operators not evaluated, ...).
    pub notes: Vec<String>,
    /// Likely causes of a refusal, for a person.
    pub hints: Vec<String>,
}

impl Evaluation {
    /// True when the policy admits the request.
    pub fn admitted(&self) -> bool {
        matches!(self.decision, Decision::Admitted { .. })
    }
}

/// Evaluates `doc` for `request`.
pub fn evaluate(doc: &PolicyDocument, request: &AccessRequest) -> Evaluation {
    let mut notes = request.assumptions.clone();
    if request.provider_arn.is_none() {
        notes.push(format!(
            "no provider ARN given: a federated principal matches when its provider path is {} (pass --provider-arn or --account to compare the full ARN)",
            request.issuer
        ));
    }
    let statements: Vec<StatementResult> = doc
        .statements
        .iter()
        .enumerate()
        .map(|(i, st)| statement(i + 1, st, request, &mut notes))
        .collect();
    let deny = statements.iter().find(|s| s.applies && s.effect == "Deny");
    let allow = statements.iter().find(|s| s.applies && s.effect == "Allow");
    let decision = match (deny, allow) {
        (Some(d), _) => Decision::ExplicitDeny { statement: d.index },
        (None, Some(a)) => Decision::Admitted { statement: a.index },
        (None, None) => Decision::ImplicitDeny,
    };
    if !request.not_evaluated.is_empty() {
        notes.push(format!(
            "claims STS does not evaluate for issuer {} (absent from the request, per {}): {}",
            request.issuer,
            keys::SOURCE,
            request.not_evaluated.join(", ")
        ));
    }
    notes.dedup();
    let mut eval = Evaluation {
        decision,
        statements,
        notes,
        hints: Vec::new(),
    };
    if !eval.admitted() {
        eval.hints = hints(doc, request);
    }
    eval
}

fn statement(
    index: usize,
    st: &Statement,
    req: &AccessRequest,
    notes: &mut Vec<String>,
) -> StatementResult {
    let principal = principal(st, req);
    let action = if actions_admit(&st.actions, st.actions_negated, &req.action) {
        Check {
            matched: true,
            reason: format!(
                "{} {:?} covers {}",
                if st.actions_negated {
                    "NotAction"
                } else {
                    "Action"
                },
                st.actions,
                req.action
            ),
        }
    } else {
        Check {
            matched: false,
            reason: format!(
                "{} {:?} does not cover {}",
                if st.actions_negated {
                    "NotAction"
                } else {
                    "Action"
                },
                st.actions,
                req.action
            ),
        }
    };
    let conditions: Vec<ConditionResult> = st
        .conditions
        .iter()
        .map(|c| condition(c, req, notes))
        .collect();
    let applies = principal.matched && action.matched && conditions.iter().all(|c| c.matched);
    StatementResult {
        index,
        sid: st.sid.clone(),
        effect: st.effect.to_string(),
        principal,
        action,
        conditions,
        applies,
    }
}

fn principal(st: &Statement, req: &AccessRequest) -> Check {
    let Some(p) = &st.principal else {
        return Check {
            matched: false,
            reason: "the statement has no Principal".into(),
        };
    };
    let (hit, why) = match p {
        Principal::Any => (true, "Principal \"*\" matches everyone".to_string()),
        Principal::Typed(list) => {
            let mut found = None;
            for (kind, id) in list {
                if let Some(why) = principal_matches(kind, id, req) {
                    found = Some(why);
                    break;
                }
            }
            match found {
                Some(why) => (true, why),
                None => {
                    let listed: Vec<String> = list
                        .iter()
                        .map(|(k, id)| format!("{}: {id}", k.as_str()))
                        .collect();
                    let wanted = req
                        .provider_arn
                        .clone()
                        .unwrap_or_else(|| format!("a provider for {}", req.issuer));
                    (
                        false,
                        format!("{} does not name {wanted}", listed.join(", ")),
                    )
                }
            }
        }
    };
    if st.principal_negated {
        Check {
            matched: !hit,
            reason: format!("NotPrincipal: {why}"),
        }
    } else {
        Check {
            matched: hit,
            reason: why,
        }
    }
}

fn principal_matches(kind: &PrincipalKind, id: &str, req: &AccessRequest) -> Option<String> {
    match kind {
        PrincipalKind::Aws | PrincipalKind::Federated if id == "*" => {
            Some(format!("{}: \"*\" matches everyone", kind.as_str()))
        }
        PrincipalKind::Federated => {
            let path = github::provider_path(id)?;
            match &req.provider_arn {
                // A Terraform reference stands for an ARN we cannot see: compare the path.
                Some(arn) if !id.contains("${") => {
                    (arn == id).then(|| format!("Federated {id} is the token's provider"))
                }
                _ => path
                    .eq_ignore_ascii_case(&req.issuer)
                    .then(|| format!("Federated {id} is a provider for {}", req.issuer)),
            }
        }
        _ => None,
    }
}

fn matches_value(test: &Test, policy: &str, request: &str) -> bool {
    match test {
        Test::StringEquals | Test::StringNotEquals | Test::ArnEquals | Test::ArnNotEquals => {
            policy == request
        }
        Test::StringEqualsIgnoreCase | Test::StringNotEqualsIgnoreCase => {
            policy.to_lowercase() == request.to_lowercase()
        }
        Test::StringLike | Test::StringNotLike | Test::ArnLike | Test::ArnNotLike => {
            like(policy, request)
        }
        Test::Bool => policy.eq_ignore_ascii_case(request),
        Test::Null | Test::Other(_) => false,
    }
}

fn verb(test: &Test) -> &'static str {
    match test {
        Test::StringLike | Test::StringNotLike | Test::ArnLike | Test::ArnNotLike => "matches",
        Test::StringEqualsIgnoreCase | Test::StringNotEqualsIgnoreCase => "equals (ignoring case)",
        _ => "equals",
    }
}

/// Whether a condition holds when its key is absent from the request, and why: IAM's rules
/// for a missing key, quoted in the operator table of `docs/policy.md` (IAM User Guide,
/// "Condition operators", "Single-valued vs. multivalued context keys", "...IfExists condition
/// operators"). `check` judges keys that are never in the request with this same function, so
/// the two commands agree.
pub fn when_absent(c: &Condition) -> (bool, &'static str) {
    let set = c.op.set;
    if c.op.test == Test::Null {
        return match set {
            Some(SetQualifier::ForAllValues) => (true, "ForAllValues:Null is always true"),
            Some(SetQualifier::ForAnyValue) => (false, "ForAnyValue:Null is always false"),
            None if c.values.iter().any(|v| v.eq_ignore_ascii_case("true")) => {
                (true, "Null true holds for an absent key")
            }
            None => (false, "Null false fails for an absent key"),
        };
    }
    match (set, c.op.if_exists, c.op.test.is_negated()) {
        (Some(SetQualifier::ForAllValues), _, _) => {
            (true, "ForAllValues is true for an absent key")
        }
        (Some(SetQualifier::ForAnyValue), true, _) => (true, UNDOCUMENTED_ANY_IF_EXISTS),
        (Some(SetQualifier::ForAnyValue), false, _) => {
            (false, "ForAnyValue is false for an absent key")
        }
        (None, true, _) => (true, "IfExists passes when it is absent"),
        (None, false, true) => (true, "a negated operator passes when it is absent"),
        (None, false, false) => (false, "a positive operator fails when it is absent"),
    }
}

/// What `when_absent` says of `ForAnyValue:...IfExists`, which IAM's documentation leaves open.
pub const UNDOCUMENTED_ANY_IF_EXISTS: &str = "IAM's documentation does not say what ForAnyValue (false for an absent key) with IfExists (true for an absent key) gives; taken as true, the outcome that admits";

fn condition(c: &Condition, req: &AccessRequest, notes: &mut Vec<String>) -> ConditionResult {
    let request = req.value(&c.key).map(<[String]>::to_vec);
    let absent = request.as_ref().is_none_or(Vec::is_empty);
    let result = |matched: bool, reason: String| ConditionResult {
        operator: c.operator.clone(),
        key: c.key.clone(),
        request: request.clone(),
        values: c.values.clone(),
        matched,
        reason,
    };
    if c.values
        .iter()
        .any(|v| v.contains("${") && !variables::has_variables(v))
    {
        notes.push(format!(
            "`{}` has a value with an unresolved `${{...}}` expression; it is compared as written",
            c.key
        ));
    }
    let test = &c.op.test;
    if absent {
        let (hit, why) = when_absent(c);
        if why == UNDOCUMENTED_ANY_IF_EXISTS {
            notes.push(format!("`{} {}`: {why}", c.operator, c.key));
        }
        let absent_why = req.not_a_key(&c.key).unwrap_or_else(|| {
            if github::split_key(&c.key).is_some_and(|(prefix, _)| {
                matches!(prefix.to_ascii_lowercase().as_str(), "aws" | "sts" | "iam")
                    || prefix.to_ascii_lowercase().starts_with("aws:")
            }) {
                notes.push(format!(
                    "`{}` comes from the request, not from the token's claims: this tool does not know its value and evaluates it as absent, so STS's verdict may differ",
                    c.key
                ));
            }
            "the key is absent from the request".to_string()
        });
        return result(hit, format!("{absent_why}; {why}"));
    }
    if *test == Test::Null {
        let hit = match c.op.set {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => c.values.iter().any(|v| v.eq_ignore_ascii_case("false")),
        };
        return result(
            hit,
            format!(
                "the key is present; Null {:?} {}",
                c.values,
                if hit { "holds" } else { "fails" }
            ),
        );
    }
    if let Test::Other(name) = test {
        notes.push(format!(
            "operator {name} is not evaluated by this tool; its condition counts as not matching"
        ));
        return result(false, format!("operator {name} is not evaluated here"));
    }
    let negated = test.is_negated();
    let req_values = request.clone().unwrap_or_default();
    let policy_values = substituted(c, req, notes);
    let matched_by = |r: &str| {
        policy_values
            .iter()
            .find_map(|(written, value)| match value {
                Substituted::Text(p) if p.contains([LITERAL_STAR, LITERAL_QUESTION]) => {
                    matches_value(test, p, &variables::literal_request(r)).then_some(written)
                }
                Substituted::Text(p) => matches_value(test, p, r).then_some(written),
                // An effectively null value matches nothing.
                Substituted::Null { .. } => None,
            })
    };
    let one = |r: &str| -> bool { matched_by(r).is_some() != negated };
    let hit = match c.op.set {
        Some(SetQualifier::ForAllValues) => req_values.iter().all(|r| one(r)),
        _ => req_values.iter().any(|r| one(r)),
    };
    let shown = if req_values.len() == 1 {
        format!("{:?}", req_values[0])
    } else {
        format!("{req_values:?}")
    };
    let reason = match (req_values.iter().find_map(|r| matched_by(r)), negated) {
        (Some(p), false) => format!("claim {shown} {} {p:?}", verb(test)),
        (None, false) => format!("claim {shown} {} none of {:?}", verb(test), c.values),
        (Some(p), true) => format!(
            "claim {shown} {} {p:?}, which this negated operator excludes",
            verb(test)
        ),
        (None, true) => format!(
            "claim {shown} {} none of the excluded values {:?}",
            verb(test),
            c.values
        ),
    };
    let substitutions: Vec<String> = policy_values
        .iter()
        .filter(|(written, _)| variables::has_variables(written))
        .map(|(written, value)| match value {
            Substituted::Text(t) => format!(
                "{written:?} is {:?} for this token",
                t.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")
            ),
            Substituted::Null { key } => {
                format!("{written:?} is null for this token (`{key}` is absent)")
            }
        })
        .collect();
    if substitutions.is_empty() {
        result(hit, reason)
    } else {
        result(hit, format!("{reason}; {}", substitutions.join("; ")))
    }
}

/// The condition's values with their policy variables substituted from the request, paired
/// with the values as written.
fn substituted(
    c: &Condition,
    req: &AccessRequest,
    notes: &mut Vec<String>,
) -> Vec<(String, Substituted)> {
    let out: Vec<(String, Substituted)> = c
        .values
        .iter()
        .map(|v| {
            let value = variables::substitute(v, |key| {
                req.value(key).and_then(|values| values.first()).cloned()
            });
            (v.clone(), value)
        })
        .collect();
    if c.values.iter().any(|v| variables::has_variables(v)) {
        notes.push(format!(
            "`{}` has a policy variable: substituted from this token's claims as the IAM User Guide documents variables (an absent key makes the value null), but AWS does not document which GitHub claim keys STS substitutes in a trust policy",
            c.key
        ));
    }
    out
}

/// Likely causes of a refusal, from the common support threads.
fn hints(doc: &PolicyDocument, req: &AccessRequest) -> Vec<String> {
    let mut out = Vec::new();
    let sub = req.claim("sub").unwrap_or_default().to_string();
    let sub_values: Vec<&str> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.conditions.iter())
        .filter(|c| c.key.to_lowercase().ends_with(":sub") && c.op.test.is_positive_string())
        .flat_map(|c| c.values.iter().map(String::as_str))
        .collect();
    if sub.contains(":environment:") && sub_values.iter().any(|v| v.contains(":ref:")) {
        out.push(format!(
            "the job references an environment, so its sub is {sub:?}, not a :ref: form; trust \"{}\" (oidc-assume policy trust --environment ...)",
            sub
        ));
    }
    if sub_values
        .iter()
        .any(|v| v.eq_ignore_ascii_case(&sub) && *v != sub)
    {
        out.push("a sub value differs from the token's only in letter case: values are case-sensitive; copy the owner and repository names exactly".into());
    }
    if let Some(rest) = sub.strip_prefix("repo:") {
        if rest.split(':').next().is_some_and(|or| or.contains('@')) {
            out.push("the token uses the immutable subject form repo:OWNER@ID/REPO@ID:...; the policy must use the same form (oidc-assume policy trust --owner-id --repository-id)".into());
        }
    } else if !sub.is_empty() {
        out.push(format!("the token's sub {sub:?} does not start with repo:: a custom subject template is in use; the policy must match that template"));
    }
    if let Some(aud) = req.claim("aud") {
        let aud_values: Vec<&str> = doc
            .statements
            .iter()
            .flat_map(|s| s.conditions.iter())
            .filter(|c| c.key.to_lowercase().ends_with(":aud"))
            .flat_map(|c| c.values.iter().map(String::as_str))
            .collect();
        if !aud_values.is_empty() && !aud_values.contains(&aud) {
            out.push(format!("the token's audience is {aud:?} but the policy expects {aud_values:?}; set the action's audience input or the policy"));
        }
    }
    out
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decision {
            Decision::Admitted { statement } => {
                writeln!(f, "verdict: ADMITTED by statement {statement}")?
            }
            Decision::ExplicitDeny { statement } => writeln!(
                f,
                "verdict: REFUSED: statement {statement} denies explicitly"
            )?,
            Decision::ImplicitDeny => writeln!(
                f,
                "verdict: REFUSED: no statement admits this token (implicit deny)"
            )?,
        }
        for s in &self.statements {
            let sid = s
                .sid
                .as_ref()
                .map(|x| format!(" (Sid {x:?})"))
                .unwrap_or_default();
            let state = if s.applies {
                "applies"
            } else {
                "does not apply"
            };
            writeln!(f, "\nstatement {}{sid}, {}: {state}", s.index, s.effect)?;
            let mark = |m: bool| if m { "ok  " } else { "FAIL" };
            writeln!(
                f,
                "  {} principal: {}",
                mark(s.principal.matched),
                s.principal.reason
            )?;
            writeln!(
                f,
                "  {} action: {}",
                mark(s.action.matched),
                s.action.reason
            )?;
            for c in &s.conditions {
                writeln!(
                    f,
                    "  {} {} {}: {}",
                    mark(c.matched),
                    c.operator,
                    c.key,
                    c.reason
                )?;
            }
        }
        for h in &self.hints {
            writeln!(f, "\nhint: {h}")?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}
