//! Reading an STS request (its parameters, the role ARN, the model-constraint checks STS answers
//! with `ValidationError`, worded as STS words them) and the ids and times of an answer.

use serde_json::Value;

use crate::record::RecordedRequest;

/// Partitions a role ARN may name.
pub(super) const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// An error answer STS would give.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) status: u16,
    pub(super) code: &'static str,
    pub(super) message: String,
}

impl Refusal {
    pub(super) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    pub(super) fn invalid_token(message: impl Into<String>) -> Self {
        Refusal::new(400, "InvalidIdentityToken", message)
    }
}

/// The parts of a role ARN the answer needs.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RoleArn {
    pub(super) partition: String,
    pub(super) account: String,
    pub(super) name: String,
}

/// Parses `arn:<partition>:iam::<12 digits>:role/<path/>name`.
pub(super) fn parse_role_arn(arn: &str) -> Option<RoleArn> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    let valid = PARTITIONS.contains(&partition)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name.len() <= 64
        && path_and_name.chars().all(|c| name_ok(c) || c == '/');
    valid.then(|| RoleArn {
        partition: partition.to_owned(),
        account: account.to_owned(),
        name: name.to_owned(),
    })
}

pub(super) fn session_name_ok(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// The request's parameters: the form body of a POST, the query string otherwise.
pub(super) fn parameters(request: &RecordedRequest) -> Vec<(String, String)> {
    if request.method == "POST" {
        request.form()
    } else {
        request.query()
    }
}

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Collects model-constraint violations the way STS words them.
#[derive(Default)]
pub(super) struct Violations(Vec<String>);

impl Violations {
    pub(super) fn add(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_owned(),
        };
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    pub(super) fn length(
        &mut self,
        value: Option<&str>,
        shown: bool,
        member: &str,
        min: usize,
        max: usize,
    ) {
        let Some(v) = value else {
            self.add(None, member, "Member must not be null");
            return;
        };
        let n = v.chars().count();
        // Sensitive members (the token) are never echoed.
        let show = shown.then_some(v);
        if n < min {
            self.add(
                show,
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if n > max {
            self.add(
                show,
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    pub(super) fn into_refusal(self) -> Option<Refusal> {
        let n = self.0.len();
        (n > 0).then(|| {
            let noun = if n == 1 { "error" } else { "errors" };
            Refusal::new(
                400,
                "ValidationError",
                format!("{n} validation {noun} detected: {}", self.0.join("; ")),
            )
        })
    }
}

/// A stable role id (`AROA` + 17 characters) derived from the role ARN.
pub(super) fn role_id(role_arn: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut hasher = DefaultHasher::new();
    role_arn.hash(&mut hasher);
    let mut bits = hasher.finish();
    let mut id = String::from("AROA");
    for _ in 0..17 {
        id.push(CHARS[(bits % 32) as usize] as char);
        bits = bits.rotate_right(5) ^ 0x9e37_79b9_7f4a_7c15;
    }
    id
}

/// `2025-01-01T12:00:00Z`.
pub(super) fn iso8601(unix_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The members `AssumeRole` and `AssumeRoleWithWebIdentity` share, read and checked against
/// STS's model constraints.
pub(super) struct RoleMembers<'a> {
    pub(super) role_arn: &'a str,
    pub(super) session: &'a str,
    pub(super) duration_secs: i64,
    pub(super) policy: Option<&'a str>,
    pub(super) policy_arns: Vec<&'a str>,
}

impl<'a> RoleMembers<'a> {
    /// Reads the shared members, adding each constraint they break to `violations`; a missing
    /// required member reads as empty (it is already a violation).
    pub(super) fn read(params: &'a [(String, String)], violations: &mut Violations) -> Self {
        let role_arn = param(params, "RoleArn");
        let session = param(params, "RoleSessionName");
        let duration = param(params, "DurationSeconds");
        let policy = param(params, "Policy");
        let policy_arns: Vec<&str> = params
            .iter()
            .filter(|(k, _)| k.starts_with("PolicyArns.member.") && k.ends_with(".arn"))
            .map(|(_, v)| v.as_str())
            .collect();

        violations.length(role_arn, true, "roleArn", 20, 2048);
        violations.length(session, true, "roleSessionName", 2, 64);
        if let Some(s) = session.filter(|s| !session_name_ok(s)) {
            violations.add(
                Some(s),
                "roleSessionName",
                r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
            );
        }
        let duration_secs = match duration {
            None => 3600,
            Some(d) => match d.parse::<i64>() {
                Ok(n) if n < 900 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value greater than or equal to 900",
                    );
                    n
                }
                Ok(n) if n > 43200 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value less than or equal to 43200",
                    );
                    n
                }
                Ok(n) => n,
                Err(_) => {
                    violations.add(Some(d), "durationSeconds", "Member must be an integer");
                    0
                }
            },
        };
        if let Some(p) = policy {
            violations.length(Some(p), false, "policy", 1, 2048);
        }
        if policy_arns.len() > 10 {
            violations.add(
                None,
                "policyArns",
                "Member must have length less than or equal to 10",
            );
        }
        for arn in &policy_arns {
            violations.length(Some(arn), true, "policyArns.member.arn", 20, 2048);
        }
        RoleMembers {
            role_arn: role_arn.unwrap_or_default(),
            session: session.unwrap_or_default(),
            duration_secs,
            policy,
            policy_arns,
        }
    }

    /// The role ARN's parts, or STS's answer to an ARN it cannot read.
    pub(super) fn role(&self) -> Result<RoleArn, Refusal> {
        parse_role_arn(self.role_arn)
            .ok_or_else(|| Refusal::new(400, "ValidationError", "Request ARN is invalid"))
    }

    /// Refuses a duration beyond the role's maximum session duration.
    pub(super) fn check_duration(&self, role_max_session_secs: u32) -> Result<(), Refusal> {
        if self.duration_secs > i64::from(role_max_session_secs) {
            return Err(Refusal::new(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        Ok(())
    }

    /// Refuses an inline session policy that is not a JSON object.
    pub(super) fn check_policy(&self) -> Result<(), Refusal> {
        if let Some(p) = self.policy
            && !serde_json::from_str::<Value>(p).is_ok_and(|v| v.is_object())
        {
            return Err(Refusal::new(
                400,
                "MalformedPolicyDocument",
                "The policy is not in the valid JSON format.",
            ));
        }
        Ok(())
    }

    /// The bytes the session policies take in the packed session (an approximation: STS's
    /// compression is not published).
    pub(super) fn packed_policy_bytes(&self) -> usize {
        self.policy.map_or(0, str::len) + 64 * self.policy_arns.len()
    }
}
