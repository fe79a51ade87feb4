//! The exchange: a fresh JWT from GitHub, then STS, retried as one unit; then the roles of a
//! chain, if any ([`crate::chain`]).
//!
//! Every attempt mints a new JWT, because GitHub's tokens live about five minutes and a retried STS
//! call with an old one fails with `ExpiredTokenException`. Attempts are counted once for both calls,
//! and everything, sleeps included, runs under one deadline (`action-timeout-s`). With
//! `role-chaining` there is no JWT: the first role is assumed with the environment's credentials.

use std::io::Write;
use std::time::Duration;

use crate::chain::{self, Hop};
use crate::claims::Claims;
use crate::http::{self, ClientError, ClientSettings};
use crate::inputs::{Config, TokenSource};
use crate::oidc::{TokenClient, TokenError};
use crate::retry::{Attempts, Backoff, Deadline};
use crate::reuse;
use crate::runner::Console;
use crate::sts::{AssumedRole, StsClient, StsError};

/// Knobs that tests turn; the binary uses the defaults.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Backoff between attempts.
    pub backoff: Backoff,
    /// Connect timeout per request.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            connect_timeout: http::CONNECT_TIMEOUT,
            request_timeout: http::REQUEST_TIMEOUT,
        }
    }
}

/// A successful exchange.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What STS gave for the last role.
    pub role: AssumedRole,
    /// The claims of the JWT that succeeded (none with `role-chaining`).
    pub claims: Option<Claims>,
    /// Attempts the last call took.
    pub attempts: u32,
    /// With `use-existing-credentials`: the ARN of the environment's session, which is already
    /// one of the role; nothing new was asked for and no credentials are written.
    pub reused: Option<String>,
}

impl Outcome {
    fn reused(arn: String) -> Self {
        let account_id = arn.split(':').nth(4).unwrap_or_default().to_owned();
        let none = || crate::secret::Secret::new(String::new());
        Outcome {
            role: AssumedRole {
                credentials: crate::sts::SessionCredentials {
                    access_key_id: none(),
                    secret_access_key: none(),
                    session_token: none(),
                    expiration: String::new(),
                },
                arn: arn.clone(),
                account_id,
                subject: None,
            },
            claims: None,
            attempts: 0,
            reused: Some(arn),
        }
    }
}

/// Why the exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The runner gave no token variables: the job lacks `permissions: id-token: write`.
    #[error("GitHub did not give this job an ID token{}: add `permissions: id-token: write` to the job (or the workflow), and note that pull requests from forks never get one", .partial.map(|v| format!(" (only {v} is set)")).unwrap_or_default())]
    MissingPermission {
        /// The one variable that was set, if any.
        partial: Option<&'static str>,
    },
    /// The HTTP client could not be configured.
    #[error("cannot set up HTTPS")]
    Client(#[source] ClientError),
    /// No usable JWT.
    #[error("no ID token after {attempts} of at most {max} attempt(s)")]
    Token {
        /// The last failure.
        #[source]
        source: TokenError,
        /// Attempts made.
        attempts: u32,
        /// The maximum.
        max: u32,
    },
    /// STS gave no credentials.
    #[error("no credentials from STS after {attempts} of at most {max} attempt(s)")]
    Sts {
        /// The last failure.
        #[source]
        source: StsError,
        /// The claims of the last JWT sent.
        claims: Box<Claims>,
        /// Attempts made.
        attempts: u32,
        /// The maximum.
        max: u32,
    },
    /// A chained `AssumeRole` gave no credentials.
    #[error(
        "no credentials for {role} from STS AssumeRole after {attempts} of at most {max} attempt(s)"
    )]
    Chain {
        /// The role asked for.
        role: String,
        /// The last failure.
        #[source]
        source: StsError,
        /// Whether the call carried session tags (which need `sts:TagSession`).
        tagged: bool,
        /// Attempts made.
        attempts: u32,
        /// The maximum.
        max: u32,
    },
    /// The deadline passed.
    #[error("the exchange did not finish within {} s (action-timeout-s){}", .total.as_secs(), .last.as_ref().map(|l| format!("; the last attempt failed: {l}")).unwrap_or_default())]
    Deadline {
        /// The deadline's length.
        total: Duration,
        /// The last failure seen, as text.
        last: Option<String>,
    },
    /// The step log could not be written (masks must be, or nothing else may be printed).
    #[error("cannot write to the step log")]
    Log(#[source] std::io::Error),
}

