//! `policy trust`: writes the least-privilege trust policy for one repository and one branch,
//! tag, environment, pull request event or reusable workflow; and [`suggest_trust`], the same
//! policy derived from a refused job's claims, for the action's AccessDenied diagnosis.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::policy::PolicyError;
use crate::policy::github::{self, DEFAULT_ISSUER, IssuerForm};
use crate::policy::keys;

pub use crate::region::Partition;
use crate::region::Region;

/// The partition of a region name; `None` when it is not a region name.
pub fn partition_of_region(region: &str) -> Option<Partition> {
    Region::parse(region).ok().map(|r| r.partition())
}

/// The partition named in an ARN.
pub fn partition_of_arn(arn: &str) -> Option<Partition> {
    arn.split(':').nth(1).and_then(Partition::from_name)
}

/// The ARN of the OIDC provider for `issuer` in `account`.
pub fn provider_arn(partition: Partition, account: &str, issuer: &str) -> String {
    format!(
        "arn:{}:iam::{account}:oidc-provider/{}",
        partition.name(),
        github::issuer_path(issuer)
    )
}

/// What part of the repository the role is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Pushes and runs on one branch (`refs/heads/NAME`).
    Branch(String),
    /// One tag (`refs/tags/NAME`).
    Tag(String),
    /// Jobs that reference one environment.
    Environment(String),
    /// `pull_request` runs.
    PullRequest,
    /// Jobs of one reusable workflow (`OWNER/REPO/.github/workflows/F.yml@REF`) called from the
    /// repository.
    JobWorkflowRef(String),
}

/// Everything a trust policy is generated from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustSpec {
    /// `OWNER/REPO`.
    pub repo: String,
    /// Owner and repository ids, for the immutable subject form `repo:OWNER@ID/REPO@ID:...`.
    pub ids: Option<(String, String)>,
    /// What part of the repository.
    pub target: Target,
    /// The OIDC provider's ARN.
    pub provider_arn: String,
    /// The expected audience.
    pub audience: String,
    /// The issuer URL (github.com's, an enterprise slug's, or GHES's).
    pub issuer: String,
}

fn check_text(what: &str, value: &str) -> Result<(), PolicyError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(PolicyError::Usage(format!(
            "{what} must be non-empty text without control characters"
        )));
    }
    Ok(())
}

/// GitHub sends a `:` inside a subject value as `%3A`.
fn subject_part(value: &str) -> String {
    value.replace(':', "%3A")
}

