//! The STS calls: `AssumeRoleWithWebIdentity` (unsigned: the JWT is the credential) and
//! `AssumeRole` (role chaining, signed with credentials already held), and what their errors mean.
//!
//! The client is built with an explicit region, no credentials provider and no default chain:
//! nothing probes profile files or instance metadata. A signed call gets its credentials for that
//! one call. The SDK's own retries are off; [`crate::exchange`] and [`crate::chain`] retry.
//! Error codes and their meaning: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>.

use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, Region as SdkRegion, SdkConfig};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::PolicyDescriptorType;
use aws_smithy_types::date_time::Format;

use crate::http::BodyError;
use crate::inputs::Inputs;
use crate::retry::Retry;
use crate::secret::Secret;
use crate::sts_http::ReqwestHttpClient;
use crate::transport::TransportError;

mod assume_role;
mod caller;

pub use assume_role::RoleRequest;

/// Throttling codes, as the SDK's standard retry strategy lists them.
const THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];
const TRANSIENT_CODES: [&str; 5] = [
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
];

/// Temporary credentials. Every part is a [`Secret`]; only the expiry prints.
#[derive(Debug, Clone)]
pub struct SessionCredentials {
    /// `AccessKeyId`.
    pub access_key_id: Secret,
    /// `SecretAccessKey`.
    pub secret_access_key: Secret,
    /// `SessionToken`.
    pub session_token: Secret,
    /// `Expiration`, ISO-8601 (`2030-01-01T00:00:00Z`).
    pub expiration: String,
}

impl SessionCredentials {
    /// The credentials as the AWS SDK's type, for programs that embed this crate.
    pub fn to_sdk_credentials(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.reveal(),
            self.secret_access_key.reveal(),
            Some(self.session_token.reveal().to_owned()),
            None,
            "oidc-assume",
        )
    }
}

/// What STS gave.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    /// The credentials.
    pub credentials: SessionCredentials,
    /// `AssumedRoleUser.Arn`, e.g. `arn:aws:sts::111122223333:assumed-role/role/session`.
    pub arn: String,
    /// The account id, from that ARN.
    pub account_id: String,
    /// `SubjectFromWebIdentityToken`.
    pub subject: Option<String>,
}

