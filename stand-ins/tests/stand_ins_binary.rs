//! The `stand-ins` binary: prints its URLs as one JSON line, serves a full exchange, and stops
//! when its stdin closes.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn client(ca_pem: Option<&str>) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        use rustls::pki_types::{CertificateDer, pem::PemObject as _};
        roots
            .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
            .unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn field(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = xml[start..].find('<').unwrap() + start;
    xml[start..end].to_owned()
}

async fn exchange(args: &[&str]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stand-ins"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let ca = ready["ca_pem"].as_str();
    let client = client(ca);

    let token_url = format!(
        "{}&audience=sts.amazonaws.com",
        ready["token_url"].as_str().unwrap()
    );
    let answer: Value = serde_json::from_str(
        &client
            .get(&token_url)
            .bearer_auth(ready["request_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let jwt = answer["value"].as_str().unwrap();

    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", ready["role_arn"].as_str().unwrap())
        .append_pair("RoleSessionName", "GitHubActions")
        .append_pair("WebIdentityToken", jwt)
        .finish();
    let reply = client
        .post(format!("{}/", ready["sts_url"].as_str().unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let xml = reply.text().await.unwrap();
    assert_eq!(
        field(&xml, "Arn"),
        "arn:aws:sts::111122223333:assumed-role/oidc-assume-demo/GitHubActions"
    );

    // Closing stdin stops it.
    drop(child.stdin.take());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn plain_http() {
    exchange(&[]).await;
}

#[tokio::test]
async fn https_with_its_own_ca() {
    exchange(&["--tls"]).await;
}

#[test]
fn unknown_sts_error_name_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_stand-ins"))
        .args(["--sts-error", "Nope"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Throttling"));
}
