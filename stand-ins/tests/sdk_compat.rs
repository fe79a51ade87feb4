//! The real `aws-sdk-sts` talks to the STS stand-in: its answers parse as STS's do, its errors
//! carry the codes the SDK classifies, and the SDK's request is what the stand-in expects.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_sdk_sts::error::ProvideErrorMetadata as _;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response as SdkResponse;
use aws_smithy_types::body::SdkBody;
use oidc_assume_stand_ins::{Claims, Fault, Issuer, Sts, StsCredentials, StsError};

/// A minimal SDK HTTP client over reqwest, enough for STS's small bodies.
#[derive(Clone, Debug)]
struct Reqwest(reqwest::Client);

impl HttpConnector for Reqwest {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            let (parts, body) = request.into_parts();
            let body = body.bytes().unwrap_or_default().to_vec();
            let response = client
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?;
            let mut builder = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?;
            let response = builder
                .body(SdkBody::from(bytes))
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            SdkResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

impl HttpClient for Reqwest {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn sdk(sts: &Sts) -> aws_sdk_sts::Client {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .http_client(Reqwest(http))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

const ROLE: &str = "arn:aws:iam::111122223333:role/oidc-assume-demo";

async fn assume(
    client: &aws_sdk_sts::Client,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput,
    aws_sdk_sts::error::SdkError<
        aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError,
    >,
> {
    client
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("GitHubActions")
        .web_identity_token(Issuer::github().mint(&Claims::new()))
        .duration_seconds(3600)
        .send()
        .await
}

#[tokio::test]
async fn sdk_parses_a_success() {
    let sts = Sts::start();
    let client = sdk(&sts);
    let out = assume(&client).await.unwrap();
    let issued = &sts.issued()[0];
    let creds = out.credentials().unwrap();
    assert_eq!(creds.access_key_id(), issued.access_key_id);
    assert_eq!(creds.secret_access_key(), issued.secret_access_key);
    assert_eq!(creds.session_token(), issued.session_token);
    let expiration = creds.expiration().secs();
    let now = oidc_assume_stand_ins::issuer::unix_now();
    assert!((expiration - (now + 3600)).abs() < 10);
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions"
    );
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some("repo:octo-org/octo-repo:ref:refs/heads/main")
    );
    assert_eq!(out.audience(), Some("sts.amazonaws.com"));

    // What the SDK sends is what the stand-in checks.
    let request = &sts.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/");
    assert!(request.header("authorization").is_none(), "unsigned");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.form_value("Version").as_deref(), Some("2011-06-15"));
    assert_eq!(
        request.form_value("DurationSeconds").as_deref(),
        Some("3600")
    );
}

#[tokio::test]
async fn sdk_reads_every_error_code() {
    let sts = Sts::start();
    let client = sdk(&sts);
    for error in StsError::ALL {
        sts.push(error.fault());
        let err = assume(&client).await.unwrap_err();
        let raw = err.raw_response().map(|r| r.status().as_u16());
        assert_eq!(raw, Some(error.status()), "{error:?}");
        let service = err.into_service_error();
        assert_eq!(service.code(), error.code(), "{error:?}");
        if error.code().is_some() {
            assert_eq!(service.message(), Some(error.message()), "{error:?}");
        }
        match error {
            StsError::ExpiredToken => assert!(service.is_expired_token_exception()),
            StsError::InvalidIdentityToken | StsError::VerificationKey => {
                assert!(service.is_invalid_identity_token_exception())
            }
            StsError::IdpCommunicationError => {
                assert!(service.is_idp_communication_error_exception())
            }
            StsError::IdpRejectedClaim => assert!(service.is_idp_rejected_claim_exception()),
            StsError::MalformedPolicyDocument => {
                assert!(service.is_malformed_policy_document_exception())
            }
            StsError::PackedPolicyTooLarge => {
                assert!(service.is_packed_policy_too_large_exception())
            }
            StsError::RegionDisabled => assert!(service.is_region_disabled_exception()),
            _ => {}
        }
    }
}

#[tokio::test]
async fn sdk_refuses_broken_documents_and_keeps_hostile_values() {
    let sts = Sts::start();
    let client = sdk(&sts);
    for fault in [Fault::Html(502), Fault::EntityExpansionXml] {
        sts.push(fault.clone());
        assert!(assume(&client).await.is_err(), "{fault:?}");
    }
    let hostile = StsCredentials::new("ASIAEXAMPLE", "line1\nline2", "ghadelimiter_1\n%0A\r");
    sts.push(Fault::Credentials(hostile.clone()));
    let out = assume(&client).await.unwrap();
    let creds = out.credentials().unwrap();
    assert_eq!(creds.secret_access_key(), hostile.secret_access_key);
    assert_eq!(creds.session_token(), hostile.session_token);
}

/// Pins a hazard of the SDK (aws-sdk-sts 1.124): a success document cut in the middle of the
/// session token parses as a success with a truncated token and `Expiration` defaulted to the
/// Unix epoch. The action must refuse credentials whose expiry is not in the future.
#[tokio::test]
async fn sdk_accepts_a_truncated_document_with_an_epoch_expiry() {
    let sts = Sts::start();
    let client = sdk(&sts);
    sts.push(Fault::TruncatedXml);
    let out = assume(&client).await.unwrap();
    let creds = out.credentials().unwrap();
    let issued = &sts.issued()[0];
    assert_eq!(creds.expiration().secs(), 0);
    assert!(creds.session_token().len() < issued.session_token.len());
    assert!(issued.session_token.starts_with(creds.session_token()));
}
