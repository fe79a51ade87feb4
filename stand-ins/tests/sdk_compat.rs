//! The real `aws-sdk-sts` talks to the STS stand-in: its answers parse as STS's do, its errors
//! carry the codes the SDK classifies, and the SDK's request is what the stand-in expects.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
use aws_sdk_sts::error::ProvideErrorMetadata as _;
use aws_sdk_sts::types::Tag;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response as SdkResponse;
use aws_smithy_types::body::SdkBody;
use oidc_assume_stand_ins::sts::{AssumeRoleCall, deny_tag_session, require_external_id};
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
    aws_sdk_sts::Client::from_conf(sdk_config(sts).build())
}

/// A client that signs with `credentials`, as a chained call does.
fn signed_sdk(sts: &Sts, credentials: &StsCredentials) -> aws_sdk_sts::Client {
    let token = Some(credentials.session_token.clone()).filter(|t| !t.is_empty());
    let config = sdk_config(sts)
        .credentials_provider(Credentials::new(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            token,
            None,
            "test",
        ))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn sdk_config(sts: &Sts) -> aws_sdk_sts::config::Builder {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .http_client(Reqwest(http))
        .retry_config(RetryConfig::disabled())
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

const TARGET: &str = "arn:aws:iam::444455556666:role/target";

/// The credentials of a web identity session the stand-in issued.
async fn hub_session(sts: &Sts) -> StsCredentials {
    let out = assume(&sdk(sts)).await.unwrap();
    let creds = out.credentials().unwrap();
    StsCredentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    )
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn error_of(
    error: aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
) -> (String, String) {
    let service = error.into_service_error();
    (
        service.code().unwrap_or_default().to_owned(),
        service.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_chained_call_signed_by_the_sdk_is_verified_and_recorded() {
    let sts = Sts::start();
    let hub = hub_session(&sts).await;
    let out = signed_sdk(&sts, &hub)
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("GitHubActions")
        .duration_seconds(900)
        .external_id("tenant-42")
        .tags(tag("Repository", "octo-org/octo-repo"))
        .tags(tag("Actor", "octocat"))
        .transitive_tag_keys("Repository")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::444455556666:assumed-role/target/GitHubActions"
    );
    assert_eq!(
        out.credentials().unwrap().access_key_id(),
        sts.issued()[1].access_key_id
    );
    let request = &sts.requests()[1];
    assert_eq!(
        request.header("x-amz-security-token"),
        Some(hub.session_token.as_str())
    );
    assert_eq!(
        sts.assume_role_calls(),
        vec![AssumeRoleCall {
            caller_access_key_id: hub.access_key_id.clone(),
            role_arn: TARGET.to_owned(),
            session_name: "GitHubActions".to_owned(),
            duration_seconds: Some("900".to_owned()),
            external_id: Some("tenant-42".to_owned()),
            tags: vec![
                ("Repository".to_owned(), "octo-org/octo-repo".to_owned()),
                ("Actor".to_owned(), "octocat".to_owned()),
            ],
            transitive_tag_keys: vec!["Repository".to_owned()],
            policy: None,
            policy_arns: Vec::new(),
        }]
    );

    // The new session can chain again with its own credentials.
    let target = {
        let c = out.credentials().unwrap();
        StsCredentials::new(c.access_key_id(), c.secret_access_key(), c.session_token())
    };
    signed_sdk(&sts, &target)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("next")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn signatures_by_wrong_or_unknown_credentials_are_refused() {
    let sts = Sts::start();
    let hub = hub_session(&sts).await;
    let call = |creds: StsCredentials| {
        let client = signed_sdk(&sts, &creds);
        async move {
            client
                .assume_role()
                .role_arn(TARGET)
                .role_session_name("s1")
                .send()
                .await
        }
    };
    let mut wrong_secret = hub.clone();
    wrong_secret.secret_access_key.push('x');
    let (code, message) = error_of(call(wrong_secret).await.unwrap_err());
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(
        message.starts_with("The request signature we calculated"),
        "{message}"
    );

    let mut wrong_token = hub.clone();
    wrong_token.session_token.push('A');
    assert_eq!(
        error_of(call(wrong_token).await.unwrap_err()).0,
        "InvalidClientTokenId"
    );
    let unknown = StsCredentials::new("AKIAUNKNOWNUNKNOWN00", "secret", "");
    assert_eq!(
        error_of(call(unknown).await.unwrap_err()).0,
        "InvalidClientTokenId"
    );
    // An unsigned AssumeRole is refused before anything else.
    let unsigned = sdk(&sts)
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("s1")
        .send()
        .await;
    assert!(unsigned.is_err());
    assert!(sts.assume_role_calls().is_empty());
    assert_eq!(
        sts.requests().len(),
        4,
        "one web identity and three refused calls"
    );
}

#[tokio::test]
async fn a_role_session_may_chain_for_one_hour_at_most() {
    let sts = Sts::builder()
        .role_max_session_duration(43200)
        .start()
        .unwrap();
    let hub = hub_session(&sts).await;
    let chained = |secs: i32| {
        let client = signed_sdk(&sts, &hub);
        async move {
            client
                .assume_role()
                .role_arn(TARGET)
                .role_session_name("s1")
                .duration_seconds(secs)
                .send()
                .await
        }
    };
    chained(3600).await.unwrap();
    let (code, message) = error_of(chained(3601).await.unwrap_err());
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );

    // Long-term keys (no session token) are not chaining: the role's maximum applies.
    let user = StsCredentials::new("AKIAEXAMPLEUSER00001", "user-secret", "");
    let sts = Sts::builder()
        .role_max_session_duration(43200)
        .source_credentials(user.clone(), "arn:aws:iam::111122223333:user/ci")
        .start()
        .unwrap();
    signed_sdk(&sts, &user)
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("s1")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn trust_policies_refuse_tags_and_wrong_external_ids_as_sts_words_it() {
    let sts = Sts::builder()
        .chain_trust(deny_tag_session())
        .start()
        .unwrap();
    let hub = hub_session(&sts).await;
    let client = signed_sdk(&sts, &hub);
    let (code, message) = error_of(
        client
            .assume_role()
            .role_arn(TARGET)
            .role_session_name("s1")
            .tags(tag("Actor", "octocat"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions is not authorized to perform: sts:TagSession on resource: {TARGET}"
        )
    );
    client
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();

    sts.set_chain_trust(Some(require_external_id("tenant-42")));
    let denied = client
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("s1")
        .external_id("tenant-41")
        .send()
        .await
        .unwrap_err();
    assert!(error_of(denied).1.contains("sts:AssumeRole on resource"));
}

#[tokio::test]
async fn tags_beyond_the_packed_limit_are_refused() {
    let sts = Sts::builder().packed_policy_limit(64).start().unwrap();
    let hub = hub_session(&sts).await;
    let client = signed_sdk(&sts, &hub);
    let (code, message) = error_of(
        client
            .assume_role()
            .role_arn(TARGET)
            .role_session_name("s1")
            .tags(tag("Repository", &"r".repeat(80)))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "PackedPolicyTooLarge");
    assert_eq!(
        message,
        "Packed policy consumes 140% of allotted space, please use smaller policy."
    );
    let (code, message) = error_of(
        client
            .assume_role()
            .role_arn(TARGET)
            .role_session_name("s1")
            .tags(tag("Bad", "a;b"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ValidationError");
    assert!(message.contains("tags.member.value"), "{message}");
}

#[tokio::test]
async fn get_caller_identity_names_the_signing_session() {
    let sts = Sts::start();
    let hub = hub_session(&sts).await;
    let out = signed_sdk(&sts, &hub)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.arn(),
        Some("arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions")
    );
    assert_eq!(out.account(), Some("111122223333"));
    let mut wrong = hub.clone();
    wrong.secret_access_key.push('x');
    let refused = signed_sdk(&sts, &wrong)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.into_service_error().code(),
        Some("SignatureDoesNotMatch")
    );
}
