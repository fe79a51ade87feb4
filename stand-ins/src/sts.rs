//! A fake AWS STS that answers `AssumeRoleWithWebIdentity` as STS does: it validates the
//! parameters, verifies the web identity token against its configured OIDC providers
//! (signature against the provider's JWKS, `iss`, `aud` in the client ids, `exp` with five
//! minutes of skew), asks an optional trust check, and answers in awsQuery XML. It also answers
//! the signed calls of role chaining, `AssumeRole` and `GetCallerIdentity`, checking each SigV4
//! signature against the credentials it issued or was given ([`StsBuilder::source_credentials`]).
//!
//! The JWKS is given directly to each [`Provider`] (no HTTP fetch): the token's `iss` can then
//! stay GitHub's real URL, and "STS could not fetch the keys" is a scripted
//! [`Fault`](crate::faults::Fault) rather than a network accident.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::body::Body;
use crate::faults::{Fault, HUGE_BODY_BYTES, Script};
use crate::issuer::{Issuer, unix_now};
use crate::record::{RecordedRequest, Recorder, lock};
use crate::server::{self, LOOPBACK, ResponseFuture, Server, Service};
use crate::sts_xml::{self, AssumeRoleAnswer, Operation};
use crate::tls::ServerTls;
use request::{Refusal, RoleMembers, iso8601, param, parameters, role_id};

mod assume_role;
mod provider;
mod request;
mod sigv4;
mod web_identity;

pub use crate::credentials::StsCredentials;
pub use assume_role::{
    AssumeRoleCall, CHAINED_MAX_SESSION_SECS, ChainTrust, Denied, deny_tag_session,
    require_external_id,
};
pub use provider::Provider;
pub use web_identity::EXPIRY_SKEW_SECS;

/// The default maximum session duration of a role (IAM's default: one hour).
pub const DEFAULT_ROLE_MAX_SESSION_SECS: u32 = 3600;

/// A trust check: given the verified claims, `Ok` admits the token, `Err(reason)` answers
/// `AccessDenied` (the reason is kept for [`Sts::refusals`], never sent).
pub type TrustCheck = Arc<dyn Fn(&Map<String, Value>) -> Result<(), String> + Send + Sync>;

/// A trust check admitting only tokens whose claim `name` is the string `value`.
pub fn require_claim(name: &str, value: &str) -> TrustCheck {
    let (name, value) = (name.to_owned(), value.to_owned());
    Arc::new(
        move |claims| match claims.get(&name).and_then(Value::as_str) {
            Some(v) if v == value => Ok(()),
            Some(v) => Err(format!("{name} is {v:?}, the role trusts {value:?}")),
            None => Err(format!("the token has no {name} claim")),
        },
    )
}

/// A trust check refusing every token (the role trusts some other repository).
pub fn deny_all() -> TrustCheck {
    Arc::new(|_| Err("the trust policy admits no token".to_owned()))
}

/// Configures an [`Sts`] before it starts.
pub struct StsBuilder {
    providers: Vec<Provider>,
    credentials: Option<StsCredentials>,
    role_max_session_secs: u32,
    session_lifetime: Option<i64>,
    trust: Option<TrustCheck>,
    chain_trust: Option<ChainTrust>,
    source_keys: Vec<(StsCredentials, String)>,
    packed_limit: Option<usize>,
    script: Script<Fault>,
    tls: Option<ServerTls>,
    bind: IpAddr,
}

impl Default for StsBuilder {
    fn default() -> Self {
        StsBuilder {
            providers: vec![Provider::for_issuer(&Issuer::github())],
            credentials: None,
            role_max_session_secs: DEFAULT_ROLE_MAX_SESSION_SECS,
            session_lifetime: None,
            trust: None,
            chain_trust: None,
            source_keys: Vec::new(),
            packed_limit: None,
            script: Script::new(Fault::Pass),
            tls: None,
            bind: LOOPBACK,
        }
    }
}

impl StsBuilder {
    /// The configured providers (default: GitHub's issuer, client id `sts.amazonaws.com`).
    pub fn providers(mut self, providers: Vec<Provider>) -> Self {
        self.providers = providers;
        self
    }

    /// Adds a provider.
    pub fn provider(mut self, provider: Provider) -> Self {
        self.providers.push(provider);
        self
    }

    /// Answers every success with these credentials (default: fresh generated ones each time).
    pub fn credentials(mut self, credentials: StsCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The role's maximum session duration (default 3600, as IAM's default).
    pub fn role_max_session_duration(mut self, secs: u32) -> Self {
        self.role_max_session_secs = secs;
        self
    }