/// Why STS gave no credentials.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// STS answered with an error code.
    #[error("STS refused {operation}: {code}: {message}")]
    Service {
        /// The operation, e.g. `AssumeRole`.
        operation: &'static str,
        /// The error code, e.g. `AccessDenied`.
        code: String,
        /// STS's message (untrusted text: printed neutralised).
        message: String,
        /// The HTTP status.
        status: Option<u16>,
    },
    /// STS answered, but not in its XML (often a proxy's or load balancer's page).
    #[error("STS's answer (HTTP {}) could not be read as an STS response; a proxy or firewall may have answered instead", .status.map_or_else(|| "?".to_owned(), |s| s.to_string()))]
    Unreadable {
        /// The HTTP status.
        status: Option<u16>,
    },
    /// No answer came.
    #[error("the request to STS failed")]
    Transport(#[source] TransportError),
    /// The answer's body was too large to be STS's, or could not be read.
    #[error("STS answered with a body that cannot be used")]
    Body(#[source] BodyError),
    /// The answer lacked a field or held a value that cannot be used safely.
    #[error("STS's answer cannot be used: {0}")]
    BadCredentials(String),
    /// The SDK refused to build or send the request.
    #[error("the STS request could not be sent")]
    Sdk(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StsError {
    /// The error code STS sent, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            StsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// STS's message, if it sent an error code.
    pub fn message(&self) -> Option<&str> {
        match self {
            StsError::Service { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Whether the trust policy refused this token: the case worth a diagnosis.
    pub fn is_access_denied(&self) -> bool {
        matches!(self.code(), Some("AccessDenied" | "AccessDeniedException"))
    }

    /// Whether another attempt, with a fresh JWT, may help (aws-sts.md section 2).
    pub fn retry(&self) -> Retry {
        match self {
            StsError::Service {
                code,
                message,
                status,
                ..
            } => classify_code(code, message, *status),
            StsError::Unreadable { status } => match status {
                Some(500..=599) => Retry::Transient,
                _ => Retry::Permanent,
            },
            StsError::Transport(e) => e.retry(),
            StsError::Body(_) | StsError::BadCredentials(_) | StsError::Sdk(_) => Retry::Permanent,
        }
    }
}

/// The retry decision for an STS error code.
pub fn classify_code(code: &str, message: &str, status: Option<u16>) -> Retry {
    match code {
        "IDPCommunicationError" => Retry::Transient,
        // STS could not fetch GitHub's keys: transient. Any other invalid token is permanent.
        "InvalidIdentityToken"
            if crate::sts_messages::recognise(code, message)
                == Some(crate::sts_messages::Refusal::VerificationKey) =>
        {
            Retry::Transient
        }
        "ExpiredTokenException" | "ExpiredToken" => Retry::Once,
        c if THROTTLING_CODES.contains(&c) || TRANSIENT_CODES.contains(&c) => Retry::Transient,
        _ if status.is_some_and(|s| (500..=599).contains(&s)) => Retry::Transient,
        _ => Retry::Permanent,
    }
}

/// An STS client for one region and endpoint.
#[derive(Debug, Clone)]
pub struct StsClient {
    client: aws_sdk_sts::Client,
}

impl StsClient {
    /// Builds the client: explicit region, unsigned, no SDK retries, our HTTP client.
    pub fn new(
        http: reqwest::Client,
        region: &str,
        endpoint: Option<&str>,
        attempt_timeout: Duration,
    ) -> Self {
        let mut config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(SdkRegion::new(region.to_owned()))
            .http_client(ReqwestHttpClient::new(http))
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(attempt_timeout)
                    .build(),
            );
        if let Ok(name) = AppName::new("oidc-assume") {
            config = config.app_name(name);
        }
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        Self {
            client: aws_sdk_sts::Client::new(&config.build()),
        }
    }

    /// Calls `AssumeRoleWithWebIdentity` once. Unless `last` (more roles follow in a chain), the
    /// session asks for the minimum duration and no session policies: those belong to the last role.
    pub async fn assume(
        &self,
        inputs: &Inputs,
        jwt: &Secret,
        last: bool,
    ) -> Result<AssumedRole, StsError> {
        let policy_arns = inputs
            .managed_session_policies
            .iter()
            .filter(|_| last)
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect::<Vec<_>>();
        let seconds = if last {
            inputs.duration_seconds
        } else {
            crate::inputs::INTERMEDIATE_DURATION_SECONDS
        };
        let duration = i32::try_from(seconds).unwrap_or(i32::MAX);
        let output = self
            .client
            .assume_role_with_web_identity()
            .role_arn(&inputs.role_arn)
            .role_session_name(&inputs.role_session_name)
            .web_identity_token(jwt.reveal())
            .duration_seconds(duration)
            .set_policy(inputs.inline_session_policy.clone().filter(|_| last))
            .set_policy_arns((!policy_arns.is_empty()).then_some(policy_arns))
            .send()
            .await
            .map_err(|e| convert_error("AssumeRoleWithWebIdentity", e))?;

        let subject = output.subject_from_web_identity_token.clone();
        assumed_role(output.credentials, output.assumed_role_user, subject)
    }
}

/// Checks what STS answered and keeps it as [`AssumedRole`]: every credential is checked for
/// length and characters before it can reach a log or a file.
fn assumed_role(
    credentials: Option<aws_sdk_sts::types::Credentials>,
    user: Option<aws_sdk_sts::types::AssumedRoleUser>,
    subject: Option<String>,
) -> Result<AssumedRole, StsError> {
    let creds = credentials.ok_or_else(|| StsError::BadCredentials("no Credentials".to_owned()))?;
    let user = user.ok_or_else(|| StsError::BadCredentials("no AssumedRoleUser".to_owned()))?;
    let expiry = creds.expiration;
    if SystemTime::try_from(expiry).is_ok_and(|t| t <= SystemTime::now()) {
        return Err(StsError::BadCredentials(
            "the credentials' Expiration is already past".to_owned(),
        ));
    }
    let account_id = account_of(&user.arn)?;
    Ok(AssumedRole {
        credentials: SessionCredentials {
            access_key_id: checked("AccessKeyId", creds.access_key_id, is_key_id_char, 16, 128)?,
            secret_access_key: checked(
                "SecretAccessKey",
                creds.secret_access_key,
                is_base64_char,
                1,
                16_384,
            )?,
            session_token: checked(
                "SessionToken",
                creds.session_token,
                is_base64_char,
                1,
                16_384,
            )?,
            expiration: expiry.fmt(Format::DateTime).map_err(|_| {
                StsError::BadCredentials("the Expiration cannot be written as a date".to_owned())
            })?,
        },
        arn: user.arn,
        account_id,
        subject,
    })
}

fn is_key_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')
}

/// Refuses a credential that is empty, too long or holds characters that could break a log line or
/// a file command (newline, `%`, spaces, control characters). The value is never quoted.
fn checked(
    field: &str,
    value: String,
    allowed: fn(char) -> bool,
    min: usize,
    max: usize,
) -> Result<Secret, StsError> {
    if !(min..=max).contains(&value.len()) || !value.chars().all(allowed) {
        return Err(StsError::BadCredentials(format!(
            "{field} is empty, too long or holds characters outside the expected set; it was not written anywhere"
        )));
    }
    Ok(Secret::new(value))
}

/// The account id in `arn:<partition>:sts::<account>:assumed-role/...`.
fn account_of(arn: &str) -> Result<String, StsError> {
    let account = arn.split(':').nth(4).unwrap_or_default();
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(account.to_owned())
    } else {
        Err(StsError::BadCredentials(
            "AssumedRoleUser.Arn holds no 12-digit account id".to_owned(),
        ))
    }
}

/// The SDK's error as an [`StsError`], whatever the operation.
pub(crate) fn convert_error<E>(operation: &'static str, error: SdkError<E>) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(context) => {
            let status = Some(context.raw().status().as_u16());
            let err = context.err();
            match err.code() {
                Some(code) => StsError::Service {
                    operation,
                    code: code.to_owned(),
                    message: err.message().unwrap_or_default().to_owned(),
                    status,
                },
                None => StsError::Unreadable { status },
            }
        }
        SdkError::ResponseError(context) => StsError::Unreadable {
            status: Some(context.raw().status().as_u16()),
        },
        SdkError::TimeoutError(_) => StsError::Transport(TransportError::Timeout),
        SdkError::DispatchFailure(failure) => {
            let connector = failure.as_connector_error();
            if connector.is_some_and(|c| c.is_timeout()) {
                return StsError::Transport(TransportError::Timeout);
            }
            let mut cause: Option<&(dyn std::error::Error + 'static)> =
                connector.map(|c| c as &(dyn std::error::Error + 'static));
            while let Some(current) = cause {
                if let Some(t) = current.downcast_ref::<TransportError>() {
                    return StsError::Transport(clone_transport(t));
                }
                match current.downcast_ref::<BodyError>() {
                    Some(BodyError::TooLarge) => return StsError::Body(BodyError::TooLarge),
                    Some(BodyError::Unreadable { reason }) => {
                        return StsError::Body(BodyError::Unreadable { reason });
                    }
                    None => {}
                }
                cause = current.source();
            }
            StsError::Transport(TransportError::Connect {
                reason: "no HTTP answer".to_owned(),
            })
        }
        other => StsError::Sdk(Box::new(other)),
    }
}

fn clone_transport(error: &TransportError) -> TransportError {
    match error {
        TransportError::Timeout => TransportError::Timeout,
        TransportError::Tls { reason } => TransportError::Tls {
            reason: reason.clone(),
        },
        TransportError::Proxy { reason } => TransportError::Proxy {
            reason: reason.clone(),
        },
        TransportError::Connect { reason } => TransportError::Connect {
            reason: reason.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{account_of, classify_code};
    use crate::retry::Retry;

    #[test]
    fn error_codes_are_classified() {
        let cases = [
            ("IDPCommunicationError", "", Some(400), Retry::Transient),
            (
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider",
                Some(400),
                Retry::Transient,
            ),
            (
                "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account",
                Some(400),
                Retry::Permanent,
            ),
            (
                "InvalidIdentityToken",
                "Incorrect token audience",
                Some(400),
                Retry::Permanent,
            ),
            (
                "ExpiredTokenException",
                "Token expired",
                Some(400),
                Retry::Once,
            ),
            ("IDPRejectedClaim", "", Some(403), Retry::Permanent),
            (
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                Some(403),
                Retry::Permanent,
            ),
            ("MalformedPolicyDocument", "", Some(400), Retry::Permanent),
            ("PackedPolicyTooLarge", "", Some(400), Retry::Permanent),
            ("RegionDisabledException", "", Some(403), Retry::Permanent),
            ("ValidationError", "", Some(400), Retry::Permanent),
            ("Throttling", "Rate exceeded", Some(400), Retry::Transient),
            ("RequestTimeout", "", Some(408), Retry::Transient),
            ("InternalError", "", Some(500), Retry::Transient),
            ("SomethingNew", "", Some(503), Retry::Transient),
            ("SomethingNew", "", Some(400), Retry::Permanent),
        ];
        for (code, message, status, expected) in cases {
            assert_eq!(
                classify_code(code, message, status),
                expected,
                "{code} {message}"
            );
        }
    }

    #[test]
    fn the_account_comes_from_the_assumed_role_arn() {
        assert_eq!(
            account_of("arn:aws-cn:sts::111122223333:assumed-role/r/s").expect("account"),
            "111122223333"
        );
        assert!(account_of("arn:aws:sts::12:assumed-role/r/s").is_err());
        assert!(account_of("garbage").is_err());
    }
}
