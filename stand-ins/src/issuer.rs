//! A fake GitHub Actions OIDC issuer: a fixed RS256 test key, GitHub's token header and claims,
//! the JWKS and the discovery document.
//!
//! The key is a committed test fixture (`fixtures/TEST-ONLY-issuer-rs256.*`), not a secret: it
//! signs tokens that only the STS stand-in accepts. Token shape follows GitHub's documentation
//! (<https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect>):
//! header `typ`, `alg`, `kid`, `x5t`; `exp = iat + 300`; `nbf = iat - 600`; numeric ids as strings.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

/// GitHub's issuer URL, the `iss` of every token unless an issuer is made with another.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The audience AWS expects (`sts.amazonaws.com`).
pub const AWS_AUDIENCE: &str = "sts.amazonaws.com";

/// The test signing key (PKCS#8 PEM). TEST ONLY: public in this repository.
pub const TEST_KEY_PEM: &str = include_str!("../fixtures/TEST-ONLY-issuer-rs256.key.pem");

/// The self-signed certificate of the test key (its SHA-1 is the `kid` and `x5t`).
pub const TEST_CERT_PEM: &str = include_str!("../fixtures/TEST-ONLY-issuer-rs256.cert.pem");

/// The public JWK of the test key: `kty`, `alg`, `use`, `kid`, `n`, `e`, `x5t`, `x5c`.
pub const TEST_JWK_JSON: &str = include_str!("../fixtures/TEST-ONLY-issuer-rs256.jwk.json");

/// The length of the token [`Issuer::mint_oversized`] makes: one more than STS accepts.
pub const OVERSIZED_TOKEN_LEN: usize = 20001;

/// Seconds between `iat` and `exp` in GitHub's tokens.
pub const TOKEN_LIFETIME_SECS: i64 = 300;

/// Seconds `nbf` lies before `iat` in GitHub's tokens.
pub const NOT_BEFORE_SKEW_SECS: i64 = 600;

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Signs GitHub-shaped ID tokens with the fixed test key.
#[derive(Clone)]
pub struct Issuer {
    iss: String,
    jwk: Map<String, Value>,
    encoding_key: EncodingKey,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("iss", &self.iss)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl Default for Issuer {
    fn default() -> Self {
        Self::github()
    }
}

impl Issuer {
    /// An issuer whose tokens say `iss: https://token.actions.githubusercontent.com`.
    pub fn github() -> Issuer {
        Issuer::new(GITHUB_ISSUER)
    }

    /// An issuer with another `iss` (GHES `https://HOST/_services/token`, an enterprise slug,
    /// or a stand-in URL), same key.
    ///
    /// # Panics
    /// Only if the compiled-in fixtures are corrupt.
    pub fn new(iss: impl Into<String>) -> Issuer {
        let jwk: Map<String, Value> =
            serde_json::from_str(TEST_JWK_JSON).expect("the JWK fixture is a JSON object");
        let encoding_key = EncodingKey::from_rsa_pem(TEST_KEY_PEM.as_bytes())
            .expect("the key fixture is an RSA PEM");
        Issuer {
            iss: iss.into(),
            jwk,
            encoding_key,
        }
    }

    /// The `iss` of this issuer's tokens.
    pub fn iss(&self) -> &str {
        &self.iss
    }

    /// The key id (`kid`) in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        self.jwk_str("kid")
    }

    /// The certificate thumbprint (`x5t`) in token headers and the JWKS.
    pub fn x5t(&self) -> &str {
        self.jwk_str("x5t")
    }

    fn jwk_str(&self, name: &str) -> &str {
        self.jwk.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// The public key as a JWK object.
    pub fn jwk(&self) -> Value {
        Value::Object(self.jwk.clone())
    }

    /// The JWKS document (`{"keys": [jwk]}`) served at `<issuer>/.well-known/jwks`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }

    /// The discovery document served at `<issuer>/.well-known/openid-configuration`, pointing
    /// to `jwks_uri`.
    pub fn openid_configuration(&self, jwks_uri: &str) -> Value {
        json!({
            "issuer": self.iss,
            "jwks_uri": jwks_uri,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": [
                "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
                "repository_id", "repository_owner", "repository_owner_id", "enterprise",
                "enterprise_id", "run_id", "run_number", "run_attempt", "actor", "actor_id",
                "workflow", "workflow_ref", "workflow_sha", "head_ref", "base_ref",
                "event_name", "ref_type", "ref_protected", "environment", "job_workflow_ref",
                "job_workflow_sha", "repository_visibility", "runner_environment"
            ],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"]
        })
    }

