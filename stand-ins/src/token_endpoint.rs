//! A fake of the runner's ID-token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`):
//! `GET|POST /token?api-version=2.0&audience=...` with `Authorization: Bearer <request token>`
//! answers `{"count": N, "value": "<jwt>"}`; `/.well-known/jwks` and
//! `/.well-known/openid-configuration` are served too. A [`Script`] of [`Behaviour`]s decides
//! each answer.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::body::Body;
use crate::faults::{Behaviour, HUGE_BODY_BYTES, Script};
use crate::issuer::{Claims, Issuer};
use crate::record::{RecordedRequest, Recorder, lock};
use crate::server::{self, LOOPBACK, RawAnswer, RawHook, ResponseFuture, Server, Service};
use crate::tls::ServerTls;

/// The token path; the URL the runner would give is `<base>/token?api-version=2.0`.
pub const TOKEN_PATH: &str = "/token";

/// Configures a [`TokenEndpoint`] before it starts.
pub struct TokenEndpointBuilder {
    issuer: Issuer,
    request_token: String,
    claims: Claims,
    script: Script<Behaviour>,
    tls: Option<ServerTls>,
    bind: IpAddr,
}

impl Default for TokenEndpointBuilder {
    fn default() -> Self {
        TokenEndpointBuilder {
            issuer: Issuer::github(),
            request_token: format!("stand-in-request-token-{}", uuid::Uuid::new_v4().simple()),
            claims: Claims::new(),
            script: Script::new(Behaviour::Ok),
            tls: None,
            bind: LOOPBACK,
        }
    }
}

impl TokenEndpointBuilder {
    /// The issuer that signs the tokens (default: GitHub's `iss`, the fixture key).
    pub fn issuer(mut self, issuer: Issuer) -> Self {
        self.issuer = issuer;
        self
    }

    /// The bearer token requests must carry (default: a fresh random one; tests pass a
    /// sentinel).
    pub fn request_token(mut self, token: impl Into<String>) -> Self {
        self.request_token = token.into();
        self
    }

    /// The job the tokens describe (default [`Claims::new`]); `aud` comes from each request.
    pub fn claims(mut self, claims: Claims) -> Self {
        self.claims = claims;
        self
    }

    /// Queues a behaviour for the next authorised request not yet scripted.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.script.push(behaviour);
        self
    }

    /// What authorised requests get once the queue is empty (default [`Behaviour::Ok`]).
    pub fn default_behaviour(mut self, behaviour: Behaviour) -> Self {
        self.script.set_default(behaviour);
        self
    }

    /// Serves HTTPS with this TLS set-up.
    pub fn tls(mut self, tls: ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Binds another address than 127.0.0.1 (port still chosen by the system).
    pub fn bind(mut self, ip: IpAddr) -> Self {
        self.bind = ip;
        self
    }

    /// Starts serving.
    pub fn start(self) -> io::Result<TokenEndpoint> {
        let tls = self.tls.is_some();
        let url_host = self.tls.as_ref().map(|t| t.url_host().to_owned());
        // The discovery document must name the server's own URL, known only once bound.
        let base = Arc::new(Mutex::new(String::new()));
        let state = Arc::new(TokenState {
            issuer: self.issuer,
            request_token: self.request_token,
            claims: Mutex::new(self.claims),
            script: Mutex::new(self.script),
            recorder: Recorder::default(),
            minted: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
            base_url: base.clone(),
        });
        let service_state = state.clone();
        let service: Service =
            Arc::new(move |req| -> ResponseFuture { Box::pin(handle(service_state.clone(), req)) });
        let raw_state = state.clone();
        let raw: RawHook = Arc::new(move || {
            let mut script = lock(&raw_state.script);
            if *script.peek() != Behaviour::BrokenChunked {
                return None;
            }
            script.next_item();
            raw_state.calls.fetch_add(1, Ordering::SeqCst);
            Some(RawAnswer::BrokenChunksForever)
        });
        let server = Server::start_with_raw(
            "token endpoint",
            self.bind,
            self.tls.as_ref().map(ServerTls::config),
            service,
            Some(raw),
        )?;
        let base_url = server::base_url(server.addr(), tls, url_host.as_deref());
        *lock(&base) = base_url.clone();
        Ok(TokenEndpoint {
            server,
            state,
            base_url,
        })
    }
}

