//! oidc-assume
