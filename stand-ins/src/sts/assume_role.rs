//! `AssumeRole`: role chaining with credentials already held. The request must carry a valid
//! SigV4 signature by credentials the stand-in knows; a role session (credentials with a session
//! token) may ask for at most one hour; session tags, transitive tag keys and the external id are
//! checked against STS's constraints and recorded, so tests assert exactly what was sent
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>).

use std::sync::Arc;

use super::request::{Refusal, RoleMembers, Violations, param};
use super::{StsState, sigv4};
use crate::credentials::StsCredentials;
use crate::record::{RecordedRequest, lock};
use crate::sts_xml::{AssumeRoleAnswer, Operation};

/// The longest session a role session may ask for when it assumes another role.
pub const CHAINED_MAX_SESSION_SECS: i64 = 3600;

/// What an `AssumeRole` call asked for, as the stand-in received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleCall {
    /// The access key id that signed the request.
    pub caller_access_key_id: String,
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// `DurationSeconds`, if sent.
    pub duration_seconds: Option<String>,
    /// `ExternalId`, if sent.
    pub external_id: Option<String>,
    /// `Tags`, in order, as `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// `TransitiveTagKeys`, in order.
    pub transitive_tag_keys: Vec<String>,
    /// `Policy`, if sent.
    pub policy: Option<String>,
    /// `PolicyArns`, in order.
    pub policy_arns: Vec<String>,
}

/// Why the target role's trust policy refuses a chained call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// `sts:AssumeRole` is not allowed (e.g. a wrong external id).
    AssumeRole,
    /// `sts:TagSession` is not allowed: the call carried session tags.
    TagSession,
}

impl Denied {
    fn action(self) -> &'static str {
        match self {
            Denied::AssumeRole => "sts:AssumeRole",
            Denied::TagSession => "sts:TagSession",
        }
    }
}

/// The target role's trust policy for `AssumeRole`: `Err` answers `AccessDenied`.
pub type ChainTrust = Arc<dyn Fn(&AssumeRoleCall) -> Result<(), Denied> + Send + Sync>;

/// A trust policy without `sts:TagSession`: any call with tags is refused.
pub fn deny_tag_session() -> ChainTrust {
    Arc::new(|call| {
        if call.tags.is_empty() && call.transitive_tag_keys.is_empty() {
            Ok(())
        } else {
            Err(Denied::TagSession)
        }
    })
}

/// A trust policy with an `sts:ExternalId` condition.
pub fn require_external_id(id: &str) -> ChainTrust {
    let id = id.to_owned();
    Arc::new(move |call| {
        if call.external_id.as_deref() == Some(id.as_str()) {
            Ok(())
        } else {
            Err(Denied::AssumeRole)
        }
    })
}

/// A character STS accepts in an external id (`[\w+=,.@:\/-]*`).
fn external_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
}

/// A character IAM accepts in a tag key or value (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`).
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Members `PREFIX.member.N[.FIELD]` in the order of `N`.
fn list_members<'a>(params: &'a [(String, String)], prefix: &str, field: &str) -> Vec<&'a str> {
    let mut found: Vec<(u32, &str)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
            let n = if field.is_empty() {
                rest
            } else {
                rest.strip_suffix(field)?.strip_suffix('.')?
            };
            Some((n.parse().ok()?, v.as_str()))
        })
        .collect();
    found.sort_by_key(|(n, _)| *n);
    found.into_iter().map(|(_, v)| v).collect()
}

impl StsState {
    /// Answers `AssumeRole`: the credentials, or the refusal STS would give.
    pub(super) fn assume_role(
        &self,
        request: &RecordedRequest,
        params: &[(String, String)],
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> Result<AssumeRoleAnswer, Refusal> {
        let caller = sigv4::verify(request, |key| self.known_credentials(key))?;
        self.check_unexpired(&caller)?;

        let mut violations = Violations::default();
        let members = RoleMembers::read(params, &mut violations);
        let external_id = param(params, "ExternalId");
        if let Some(id) = external_id {
            violations.length(Some(id), true, "externalId", 2, 1224);
            if !id.chars().all(external_id_char) {
                violations.add(
                    Some(id),
                    "externalId",
                    r"Member must satisfy regular expression pattern: [\w+=,.@:\/-]*",
                );
            }
        }
        let keys = list_members(params, "Tags", "Key");
        let values = list_members(params, "Tags", "Value");
        if keys.len() > 50 {
            violations.add(
                None,
                "tags",
                "Member must have length less than or equal to 50",
            );
        }
        for key in &keys {
            violations.length(Some(key), true, "tags.member.key", 1, 128);
            if !key.chars().all(tag_char) {
                violations.add(
                    Some(key),
                    "tags.member.key",
                    r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
                );
            }
        }
        for value in &values {
            violations.length(Some(value), true, "tags.member.value", 0, 256);
            if !value.chars().all(tag_char) {
                violations.add(
                    Some(value),
                    "tags.member.value",
                    r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
                );
            }
        }
        let transitive = list_members(params, "TransitiveTagKeys", "");
        if transitive.len() > 50 {
            violations.add(
                None,
                "transitiveTagKeys",
                "Member must have length less than or equal to 50",
            );
        }
        if let Some(refusal) = violations.into_refusal() {
            return Err(refusal);
        }
        if keys.len() != values.len() {
            return Err(Refusal::new(
                400,
                "InvalidParameterValue",
                "Each session tag needs a key and a value.",
            ));
        }
        members.role()?;

        let call = AssumeRoleCall {
            caller_access_key_id: caller.access_key_id.clone(),
            role_arn: members.role_arn.to_owned(),
            session_name: members.session.to_owned(),
            duration_seconds: param(params, "DurationSeconds").map(str::to_owned),
            external_id: external_id.map(str::to_owned),
            tags: keys
                .iter()
                .zip(&values)
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            transitive_tag_keys: transitive.iter().map(|k| (*k).to_owned()).collect(),
            policy: members.policy.map(str::to_owned),
            policy_arns: members
                .policy_arns
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        };
        lock(&self.assume_role_calls).push(call.clone());

        let check = lock(&self.chain_trust).clone();
        if let Some(check) = check
            && let Err(denied) = check(&call)
        {
            return Err(Refusal::new(
                403,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform: {} on resource: {}",
                    self.caller_arn(&caller),
                    denied.action(),
                    members.role_arn
                ),
            ));
        }
        if !caller.session_token.is_empty() && members.duration_secs > CHAINED_MAX_SESSION_SECS {
            return Err(Refusal::new(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ));
        }
        members.check_duration(self.role_max_session_secs)?;
        members.check_policy()?;
        let packed = members.packed_policy_bytes()
            + call
                .tags
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        if let Some(limit) = self.packed_limit
            && packed > limit
        {
            return Err(Refusal::new(
                400,
                "PackedPolicyTooLarge",
                format!(
                    "Packed policy consumes {}% of allotted space, please use smaller policy.",
                    packed * 100 / limit
                ),
            ));
        }
        Ok(self.issue(Operation::AssumeRole, &members, credentials, request_id))
    }
}
