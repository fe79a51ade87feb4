//! `AssumeRole`: one role session assumes the next (role chaining), signed with SigV4 by the
//! credentials it holds (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>).

use aws_credential_types::Credentials;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};

use super::{AssumedRole, StsClient, StsError, assumed_role, convert_error};
use crate::session_tags;

/// What one `AssumeRole` call asks for.
#[derive(Debug, Clone, Copy)]
pub struct RoleRequest<'a> {
    /// The role to assume.
    pub role_arn: &'a str,
    /// `RoleSessionName`.
    pub session_name: &'a str,
    /// `DurationSeconds`.
    pub duration_seconds: u32,
    /// `ExternalId`.
    pub external_id: Option<&'a str>,
    /// Session tags.
    pub tags: &'a [session_tags::Tag],
    /// `TransitiveTagKeys`.
    pub transitive_tag_keys: &'a [String],
    /// The inline session policy.
    pub policy: Option<&'a str>,
    /// Managed session policy ARNs.
    pub policy_arns: &'a [String],
}

impl StsClient {
    /// Calls `AssumeRole` once, signed with `source`.
    pub async fn assume_role(
        &self,
        source: Credentials,
        request: &RoleRequest<'_>,
    ) -> Result<AssumedRole, StsError> {
        let tags = request
            .tags
            .iter()
            .map(|t| Tag::builder().key(&t.key).value(&t.value).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StsError::Sdk(Box::new(e)))?;
        let policy_arns = request
            .policy_arns
            .iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect::<Vec<_>>();
        let duration = i32::try_from(request.duration_seconds).unwrap_or(i32::MAX);
        let output = self
            .client
            .assume_role()
            .role_arn(request.role_arn)
            .role_session_name(request.session_name)
            .duration_seconds(duration)
            .set_external_id(request.external_id.map(str::to_owned))
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys(
                (!request.transitive_tag_keys.is_empty())
                    .then(|| request.transitive_tag_keys.to_vec()),
            )
            .set_policy(request.policy.map(str::to_owned))
            .set_policy_arns((!policy_arns.is_empty()).then_some(policy_arns))
            .customize()
            .config_override(aws_sdk_sts::config::Builder::default().credentials_provider(source))
            .send()
            .await
            .map_err(|e| convert_error("AssumeRole", e))?;
        assumed_role(output.credentials, output.assumed_role_user, None)
    }
}
