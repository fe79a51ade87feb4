use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::issuer::{AWS_AUDIENCE, OVERSIZED_TOKEN_LEN};
use crate::test_client::{client, tls_client};
use crate::tls::{TestCa, unknown_ca_tls};

async fn fetch(endpoint: &TokenEndpoint, audience: Option<&str>) -> reqwest::Response {
    let mut url = url::Url::parse(&endpoint.url()).unwrap();
    if let Some(audience) = audience {
        url.query_pairs_mut().append_pair("audience", audience);
    }
    client()
        .get(url)
        .bearer_auth(endpoint.request_token())
        .header("accept", "application/json")
        .send()
        .await
        .expect("the endpoint answers")
}

async fn json(endpoint: &TokenEndpoint, audience: Option<&str>) -> (u16, Value) {
    let response = fetch(endpoint, audience).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn issues_a_verifiable_token_for_the_requested_audience() {
    let endpoint = TokenEndpoint::start();
    assert!(endpoint.url().ends_with("/token?api-version=2.0"));
    let (status, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(status, 200);
    let value = body["value"].as_str().unwrap();
    assert_eq!(body["count"], value.len());
    let claims = endpoint.issuer().verify(value, AWS_AUDIENCE).unwrap();
    assert_eq!(claims["repository"], "octo-org/octo-repo");
    assert_eq!(endpoint.minted(), vec![value.to_owned()]);

    let requests = endpoint.token_requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path(), "/token");
    assert_eq!(r.query_value("api-version").as_deref(), Some("2.0"));
    assert_eq!(r.query_values("audience"), vec![AWS_AUDIENCE.to_owned()]);
    assert_eq!(r.bearer(), Some(endpoint.request_token()));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(endpoint.calls(), 1);
}

#[tokio::test]
async fn without_audience_the_owner_url_is_used() {
    let endpoint = TokenEndpoint::start();
    let (_, body) = json(&endpoint, None).await;
    let token = body["value"].as_str().unwrap();
    endpoint
        .issuer()
        .verify(token, "https://github.com/octo-org")
        .unwrap();
}

#[tokio::test]
async fn post_is_accepted_and_claims_come_from_the_template() {
    let endpoint = TokenEndpoint::builder()
        .request_token("sentinel-request-token")
        .claims(Claims::new().environment("prod"))
        .start()
        .unwrap();
    let response = client()
        .post(format!("{}&audience=sts.amazonaws.com", endpoint.url()))
        .bearer_auth("sentinel-request-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let claims = endpoint
        .issuer()
        .verify(body["value"].as_str().unwrap(), AWS_AUDIENCE)
        .unwrap();
    assert_eq!(claims["sub"], "repo:octo-org/octo-repo:environment:prod");
    assert_eq!(endpoint.requests()[0].body_text(), "{}");
}

#[tokio::test]
async fn wrong_or_missing_bearer_is_401_and_keeps_the_script() {
    let endpoint = TokenEndpoint::start();
    endpoint.push(Behaviour::NoValue);
    let none = client().get(endpoint.url()).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let wrong = client()
        .get(endpoint.url())
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(endpoint.calls(), 2);
    let (_, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(body, serde_json::json!({"count": 0}));
}

#[tokio::test]
async fn scripted_answers() {
    let endpoint = TokenEndpoint::start();
    endpoint.push(Behaviour::pending());
    endpoint.push(Behaviour::Status(500, "oops".into()));
    endpoint.push(Behaviour::NotJson);
    endpoint.push(Behaviour::NoValue);
    endpoint.push(Behaviour::EmptyValue);
    endpoint.push(Behaviour::NonStringValue);
    endpoint.push(Behaviour::NotJwt);
    endpoint.push(Behaviour::Token("a.b.c".into()));

    let (status, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "Can't issue ID_TOKEN for job in 'Pending' state"
    );
    assert_eq!(
        json(&endpoint, Some(AWS_AUDIENCE)).await,
        (500, Value::String("oops".into()))
    );
    let (status, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(status, 200);
    assert!(body.as_str().unwrap().contains("<html>"));
    assert_eq!(
        json(&endpoint, None).await.1,
        serde_json::json!({"count": 0})
    );
    assert_eq!(json(&endpoint, None).await.1["value"], "");
    assert_eq!(json(&endpoint, None).await.1["value"], 12345);
    assert_eq!(json(&endpoint, None).await.1["value"], "this-is-not-a-jwt");
    assert_eq!(json(&endpoint, None).await.1["value"], "a.b.c");
    // Then the default again.
    let (status, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_str().unwrap().split('.').count(), 3);
}

#[tokio::test]
async fn oversized_and_huge_answers() {
    let endpoint = TokenEndpoint::start();
    endpoint.push(Behaviour::Oversized);
    endpoint.push(Behaviour::HugeBody);
    let (_, body) = json(&endpoint, Some(AWS_AUDIENCE)).await;
    let token = body["value"].as_str().unwrap();
    assert_eq!(token.len(), OVERSIZED_TOKEN_LEN);
    endpoint.issuer().verify(token, AWS_AUDIENCE).unwrap();

    let response = fetch(&endpoint, Some(AWS_AUDIENCE)).await;
    assert!(response.content_length().unwrap() as usize > HUGE_BODY_BYTES);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    endpoint
        .issuer()
        .verify(body["value"].as_str().unwrap(), AWS_AUDIENCE)
        .unwrap();
}

#[tokio::test]
async fn endless_trickling_and_silent_answers() {
    let endpoint = TokenEndpoint::start();

    endpoint.push(Behaviour::EndlessChunked);
    let mut endless = fetch(&endpoint, None).await;
    assert_eq!(endless.content_length(), None);
    let mut received = 0;
    while received < 4 * 1024 * 1024 {
        received += endless.chunk().await.unwrap().expect("never ends").len();
    }
    drop(endless);

    endpoint.push(Behaviour::Trickle(Duration::from_millis(10)));
    let mut trickle = fetch(&endpoint, Some(AWS_AUDIENCE)).await;
    assert!(trickle.content_length().unwrap() > 100);
    for _ in 0..3 {
        assert_eq!(trickle.chunk().await.unwrap().unwrap().len(), 1);
    }
    drop(trickle);

    endpoint.push(Behaviour::NoHeaders);
    let err = client()
        .get(endpoint.url())
        .bearer_auth(endpoint.request_token())
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());

    endpoint.push(Behaviour::Delayed(
        Duration::from_millis(200),
        Box::new(Behaviour::NoValue),
    ));
    let started = std::time::Instant::now();
    assert_eq!(
        json(&endpoint, None).await.1,
        serde_json::json!({"count": 0})
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn redirect_points_elsewhere() {
    let other = TokenEndpoint::start();
    let endpoint = TokenEndpoint::start();
    endpoint.push(Behaviour::Redirect(other.url()));
    let response = fetch(&endpoint, Some(AWS_AUDIENCE)).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        other.url()
    );
    assert_eq!(other.calls(), 0);
}

#[tokio::test]
async fn serves_jwks_and_discovery() {
    let endpoint = TokenEndpoint::start();
    let jwks: Value = client()
        .get(endpoint.jwks_url())
        .send()
        .await
        .unwrap()
        .json_text()
        .await;
    assert_eq!(jwks, endpoint.issuer().jwks());
    let config: Value = client()
        .get(format!(
            "{}/.well-known/openid-configuration",
            endpoint.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json_text()
        .await;
    assert_eq!(
        config["issuer"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(config["jwks_uri"], endpoint.jwks_url());
    let missing = client()
        .get(format!("{}/nope", endpoint.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(endpoint.calls(), 0, "only /token counts");
}

#[tokio::test]
async fn serves_https_for_chosen_names() {
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::builder()
        .tls(ca.server_tls(&["localhost", "127.0.0.1"]))
        .start()
        .unwrap();
    assert!(endpoint.url().starts_with("https://localhost:"));
    let ok = tls_client(&ca)
        .get(format!("{}&audience=sts.amazonaws.com", endpoint.url()))
        .bearer_auth(endpoint.request_token())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let wrong_name = TokenEndpoint::builder()
        .tls(ca.wrong_name_tls())
        .start()
        .unwrap();
    assert!(wrong_name.url().starts_with("https://127.0.0.1:"));
    assert!(tls_client(&ca).get(wrong_name.url()).send().await.is_err());
    let unknown = TokenEndpoint::builder()
        .tls(unknown_ca_tls(&["localhost"]))
        .start()
        .unwrap();
    assert!(tls_client(&ca).get(unknown.url()).send().await.is_err());
    assert_eq!(wrong_name.calls() + unknown.calls(), 0);
}

trait JsonText {
    async fn json_text(self) -> Value;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}