    /// A key that verifies this issuer's tokens, built from the JWK's `n` and `e`.
    ///
    /// # Panics
    /// Only if the compiled-in JWK is corrupt.
    pub fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_rsa_components(self.jwk_str("n"), self.jwk_str("e"))
            .expect("the JWK fixture has valid n and e")
    }

    /// GitHub's token header: `typ: JWT`, `alg: RS256`, `kid`, `x5t`.
    pub fn header(&self) -> Header {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".to_owned());
        header.kid = Some(self.kid().to_owned());
        header.x5t = Some(self.x5t().to_owned());
        header
    }

    /// The claims a fresh token for `claims` carries (issued now unless `claims` says when).
    pub fn payload(&self, claims: &Claims) -> Map<String, Value> {
        claims.payload(&self.iss, unix_now(), &uuid::Uuid::new_v4().to_string())
    }

    /// A signed token for `claims`.
    pub fn mint(&self, claims: &Claims) -> String {
        self.sign(&self.payload(claims))
    }

    /// Signs any payload with GitHub's header: for tokens no builder would make.
    ///
    /// # Panics
    /// Only if signing with the fixture key fails (it does not).
    pub fn sign(&self, payload: &Map<String, Value>) -> String {
        jsonwebtoken::encode(&self.header(), payload, &self.encoding_key)
            .expect("RS256 signing with the fixture key cannot fail")
    }

    /// A validly signed token of exactly `len` characters, its payload padded with a
    /// `padding` claim; `None` when `len` is too small or not a length base64url can produce.
    pub fn mint_sized(&self, claims: &Claims, len: usize) -> Option<String> {
        let mut payload = self.payload(claims);
        payload.insert("padding".to_owned(), Value::String(String::new()));
        let header_json = serde_json::to_vec(&self.header()).ok()?;
        let base_json = serde_json::to_vec(&payload).ok()?.len();
        let fixed = b64_len(header_json.len()) + 2 + self.signature_len();
        let wanted = len.checked_sub(fixed)?;
        let pad = (0..=wanted).find(|k| b64_len(base_json + k) == wanted)?;
        payload.insert("padding".to_owned(), Value::String("x".repeat(pad)));
        let token = self.sign(&payload);
        (token.len() == len).then_some(token)
    }

    /// A validly signed, well-formed token of [`OVERSIZED_TOKEN_LEN`] (20001) characters.
    ///
    /// # Panics
    /// Only if the fixture key changed so that this length cannot be produced.
    pub fn mint_oversized(&self, claims: &Claims) -> String {
        self.mint_sized(claims, OVERSIZED_TOKEN_LEN)
            .expect("20001 characters is a reachable token length with the fixture key")
    }

    fn signature_len(&self) -> usize {
        // RS256 signatures are as long as the modulus.
        let modulus = URL_SAFE_NO_PAD
            .decode(self.jwk_str("n"))
            .map(|n| n.len())
            .unwrap_or(256);
        b64_len(modulus)
    }

    /// Verifies `token` as a relying party would (signature, `iss`, `aud`, `exp`, `nbf`, no
    /// leeway) and returns its claims.
    pub fn verify(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<Map<String, Value>, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.iss]);
        jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding_key(), &validation)
            .map(|data| data.claims)
    }
}

