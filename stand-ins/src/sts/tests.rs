use std::time::{Duration, Instant};

use super::request::{RoleArn, iso8601, parse_role_arn};
use super::*;
use crate::faults::{StsError, VERIFICATION_KEY_MESSAGE};
use crate::issuer::{Claims, unix_now};
use crate::test_client::{client, form_body, parse_xml};

const ROLE: &str = "arn:aws:iam::111122223333:role/oidc-assume-demo";
const RESULT: &str = "AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult";

struct Reply {
    status: u16,
    request_id: Option<String>,
    body: String,
}

impl Reply {
    fn xml(&self) -> std::collections::BTreeMap<String, String> {
        parse_xml(&self.body).expect("a well-formed document")
    }

    fn field(&self, path: &str) -> String {
        self.xml()
            .get(&format!("{RESULT}/{path}"))
            .cloned()
            .unwrap_or_default()
    }

    fn error_code(&self) -> String {
        self.xml()["ErrorResponse/Error/Code"].clone()
    }

    fn error_message(&self) -> String {
        self.xml()["ErrorResponse/Error/Message"].clone()
    }
}

async fn post(sts: &Sts, fields: &[(&str, &str)]) -> Reply {
    let response = client()
        .post(format!("{}/", sts.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(fields))
        .send()
        .await
        .expect("STS answers");
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Reply {
        status,
        request_id,
        body: response.text().await.expect("body"),
    }
}

async fn assume(sts: &Sts, token: &str, extra: &[(&str, &str)]) -> Reply {
    let mut fields = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "GitHubActions"),
        ("WebIdentityToken", token),
        ("DurationSeconds", "3600"),
    ];
    for (k, v) in extra {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    post(sts, &fields).await
}

fn token() -> String {
    Issuer::github().mint(&Claims::new())
}