    /// Issued credentials expire after `secs` seconds, whatever duration was asked for (default:
    /// the duration asked for): a long job in a short test. Signed calls with expired
    /// credentials are refused with `ExpiredToken`, as STS refuses them.
    pub fn session_lifetime(mut self, secs: i64) -> Self {
        self.session_lifetime = Some(secs);
        self
    }

    /// The trust check (default: every verified token is admitted).
    pub fn trust(mut self, check: TrustCheck) -> Self {
        self.trust = Some(check);
        self
    }

    /// The target role's trust policy for `AssumeRole` (default: every signed call is admitted).
    pub fn chain_trust(mut self, check: ChainTrust) -> Self {
        self.chain_trust = Some(check);
        self
    }

    /// Credentials the stand-in did not issue but accepts signatures from (an IAM user's keys
    /// have an empty session token), with the caller's ARN for error messages.
    pub fn source_credentials(mut self, credentials: StsCredentials, arn: &str) -> Self {
        self.source_keys.push((credentials, arn.to_owned()));
        self
    }

    /// Refuses with `PackedPolicyTooLarge` when session policies and tags together take more
    /// than `bytes` (default: no limit).
    pub fn packed_policy_limit(mut self, bytes: usize) -> Self {
        self.packed_limit = Some(bytes);
        self
    }

    /// Queues a fault for the next request not yet scripted.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.script.push(fault);
        self
    }

    /// What requests get once the queue is empty (default [`Fault::Pass`]).
    pub fn default_fault(mut self, fault: Fault) -> Self {
        self.script.set_default(fault);
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
    pub fn start(self) -> io::Result<Sts> {
        let state = Arc::new(StsState {
            providers: self.providers,
            credentials: self.credentials,
            role_max_session_secs: self.role_max_session_secs,
            session_lifetime: self.session_lifetime,
            trust: Mutex::new(self.trust),
            chain_trust: Mutex::new(self.chain_trust),
            source_keys: self.source_keys,
            packed_limit: self.packed_limit,
            script: Mutex::new(self.script),
            recorder: Recorder::default(),
            issued: Mutex::new(Vec::new()),
            assume_role_calls: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        });
        let service_state = state.clone();
        let service: Service =
            Arc::new(move |req| -> ResponseFuture { Box::pin(handle(service_state.clone(), req)) });
        let server = Server::start(
            "sts",
            self.bind,
            self.tls.as_ref().map(ServerTls::config),
            service,
        )?;
        let base_url = server::base_url(
            server.addr(),
            self.tls.is_some(),
            self.tls.as_ref().map(ServerTls::url_host),
        );
        Ok(Sts {
            server,
            state,
            base_url,
        })
    }
}

/// A running STS stand-in; dropping it stops the server.
pub struct Sts {
    server: Server,
    state: Arc<StsState>,
    base_url: String,
}

impl std::fmt::Debug for Sts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sts")
            .field("url", &self.base_url)
            .finish_non_exhaustive()
    }
}

struct StsState {
    providers: Vec<Provider>,
    credentials: Option<StsCredentials>,
    role_max_session_secs: u32,
    session_lifetime: Option<i64>,
    trust: Mutex<Option<TrustCheck>>,
    chain_trust: Mutex<Option<ChainTrust>>,
    source_keys: Vec<(StsCredentials, String)>,
    packed_limit: Option<usize>,
    script: Mutex<Script<Fault>>,
    recorder: Recorder,
    issued: Mutex<Vec<AssumeRoleAnswer>>,
    assume_role_calls: Mutex<Vec<AssumeRoleCall>>,
    refusals: Mutex<Vec<String>>,
    calls: AtomicUsize,
}

impl Sts {
    /// An STS with the defaults: trusts GitHub's issuer (the fixture key) for
    /// `sts.amazonaws.com`, role maximum 3600 s, no trust check, no faults, plain HTTP.
    ///
    /// # Panics
    /// If 127.0.0.1 cannot be bound.
    pub fn start() -> Sts {
        Sts::builder()
            .start()
            .expect("binding a loopback port for the STS stand-in")
    }

    /// A builder with the defaults of [`Sts::start`].
    pub fn builder() -> StsBuilder {
        StsBuilder::default()
    }

