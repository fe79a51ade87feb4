//! The GitHub ID-token client: asks the runner's token endpoint for a JWT with our audience.
//!
//! Protocol: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>` with
//! `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answer `{"count":..,"value":"<jwt>"}`
//! (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect>).
//! Redirects are never followed, so the bearer token cannot be carried to another host, and the
//! endpoint's answer is never echoed: only its status and what was wrong with it.

use std::path::{Path, PathBuf};

use http::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use url::Url;

use crate::claims::{Claims, MAX_TOKEN_CHARS, TokenFormError};
use crate::http::{BodyError, read_capped};
use crate::retry::Retry;
use crate::secret::Secret;
use crate::transport::{TransportError, classify_transport};

/// Why no JWT could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The endpoint answered with an error status. Its body is not shown: it is untrusted.
    #[error("GitHub's token endpoint answered HTTP {status}{}", describe_status(*.status, *.pending))]
    Status {
        /// The HTTP status.
        status: u16,
        /// 403 because the job is still in the `Pending` state (transient).
        pending: bool,
    },
    /// The endpoint answered with a redirect, which is never followed.
    #[error(
        "GitHub's token endpoint answered with a redirect (HTTP {status}); redirects are not followed so that the request token is never sent to another address"
    )]
    Redirect {
        /// The HTTP status.
        status: u16,
    },
    /// The answer was not the expected JSON.
    #[error("GitHub's token endpoint answered with {0}; expected JSON with a `value` string")]
    BadAnswer(&'static str),
    /// The answer's body could not be read or was too large.
    #[error("GitHub's token endpoint answer could not be used")]
    Body(#[source] BodyError),
    /// The JWT itself is malformed.
    #[error("the ID token from GitHub is not usable")]
    Form(#[source] TokenFormError),
    /// The request failed before an answer arrived.
    #[error("the request to GitHub's token endpoint failed")]
    Transport(#[source] TransportError),
    /// `web-identity-token-file` could not be read.
    #[error("cannot read the web identity token file `{}`", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `web-identity-token-file` does not hold a usable JWT.
    #[error("the web identity token file `{}` does not hold a usable token", .path.display())]
    FileForm {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: TokenFormError,
    },
}

fn describe_status(status: u16, pending: bool) -> &'static str {
    match status {
        _ if pending => ": the job is not ready for a token yet ('Pending' state)",
        401 => ": the request token was refused; it is valid only while its own job runs",
        403 => ": the job may not request an ID token; check `permissions: id-token: write`",
        404 => ": the token URL is wrong; use ACTIONS_ID_TOKEN_REQUEST_URL as the runner sets it",
        429 => ": too many requests",
        500..=599 => ": a server error at GitHub",
        _ => "",
    }
}

impl TokenError {
    /// Whether another attempt may help.
    pub fn retry(&self) -> Retry {
        match self {
            TokenError::Status { status, pending } => {
                if *pending || *status == 429 || (500..=599).contains(status) {
                    Retry::Transient
                } else {
                    Retry::Permanent
                }
            }
            TokenError::Transport(e) => e.retry(),
            _ => Retry::Permanent,
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    value: Option<serde_json::Value>,
}

/// Fetches ID tokens from GitHub, or reads them from a file.
#[derive(Debug, Clone)]
pub struct TokenClient {
    http: reqwest::Client,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    GitHub { url: Url, token: Secret },
    File(PathBuf),
}

impl TokenClient {
    /// A client for GitHub's endpoint: `url` is `ACTIONS_ID_TOKEN_REQUEST_URL`, `token` the request token.
    pub fn github(http: reqwest::Client, url: &Url, token: Secret, audience: &str) -> Self {
        Self {
            http,
            source: Source::GitHub {
                url: with_audience(url, audience),
                token,
            },
        }
    }

    /// A client that reads the JWT from a file on every attempt (it may be refreshed in between).
    pub fn file(http: reqwest::Client, path: PathBuf) -> Self {
        Self {
            http,
            source: Source::File(path),
        }
    }

    /// Gets one fresh JWT and checks its form. The claims come back for display.
    pub async fn fetch(&self) -> Result<(Secret, Claims), TokenError> {
        match &self.source {
            Source::GitHub { url, token } => {
                let jwt = self.request(url, token).await?;
                let claims = Claims::decode(&jwt).map_err(TokenError::Form)?;
                Ok((jwt, claims))
            }
            Source::File(path) => {
                let jwt = read_token_file(path).await?;
                let claims = Claims::decode(&jwt).map_err(|source| TokenError::FileForm {
                    path: path.clone(),
                    source,
                })?;
                Ok((jwt, claims))
            }
        }
    }

    async fn request(&self, url: &Url, token: &Secret) -> Result<Secret, TokenError> {
        tracing::debug!(
            "requesting an ID token from {}",
            url.host_str().unwrap_or_default()
        );
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.reveal())).map_err(|_| {
                TokenError::BadAnswer(
                    "nothing: the request token holds characters that cannot be sent",
                )
            })?;
        bearer.set_sensitive(true);
        let response = self
            .http
            .get(url.clone())
            .header(AUTHORIZATION, bearer)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| TokenError::Transport(classify_transport(e)))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(TokenError::Redirect {
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            // Read a little of the body only to recognise the transient 'Pending' answer.
            let body = read_capped(response).await.unwrap_or_default();
            let pending =
                status.as_u16() == 403 && String::from_utf8_lossy(&body).contains("Pending");
            return Err(TokenError::Status {
                status: status.as_u16(),
                pending,
            });
        }
        let body = read_capped(response).await.map_err(TokenError::Body)?;
        parse_answer(&body)
    }
}

/// Adds `audience` to the token URL as a query parameter, replacing any there already.
pub fn with_audience(url: &Url, audience: &str) -> Url {
    let mut url = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "audience")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("audience", audience);
    url
}

fn parse_answer(body: &[u8]) -> Result<Secret, TokenError> {
    let answer: TokenAnswer = serde_json::from_slice(body)
        .map_err(|_| TokenError::BadAnswer("a body that is not JSON"))?;
    match answer.value {
        None | Some(serde_json::Value::Null) => {
            Err(TokenError::BadAnswer("JSON without a `value`"))
        }
        Some(serde_json::Value::String(s)) if s.is_empty() => {
            Err(TokenError::BadAnswer("an empty `value`"))
        }
        Some(serde_json::Value::String(s)) => Ok(Secret::new(s)),
        Some(_) => Err(TokenError::BadAnswer("a `value` that is not a string")),
    }
}

/// Reads the JWT from `web-identity-token-file`, by one descriptor: opened without following a
/// symbolic link and without blocking on a FIFO ([`crate::platform::open_no_follow`]), then checked to be
/// a regular file of at most the largest token STS accepts, then read from that descriptor. The
/// path is never used again after the open, so the file cannot be swapped between the checks
/// and the read. It is read again on every attempt: the file may be refreshed in between.
async fn read_token_file(path: &Path) -> Result<Secret, TokenError> {
    use std::io::Read as _;

    let file_error = |source: std::io::Error| TokenError::File {
        path: path.to_owned(),
        source,
    };
    let file = crate::platform::open_no_follow(path).map_err(file_error)?;
    let meta = file.metadata().map_err(file_error)?;
    if !meta.is_file() {
        return Err(file_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        )));
    }
    // Base64url is ASCII, so the character limit is a byte limit; a little room for a newline.
    let cap = (MAX_TOKEN_CHARS as u64) + 64;
    let too_long = |len: u64| TokenError::FileForm {
        path: path.to_owned(),
        source: TokenFormError::TooLong {
            len: usize::try_from(len).unwrap_or(usize::MAX),
        },
    };
    if meta.len() > cap {
        return Err(too_long(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(file_error)?;
    if bytes.len() as u64 > cap {
        return Err(too_long(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|_| TokenError::FileForm {
        path: path.to_owned(),
        source: TokenFormError::NotJwt,
    })?;
    Ok(Secret::new(text.trim()))
}

#[cfg(test)]
mod tests {
    use super::{TokenError, parse_answer, read_token_file, with_audience};
    use crate::retry::Retry;
    use url::Url;

    #[test]
    fn audience_is_added_as_an_encoded_query_parameter() {
        let url = Url::parse("https://pipelines.example/_apis/token?api-version=2.0&audience=old")
            .expect("url");
        let with = with_audience(&url, "sts.amazonaws.com&x=y");
        assert_eq!(
            with.as_str(),
            "https://pipelines.example/_apis/token?api-version=2.0&audience=sts.amazonaws.com%26x%3Dy"
        );
    }

    #[test]
    fn answers_are_checked() {
        assert!(parse_answer(br#"{"count":1,"value":"a.b.c"}"#).is_ok());
        for bad in [
            &b"<html>"[..],
            b"{}",
            br#"{"value":""}"#,
            br#"{"value":3}"#,
            br#"{"value":null}"#,
        ] {
            assert!(matches!(parse_answer(bad), Err(TokenError::BadAnswer(_))));
        }
    }

    #[test]
    fn statuses_are_classified() {
        let cases = [
            (401, false, Retry::Permanent),
            (403, false, Retry::Permanent),
            (403, true, Retry::Transient),
            (404, false, Retry::Permanent),
            (429, false, Retry::Transient),
            (500, false, Retry::Transient),
            (503, false, Retry::Transient),
        ];
        for (status, pending, retry) in cases {
            assert_eq!(
                TokenError::Status { status, pending }.retry(),
                retry,
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn the_token_file_is_read_by_one_descriptor_that_is_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let token = dir.path().join("token");
        std::fs::write(&token, "a.b.c\n").expect("write");
        let read = read_token_file(&token)
            .await
            .expect("a regular file is read");
        assert_eq!(read.reveal(), "a.b.c");

        // Swapped for a link after the inputs were checked: refused at the open.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "x.y.z").expect("write");
        std::fs::remove_file(&token).expect("remove");
        std::os::unix::fs::symlink(&elsewhere, &token).expect("symlink");
        let err = read_token_file(&token)
            .await
            .expect_err("a link is refused");
        assert!(
            crate::exchange::error_chain(&err).contains("symbolic link"),
            "{err:?}"
        );

        // A FIFO would block a plain open; it is refused at once.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let err = read_token_file(&fifo).await.expect_err("a FIFO is refused");
        assert!(
            crate::exchange::error_chain(&err).contains("not a regular file"),
            "{err:?}"
        );

        let big = dir.path().join("big");
        std::fs::write(&big, "a".repeat(30_000)).expect("write");
        assert!(matches!(
            read_token_file(&big).await,
            Err(TokenError::FileForm { .. })
        ));
    }
}