#[tokio::test]
async fn valid_request_gets_real_shaped_credentials() {
    let sts = Sts::start();
    let reply = assume(&sts, &token(), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.field("AssumedRoleUser/Arn"),
        "arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions"
    );
    assert!(
        reply
            .field("AssumedRoleUser/AssumedRoleId")
            .starts_with("AROA")
    );
    assert_eq!(
        reply.field("SubjectFromWebIdentityToken"),
        "repo:octo-org/octo-repo:ref:refs/heads/main"
    );
    assert_eq!(reply.field("Audience"), "sts.amazonaws.com");
    assert_eq!(
        reply.field("Provider"),
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    );
    let key = reply.field("Credentials/AccessKeyId");
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(reply.field("Credentials/SecretAccessKey").len(), 40);
    assert!(reply.field("Credentials/SessionToken").len() > 500);
    let expiration = reply.field("Credentials/Expiration");
    let expected = iso8601(unix_now() + 3600);
    assert_eq!(expiration.len(), "2030-01-01T00:00:00Z".len());
    assert!(
        expiration[..15] == expected[..15],
        "{expiration} vs {expected}"
    );
    assert_eq!(
        reply.xml()["AssumeRoleWithWebIdentityResponse/ResponseMetadata/RequestId"],
        reply.request_id.clone().unwrap()
    );

    assert_eq!(sts.calls(), 1);
    let issued = sts.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].access_key_id, key);
    let request = &sts.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/");
    assert_eq!(request.form_value("RoleArn").as_deref(), Some(ROLE));
    assert_eq!(
        request.form_value("Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(sts.web_identity_tokens().len(), 1);
    assert!(request.header("authorization").is_none());
}

#[tokio::test]
async fn configured_credentials_and_partition_are_used() {
    let creds = StsCredentials::new("ASIASENTINEL0000001", "secret-sentinel", "session-sentinel");
    let sts = Sts::builder()
        .credentials(creds)
        .role_max_session_duration(43200)
        .start()
        .unwrap();
    let gov = "arn:aws-us-gov:iam::111122223333:role/path/to/deployer";
    let reply = assume(
        &sts,
        &token(),
        &[("RoleArn", gov), ("DurationSeconds", "43200")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.field("Credentials/AccessKeyId"),
        "ASIASENTINEL0000001"
    );
    assert_eq!(
        reply.field("Credentials/SecretAccessKey"),
        "secret-sentinel"
    );
    assert_eq!(
        reply.field("AssumedRoleUser/Arn"),
        "arn:aws-us-gov:sts::111122223333:assumed-role/deployer/GitHubActions"
    );
}

#[tokio::test]
async fn parameters_are_validated_like_sts() {
    let sts = Sts::start();
    let t = token();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("RoleArn", "arn:aws:iam::123:role/x")],
            "Request ARN is invalid",
        ),
        (
            &[("RoleArn", "arn:aws:s3:::bucket-name-long")],
            "Request ARN is invalid",
        ),
        (
            &[("RoleArn", "short")],
            "at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
        ),
        (
            &[("RoleSessionName", "x")],
            "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
        ),
        (
            &[("RoleSessionName", "bad name")],
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        (
            &[("RoleSessionName", &"a".repeat(65))],
            "Member must have length less than or equal to 64",
        ),
        (
            &[("DurationSeconds", "899")],
            "Member must have value greater than or equal to 900",
        ),
        (
            &[("DurationSeconds", "43201")],
            "Member must have value less than or equal to 43200",
        ),
        (
            &[("DurationSeconds", "7200")],
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        (&[("DurationSeconds", "soon")], "Member must be an integer"),
    ];
    for (extra, message) in cases {
        let reply = assume(&sts, &t, extra).await;
        assert_eq!(reply.status, 400, "{extra:?}: {}", reply.body);
        assert_eq!(reply.error_code(), "ValidationError", "{extra:?}");
        assert!(
            reply.error_message().contains(message),
            "{extra:?}: {}",
            reply.error_message()
        );
        assert_eq!(reply.xml()["ErrorResponse/Error/Type"], "Sender");
    }
    assert!(sts.issued().is_empty());

    let missing = post(
        &sts,
        &[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
        ],
    )
    .await;
    assert_eq!(missing.error_code(), "ValidationError");
    assert!(
        missing
            .error_message()
            .starts_with("3 validation errors detected: Value null at 'roleArn'")
    );
    let wrong_action = post(
        &sts,
        &[("Action", "GetFederationToken"), ("Version", "2011-06-15")],
    )
    .await;
    assert_eq!(wrong_action.error_code(), "InvalidAction");
    // AssumeRole is signed: an unsigned one is refused before its members are read.
    let unsigned = post(&sts, &[("Action", "AssumeRole"), ("Version", "2011-06-15")]).await;
    assert_eq!(unsigned.error_code(), "MissingAuthenticationToken");
}

#[tokio::test]
async fn oversized_token_is_refused_without_echoing_it() {
    let sts = Sts::start();
    let big = Issuer::github().mint_oversized(&Claims::new());
    let reply = assume(&sts, &big, &[]).await;
    assert_eq!(reply.error_code(), "ValidationError");
    assert!(
        reply
            .error_message()
            .contains("at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000")
    );
    assert!(!reply.body.contains(&big[..40]));
}

#[tokio::test]
async fn tokens_are_verified_like_sts() {
    let sts = Sts::start();
    let github = Issuer::github();
    let cases: Vec<(String, &str, &str)> = vec![
        (
            Issuer::new("https://token.example.invalid").mint(&Claims::new()),
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://token.example.invalid",
        ),
        (
            github.mint(&Claims::new().audience("https://github.com/octo-org")),
            "InvalidIdentityToken",
            "Incorrect token audience",
        ),
        (
            github.mint(&Claims::new().expired(400)),
            "ExpiredTokenException",
            "Token expired: current date/time",
        ),
        (
            {
                // A payload swapped after signing: the signature no longer matches.
                let good = github.mint(&Claims::new());
                let other = github.mint(&Claims::new().actor("mallory"));
                let parts: Vec<&str> = good.split('.').collect();
                let other_payload = other.split('.').nth(1).unwrap();
                format!("{}.{}.{}", parts[0], other_payload, parts[2])
            },
            "InvalidIdentityToken",
            "signature",
        ),
        (
            "not-a-jwt-at-all".to_owned(),
            "InvalidIdentityToken",
            "not a valid JWT",
        ),
        (
            github.mint(&Claims::new().issued_at(unix_now() + 3600)),
            "InvalidIdentityToken",
            "not valid yet",
        ),
    ];
    for (token, code, message) in cases {
        let reply = assume(&sts, &token, &[]).await;
        assert_eq!(reply.status, 400, "{code}: {}", reply.body);
        assert_eq!(reply.error_code(), code);
        assert!(
            reply.error_message().contains(message),
            "{code}: {}",
            reply.error_message()
        );
    }
    // Within the five minutes of skew, an expired token still passes.
    let reply = assume(&sts, &github.mint(&Claims::new().expired(100)), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn audience_list_and_other_client_ids() {
    let provider = Provider::for_issuer(&Issuer::github()).client_ids(&["sts.amazonaws.com.cn"]);
    let sts = Sts::builder().providers(vec![provider]).start().unwrap();
    let cn = Issuer::github().mint(&Claims::new().audience("sts.amazonaws.com.cn"));
    let reply = assume(&sts, &cn, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.field("Audience"), "sts.amazonaws.com.cn");
    let wrong = assume(&sts, &token(), &[]).await;
    assert_eq!(wrong.error_message(), "Incorrect token audience");
}

#[tokio::test]
async fn trust_check_refusal_is_access_denied() {
    let sts = Sts::builder()
        .trust(require_claim(
            "sub",
            "repo:octo-org/octo-repo:environment:prod",
        ))
        .start()
        .unwrap();
    let reply = assume(&sts, &token(), &[]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "AccessDenied");
    assert_eq!(
        reply.error_message(),
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    );
    assert_eq!(sts.refusals().len(), 1);
    assert!(sts.refusals()[0].contains("repo:octo-org/octo-repo:ref:refs/heads/main"));

    let prod = Issuer::github().mint(&Claims::new().environment("prod"));
    assert_eq!(assume(&sts, &prod, &[]).await.status, 200);
    sts.set_trust(None);
    assert_eq!(assume(&sts, &token(), &[]).await.status, 200);
}

#[tokio::test]
async fn session_policies_are_checked() {
    let sts = Sts::start();
    let t = token();
    let bad = assume(&sts, &t, &[("Policy", "{not json")]).await;
    assert_eq!(bad.error_code(), "MalformedPolicyDocument");
    let long = "x".repeat(2049);
    let too_long = assume(&sts, &t, &[("Policy", &long)]).await;
    assert_eq!(too_long.error_code(), "ValidationError");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let ok = assume(
        &sts,
        &t,
        &[("Policy", policy), ("PolicyArns.member.1.arn", arn)],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(!ok.field("PackedPolicySize").is_empty());
    let keys: Vec<String> = (1..=11)
        .map(|n| format!("PolicyArns.member.{n}.arn"))
        .collect();
    let mut extra: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), arn)).collect();
    extra.push(("Version", "2011-06-15"));
    let eleven = assume(&sts, &t, &extra).await;
    assert_eq!(eleven.error_code(), "ValidationError");
}

#[tokio::test]
async fn every_documented_error_can_be_scripted() {
    let sts = Sts::start();
    for error in StsError::ALL {
        sts.push(error.fault());
        let reply = assume(&sts, &token(), &[]).await;
        assert_eq!(reply.status, error.status(), "{error:?}");
        match error.code() {
            Some(code) => {
                assert_eq!(reply.error_code(), code);
                assert_eq!(reply.error_message(), error.message());
                let kind = if error.status() < 500 {
                    "Sender"
                } else {
                    "Receiver"
                };
                assert_eq!(reply.xml()["ErrorResponse/Error/Type"], kind);
            }
            None => assert!(reply.body.is_empty()),
        }
    }
    // Then the default again.
    assert_eq!(assume(&sts, &token(), &[]).await.status, 200);
    assert_eq!(sts.calls(), StsError::ALL.len() + 1);

    sts.push(StsError::VerificationKey.fault());
    assert_eq!(
        assume(&sts, &token(), &[]).await.error_message(),
        VERIFICATION_KEY_MESSAGE
    );
}

#[tokio::test]
async fn queue_then_default() {
    let sts = Sts::builder()
        .fault(StsError::Throttling.fault())
        .fault(StsError::Throttling.fault())
        .start()
        .unwrap();
    let t = token();
    assert_eq!(assume(&sts, &t, &[]).await.error_code(), "Throttling");
    assert_eq!(assume(&sts, &t, &[]).await.error_code(), "Throttling");
    assert_eq!(assume(&sts, &t, &[]).await.status, 200);
    sts.set_default(StsError::ServiceUnavailable.fault());
    assert_eq!(assume(&sts, &t, &[]).await.status, 503);
}

#[tokio::test]
async fn broken_documents() {
    let sts = Sts::start();
    let t = token();

    sts.push(Fault::Html(502));
    let html = assume(&sts, &t, &[]).await;
    assert_eq!(html.status, 502);
    assert!(html.body.starts_with("<!DOCTYPE html>"));

    sts.push(Fault::TruncatedXml);
    let truncated = assume(&sts, &t, &[]).await;
    assert_eq!(truncated.status, 200);
    assert!(parse_xml(&truncated.body).is_err());

    sts.push(Fault::EntityExpansionXml);
    let bomb = assume(&sts, &t, &[]).await;
    assert!(bomb.body.contains("<!ENTITY lol9"));
    assert!(bomb.body.len() < 10_000, "the document itself is small");

    sts.push(Fault::HugeBody);
    let huge = assume(&sts, &t, &[]).await;
    assert!(huge.body.len() >= HUGE_BODY_BYTES);
    assert!(huge.field("Credentials/AccessKeyId").starts_with("ASIA"));
}

#[tokio::test]
async fn slow_hanging_trickling_and_cut_off_answers() {
    let sts = Sts::start();
    let t = token();
    let request = |timeout: Duration| {
        client()
            .post(format!("{}/", sts.url()))
            .timeout(timeout)
            .body(form_body(&[
                ("Action", "AssumeRoleWithWebIdentity"),
                ("Version", "2011-06-15"),
                ("RoleArn", ROLE),
                ("RoleSessionName", "s1"),
                ("WebIdentityToken", &t),
            ]))
            .send()
    };

    sts.push(Fault::Hang);
    let err = request(Duration::from_millis(300)).await.unwrap_err();
    assert!(err.is_timeout());

    sts.push(Fault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    let ok = request(Duration::from_secs(5)).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sts.push(Fault::Trickle(Duration::from_millis(20)));
    let mut trickle = request(Duration::from_secs(5)).await.unwrap();
    assert_eq!(trickle.status(), 200);
    for _ in 0..5 {
        assert_eq!(trickle.chunk().await.unwrap().unwrap().len(), 1);
    }
    drop(trickle);

    sts.push(Fault::CutOff);
    let cut = request(Duration::from_secs(5)).await.unwrap();
    assert!(cut.text().await.is_err(), "a cut body is a transport error");

    // The server still serves after all that.
    assert_eq!(request(Duration::from_secs(5)).await.unwrap().status(), 200);
}

#[tokio::test]
async fn hostile_credentials_are_delivered_verbatim() {
    let sts = Sts::start();
    let t = token();
    let hostile = [
        StsCredentials::new("ASIAEXAMPLE", "line1\nline2", "token"),
        StsCredentials::new("ASIAEXAMPLE", "100%25", "tok\r\nen"),
        StsCredentials::new("ASIAEXAMPLE", "secret", "ghadelimiter_123\nAWS_X=1"),
        StsCredentials::new("", "", ""),
        StsCredentials::new("ASIAEXAMPLE", "s", "t").with_expiration("2001-01-01T00:00:00Z"),
    ];
    for creds in hostile {
        sts.push(Fault::Credentials(creds.clone()));
        let reply = assume(&sts, &t, &[]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.field("Credentials/AccessKeyId"), creds.access_key_id);
        assert_eq!(
            reply.field("Credentials/SecretAccessKey"),
            creds.secret_access_key
        );
        assert_eq!(reply.field("Credentials/SessionToken"), creds.session_token);
        if let Some(exp) = &creds.expiration {
            assert_eq!(&reply.field("Credentials/Expiration"), exp);
        }
    }
}

#[test]
fn role_arns_parse() {
    let arn = parse_role_arn("arn:aws-cn:iam::123456789012:role/a/b/c-d").unwrap();
    assert_eq!(
        arn,
        RoleArn {
            partition: "aws-cn".into(),
            account: "123456789012".into(),
            name: "c-d".into()
        }
    );
    for bad in [
        "arn:aws:iam::12345678901:role/x",
        "arn:aws:iam::123456789012:user/x",
        "arn:aws:iam:us-east-1:123456789012:role/x",
        "arn:other:iam::123456789012:role/x",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/x\ny",
    ] {
        assert_eq!(parse_role_arn(bad), None, "{bad}");
    }
}

#[test]
fn sts_runs_from_a_sync_test_and_stops_on_drop() {
    let sts = Sts::start();
    let addr = sts.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(sts);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn concurrent_callers_share_one_script() {
    let sts = Arc::new(
        Sts::builder()
            .fault(StsError::Throttling.fault())
            .fault(StsError::Throttling.fault())
            .fault(StsError::Throttling.fault())
            .start()
            .unwrap(),
    );
    let t = token();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (sts, t) = (sts.clone(), t.clone());
            tokio::spawn(async move { assume(&sts, &t, &[]).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 400, 400, 400]);
    assert_eq!(sts.calls(), 8);
    assert_eq!(sts.issued().len(), 5);
}
