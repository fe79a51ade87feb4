//! A fake AWS STS that answers `AssumeRoleWithWebIdentity` as STS does: it validates the
//! parameters, verifies the web identity token against its configured OIDC providers
//! (signature against the provider's JWKS, `iss`, `aud` in the client ids, `exp` with five
//! minutes of skew), asks an optional trust check, and answers in awsQuery XML.
//!
//! The JWKS is given directly to each [`Provider`] (no HTTP fetch): the token's `iss` can then
//! stay GitHub's real URL, and "STS could not fetch the keys" is a scripted
//! [`Fault`](crate::faults::Fault) rather than a network accident.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::body::Body;
use crate::faults::{ACCESS_DENIED_MESSAGE, Fault, HUGE_BODY_BYTES, Script};
use crate::issuer::{AWS_AUDIENCE, Issuer, unix_now};
use crate::record::{RecordedRequest, Recorder, lock};
use crate::server::{self, LOOPBACK, ResponseFuture, Server, Service};
use crate::sts_xml::{self, AssumeRoleAnswer};
use crate::tls::ServerTls;

/// The skew STS allows on `exp`, in seconds.
pub const EXPIRY_SKEW_SECS: i64 = 300;

/// The default maximum session duration of a role (IAM's default: one hour).
pub const DEFAULT_ROLE_MAX_SESSION_SECS: u32 = 3600;

/// Partitions a role ARN may name.
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

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

/// Temporary credentials as STS returns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: String,
    /// `SessionToken`.
    pub session_token: String,
    /// `Expiration` verbatim; `None` means now plus the requested duration.
    pub expiration: Option<String>,
}

impl StsCredentials {
    /// Credentials with these values, expiring after the requested duration.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        StsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.into(),
            expiration: None,
        }
    }

    /// Realistic-looking random values: `ASIA` + 16 characters, a 40-character secret, a
    /// 704-character session token.
    pub fn generate() -> Self {
        const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET_CHARS: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let pick = |set: &[u8], n: usize| -> String {
            (0..n)
                .map(|_| set[fastrand::usize(..set.len())] as char)
                .collect()
        };
        let raw: Vec<u8> = (0..516).map(|_| fastrand::u8(..)).collect();
        StsCredentials {
            access_key_id: format!("ASIA{}", pick(KEY_CHARS, 16)),
            secret_access_key: pick(SECRET_CHARS, 40),
            session_token: format!(
                "IQoJb3JpZ2luX2VjE{}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ),
            expiration: None,
        }
    }

    /// The same credentials with `Expiration` set verbatim (e.g. a time in the past).
    pub fn with_expiration(mut self, expiration: impl Into<String>) -> Self {
        self.expiration = Some(expiration.into());
        self
    }
}

/// An IAM OIDC identity provider as STS knows it.
#[derive(Clone, Debug)]
pub struct Provider {
    /// The issuer URL, compared with the token's `iss`.
    pub issuer: String,
    /// The registered client ids (audiences).
    pub client_ids: Vec<String>,
    /// The keys STS verifies signatures with.
    pub jwks: JwkSet,
}

impl Provider {
    /// The provider for `issuer` with client id `sts.amazonaws.com` and the issuer's JWKS.
    ///
    /// # Panics
    /// Only if the issuer's compiled-in JWKS is corrupt.
    pub fn for_issuer(issuer: &Issuer) -> Provider {
        Provider {
            issuer: issuer.iss().to_owned(),
            client_ids: vec![AWS_AUDIENCE.to_owned()],
            jwks: serde_json::from_value(issuer.jwks()).expect("the fixture JWKS parses"),
        }
    }

    /// A provider from a JWKS document.
    pub fn from_jwks_json(
        issuer: &str,
        client_ids: &[&str],
        jwks: &Value,
    ) -> Result<Provider, serde_json::Error> {
        Ok(Provider {
            issuer: issuer.to_owned(),
            client_ids: client_ids.iter().map(|c| (*c).to_owned()).collect(),
            jwks: serde_json::from_value(jwks.clone())?,
        })
    }

    /// Replaces the client ids.
    pub fn client_ids(mut self, client_ids: &[&str]) -> Provider {
        self.client_ids = client_ids.iter().map(|c| (*c).to_owned()).collect();
        self
    }
}

/// Configures an [`Sts`] before it starts.
pub struct StsBuilder {
    providers: Vec<Provider>,
    credentials: Option<StsCredentials>,
    role_max_session_secs: u32,
    trust: Option<TrustCheck>,
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
            trust: None,
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

