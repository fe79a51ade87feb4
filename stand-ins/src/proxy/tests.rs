use super::*;
use crate::issuer::AWS_AUDIENCE;
use crate::test_client::proxied_client;
use crate::tls::TestCa;
use crate::token_endpoint::TokenEndpoint;

fn token_url(endpoint: &TokenEndpoint) -> String {
    format!("{}&audience={AWS_AUDIENCE}", endpoint.url())
}

#[tokio::test]
async fn tunnels_https_with_connect() {
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::builder()
        .tls(ca.server_tls(&["localhost"]))
        .start()
        .unwrap();
    let proxy = ConnectProxy::start();
    let response = proxied_client(&proxy.url(), Some(&ca))
        .get(token_url(&endpoint))
        .bearer_auth(endpoint.request_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        proxy.targets(),
        vec![format!("localhost:{}", endpoint.addr().port())]
    );
    assert_eq!(proxy.requests()[0].method, "CONNECT");
    assert_eq!(proxy.proxy_authorizations(), vec![None]);
    assert_eq!(endpoint.calls(), 1);
}

#[tokio::test]
async fn routes_real_looking_hosts_to_stand_ins() {
    let ca = TestCa::new();
    let host = "sts.us-east-1.amazonaws.com";
    let endpoint = TokenEndpoint::builder()
        .tls(ca.server_tls(&[host]))
        .start()
        .unwrap();
    assert!(endpoint.url().starts_with(&format!("https://{host}:")));
    let proxy = ConnectProxy::builder()
        .route(
            &format!("{host}:{}", endpoint.addr().port()),
            endpoint.addr(),
        )
        .start()
        .unwrap();
    let response = proxied_client(&proxy.url(), Some(&ca))
        .get(token_url(&endpoint))
        .bearer_auth(endpoint.request_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        proxy.targets(),
        vec![format!("{host}:{}", endpoint.addr().port())]
    );
}

#[tokio::test]
async fn forwards_plain_http_in_absolute_form() {
    let endpoint = TokenEndpoint::start();
    let proxy = ConnectProxy::builder()
        .mode(ProxyMode::RequireAuth {
            user: "alice".into(),
            password: "p@ss:word".into(),
        })
        .start()
        .unwrap();
    let with_auth = proxy.url_with_credentials("alice", "p@ss:word");
    assert!(with_auth.starts_with("http://alice:p%40ss%3Aword@127.0.0.1:"));
    let response = proxied_client(&with_auth, None)
        .get(token_url(&endpoint))
        .bearer_auth(endpoint.request_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = &proxy.requests()[0];
    assert_eq!(seen.method, "GET");
    assert!(seen.target.starts_with("http://127.0.0.1:"));
    assert_eq!(
        proxy.proxy_authorizations(),
        vec![Some("Basic YWxpY2U6cEBzczp3b3Jk".to_owned())]
    );
    // The origin sees the request without the proxy's credentials.
    let origin = &endpoint.requests()[0];
    assert!(origin.target.starts_with("/token?"));
    assert!(origin.header("proxy-authorization").is_none());
    assert_eq!(origin.bearer(), Some(endpoint.request_token()));
}

#[tokio::test]
async fn refuses_without_credentials_or_always() {
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::builder()
        .tls(ca.server_tls(&["localhost"]))
        .start()
        .unwrap();
    let plain = TokenEndpoint::start();
    let proxy = ConnectProxy::builder()
        .mode(ProxyMode::RequireAuth {
            user: "u".into(),
            password: "p".into(),
        })
        .start()
        .unwrap();
    let client = proxied_client(&proxy.url(), Some(&ca));
    assert!(client.get(token_url(&endpoint)).send().await.is_err());
    let response = client.get(token_url(&plain)).send().await.unwrap();
    assert_eq!(response.status(), 407);
    assert!(response.headers().contains_key("proxy-authenticate"));

    proxy.set_mode(ProxyMode::Status407);
    let with_auth = proxied_client(&proxy.url_with_credentials("u", "p"), Some(&ca));
    let response = with_auth.get(token_url(&plain)).send().await.unwrap();
    assert_eq!(response.status(), 407);
    assert_eq!(endpoint.calls() + plain.calls(), 0);
}

#[tokio::test]
async fn answers_html_instead_of_tunnelling() {
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::builder()
        .tls(ca.server_tls(&["localhost"]))
        .start()
        .unwrap();
    let plain = TokenEndpoint::start();
    let proxy = ConnectProxy::builder()
        .mode(ProxyMode::AnswerHtml(502))
        .start()
        .unwrap();
    let client = proxied_client(&proxy.url(), Some(&ca));
    assert!(client.get(token_url(&endpoint)).send().await.is_err());
    let page = client.get(token_url(&plain)).send().await.unwrap();
    assert_eq!(page.status(), 502);
    assert!(page.text().await.unwrap().contains("<html>"));

    // A 200 "tunnel" that carries an HTML page instead of TLS.
    proxy.set_mode(ProxyMode::AnswerHtml(200));
    assert!(client.get(token_url(&endpoint)).send().await.is_err());
    assert_eq!(endpoint.calls() + plain.calls(), 0);
}

#[tokio::test]
async fn never_leaves_loopback() {
    let proxy = ConnectProxy::start();
    let client = proxied_client(&proxy.url(), None);
    let response = client.get("http://example.com/token").send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert!(client.get("https://example.com/").send().await.is_err());
    assert_eq!(
        proxy.targets(),
        vec!["example.com:80".to_owned(), "example.com:443".to_owned()]
    );
}