    /// The endpoint URL (`http://127.0.0.1:PORT`, no trailing slash): `AWS_ENDPOINT_URL_STS`.
    pub fn url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Every request received, in order (use [`RecordedRequest::form_value`] for the fields).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    /// The `WebIdentityToken` of every request, in order.
    pub fn web_identity_tokens(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r.form_value("WebIdentityToken"))
            .collect()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Every successful answer given, in order (the credentials included).
    pub fn issued(&self) -> Vec<AssumeRoleAnswer> {
        lock(&self.state.issued).clone()
    }

    /// Every `AssumeRole` call whose signature held, in order, refused or not.
    pub fn assume_role_calls(&self) -> Vec<AssumeRoleCall> {
        lock(&self.state.assume_role_calls).clone()
    }

    /// Replaces the target role's trust policy for `AssumeRole`.
    pub fn set_chain_trust(&self, check: Option<ChainTrust>) {
        *lock(&self.state.chain_trust) = check;
    }

    /// The reasons the trust check gave for each refusal.
    pub fn refusals(&self) -> Vec<String> {
        lock(&self.state.refusals).clone()
    }

    /// Queues a fault for the next request not yet scripted.
    pub fn push(&self, fault: Fault) {
        lock(&self.state.script).push(fault);
    }

    /// What requests get once the queue is empty.
    pub fn set_default(&self, fault: Fault) {
        lock(&self.state.script).set_default(fault);
    }

    /// Replaces the trust check.
    pub fn set_trust(&self, check: Option<TrustCheck>) {
        *lock(&self.state.trust) = check;
    }
}

async fn handle(state: Arc<StsState>, req: hyper::Request<hyper::body::Incoming>) -> Response {
    let request = server::read_request(req).await;
    state.recorder.push(request.clone());
    state.calls.fetch_add(1, Ordering::SeqCst);
    let fault = lock(&state.script).next_item();
    let request_id = uuid::Uuid::new_v4().to_string();

    let document = match &fault {
        Fault::Error {
            status,
            code,
            message,
        } => {
            return xml(
                *status,
                Body::full(sts_xml::error(*status, code, message, &request_id)),
                &request_id,
            );
        }
        Fault::BareStatus(status) => return xml(*status, Body::empty(), &request_id),
        Fault::Html(status) => {
            return server::respond(
                *status,
                "text/html; charset=utf-8",
                Body::full(sts_xml::html_page(*status)),
            );
        }
        Fault::Hang => return server::never().await,
        Fault::EntityExpansionXml => {
            return xml(
                200,
                Body::full(sts_xml::entity_expansion(&request_id)),
                &request_id,
            );
        }
        Fault::Credentials(credentials) => state.answer(&request, Some(credentials), &request_id),
        _ => state.answer(&request, None, &request_id),
    };
    let (status, document) = match document {
        Ok(Answer::Role(answer)) => {
            let doc = sts_xml::success(&answer);
            lock(&state.issued).push(*answer);
            (200, doc)
        }
        Ok(Answer::Caller { arn, user_id }) => {
            (200, sts_xml::caller_identity(&arn, &user_id, &request_id))
        }
        Err(refusal) => (
            refusal.status,
            sts_xml::error(refusal.status, refusal.code, &refusal.message, &request_id),
        ),
    };
    let body = match fault {
        Fault::TruncatedXml => Body::full(sts_xml::truncated(&document)),
        Fault::HugeBody => Body::full(sts_xml::padded(&document, HUGE_BODY_BYTES)),
        Fault::Trickle(interval) => Body::trickle(document, interval),
        Fault::CutOff => {
            let declared = document.len() as u64;
            Body::cut_off(sts_xml::truncated(&document), declared)
        }
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            Body::full(document)
        }
        _ => Body::full(document),
    };
    xml(status, body, &request_id)
}

type Response = hyper::Response<Body>;

/// A successful answer.
enum Answer {
    /// New credentials (`AssumeRoleWithWebIdentity`, `AssumeRole`).
    Role(Box<AssumeRoleAnswer>),
    /// Who signed the request (`GetCallerIdentity`).
    Caller { arn: String, user_id: String },
}

