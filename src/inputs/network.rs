//! Network settings: the proxy, the extra CA file and the endpoint URLs, with the rule that no
//! token crosses a network in clear text.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use super::non_empty;
use super::reader::Reader;

/// Proxy and trust settings applied to both the token request and STS.
#[derive(Debug, Clone, Default)]
pub struct NetworkSettings {
    /// Proxy for `https` URLs. Plain `http` is accepted only to loopback, and such a request
    /// never goes through a proxy: the bearer request token and the JWT would cross it in
    /// clear text. `http_proxy`/`HTTP_PROXY` are therefore not read at all.
    pub https_proxy: Option<ProxyUrl>,
    /// Hosts that bypass the proxy, in `NO_PROXY` syntax.
    pub no_proxy: Option<String>,
    /// Extra CA certificates (PEM) trusted besides the built-in roots: `SSL_CERT_FILE`.
    pub extra_ca_file: Option<PathBuf>,
}

/// A proxy URL. It may carry credentials, so it prints without them.
#[derive(Clone)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// The URL, credentials included: only for configuring the HTTP client.
    pub fn reveal(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if !shown.username().is_empty() || shown.password().is_some() {
            // Both setters only fail for URLs that cannot carry credentials, which this one did.
            let _ = shown.set_username("***");
            let _ = shown.set_password(None);
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

impl Reader<'_> {
    pub(super) fn sts_endpoint(&mut self) -> Option<Url> {
        let (source, value) = match self.input("sts-endpoint") {
            Some(v) => ("sts-endpoint", v),
            None => match non_empty(self.env, "AWS_ENDPOINT_URL_STS") {
                Some(v) => ("AWS_ENDPOINT_URL_STS", v),
                None => ("AWS_ENDPOINT_URL", non_empty(self.env, "AWS_ENDPOINT_URL")?),
            },
        };
        match endpoint_url(value) {
            Ok(url) => Some(url),
            Err(why) => {
                self.problem(source, why);
                None
            }
        }
    }

    pub(super) fn network(&mut self) -> NetworkSettings {
        let env = self.env;
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| non_empty(env, n).map(|v| ((*n).to_owned(), v)))
        };
        let https_proxy = match self.input("http-proxy") {
            Some(value) => self.proxy("http-proxy", value),
            None => {
                first(&["https_proxy", "HTTPS_PROXY"]).and_then(|(name, v)| self.proxy(&name, v))
            }
        };
        let no_proxy = self
            .input("no-proxy")
            .or_else(|| non_empty(self.env, "no_proxy"))
            .or_else(|| non_empty(self.env, "NO_PROXY"))
            .map(str::to_owned);
        let extra_ca_file = non_empty(self.env, "SSL_CERT_FILE").map(PathBuf::from);
        NetworkSettings {
            https_proxy,
            no_proxy,
            extra_ca_file,
        }
    }

    fn proxy(&mut self, source: &str, value: &str) -> Option<ProxyUrl> {
        // A bare `host:port` is common in proxy variables; it means plain HTTP to the proxy.
        let candidate = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        match Url::parse(&candidate) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                Some(ProxyUrl(url))
            }
            _ => {
                self.problem(
                    source,
                    "must be a proxy URL such as `http://proxy.example.com:3128`",
                );
                None
            }
        }
    }
}

/// Parses an endpoint URL: `https`, or plain `http` to a loopback address only, so that no token
/// crosses a network in clear text. A user name or password in the URL is refused: neither
/// endpoint uses one, and it would be one more secret to keep out of every log line.
pub(super) fn endpoint_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|_| {
        "must be an absolute URL such as `https://sts.us-east-1.amazonaws.com`".to_owned()
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry a user name or password (`user:password@`); neither endpoint takes one"
                .to_owned(),
        );
    }
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err("uses plain `http` to a host that is not loopback; use `https`".to_owned()),
        _ => Err("must be an `https` URL".to_owned()),
    }
}

/// Whether a URL names this machine: a literal loopback address (`127.0.0.0/8`, `::1`) or
/// `localhost` itself, which the HTTP client maps to 127.0.0.1 and ::1 without asking the
/// resolver ([`crate::http::build_client`]). Other names, `*.localhost` included, are not
/// loopback: musl and glibc send them to DNS, which may answer anything.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
