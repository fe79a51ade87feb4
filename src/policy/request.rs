//! The request IAM evaluates for `sts:AssumeRoleWithWebIdentity`: the provider, the action and
//! the context keys a token's claims become, limited to the keys STS evaluates ([`keys`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::policy::github;
use crate::policy::keys::{self, IssuerForm};
use crate::policy::matching::WEB_IDENTITY_ACTION;

/// The key of the session name the caller asks for: one of the request, not of the token.
pub const SESSION_NAME_KEY: &str = "sts:RoleSessionName";

/// The request IAM evaluates: who (the provider), what (the action) and the context keys the
/// token's claims become.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRequest {
    /// The OIDC provider's ARN, when known.
    pub provider_arn: Option<String>,
    /// The token's issuer as host and path (`token.actions.githubusercontent.com`).
    pub issuer: String,
    /// The action, `sts:AssumeRoleWithWebIdentity`.
    pub action: String,
    /// Context keys (lower case) -> values.
    context: BTreeMap<String, Vec<String>>,
    /// Claims of a GitHub token that STS does not evaluate as condition keys (lower case).
    pub(crate) not_evaluated: Vec<String>,
    /// What the request assumed rather than read from the claims, for a person.
    pub(crate) assumptions: Vec<String>,
}

impl AccessRequest {
    /// The request a token with these claims makes to the provider `provider_arn` (empty when
    /// unknown: federated principals are then matched by the issuer's provider path).
    ///
    /// The issuer is the `iss` claim; without one, the provider ARN's path, else github.com's
    /// (an assumption the evaluation states). Every claim becomes the key
    /// `<issuer host/path>:<claim>` (strings, numbers and booleans as strings, arrays as several
    /// values), except, for a GitHub issuer, the claims STS does not evaluate
    /// ([`keys`]): those keys are absent, as they are when STS evaluates the policy.
    pub fn from_claims(provider_arn: &str, claims: &Map<String, Value>) -> AccessRequest {
        let mut assumptions = Vec::new();
        let issuer = match claims.get("iss").and_then(Value::as_str) {
            Some(iss) => github::issuer_path(iss),
            None => {
                let (issuer, from) = match github::provider_path(provider_arn) {
                    Some(path) => (path.to_string(), "the provider ARN's"),
                    None => (github::GITHUB_HOST.to_string(), "github.com's"),
                };
                assumptions.push(format!(
                    "the claims have no iss: the issuer is taken to be {from}, {issuer}"
                ));
                issuer
            }
        };
        let form = IssuerForm::of(&issuer);
        if let Some(caveat) = form.and_then(IssuerForm::caveat) {
            assumptions.push(caveat.to_string());
        }
        let mut context = BTreeMap::new();
        let mut not_evaluated = Vec::new();
        for (claim, value) in claims {
            if form.is_some_and(|f| !f.evaluates(claim)) {
                not_evaluated.push(claim.to_lowercase());
                continue;
            }
            let values: Vec<String> = match value {
                Value::String(s) => vec![s.clone()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(items) => items
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Bool(b) => Some(b.to_string()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => continue,
            };
            context.insert(format!("{issuer}:{claim}").to_lowercase(), values);
        }
        AccessRequest {
            provider_arn: (!provider_arn.is_empty()).then(|| provider_arn.to_string()),
            issuer,
            action: WEB_IDENTITY_ACTION.to_string(),
            context,
            not_evaluated,
            assumptions,
        }
    }

    /// Sets `sts:RoleSessionName`, the session name the caller asks for.
    pub fn set_session_name(&mut self, name: &str) {
        self.context
            .insert(SESSION_NAME_KEY.to_lowercase(), vec![name.to_owned()]);
    }

    /// The values of a context key (case-insensitive), if present.
    pub fn value(&self, key: &str) -> Option<&[String]> {
        self.context.get(&key.to_lowercase()).map(Vec::as_slice)
    }

    /// The value of one claim of the token's issuer, when STS evaluates it.
    pub fn claim(&self, claim: &str) -> Option<&str> {
        self.value(&format!("{}:{claim}", self.issuer))
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Why `key` is absent when it names a claim of a GitHub issuer that STS does not evaluate.
    pub(crate) fn not_a_key(&self, key: &str) -> Option<String> {
        let (issuer, claim) = github::github_key(key)?;
        let form = IssuerForm::of(&issuer)?;
        (!form.evaluates(&claim)).then(|| {
            format!(
                "STS does not evaluate `{claim}` for issuer {issuer} (not a condition key in {}), so the key is absent",
                keys::SOURCE
            )
        })
    }
}
