//! The IAM OIDC identity providers the STS stand-in trusts.

use jsonwebtoken::jwk::JwkSet;
use serde_json::Value;

use crate::issuer::{AWS_AUDIENCE, Issuer};

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