impl TrustSpec {
    /// Validates the parts a user typed.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match self.repo.split_once('/') {
            Some((o, r)) if valid_name(o) && valid_name(r) => {}
            _ => {
                return Err(PolicyError::Usage(format!(
                    "--repo {:?} is not OWNER/REPO (letters, digits, '-', '_', '.')",
                    self.repo
                )));
            }
        }
        match &self.target {
            Target::Branch(v) => check_text("--branch", v)?,
            Target::Tag(v) => check_text("--tag", v)?,
            Target::Environment(v) => check_text("--environment", v)?,
            Target::JobWorkflowRef(v) => {
                check_text("--job-workflow-ref", v)?;
                if !v.contains(".github/workflows/") || !v.contains('@') {
                    return Err(PolicyError::Usage(format!(
                        "--job-workflow-ref {v:?} is not OWNER/REPO/.github/workflows/FILE.yml@REF"
                    )));
                }
            }
            Target::PullRequest => {}
        }
        if github::provider_path(&self.provider_arn).is_none()
            || !self.provider_arn.starts_with("arn:")
        {
            return Err(PolicyError::Usage(format!(
                "{:?} is not an OIDC provider ARN (arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST)",
                self.provider_arn
            )));
        }
        check_text("--audience", &self.audience)?;
        // Issuers and provider ARNs are URLs and ARNs: nothing outside the characters a URL
        // carries unescaped (RFC 3986 unreserved, `/`, `:`, `%`). Anything else would land
        // verbatim in condition keys and in the provider ARN.
        let url_text = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~/:%@".contains(c))
        };
        if !url_text(&github::issuer_path(&self.issuer)) || !url_text(&self.provider_arn) {
            return Err(PolicyError::Usage(format!(
                "the issuer {:?} and the provider ARN {:?} must be a URL and an ARN (letters, digits and -._~/:%@)",
                self.issuer, self.provider_arn
            )));
        }
        let Some(form) = IssuerForm::of(&self.issuer_path()) else {
            let forms: Vec<&str> = IssuerForm::ALL.iter().map(|f| f.describe()).collect();
            return Err(PolicyError::Usage(format!(
                "--issuer {:?} is not a GitHub Actions issuer; the forms are: {}",
                self.issuer,
                forms.join("; ")
            )));
        };
        // Only keys STS evaluates for this issuer: any other would never match.
        for (_, key, _) in self.conditions() {
            let claim = key.rsplit(':').next().unwrap_or_default();
            if !form.evaluates(claim) {
                return Err(PolicyError::Usage(format!(
                    "STS does not evaluate `{claim}` for {} ({}), so a policy testing it would admit no one; pin the repository with --branch, --tag, --environment or --pull-request instead",
                    form.describe(),
                    keys::SOURCE
                )));
            }
        }
        Ok(())
    }

    /// The condition-key prefix: the issuer's host and path.
    pub fn issuer_path(&self) -> String {
        github::issuer_path(&self.issuer)
    }

    fn repo_part(&self) -> String {
        match (&self.ids, self.repo.split_once('/')) {
            (Some((oid, rid)), Some((o, r))) => format!("{o}@{oid}/{r}@{rid}"),
            _ => self.repo.clone(),
        }
    }

    /// The conditions, as (operator, key, values), in output order.
    pub fn conditions(&self) -> Vec<(String, String, Vec<String>)> {
        let iss = self.issuer_path();
        let repo = self.repo_part();
        let mut out = vec![(
            "StringEquals".to_string(),
            format!("{iss}:aud"),
            vec![self.audience.clone()],
        )];
        let (sub, like) = match &self.target {
            Target::Branch(b) => (
                Some(format!("repo:{repo}:ref:refs/heads/{}", subject_part(b))),
                b.contains(['*', '?']),
            ),
            Target::Tag(t) => (
                Some(format!("repo:{repo}:ref:refs/tags/{}", subject_part(t))),
                t.contains(['*', '?']),
            ),
            Target::Environment(e) => (
                Some(format!("repo:{repo}:environment:{}", subject_part(e))),
                e.contains(['*', '?']),
            ),
            Target::PullRequest => (Some(format!("repo:{repo}:pull_request")), false),
            Target::JobWorkflowRef(_) => (None, false),
        };
        match (sub, &self.target) {
            (Some(sub), _) => {
                let op = if like { "StringLike" } else { "StringEquals" };
                out.push((op.to_string(), format!("{iss}:sub"), vec![sub]));
            }
            (None, Target::JobWorkflowRef(w)) => {
                out.push((
                    "StringEquals".into(),
                    format!("{iss}:repository"),
                    vec![self.repo.clone()],
                ));
                out.push((
                    "StringEquals".into(),
                    format!("{iss}:job_workflow_ref"),
                    vec![w.clone()],
                ));
            }
            (None, _) => {}
        }
        out
    }

    /// The `Condition` element as JSON.
    pub fn condition_json(&self) -> Value {
        let mut ops: Map<String, Value> = Map::new();
        for (op, key, values) in self.conditions() {
            let entry = ops.entry(op).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                let v = if values.len() == 1 {
                    Value::String(values[0].clone())
                } else {
                    json!(values)
                };
                keys.insert(key, v);
            }
        }
        Value::Object(ops)
    }

    /// The trust policy as an IAM JSON document.
    pub fn policy_json(&self) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "GitHubActionsOidc",
                "Effect": "Allow",
                "Principal": {"Federated": self.provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": self.condition_json(),
            }]
        })
    }

    /// The trust policy as pretty-printed JSON, elements in IAM's usual order.
    pub fn policy_text(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Doc<'a> {
            version: &'static str,
            statement: [Stmt<'a>; 1],
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Stmt<'a> {
            sid: &'static str,
            effect: &'static str,
            principal: Fed<'a>,
            action: &'static str,
            condition: Value,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Fed<'a> {
            federated: &'a str,
        }
        let doc = Doc {
            version: "2012-10-17",
            statement: [Stmt {
                sid: "GitHubActionsOidc",
                effect: "Allow",
                principal: Fed {
                    federated: &self.provider_arn,
                },
                action: "sts:AssumeRoleWithWebIdentity",
                condition: self.condition_json(),
            }],
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The trust policy as a Terraform `aws_iam_policy_document` data source named `name`,
    /// formatted as `terraform fmt` would.
    pub fn terraform(&self, name: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "data \"aws_iam_policy_document\" {} {{",
            hcl_string(name)
        );
        s.push_str("  statement {\n");
        aligned(
            &mut s,
            "    ",
            &[
                ("sid", hcl_string("GitHubActionsOidc")),
                ("effect", hcl_string("Allow")),
                (
                    "actions",
                    format!("[{}]", hcl_string("sts:AssumeRoleWithWebIdentity")),
                ),
            ],
        );
        s.push_str("\n    principals {\n");
        aligned(
            &mut s,
            "      ",
            &[
                ("type", hcl_string("Federated")),
                (
                    "identifiers",
                    format!("[{}]", hcl_string(&self.provider_arn)),
                ),
            ],
        );
        s.push_str("    }\n");
        for (op, key, values) in self.conditions() {
            let list: Vec<String> = values.iter().map(|v| hcl_string(v)).collect();
            s.push_str("\n    condition {\n");
            aligned(
                &mut s,
                "      ",
                &[
                    ("test", hcl_string(&op)),
                    ("variable", hcl_string(&key)),
                    ("values", format!("[{}]", list.join(", "))),
                ],
            );
            s.push_str("    }\n");
        }
        s.push_str("  }\n}\n");
        s
    }

    /// The `oidc-assume policy trust` command line that writes this policy, for `region`.
    pub fn command(&self, region: &str, account: Option<&str>) -> String {
        let mut args: Vec<String> = vec!["oidc-assume".into(), "policy".into(), "trust".into()];
        let mut push = |flag: &str, value: Option<&str>| {
            args.push(flag.to_string());
            if let Some(v) = value {
                args.push(shell_quote(v));
            }
        };
        push("--repo", Some(&self.repo));
        match &self.target {
            Target::Branch(b) => push("--branch", Some(b)),
            Target::Tag(t) => push("--tag", Some(t)),
            Target::Environment(e) => push("--environment", Some(e)),
            Target::PullRequest => push("--pull-request", None),
            Target::JobWorkflowRef(w) => push("--job-workflow-ref", Some(w)),
        }
        if let Some((oid, rid)) = &self.ids {
            push("--owner-id", Some(oid));
            push("--repository-id", Some(rid));
        }
        match account {
            Some(a) => push("--account", Some(a)),
            None => push("--provider-arn", Some(&self.provider_arn)),
        }
        if !region.is_empty() {
            push("--region", Some(region));
        }
        let partition = partition_of_arn(&self.provider_arn).unwrap_or(Partition::Aws);
        if self.audience != partition.default_audience() {
            push("--audience", Some(&self.audience));
        }
        if github::issuer_path(&self.issuer) != github::GITHUB_HOST {
            push("--issuer", Some(&self.issuer));
        }
        args.join(" ")
    }
}