/// Length of unpadded base64url for `n` bytes.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// The job a token describes, with GitHub's defaults: `octo-org/octo-repo`, a push to `main`,
/// workflow `.github/workflows/deploy.yml`, audience `sts.amazonaws.com`.
///
/// Fields are public; the builder methods cover the common cases. `sub` is derived as GitHub
/// does (environment, then `pull_request`, then the ref) unless [`Claims::subject`] sets it.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    /// `owner/name`.
    pub repository: String,
    /// `repository_id` (a string of digits).
    pub repository_id: String,
    /// `repository_owner_id` (a string of digits).
    pub repository_owner_id: String,
    /// The full ref, e.g. `refs/heads/main`, `refs/tags/v1.0.0`, `refs/pull/42/merge`.
    pub git_ref: String,
    /// `event_name`, e.g. `push`, `pull_request`, `workflow_dispatch`.
    pub event_name: String,
    /// The job's environment, if it references one (changes `sub`).
    pub environment: Option<String>,
    /// `workflow` (the workflow's name).
    pub workflow: String,
    /// The workflow file's path in the repository, e.g. `.github/workflows/deploy.yml`.
    pub workflow_path: String,
    /// `job_workflow_ref` when the job runs a reusable workflow; `None` means the workflow itself.
    pub job_workflow_ref: Option<String>,
    /// `sha` (and `workflow_sha`, `job_workflow_sha`).
    pub sha: String,
    /// `run_id`.
    pub run_id: String,
    /// `run_number`.
    pub run_number: String,
    /// `run_attempt`.
    pub run_attempt: String,
    /// `actor`.
    pub actor: String,
    /// `actor_id`.
    pub actor_id: String,
    /// `runner_environment`: `github-hosted` or `self-hosted`.
    pub runner_environment: String,
    /// `repository_visibility`: `private`, `internal` or `public`.
    pub repository_visibility: String,
    /// `head_ref` (pull requests only, else empty).
    pub head_ref: String,
    /// `base_ref` (pull requests only, else empty).
    pub base_ref: String,
    /// `ref_protected`.
    pub ref_protected: bool,
    /// `aud`. The token endpoint replaces it with the requested audience.
    pub audience: String,
    /// `iat`; `None` means the time of minting.
    pub issued_at: Option<i64>,
    /// `exp - iat` (300 at GitHub).
    pub lifetime_secs: i64,
    /// `sub` as given instead of derived (e.g. a custom subject template's output).
    pub subject: Option<String>,
    /// Claims set last: added, or replacing the derived ones; `Value::Null` removes a claim.
    pub extra: Map<String, Value>,
}

impl Default for Claims {
    fn default() -> Self {
        Claims {
            repository: "octo-org/octo-repo".to_owned(),
            repository_id: "740000001".to_owned(),
            repository_owner_id: "650000001".to_owned(),
            git_ref: "refs/heads/main".to_owned(),
            event_name: "push".to_owned(),
            environment: None,
            workflow: "deploy".to_owned(),
            workflow_path: ".github/workflows/deploy.yml".to_owned(),
            job_workflow_ref: None,
            sha: "8f2c0b7bd4ad6a9f2b4e0ff3f1c0d6e5a7b9c1d3".to_owned(),
            run_id: "9100000001".to_owned(),
            run_number: "42".to_owned(),
            run_attempt: "1".to_owned(),
            actor: "octocat".to_owned(),
            actor_id: "583231".to_owned(),
            runner_environment: "github-hosted".to_owned(),
            repository_visibility: "private".to_owned(),
            head_ref: String::new(),
            base_ref: String::new(),
            ref_protected: false,
            audience: AWS_AUDIENCE.to_owned(),
            issued_at: None,
            lifetime_secs: TOKEN_LIFETIME_SECS,
            subject: None,
            extra: Map::new(),
        }
    }
}

impl Claims {
    /// The defaults: `octo-org/octo-repo`, push to `main`.
    pub fn new() -> Claims {
        Claims::default()
    }

    /// Sets `repository` (`owner/name`); `repository_owner` follows.
    pub fn repository(mut self, owner_slash_name: impl Into<String>) -> Self {
        self.repository = owner_slash_name.into();
        self
    }

    /// A push to branch `name` (`refs/heads/<name>`).
    pub fn branch(mut self, name: &str) -> Self {
        self.git_ref = format!("refs/heads/{name}");
        self
    }

    /// A push of tag `name` (`refs/tags/<name>`).
    pub fn tag(mut self, name: &str) -> Self {
        self.git_ref = format!("refs/tags/{name}");
        self
    }

    /// A `pull_request` event for PR `number` from `head` into the current branch.
    pub fn pull_request(mut self, number: u64, head: &str) -> Self {
        self.base_ref = self
            .git_ref
            .strip_prefix("refs/heads/")
            .unwrap_or("main")
            .to_owned();
        self.head_ref = head.to_owned();
        self.git_ref = format!("refs/pull/{number}/merge");
        self.event_name = "pull_request".to_owned();
        self
    }

