//! Lets the AWS SDK send STS requests through our reqwest client.
//!
//! The SDK's own HTTPS client would bring a second TLS stack, read proxy settings its own way and
//! read answers of any size. Through this adapter, STS gets the same proxy, CA, timeout and
//! body-size rules as the token request ([`crate::http`]).

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

use crate::http::read_capped;
use crate::transport::{TransportError, classify_transport};

/// An SDK HTTP client backed by a [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ReqwestHttpClient {
    client: reqwest::Client,
}

impl ReqwestHttpClient {
    /// Wraps a configured client.
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl HttpClient for ReqwestHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // The timeouts were set on the reqwest client; the SDK's connector settings are not used.
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for ReqwestHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.client.clone();
        HttpConnectorFuture::new(async move { send(client, request).await })
    }
}

async fn send(
    client: reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let method = reqwest::Method::from_bytes(request.method().as_bytes())
        .map_err(|e| ConnectorError::user(Box::new(e)))?;
    let mut builder = client.request(method, request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    // STS requests are small form bodies held in memory; a streaming body would be a bug here.
    let body = request
        .body()
        .bytes()
        .ok_or_else(|| ConnectorError::user("streaming request bodies are not supported".into()))?
        .to_vec();
    let response = builder
        .body(body)
        .send()
        .await
        .map_err(|e| match classify_transport(e) {
            TransportError::Timeout => ConnectorError::timeout(Box::new(TransportError::Timeout)),
            other => ConnectorError::io(Box::new(other)),
        })?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    // Recognised by `sts::convert_error` below the SDK's wrapping, so it keeps its meaning.
    let bytes = read_capped(response)
        .await
        .map_err(|e| ConnectorError::other(Box::new(e), None))?;
    let status =
        StatusCode::try_from(status).map_err(|e| ConnectorError::other(Box::new(e), None))?;
    let mut out = HttpResponse::new(status, SdkBody::from(bytes));
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            out.headers_mut()
                .append(name.as_str().to_owned(), value.to_owned());
        }
    }
    Ok(out)
}
