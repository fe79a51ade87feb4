//! Clients for the stand-ins' own tests: reqwest (the action's client) with ring, no system
//! proxy, no redirects, and a bound on every call.

use std::collections::BTreeMap;
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::Event;
use std::time::Duration;

use crate::tls::TestCa;

fn tls_config(ca: Option<&TestCa>) -> rustls::ClientConfig {
    let roots = ca
        .map(TestCa::root_store)
        .unwrap_or_else(rustls::RootCertStore::empty);
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the defaults")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn builder(ca: Option<&TestCa>) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls_config(ca))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
}

/// A plain client that trusts nothing and uses no proxy.
pub(crate) fn client() -> reqwest::Client {
    builder(None).no_proxy().build().expect("client")
}

/// A client that trusts `ca` and uses no proxy.
pub(crate) fn tls_client(ca: &TestCa) -> reqwest::Client {
    builder(Some(ca)).no_proxy().build().expect("client")
}

/// A client that sends everything through `proxy_url` and trusts `ca` if given.
pub(crate) fn proxied_client(proxy_url: &str, ca: Option<&TestCa>) -> reqwest::Client {
    builder(ca)
        .proxy(reqwest::Proxy::all(proxy_url).expect("proxy URL"))
        .build()
        .expect("client")
}

/// Parses `doc` with a real XML parser into `path -> text` (paths like `A/B/C`).
pub(crate) fn parse_xml(doc: &str) -> Result<BTreeMap<String, String>, quick_xml::Error> {
    let mut reader = Reader::from_str(doc);
    let mut path: Vec<String> = Vec::new();
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) => {
                path.push(e.name().as_ref().to_owned());
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let value = t.xml10_content();
                if !value.trim().is_empty() {
                    out.entry(path.join("/")).or_default().push_str(&value);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref()? {
                    Some(ch) => ch.to_string(),
                    None => match r.xml10_content().as_ref() {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "quot" => "\"".to_owned(),
                        "apos" => "'".to_owned(),
                        other => format!("&{other};"),
                    },
                };
                out.entry(path.join("/")).or_default().push_str(&resolved);
            }
            Event::Eof => {
                if path.is_empty() {
                    return Ok(out);
                }
                return Err(quick_xml::Error::Syntax(
                    quick_xml::errors::SyntaxError::UnclosedTag,
                ));
            }
            _ => {}
        }
    }
}

/// An `application/x-www-form-urlencoded` body.
pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}
