//! The one HTTP client both calls use: GitHub's token endpoint and STS.
//!
//! Sharing it means the proxy settings (`HTTPS_PROXY`, `NO_PROXY`, the `http-proxy` input), the extra
//! CA (`SSL_CERT_FILE`), the timeouts and the refusal to follow redirects apply to both calls alike.
//! TLS is rustls with the `ring` provider; the trust roots are the Mozilla roots compiled into the
//! binary (a `scratch` image has no CA store) plus any extra CA, and they are loaded only when an
//! endpoint actually speaks TLS.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::inputs::NetworkSettings;

/// Time allowed to open a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest response body read from either endpoint. Real answers are a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What `localhost` connects to; the port is the URL's.
const LOCALHOST: [SocketAddr; 2] = [
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
];

/// A URL as it may be printed: without a user name or password.
pub fn display_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Settings for [`build_client`].
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Proxy and CA settings.
    pub network: NetworkSettings,
    /// Whether any endpoint uses TLS (otherwise no roots are loaded).
    pub needs_tls: bool,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// `SSL_CERT_FILE` could not be read or held no certificate.
    #[error("cannot use the CA certificates in `{}` (SSL_CERT_FILE): give a readable PEM file with at least one certificate", .path.display())]
    ExtraCa {
        /// The file.
        path: PathBuf,
    },
    /// The TLS or proxy configuration was refused.
    #[error("cannot configure the HTTP client")]
    Build(#[source] reqwest::Error),
}

/// Builds the HTTP client.
pub fn build_client(settings: &ClientSettings) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        // Proxies come only from the validated settings, never from reqwest's own reading of the
        // environment: one place decides, and both calls agree.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .read_timeout(settings.request_timeout)
        .user_agent(concat!("oidc-assume/", env!("CARGO_PKG_VERSION")))
        .use_preconfigured_tls(tls_config(settings)?)
        // `localhost` is this machine without asking the resolver, as curl does: a scratch
        // image may have no /etc/hosts, and musl would then ask DNS (RFC 6761 section 6.3).
        .resolve_to_addrs("localhost", &LOCALHOST);
    let no_proxy_list = settings.network.no_proxy.as_deref().unwrap_or_default();
    // `*` alone means "no proxy for any host" (curl's convention); reqwest's matcher does not know it.
    if no_proxy_list.split(',').any(|entry| entry.trim() == "*") {
        return builder.build().map_err(ClientError::Build);
    }
    // `https` URLs only: a plain `http` request (loopback only) would hand the proxy the bearer
    // request token or the JWT in clear text, while CONNECT carries only ciphertext.
    if let Some(proxy) = &settings.network.https_proxy {
        let no_proxy = reqwest::NoProxy::from_string(no_proxy_list);
        let proxy = reqwest::Proxy::https(proxy.reveal().as_str()).map_err(ClientError::Build)?;
        builder = builder.proxy(proxy.no_proxy(no_proxy));
    }
    builder.build().map_err(ClientError::Build)
}

fn tls_config(settings: &ClientSettings) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    if settings.needs_tls {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &settings.network.extra_ca_file {
            add_pem_file(&mut roots, path)?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| ClientError::ExtraCa {
            path: PathBuf::new(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

fn add_pem_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), ClientError> {
    let error = || ClientError::ExtraCa {
        path: path.to_owned(),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|_| error())?
        .collect::<Result<_, _>>()
        .map_err(|_| error())?;
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(error());
    }
    Ok(())
}

/// Why a response body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body was larger than [`MAX_BODY_BYTES`].
    #[error("the response body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// The status line and headers arrived, the body did not: it stopped coming, or its framing
    /// was broken. The endpoint did answer, so this is not a connection failure, and another
    /// attempt would most likely meet the same answer.
    #[error("the answer could not be read ({reason})")]
    Unreadable {
        /// What went wrong, in fixed words (a cause's own text could carry a URL).
        reason: &'static str,
    },
}

impl BodyError {
    fn unreadable(error: &reqwest::Error) -> BodyError {
        let reason = if error.is_timeout() {
            "it stopped arriving within the request timeout"
        } else {
            "its framing is broken or the connection closed before its end"
        };
        BodyError::Unreadable { reason }
    }
}

/// Reads a response body, refusing more than [`MAX_BODY_BYTES`]: a hostile or broken endpoint cannot
/// make the action hold megabytes in memory.
pub async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::unreadable(&e))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