fn aligned(out: &mut String, indent: &str, pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in pairs {
        let _ = writeln!(out, "{indent}{k:<width$} = {v}");
    }
}

/// A quoted HCL string: escapes quotes, backslashes, control characters and the template
/// openers `${` and `%{`.
pub fn hcl_string(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                s.push(c);
                s.push(c);
            }
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Quotes a shell word when it needs it (POSIX single quotes).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What the AccessDenied diagnosis shows: the command that would admit exactly this job, its
/// condition, and how to explain the role's real policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The `oidc-assume policy trust ...` command line.
    pub command: String,
    /// The `Condition` element that command writes.
    pub condition: Value,
    /// The whole policy that command writes.
    pub policy: Value,
    /// Commands that explain the role's real policy against this job's claims.
    pub explain_command: String,
    /// Caveats (custom subject template, missing claims, ...).
    pub notes: Vec<String>,
}

fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Derives, from a job's claims, the trust policy that admits exactly this job, for the role
/// `role_arn` in `region`.
///
/// Which of branch, tag, environment or pull request applies is read from the claims
/// (`environment`, `event_name`, `ref`), the same order GitHub uses to build `sub`; the result is
/// for display, and the policy it prints is checked against the claims by the evaluator in tests.
pub fn suggest_trust(
    claims: &Map<String, Value>,
    region: &str,
    role_arn: &str,
    session_name: &str,
) -> Suggestion {
    let mut notes = Vec::new();
    let sub = claim(claims, "sub").unwrap_or_default();
    let repo = claim(claims, "repository")
        .map(str::to_string)
        .or_else(|| {
            let rest = sub.strip_prefix("repo:")?;
            let or = rest.split(':').next()?;
            let (o, r) = or.split_once('/')?;
            Some(format!(
                "{}/{}",
                o.split('@').next().unwrap_or(o),
                r.split('@').next().unwrap_or(r)
            ))
        })
        .unwrap_or_else(|| {
            notes.push("the token names no repository; replace OWNER/REPO".into());
            "OWNER/REPO".into()
        });
    let git_ref = claim(claims, "ref").unwrap_or_default();
    let target = if let Some(env) = claim(claims, "environment") {
        Target::Environment(env.to_string())
    } else if claim(claims, "event_name")
        .is_some_and(|e| e == "pull_request" || e == "pull_request_target")
        || sub.ends_with(":pull_request")
    {
        Target::PullRequest
    } else if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        Target::Tag(tag.to_string())
    } else if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        Target::Branch(branch.to_string())
    } else {
        notes.push(format!(
            "the token's ref {git_ref:?} is neither a branch nor a tag; replace BRANCH"
        ));
        Target::Branch("BRANCH".into())
    };
    let ids = sub
        .strip_prefix("repo:")
        .and_then(|rest| rest.split(':').next())
        .and_then(|or| {
            let (o, r) = or.split_once('/')?;
            let (_, oid) = o.split_once('@')?;
            let (_, rid) = r.split_once('@')?;
            Some((oid.to_string(), rid.to_string()))
        });
    if !sub.is_empty() && !sub.starts_with("repo:") {
        notes.push(format!(
            "this job's sub {sub:?} comes from a custom subject template; the suggested sub condition uses the default form, so match the template's form instead"
        ));
    }
    let parts: Vec<&str> = role_arn.split(':').collect();
    let account = parts
        .get(4)
        .filter(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()))
        .copied();
    let partition = partition_of_arn(role_arn)
        .or_else(|| partition_of_region(region))
        .unwrap_or(Partition::Aws);
    let issuer = claim(claims, "iss").unwrap_or(DEFAULT_ISSUER).to_string();
    let audience = match claims.get("aud") {
        Some(Value::String(a)) => a.clone(),
        Some(Value::Array(a)) => a
            .first()
            .and_then(Value::as_str)
            .unwrap_or(partition.default_audience())
            .to_string(),
        _ => partition.default_audience().to_string(),
    };
    let spec = TrustSpec {
        repo,
        ids,
        target,
        provider_arn: provider_arn(partition, account.unwrap_or("ACCOUNT_ID"), &issuer),
        audience,
        issuer,
    };
    if account.is_none() {
        notes.push("the role ARN names no 12-digit account; replace ACCOUNT_ID".into());
    }
    let role_name = role_arn
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && role_arn.contains(":role/"))
        .unwrap_or("ROLE_NAME");
    // `explain` asks for the session name the action gives these claims' run unless told.
    let default_name =
        crate::inputs::default_session_name(claim(claims, "run_id"), claim(claims, "run_attempt"));
    let session_option = if session_name == default_name {
        String::new()
    } else {
        format!(" --session-name {}", shell_quote(session_name))
    };
    let explain_command = format!(
        "aws iam get-role --role-name {} --output json > role.json && oidc-assume policy explain --policy role.json --claims claims.json --provider-arn {}{session_option}",
        shell_quote(role_name),
        shell_quote(&spec.provider_arn)
    );
    Suggestion {
        command: spec.command(region, account),
        condition: spec.condition_json(),
        policy: spec.policy_json(),
        explain_command,
        notes,
    }
}

#[cfg(test)]
mod tests;