/// A running token endpoint; dropping it stops the server.
pub struct TokenEndpoint {
    server: Server,
    state: Arc<TokenState>,
    base_url: String,
}

impl std::fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

struct TokenState {
    issuer: Issuer,
    request_token: String,
    claims: Mutex<Claims>,
    script: Mutex<Script<Behaviour>>,
    recorder: Recorder,
    minted: Mutex<Vec<String>>,
    calls: AtomicUsize,
    base_url: Arc<Mutex<String>>,
}

impl TokenEndpoint {
    /// An endpoint with the defaults: GitHub's issuer, a random request token, default claims,
    /// always [`Behaviour::Ok`], plain HTTP.
    ///
    /// # Panics
    /// If 127.0.0.1 cannot be bound.
    pub fn start() -> TokenEndpoint {
        TokenEndpoint::builder()
            .start()
            .expect("binding a loopback port for the token endpoint stand-in")
    }

    /// A builder with the defaults of [`TokenEndpoint::start`].
    pub fn builder() -> TokenEndpointBuilder {
        TokenEndpointBuilder::default()
    }

    /// The URL as the runner gives it: `<base>/token?api-version=2.0`
    /// (`ACTIONS_ID_TOKEN_REQUEST_URL`).
    pub fn url(&self) -> String {
        format!("{}{TOKEN_PATH}?api-version=2.0", self.base_url)
    }

    /// `scheme://host:port`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The JWKS URL (`<base>/.well-known/jwks`).
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks", self.base_url)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The bearer token requests must carry (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    pub fn request_token(&self) -> &str {
        &self.state.request_token
    }

    /// The issuer that signs the tokens.
    pub fn issuer(&self) -> &Issuer {
        &self.state.issuer
    }

    /// Every request received (any path, authorised or not), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    /// The requests to the token path only, in order.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == TOKEN_PATH)
            .collect()
    }

    /// How many requests reached the token path (authorised or not).
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Every JWT handed out, in order.
    pub fn minted(&self) -> Vec<String> {
        lock(&self.state.minted).clone()
    }

    /// Connections accepted so far, TLS handshakes that failed included: what a client that
    /// never got as far as a request tried.
    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    /// Queues a behaviour for the next authorised token request not yet scripted.
    pub fn push(&self, behaviour: Behaviour) {
        lock(&self.state.script).push(behaviour);
    }

    /// What authorised requests get once the queue is empty.
    pub fn set_default(&self, behaviour: Behaviour) {
        lock(&self.state.script).set_default(behaviour);
    }

    /// Replaces the job the tokens describe.
    pub fn set_claims(&self, claims: Claims) {
        *lock(&self.state.claims) = claims;
    }

    /// The job the tokens describe.
    pub fn claims(&self) -> Claims {
        lock(&self.state.claims).clone()
    }
}

type Response = hyper::Response<Body>;

fn json_response(status: u16, body: String) -> Response {
    server::respond(status, "application/json; charset=utf-8", Body::full(body))
}

/// `{"count": N, "value": "..."}` as GitHub sends it (`count` is the value's length).
fn token_json(value: &str) -> String {
    json!({ "count": value.len(), "value": value }).to_string()
}