    /// The job references environment `name` (then `sub` ends in `:environment:<name>`).
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }

    /// Sets `event_name`.
    pub fn event(mut self, name: impl Into<String>) -> Self {
        self.event_name = name.into();
        self
    }

    /// Sets `aud`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Sets `actor`.
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// Sets the workflow file path (e.g. `.github/workflows/release.yml`).
    pub fn workflow_path(mut self, path: impl Into<String>) -> Self {
        self.workflow_path = path.into();
        self
    }

    /// The job runs reusable workflow `job_workflow_ref` (`owner/repo/path@ref`).
    pub fn job_workflow_ref(mut self, job_workflow_ref: impl Into<String>) -> Self {
        self.job_workflow_ref = Some(job_workflow_ref.into());
        self
    }

    /// Sets `iat` (Unix seconds); `exp` and `nbf` follow.
    pub fn issued_at(mut self, unix_secs: i64) -> Self {
        self.issued_at = Some(unix_secs);
        self
    }

    /// Sets `exp - iat`.
    pub fn lifetime(mut self, secs: i64) -> Self {
        self.lifetime_secs = secs;
        self
    }

    /// A token whose `exp` lies `secs_ago` seconds in the past (STS allows 300 s of skew).
    pub fn expired(self, secs_ago: i64) -> Self {
        let lifetime = self.lifetime_secs;
        self.issued_at(unix_now() - lifetime - secs_ago)
    }

    /// Sets `sub` verbatim.
    pub fn subject(mut self, sub: impl Into<String>) -> Self {
        self.subject = Some(sub.into());
        self
    }

    /// Sets any claim last (overriding a derived one).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// Leaves a claim out.
    pub fn remove(mut self, name: impl Into<String>) -> Self {
        self.extra.insert(name.into(), Value::Null);
        self
    }

    /// `repository_owner`: the part of `repository` before the `/`.
    pub fn owner(&self) -> &str {
        self.repository
            .split_once('/')
            .map_or(self.repository.as_str(), |(owner, _)| owner)
    }

    /// `ref_type`: `tag` for `refs/tags/...`, else `branch`.
    pub fn ref_type(&self) -> &'static str {
        if self.git_ref.starts_with("refs/tags/") {
            "tag"
        } else {
            "branch"
        }
    }

    /// `workflow_ref`: `owner/repo/<workflow_path>@<ref>`.
    pub fn workflow_ref(&self) -> String {
        format!(
            "{}/{}@{}",
            self.repository, self.workflow_path, self.git_ref
        )
    }

    /// `sub` as GitHub derives it by default: `repo:O/R:environment:E`, else
    /// `repo:O/R:pull_request` for `pull_request` events, else `repo:O/R:ref:<ref>`; a `:` in a
    /// value is sent as `%3A`.
    pub fn sub(&self) -> String {
        if let Some(sub) = &self.subject {
            return sub.clone();
        }
        let repo = &self.repository;
        if let Some(env) = &self.environment {
            format!("repo:{repo}:environment:{}", env.replace(':', "%3A"))
        } else if self.event_name == "pull_request" {
            format!("repo:{repo}:pull_request")
        } else {
            format!("repo:{repo}:ref:{}", self.git_ref.replace(':', "%3A"))
        }
    }

    /// The full payload: registered claims for `iss`, `now` (unless `issued_at` is set) and
    /// `jti`, GitHub's job claims, then [`Claims::extra`].
    pub fn payload(&self, iss: &str, now: i64, jti: &str) -> Map<String, Value> {
        let iat = self.issued_at.unwrap_or(now);
        let workflow_ref = self.workflow_ref();
        let mut claims = json!({
            "jti": jti,
            "sub": self.sub(),
            "aud": self.audience,
            "ref": self.git_ref,
            "sha": self.sha,
            "repository": self.repository,
            "repository_owner": self.owner(),
            "repository_owner_id": self.repository_owner_id,
            "repository_id": self.repository_id,
            "repository_visibility": self.repository_visibility,
            "run_id": self.run_id,
            "run_number": self.run_number,
            "run_attempt": self.run_attempt,
            "runner_environment": self.runner_environment,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "workflow": self.workflow,
            "workflow_ref": workflow_ref,
            "workflow_sha": self.sha,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "event_name": self.event_name,
            "ref_type": self.ref_type(),
            "ref_protected": self.ref_protected.to_string(),
            "job_workflow_ref": self.job_workflow_ref.clone().unwrap_or(workflow_ref),
            "job_workflow_sha": self.sha,
            "iss": iss,
            "nbf": iat - NOT_BEFORE_SKEW_SECS,
            "exp": iat + self.lifetime_secs,
            "iat": iat,
        });
        let Some(map) = claims.as_object_mut() else {
            unreachable!("json! of an object literal is an object")
        };
        if let Some(env) = &self.environment {
            map.insert("environment".to_owned(), Value::String(env.clone()));
        }
        for (name, value) in &self.extra {
            if value.is_null() {
                map.remove(name);
            } else {
                map.insert(name.clone(), value.clone());
            }
        }
        std::mem::take(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;

    #[test]
    fn fixture_key_signs_what_the_committed_jwk_verifies() {
        let issuer = Issuer::github();
        let token = issuer.mint(&Claims::new());
        let claims = issuer.verify(&token, AWS_AUDIENCE).expect("verifies");
        assert_eq!(claims["iss"], GITHUB_ISSUER);
        assert_eq!(claims["sub"], "repo:octo-org/octo-repo:ref:refs/heads/main");

        // Also through the JWKS as a relying party would read it.
        let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(issuer.jwks()).unwrap();
        let jwk = jwks.find(issuer.kid()).expect("kid in JWKS");
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[AWS_AUDIENCE]);
        jsonwebtoken::decode::<Map<String, Value>>(&token, &key, &validation).unwrap();
    }

    #[test]
    fn kid_and_x5t_are_the_certificate_thumbprint() {
        let issuer = Issuer::github();
        let der = CertificateDer::from_pem_slice(TEST_CERT_PEM.as_bytes()).unwrap();
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        let hex: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(issuer.kid(), hex);
        assert_eq!(issuer.x5t(), URL_SAFE_NO_PAD.encode(sha1.as_ref()));
        let x5c = issuer.jwk()["x5c"][0].as_str().unwrap().to_owned();
        let x5c = base64::engine::general_purpose::STANDARD
            .decode(x5c)
            .unwrap();
        assert_eq!(x5c, der.as_ref());
    }

    #[test]
    fn header_is_githubs() {
        let issuer = Issuer::github();
        let header = jsonwebtoken::decode_header(&issuer.mint(&Claims::new())).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(issuer.kid()));
        assert_eq!(header.x5t.as_deref(), Some(issuer.x5t()));
    }

    #[test]
    fn times_and_ids_follow_github() {
        let payload = Claims::new().payload(GITHUB_ISSUER, 1_700_000_000, "jti-1");
        assert_eq!(payload["iat"], 1_700_000_000);
        assert_eq!(payload["exp"], 1_700_000_300);
        assert_eq!(payload["nbf"], 1_699_999_400);
        for id in ["repository_id", "repository_owner_id", "run_id", "actor_id"] {
            assert!(payload[id].is_string(), "{id} must be a string");
        }
        assert_eq!(payload["repository_owner"], "octo-org");
        assert_eq!(payload["ref_type"], "branch");
        assert_eq!(
            payload["job_workflow_ref"],
            "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main"
        );
        assert!(payload.get("environment").is_none());
    }

    #[test]
    fn sub_follows_githubs_order() {
        let c = Claims::new();
        assert_eq!(c.sub(), "repo:octo-org/octo-repo:ref:refs/heads/main");
        assert_eq!(
            c.clone().tag("v1.2.3").sub(),
            "repo:octo-org/octo-repo:ref:refs/tags/v1.2.3"
        );
        assert_eq!(
            c.clone().pull_request(7, "feature").sub(),
            "repo:octo-org/octo-repo:pull_request"
        );
        let env = c.clone().pull_request(7, "f").environment("prod:eu");
        assert_eq!(env.sub(), "repo:octo-org/octo-repo:environment:prod%3Aeu");
        assert_eq!(env.payload(GITHUB_ISSUER, 0, "j")["environment"], "prod:eu");
        assert_eq!(c.subject("custom").sub(), "custom");
    }

    #[test]
    fn extra_claims_override_and_remove() {
        let payload = Claims::new()
            .set("sub", "::stop-commands::x")
            .remove("actor")
            .payload(GITHUB_ISSUER, 0, "j");
        assert_eq!(payload["sub"], "::stop-commands::x");
        assert!(payload.get("actor").is_none());
    }

    #[test]
    fn expired_tokens_fail_verification() {
        let issuer = Issuer::github();
        let token = issuer.mint(&Claims::new().expired(10));
        let err = issuer.verify(&token, AWS_AUDIENCE).unwrap_err();
        assert_eq!(
            *err.kind(),
            jsonwebtoken::errors::ErrorKind::ExpiredSignature
        );
    }

    #[test]
    fn oversized_token_is_exactly_20001_chars_and_still_verifies() {
        let issuer = Issuer::github();
        let token = issuer.mint_oversized(&Claims::new());
        assert_eq!(token.len(), OVERSIZED_TOKEN_LEN);
        assert_eq!(token.split('.').count(), 3);
        issuer.verify(&token, AWS_AUDIENCE).unwrap();
    }
}