impl ExchangeError {
    /// The STS error and the claims sent, when STS refused.
    pub fn sts(&self) -> Option<(&StsError, &Claims)> {
        match self {
            ExchangeError::Sts { source, claims, .. } => Some((source, claims)),
            _ => None,
        }
    }
}

/// Runs the exchange. Masks every JWT as soon as it is known.
pub async fn exchange<W: Write>(
    config: &Config,
    console: &mut Console<W>,
    tuning: &Tuning,
) -> Result<Outcome, ExchangeError> {
    let inputs = &config.inputs;
    let chaining = &inputs.chaining;
    if chaining.source.is_none()
        && !inputs.use_existing_credentials
        && let TokenSource::Missing { partial } = &config.token_source
    {
        return Err(ExchangeError::MissingPermission { partial: *partial });
    }
    // One client for every call: the roots are parsed once and the calls share one pool.
    let http = http_client(config, tuning)?;
    let endpoint = inputs.sts_endpoint.as_ref().map(url::Url::as_str);
    let sts = StsClient::new(
        http.clone(),
        inputs.region.name(),
        endpoint,
        tuning.request_timeout + Duration::from_secs(1),
    );

    tracing::debug!(
        "STS endpoint {}; deadline {} s; at most {} attempt(s)",
        inputs
            .sts_endpoint
            .as_ref()
            .map_or_else(|| inputs.region.sts_endpoint(), crate::http::display_url),
        inputs.action_timeout.as_secs(),
        inputs.max_attempts
    );
    let deadline = Deadline::after(inputs.action_timeout);
    let mut last: Option<String> = None;
    let all = async {
        if let Some(arn) = reuse::existing_session(config, console, &sts).await? {
            return Ok(Outcome::reused(arn));
        }
        let mut outcome = match &chaining.source {
            Some(source) => {
                let hop = Hop {
                    role_arn: &inputs.role_arn,
                    last: chaining.further_roles.is_empty(),
                };
                let (role, attempts) = chain::assume(
                    config,
                    console,
                    &sts,
                    &deadline,
                    tuning.backoff,
                    &source.to_sdk(),
                    hop,
                )
                .await?;
                Outcome {
                    role,
                    claims: None,
                    attempts,
                    reused: None,
                }
            }
            None => {
                let token_client = token_client(config, http)?;
                attempt_loop(
                    config,
                    console,
                    tuning,
                    &token_client,
                    &sts,
                    &deadline,
                    &mut last,
                )
                .await?
            }
        };
        let count = chaining.further_roles.len();
        if count > 0 && chaining.source.is_none() {
            chain::mask(console, &outcome.role)?;
        }
        for (i, role_arn) in chaining.further_roles.iter().enumerate() {
            console
                .info(&format!(
                    "Chaining: {} now assumes {role_arn}",
                    outcome.role.arn
                ))
                .map_err(ExchangeError::Log)?;
            let hop = Hop {
                role_arn,
                last: i + 1 == count,
            };
            let source = outcome.role.credentials.to_sdk_credentials();
            let (role, attempts) = chain::assume(
                config,
                console,
                &sts,
                &deadline,
                tuning.backoff,
                &source,
                hop,
            )
            .await?;
            outcome.role = role;
            outcome.attempts = attempts;
        }
        Ok(outcome)
    };
    match tokio::time::timeout_at(deadline.instant(), all).await {
        Ok(result) => result,
        Err(_elapsed) => Err(ExchangeError::Deadline {
            total: deadline.total(),
            last,
        }),
    }
}