async fn handle(state: Arc<TokenState>, req: hyper::Request<hyper::body::Incoming>) -> Response {
    let request = server::read_request(req).await;
    state.recorder.push(request.clone());
    match (request.method.as_str(), request.path()) {
        ("GET", "/.well-known/jwks") => json_response(200, state.issuer.jwks().to_string()),
        ("GET", "/.well-known/openid-configuration") => {
            let jwks_uri = format!("{}/.well-known/jwks", lock(&state.base_url));
            json_response(
                200,
                state.issuer.openid_configuration(&jwks_uri).to_string(),
            )
        }
        ("GET" | "POST", TOKEN_PATH) => {
            state.calls.fetch_add(1, Ordering::SeqCst);
            if request.bearer() != Some(state.request_token.as_str()) {
                return json_response(401, r#"{"message":"Unauthorized"}"#.to_owned());
            }
            let behaviour = lock(&state.script).next_item();
            state.answer(&request, behaviour).await
        }
        (_, TOKEN_PATH) => server::respond(405, "text/plain", Body::full("Method Not Allowed")),
        _ => server::respond(404, "text/plain", Body::full("Not Found")),
    }
}

impl TokenState {
    /// Mints a token for the request's audience (GitHub's default without one: the owner's
    /// URL, which AWS rejects).
    fn mint(&self, request: &RecordedRequest, claims: Option<Claims>) -> String {
        let token = self.issuer.mint(&self.claims_for(request, claims));
        self.record_minted(&token);
        token
    }

    /// `claims` (or the template) with the audience the request asked for.
    fn claims_for(&self, request: &RecordedRequest, claims: Option<Claims>) -> Claims {
        let mut claims = claims.unwrap_or_else(|| lock(&self.claims).clone());
        claims.audience = request
            .query_value("audience")
            .unwrap_or_else(|| format!("https://github.com/{}", claims.owner()));
        claims
    }

    fn record_minted(&self, token: &str) {
        lock(&self.minted).push(token.to_owned());
    }

    fn answer(
        &self,
        request: &RecordedRequest,
        behaviour: Behaviour,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send + '_>> {
        let request = request.clone();
        Box::pin(async move {
            match behaviour {
                Behaviour::Ok => json_response(200, token_json(&self.mint(&request, None))),
                Behaviour::Claims(claims) => {
                    json_response(200, token_json(&self.mint(&request, Some(*claims))))
                }
                Behaviour::Token(value) => {
                    self.record_minted(&value);
                    json_response(200, token_json(&value))
                }
                Behaviour::Status(status, body) => {
                    let kind = if body.trim_start().starts_with('{') {
                        "application/json; charset=utf-8"
                    } else {
                        "text/plain; charset=utf-8"
                    };
                    server::respond(status, kind, Body::full(body))
                }
                Behaviour::NotJson => server::respond(
                    200,
                    "text/html; charset=utf-8",
                    Body::full(
                        "<!DOCTYPE html><html><head><title>Sign in</title></head>\
                         <body><form>Please sign in to continue</form></body></html>",
                    ),
                ),
                Behaviour::NoValue => json_response(200, r#"{"count":0}"#.to_owned()),
                Behaviour::EmptyValue => json_response(200, r#"{"count":0,"value":""}"#.to_owned()),
                Behaviour::NonStringValue => {
                    json_response(200, r#"{"count":1,"value":12345}"#.to_owned())
                }
                Behaviour::NotJwt => json_response(200, token_json("this-is-not-a-jwt")),
                Behaviour::Oversized => {
                    let token = self.issuer.mint_oversized(&self.claims_for(&request, None));
                    self.record_minted(&token);
                    json_response(200, token_json(&token))
                }
                Behaviour::HugeBody => {
                    let token = self.mint(&request, None);
                    let padding = "x".repeat(HUGE_BODY_BYTES);
                    let body = json!({ "count": token.len(), "value": token, "padding": padding });
                    json_response(200, body.to_string())
                }
                Behaviour::EndlessChunked | Behaviour::BrokenChunked => server::respond(
                    200,
                    "application/json; charset=utf-8",
                    Body::endless(r#"{"count":1,"value":""#, b'a'),
                ),
                Behaviour::Trickle(interval) => server::respond(
                    200,
                    "application/json; charset=utf-8",
                    Body::trickle(token_json(&self.mint(&request, None)), interval),
                ),
                Behaviour::NoHeaders => server::never().await,
                Behaviour::Redirect(location) => {
                    let mut response = server::respond(302, "text/plain", Body::full("Found"));
                    if let Ok(value) = hyper::header::HeaderValue::from_str(&location) {
                        response
                            .headers_mut()
                            .insert(hyper::header::LOCATION, value);
                    }
                    response
                }
                Behaviour::Delayed(delay, inner) => {
                    tokio::time::sleep(delay).await;
                    self.answer(&request, *inner).await
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
