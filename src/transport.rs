//! Failures below HTTP (connect, TLS, proxy, timeout), turned into errors a person can act on.
//!
//! Both calls share this: the token request directly, STS through the SDK adapter.

use std::error::Error as StdError;

use crate::retry::Retry;

/// A request that got no HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// No answer within the request timeout.
    #[error("no answer within the request timeout")]
    Timeout,
    /// The TLS handshake failed: the certificate was not trusted, or something that does not speak
    /// TLS (often a proxy's HTML page) answered.
    #[error(
        "the TLS handshake failed ({reason}); if a proxy or private CA is in the way, add its CA certificate with SSL_CERT_FILE"
    )]
    Tls {
        /// rustls' description, e.g. `invalid peer certificate: UnknownIssuer`.
        reason: String,
    },
    /// The proxy refused to open a tunnel.
    #[error(
        "the proxy refused to connect ({reason}); check the proxy URL and its credentials, or list the host in no-proxy"
    )]
    Proxy {
        /// What the proxy said, e.g. `407 proxy authentication required`.
        reason: String,
    },
    /// The connection could not be opened or broke.
    #[error("the connection failed ({reason})")]
    Connect {
        /// What failed.
        reason: String,
    },
}

impl TransportError {
    /// Timeouts and broken connections are transient; TLS and proxy refusals are not.
    pub fn retry(&self) -> Retry {
        match self {
            TransportError::Timeout | TransportError::Connect { .. } => Retry::Transient,
            TransportError::Tls { .. } | TransportError::Proxy { .. } => Retry::Permanent,
        }
    }
}

/// Classifies a reqwest error by walking its causes. Only fixed descriptions are kept: a cause's
/// text can carry a URL, and URLs of proxies can carry credentials.
pub fn classify_transport(error: reqwest::Error) -> TransportError {
    if error.is_timeout() {
        return TransportError::Timeout;
    }
    let mut cause: Option<&(dyn StdError + 'static)> = Some(&error);
    let mut texts = Vec::new();
    while let Some(current) = cause {
        if let Some(tls) = find_rustls(current) {
            return TransportError::Tls {
                reason: tls.to_string(),
            };
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return TransportError::Timeout;
        }
        texts.push(current.to_string().to_ascii_lowercase());
        cause = current.source();
    }
    let all = texts.join(" | ");
    if all.contains("407") || all.contains("proxy auth") {
        return TransportError::Proxy {
            reason: "407 proxy authentication required".to_owned(),
        };
    }
    if all.contains("tunnel") {
        return TransportError::Proxy {
            reason: "the tunnel was not opened".to_owned(),
        };
    }
    let reason = if all.contains("connection refused") {
        "connection refused"
    } else if all.contains("dns") || all.contains("resolve") || all.contains("lookup") {
        "the host name could not be resolved"
    } else if all.contains("reset") {
        "connection reset"
    } else if all.contains("closed") || all.contains("eof") || all.contains("incomplete") {
        "the connection closed before a full answer"
    } else {
        "no HTTP answer"
    };
    TransportError::Connect {
        reason: reason.to_owned(),
    }
}

fn find_rustls<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = error;
    loop {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An io::Error's `source()` skips the error it wraps (which may be another io::Error), so
        // look inside it directly.
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}