async fn attempt_loop<W: Write>(
    config: &Config,
    console: &mut Console<W>,
    tuning: &Tuning,
    token_client: &TokenClient,
    sts: &StsClient,
    deadline: &Deadline,
    last: &mut Option<String>,
) -> Result<Outcome, ExchangeError> {
    let inputs = &config.inputs;
    let mut attempts = Attempts::new(inputs.max_attempts, tuning.backoff);
    loop {
        let attempt = attempts.start();
        let started = tokio::time::Instant::now();
        let fetched = token_client.fetch().await;
        tracing::debug!(
            "attempt {attempt}: token request took {} ms",
            started.elapsed().as_millis()
        );
        let (error, retry) = match fetched {
            Err(source) => {
                let retry = source.retry();
                (
                    ExchangeError::Token {
                        source,
                        attempts: attempt,
                        max: attempts.max(),
                    },
                    retry,
                )
            }
            Ok((jwt, claims)) => {
                console.add_mask(jwt.reveal()).map_err(ExchangeError::Log)?;
                let subject = claims.subject().unwrap_or_else(|| "(none)".to_owned());
                console
                    .info(&format!("Got an ID token for subject {subject}"))
                    .map_err(ExchangeError::Log)?;
                let started = tokio::time::Instant::now();
                let last_role = inputs.chaining.further_roles.is_empty();
                let assumed = sts.assume(inputs, &jwt, last_role).await;
                tracing::debug!(
                    "attempt {attempt}: STS call took {} ms",
                    started.elapsed().as_millis()
                );
                match assumed {
                    Ok(role) => {
                        return Ok(Outcome {
                            role,
                            claims: Some(claims),
                            attempts: attempt,
                            reused: None,
                        });
                    }
                    Err(source) => {
                        let retry = source.retry();
                        let claims = Box::new(claims);
                        (
                            ExchangeError::Sts {
                                source,
                                claims,
                                attempts: attempt,
                                max: attempts.max(),
                            },
                            retry,
                        )
                    }
                }
            }
        };
        let Some(delay) = attempts.next_delay(retry, deadline) else {
            return Err(error);
        };
        let reason = error_chain(&error);
        console
            .info(&format!(
                "Attempt {attempt} of {} failed ({reason}); retrying in {:.1} s",
                attempts.max(),
                delay.as_secs_f64()
            ))
            .map_err(ExchangeError::Log)?;
        *last = Some(reason);
        tokio::time::sleep(delay).await;
    }
}

fn token_client(config: &Config, http: reqwest::Client) -> Result<TokenClient, ExchangeError> {
    match &config.token_source {
        TokenSource::Missing { partial } => {
            Err(ExchangeError::MissingPermission { partial: *partial })
        }
        TokenSource::File(path) => Ok(TokenClient::file(http, path.clone())),
        TokenSource::GitHub { url, token } => Ok(TokenClient::github(
            http,
            url,
            token.clone(),
            &config.inputs.audience,
        )),
    }
}

fn http_client(config: &Config, tuning: &Tuning) -> Result<reqwest::Client, ExchangeError> {
    let settings = ClientSettings {
        network: config.network.clone(),
        needs_tls: needs_tls(config),
        connect_timeout: tuning.connect_timeout,
        request_timeout: tuning.request_timeout,
    };
    http::build_client(&settings).map_err(ExchangeError::Client)
}

/// Whether any endpoint or proxy speaks TLS, so that the roots must be loaded. Plain `http` is
/// accepted only to loopback, so the stand-ins and local tests skip the roots entirely.
fn needs_tls(config: &Config) -> bool {
    let token =
        matches!(&config.token_source, TokenSource::GitHub { url, .. } if url.scheme() == "https");
    let sts = config
        .inputs
        .sts_endpoint
        .as_ref()
        .is_none_or(|url| url.scheme() == "https");
    let proxy = config
        .network
        .https_proxy
        .as_ref()
        .is_some_and(|p| p.reveal().scheme() == "https");
    token || sts || proxy
}

/// An error and its causes on one line, for retry notes and deadline messages.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut cause = error.source();
    while let Some(current) = cause {
        let text = current.to_string();
        // A message that already quotes its cause (or a wrapper with the same text) would
        // print it twice.
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        cause = current.source();
    }
    parts.join(": ")
}
