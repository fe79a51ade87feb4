//! oidc-assume

pub mod policy;