impl StsState {
    /// Answers a request by its `Action`.
    fn answer(
        &self,
        request: &RecordedRequest,
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> Result<Answer, Refusal> {
        if request.path() != "/" {
            return Err(Refusal::new(
                404,
                "UnknownOperationException",
                format!("no STS operation at {}", request.path()),
            ));
        }
        let params = parameters(request);
        let action = param(&params, "Action");
        let version = param(&params, "Version");
        match (action, version) {
            (Some("AssumeRoleWithWebIdentity"), Some("2011-06-15")) => self
                .web_identity(&params, credentials, request_id)
                .map(|a| Answer::Role(Box::new(a))),
            (Some("AssumeRole"), Some("2011-06-15")) => self
                .assume_role(request, &params, credentials, request_id)
                .map(|a| Answer::Role(Box::new(a))),
            (Some("GetCallerIdentity"), Some("2011-06-15")) => {
                let caller = sigv4::verify(request, |key| self.known_credentials(key))?;
                self.check_unexpired(&caller)?;
                let arn = self.caller_arn(&caller);
                let session = arn.rsplit('/').next().unwrap_or_default();
                let user_id = format!("{}:{session}", role_id(&arn));
                Ok(Answer::Caller { arn, user_id })
            }
            _ => Err(Refusal::new(
                400,
                "InvalidAction",
                format!(
                    "Could not find operation {} for version {}",
                    action.unwrap_or("NO_ACTION"),
                    version.unwrap_or("NO_VERSION_SPECIFIED")
                ),
            )),
        }
    }

    /// New credentials for the session `members` describe (or the scripted ones).
    fn issue(
        &self,
        operation: Operation,
        members: &RoleMembers<'_>,
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> AssumeRoleAnswer {
        let credentials = credentials
            .or(self.credentials.as_ref())
            .cloned()
            .unwrap_or_else(StsCredentials::generate);
        let expiration = credentials.expiration.clone().unwrap_or_else(|| {
            iso8601(unix_now() + self.session_lifetime.unwrap_or(members.duration_secs))
        });
        let packed_policy_size = (members.policy.is_some() || !members.policy_arns.is_empty())
            .then(|| {
                u32::try_from((members.packed_policy_bytes() * 100 / 4096).max(1)).unwrap_or(100)
            });
        let (partition, account, name) = members
            .role()
            .map(|r| (r.partition, r.account, r.name))
            .unwrap_or_default();
        let session = members.session;
        AssumeRoleAnswer {
            operation,
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: credentials.session_token,
            expiration,
            subject: String::new(),
            audience: String::new(),
            provider: String::new(),
            assumed_role_arn: format!(
                "arn:{partition}:sts::{account}:assumed-role/{name}/{session}"
            ),
            assumed_role_id: format!("{}:{session}", role_id(members.role_arn)),
            packed_policy_size,
            request_id: request_id.to_owned(),
        }
    }

    /// The credentials issued with (or configured for) an access key id.
    fn known_credentials(&self, access_key_id: &str) -> Option<StsCredentials> {
        let issued = lock(&self.issued)
            .iter()
            .find(|a| a.access_key_id == access_key_id)
            .map(|a| StsCredentials::new(&a.access_key_id, &a.secret_access_key, &a.session_token));
        issued.or_else(|| {
            self.source_keys
                .iter()
                .find(|(c, _)| c.access_key_id == access_key_id)
                .map(|(c, _)| c.clone())
        })
    }

    /// Refuses credentials this stand-in issued once their `Expiration` has passed.
    fn check_unexpired(&self, credentials: &StsCredentials) -> Result<(), Refusal> {
        let expired = lock(&self.issued)
            .iter()
            .find(|a| a.access_key_id == credentials.access_key_id)
            .and_then(|a| {
                time::OffsetDateTime::parse(
                    &a.expiration,
                    &time::format_description::well_known::Rfc3339,
                )
                .ok()
            })
            .is_some_and(|expiration| expiration <= time::OffsetDateTime::now_utc());
        if expired {
            return Err(Refusal::new(
                400,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        Ok(())
    }

    /// The ARN of the identity holding `credentials`, as STS names it in `AccessDenied`.
    fn caller_arn(&self, credentials: &StsCredentials) -> String {
        let issued = lock(&self.issued)
            .iter()
            .find(|a| a.access_key_id == credentials.access_key_id)
            .map(|a| a.assumed_role_arn.clone());
        issued
            .or_else(|| {
                self.source_keys
                    .iter()
                    .find(|(c, _)| c.access_key_id == credentials.access_key_id)
                    .map(|(_, arn)| arn.clone())
            })
            .unwrap_or_default()
    }
}

fn xml(status: u16, body: Body, request_id: &str) -> Response {
    let mut response = server::respond(status, "text/xml", body);
    if let Ok(value) = hyper::header::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

#[cfg(test)]
mod tests;
