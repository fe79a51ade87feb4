//! oidc-assume

#[warn(missing_docs)]
pub mod runner;
