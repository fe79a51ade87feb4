//! In-process stand-ins for the services `oidc-assume` talks to: GitHub's ID-token endpoint
//! (with a fake OIDC issuer), AWS STS, an HTTP proxy, plus a test CA and a runner-style
//! environment. The tests, the local demo and the benchmark share them.
//!
//! Every server binds `127.0.0.1` on a port the system chooses, reports its URL, records every
//! request (method, target, headers, body) so tests assert the requests and not only the replies,
//! runs on a Tokio runtime of its own (so a test may block on the real binary meanwhile) and
//! stops when its handle is dropped. Behaviour is scripted per request: a queue of faults, then
//! a default.
//!
//! The servers keep real time on their own runtimes: delays and trickles take as long as they
//! say even when a test pauses its own Tokio clock, so keep scripted delays short in tests
//! (every delay is a parameter).
//!
//! ```no_run
//! use oidc_assume_stand_ins::{RunnerEnv, Sts, TokenEndpoint, faults::StsError};
//!
//! let token = TokenEndpoint::start();
//! let sts = Sts::start();
//! sts.push(StsError::Throttling.fault()); // first call throttled, then normal
//! let env = RunnerEnv::for_stand_ins(&token, &sts).unwrap();
//! let out = env.command("target/debug/oidc-assume").output().unwrap();
//! assert_eq!(sts.calls(), 2);
//! assert_eq!(sts.requests()[1].form_value("RoleSessionName").as_deref(), Some("GitHubActions"));
//! # let _ = out;
//! ```
//!
//! # Layout
//!
//! - [`issuer`]: the fake GitHub OIDC issuer: fixed RS256 test key, `mint`, [`Claims`] builder,
//!   JWKS, discovery document.
//! - [`token_endpoint`]: the runner's ID-token endpoint (`/token?api-version=2.0&audience=`).
//! - [`sts`]: `AssumeRoleWithWebIdentity` with STS's validation, JWT verification and trust hook.
//! - [`sts_xml`]: STS's awsQuery success and error documents, and the broken ones.
//! - [`faults`]: per-request scripts: [`Behaviour`] (token endpoint), [`Fault`] and
//!   [`faults::StsError`] (STS).
//! - [`tls`]: a test CA, server certificates for chosen names, wrong-name and unknown-CA cases.
//! - [`proxy`]: a `CONNECT` / absolute-form HTTP proxy with auth and failure modes.
//! - [`runner_env`]: the runner's variables and file-command files, and a scrubbed `Command`.
//! - [`record`]: [`RecordedRequest`], what every stand-in saw.
//! - `server` (private): the shared listener/TLS/hyper loop; `body` (private): misbehaving
//!   response bodies (trickle, endless, cut off).
#![warn(missing_docs)]
// Unit tests may unwrap: a panic is how they fail.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod body;
pub mod credentials;
pub mod faults;
pub mod issuer;
pub mod proxy;
pub mod record;
pub mod runner_env;
mod server;
pub mod sts;
pub mod sts_xml;
pub mod tls;
pub mod token_endpoint;

#[cfg(test)]
mod test_client;

pub use credentials::StsCredentials;
pub use faults::{Behaviour, Fault, StsError};
pub use issuer::{Claims, Issuer};
pub use proxy::{ConnectProxy, ProxyMode};
pub use record::RecordedRequest;
pub use runner_env::{RunnerEnv, scrubbed_command};
pub use server::LOOPBACK;
pub use sts::{Provider, Sts, TrustCheck};
pub use tls::{ServerTls, TestCa};
pub use token_endpoint::TokenEndpoint;