    /// The trust check (default: every verified token is admitted).
    pub fn trust(mut self, check: TrustCheck) -> Self {
        self.trust = Some(check);
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
            trust: Mutex::new(self.trust),
            script: Mutex::new(self.script),
            recorder: Recorder::default(),
            issued: Mutex::new(Vec::new()),
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
    trust: Mutex<Option<TrustCheck>>,
    script: Mutex<Script<Fault>>,
    recorder: Recorder,
    issued: Mutex<Vec<AssumeRoleAnswer>>,
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

/// An error answer STS would give.
#[derive(Debug, PartialEq, Eq)]
struct Refusal {
    status: u16,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    fn invalid_token(message: impl Into<String>) -> Self {
        Refusal::new(400, "InvalidIdentityToken", message)
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
        Ok(answer) => {
            let doc = sts_xml::success(&answer);
            lock(&state.issued).push(answer);
            (200, doc)
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

fn xml(status: u16, body: Body, request_id: &str) -> Response {
    let mut response = server::respond(status, "text/xml", body);
    if let Ok(value) = hyper::header::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

/// The parts of a role ARN the answer needs.
#[derive(Debug, PartialEq, Eq)]
struct RoleArn {
    partition: String,
    account: String,
    name: String,
}

/// Parses `arn:<partition>:iam::<12 digits>:role/<path/>name`.
fn parse_role_arn(arn: &str) -> Option<RoleArn> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    let valid = PARTITIONS.contains(&partition)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name.len() <= 64
        && path_and_name.chars().all(|c| name_ok(c) || c == '/');
    valid.then(|| RoleArn {
        partition: partition.to_owned(),
        account: account.to_owned(),
        name: name.to_owned(),
    })
}

fn session_name_ok(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// The request's parameters: the form body of a POST, the query string otherwise.
fn parameters(request: &RecordedRequest) -> Vec<(String, String)> {
    if request.method == "POST" {
        request.form()
    } else {
        request.query()
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Collects model-constraint violations the way STS words them.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn add(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_owned(),
        };
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    fn length(&mut self, value: Option<&str>, shown: bool, member: &str, min: usize, max: usize) {
        let Some(v) = value else {
            self.add(None, member, "Member must not be null");
            return;
        };
        let n = v.chars().count();
        // Sensitive members (the token) are never echoed.
        let show = shown.then_some(v);
        if n < min {
            self.add(
                show,
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if n > max {
            self.add(
                show,
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn into_refusal(self) -> Option<Refusal> {
        let n = self.0.len();
        (n > 0).then(|| {
            let noun = if n == 1 { "error" } else { "errors" };
            Refusal::new(
                400,
                "ValidationError",
                format!("{n} validation {noun} detected: {}", self.0.join("; ")),
            )
        })
    }
}

impl StsState {
    fn answer(
        &self,
        request: &RecordedRequest,
        credentials: Option<&StsCredentials>,
        request_id: &str,
    ) -> Result<AssumeRoleAnswer, Refusal> {
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
        if action != Some("AssumeRoleWithWebIdentity") || version != Some("2011-06-15") {
            return Err(Refusal::new(
                400,
                "InvalidAction",
                format!(
                    "Could not find operation {} for version {}",
                    action.unwrap_or("NO_ACTION"),
                    version.unwrap_or("NO_VERSION_SPECIFIED")
                ),
            ));
        }

        let role_arn = param(&params, "RoleArn");
        let session = param(&params, "RoleSessionName");
        let token = param(&params, "WebIdentityToken");
        let duration = param(&params, "DurationSeconds");
        let policy = param(&params, "Policy");
        let policy_arns: Vec<&str> = params
            .iter()
            .filter(|(k, _)| k.starts_with("PolicyArns.member.") && k.ends_with(".arn"))
            .map(|(_, v)| v.as_str())
            .collect();

        let mut violations = Violations::default();
        violations.length(role_arn, true, "roleArn", 20, 2048);
        violations.length(session, true, "roleSessionName", 2, 64);
        if let Some(s) = session.filter(|s| !session_name_ok(s)) {
            violations.add(
                Some(s),
                "roleSessionName",
                r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
            );
        }
        violations.length(token, false, "webIdentityToken", 4, 20000);
        let duration_secs = match duration {
            None => 3600,
            Some(d) => match d.parse::<i64>() {
                Ok(n) if n < 900 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value greater than or equal to 900",
                    );
                    n
                }
                Ok(n) if n > 43200 => {
                    violations.add(
                        Some(d),
                        "durationSeconds",
                        "Member must have value less than or equal to 43200",
                    );
                    n
                }
                Ok(n) => n,
                Err(_) => {
                    violations.add(Some(d), "durationSeconds", "Member must be an integer");
                    0
                }
            },
        };
        if let Some(p) = policy {
            violations.length(Some(p), false, "policy", 1, 2048);
        }
        if policy_arns.len() > 10 {
            violations.add(
                None,
                "policyArns",
                "Member must have length less than or equal to 10",
            );
        }
        for arn in &policy_arns {
            violations.length(Some(arn), true, "policyArns.member.arn", 20, 2048);
        }
        if let Some(refusal) = violations.into_refusal() {
            return Err(refusal);
        }
        let (Some(role_arn), Some(session), Some(token)) = (role_arn, session, token) else {
            unreachable!("missing members were reported as violations")
        };
        let role = parse_role_arn(role_arn)
            .ok_or_else(|| Refusal::new(400, "ValidationError", "Request ARN is invalid"))?;

        let (provider, claims) = self.verify(token)?;

        let check = lock(&self.trust).clone();
        if let Some(check) = check
            && let Err(reason) = check(&claims)
        {
            lock(&self.refusals).push(reason);
            return Err(Refusal::new(403, "AccessDenied", ACCESS_DENIED_MESSAGE));
        }
        if duration_secs > i64::from(self.role_max_session_secs) {
            return Err(Refusal::new(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        if let Some(p) = policy
            && !serde_json::from_str::<Value>(p).is_ok_and(|v| v.is_object())
        {
            return Err(Refusal::new(
                400,
                "MalformedPolicyDocument",
                "The policy is not in the valid JSON format.",
            ));
        }

        let credentials = credentials
            .or(self.credentials.as_ref())
            .cloned()
            .unwrap_or_else(StsCredentials::generate);
        let expiration = credentials
            .expiration
            .clone()
            .unwrap_or_else(|| iso8601(unix_now() + duration_secs));
        let audience = audience_matching(&claims, &provider.client_ids).unwrap_or_default();
        let packed_policy_size = (policy.is_some() || !policy_arns.is_empty()).then(|| {
            let packed = policy.map_or(0, str::len) + 64 * policy_arns.len();
            u32::try_from((packed * 100 / 4096).max(1)).unwrap_or(100)
        });
        Ok(AssumeRoleAnswer {
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: credentials.session_token,
            expiration,
            subject: claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            audience,
            provider: format!(
                "arn:{}:iam::{}:oidc-provider/{}",
                role.partition,
                role.account,
                provider
                    .issuer
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
            ),
            assumed_role_arn: format!(
                "arn:{}:sts::{}:assumed-role/{}/{session}",
                role.partition, role.account, role.name
            ),
            assumed_role_id: format!("{}:{session}", role_id(role_arn)),
            packed_policy_size,
            request_id: request_id.to_owned(),
        })
    }

    /// Verifies the token as STS does; returns the provider that vouched for it and the claims.
    fn verify(&self, token: &str) -> Result<(&Provider, Map<String, Value>), Refusal> {
        let not_jwt = || {
            Refusal::invalid_token(
                "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
            )
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| not_jwt())?;
        let unverified = unverified_claims(token).ok_or_else(not_jwt)?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::invalid_token("Missing a required claim: iss"))?;
        let provider = self
            .providers
            .iter()
            .find(|p| p.issuer == iss)
            .ok_or_else(|| {
                Refusal::invalid_token(format!(
                    "No OpenIDConnect provider found in your account for {iss}"
                ))
            })?;
        if audience_matching(&unverified, &provider.client_ids).is_none() {
            return Err(Refusal::invalid_token("Incorrect token audience"));
        }
        let jwk = header
            .kid
            .as_deref()
            .and_then(|kid| provider.jwks.find(kid))
            .ok_or_else(|| {
                Refusal::invalid_token(
                    "The key id (kid) of the token is not in your identity provider's JWKS",
                )
            })?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| {
            Refusal::invalid_token(crate::faults::VERIFICATION_KEY_MESSAGE.to_owned())
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = EXPIRY_SKEW_SECS as u64;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
            Ok(data) => Ok((provider, data.claims)),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => Refusal::new(
                    400,
                    "ExpiredTokenException",
                    format!(
                        "Token expired: current date/time {} must be before the expiration date/time {}",
                        unix_now(),
                        unverified.get("exp").and_then(Value::as_i64).unwrap_or(0)
                    ),
                ),
                ErrorKind::ImmatureSignature => {
                    Refusal::invalid_token("The token is not valid yet (nbf is in the future)")
                }
                ErrorKind::InvalidSignature => {
                    Refusal::invalid_token("The signature of the token could not be verified")
                }
                ErrorKind::InvalidAlgorithm => {
                    Refusal::invalid_token("The token's signing algorithm is not supported")
                }
                ErrorKind::MissingRequiredClaim(claim) => {
                    Refusal::invalid_token(format!("Missing a required claim: {claim}"))
                }
                _ => not_jwt(),
            }),
        }
    }
}

/// The token's payload without verifying anything (to find the provider first, as STS does).
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(&[]);
    jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

/// The first of `aud` (a string or a list) that is a registered client id.
fn audience_matching(claims: &Map<String, Value>, client_ids: &[String]) -> Option<String> {
    let auds: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    auds.into_iter()
        .find(|a| client_ids.iter().any(|c| c == a))
        .map(str::to_owned)
}

/// A stable role id (`AROA` + 17 characters) derived from the role ARN.
fn role_id(role_arn: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut hasher = DefaultHasher::new();
    role_arn.hash(&mut hasher);
    let mut bits = hasher.finish();
    let mut id = String::from("AROA");
    for _ in 0..17 {
        id.push(CHARS[(bits % 32) as usize] as char);
        bits = bits.rotate_right(5) ^ 0x9e37_79b9_7f4a_7c15;
    }
    id
}

/// `2025-01-01T12:00:00Z`.
fn iso8601(unix_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
