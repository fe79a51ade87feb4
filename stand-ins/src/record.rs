//! What a stand-in saw: every request, in arrival order, so that tests assert the requests and not
//! only the replies.

use std::sync::{Arc, Mutex, PoisonError};

use url::form_urlencoded;

/// One HTTP request as a stand-in received it.
///
/// Header names are lower-cased; values that are not UTF-8 are kept lossily. The body is kept
/// whole (stand-ins cap it at a few MiB). `Debug` prints everything, secrets included: these are
/// test values, and a failing test should show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`, `POST`, `CONNECT`.
    pub method: String,
    /// The request target as sent: `path?query` (origin form), an absolute URL (a proxy's
    /// plain-HTTP request) or `host:port` (`CONNECT`).
    pub target: String,
    /// Header `(name, value)` pairs in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The path part of the target (`/token` for `/token?api-version=2.0`).
    pub fn path(&self) -> &str {
        let end = self.target.find('?').unwrap_or(self.target.len());
        &self.target[..end]
    }

    /// The raw query string, if any (without the `?`).
    pub fn raw_query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The decoded query parameters in order, repeats kept.
    pub fn query(&self) -> Vec<(String, String)> {
        self.raw_query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default()
    }

    /// Every decoded value of query parameter `name` (a repeated `audience` shows up here).
    pub fn query_values(&self, name: &str) -> Vec<String> {
        self.query()
            .into_iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The first decoded value of query parameter `name`.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query_values(name).into_iter().next()
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).into_iter().next()
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The bearer token of the `Authorization` header, if it has the `Bearer` scheme.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token)
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as `application/x-www-form-urlencoded`, in order, repeats kept.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The first decoded value of form field `name`.
    pub fn form_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A shared, append-only list of requests.
#[derive(Clone, Debug, Default)]
pub(crate) struct Recorder(Arc<Mutex<Vec<RecordedRequest>>>);

impl Recorder {
    pub(crate) fn push(&self, request: RecordedRequest) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Locks a mutex, ignoring poisoning: a panicking test thread must not break the others' view.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, body: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            target: target.into(),
            headers: vec![("authorization".into(), "Bearer abc".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn splits_target_and_decodes_query() {
        let r = request("/token?api-version=2.0&audience=sts.amazonaws.com%3Ax", "");
        assert_eq!(r.path(), "/token");
        assert_eq!(r.query_value("api-version").as_deref(), Some("2.0"));
        assert_eq!(
            r.query_value("audience").as_deref(),
            Some("sts.amazonaws.com:x")
        );
        assert_eq!(r.bearer(), Some("abc"));
        assert_eq!(r.header("Authorization"), Some("Bearer abc"));
    }

    #[test]
    fn decodes_form_fields() {
        let r = request(
            "/",
            "Action=AssumeRoleWithWebIdentity&RoleSessionName=a%2Bb+c",
        );
        assert_eq!(r.form_value("RoleSessionName").as_deref(), Some("a+b c"));
        assert_eq!(r.form().len(), 2);
        assert_eq!(r.form_value("Missing"), None);
    }
}
