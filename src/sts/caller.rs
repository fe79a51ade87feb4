//! `GetCallerIdentity`: who the credentials in hand belong to, signed with them
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).

use aws_credential_types::Credentials;

use super::{StsClient, StsError, convert_error};

impl StsClient {
    /// Calls `GetCallerIdentity` once, signed with `credentials`; returns the caller's ARN.
    pub async fn caller_arn(&self, credentials: Credentials) -> Result<String, StsError> {
        let output = self
            .client
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default().credentials_provider(credentials),
            )
            .send()
            .await
            .map_err(|e| convert_error("GetCallerIdentity", e))?;
        output
            .arn
            .ok_or_else(|| StsError::BadCredentials("GetCallerIdentity gave no Arn".to_owned()))
    }
}
