//! Fault scripts: what the token endpoint ([`Behaviour`]) and STS ([`Fault`]) do with each
//! request. A [`Script`] answers the queued items one request at a time, then its default
//! forever.

use std::collections::VecDeque;
use std::time::Duration;

use crate::issuer::Claims;

/// The size of a "huge" body: several MiB, far above any sane response cap.
pub const HUGE_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The pause between two bytes of a trickled body.
pub const TRICKLE_INTERVAL: Duration = Duration::from_secs(1);

/// Per-request items, then a default.
#[derive(Clone, Debug)]
pub struct Script<T> {
    queue: VecDeque<T>,
    default: T,
}

impl<T: Clone> Script<T> {
    /// A script that always answers `default`.
    pub fn new(default: T) -> Self {
        Script {
            queue: VecDeque::new(),
            default,
        }
    }

    /// Queues `item` for the next request not yet scripted.
    pub fn push(&mut self, item: T) {
        self.queue.push_back(item);
    }

    /// Replaces what requests get once the queue is empty.
    pub fn set_default(&mut self, item: T) {
        self.default = item;
    }

    /// Drops everything queued.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// How many queued items are left.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The item the next request will get, left in place.
    pub fn peek(&self) -> &T {
        self.queue.front().unwrap_or(&self.default)
    }

    /// The item for the next request.
    pub fn next_item(&mut self) -> T {
        self.queue
            .pop_front()
            .unwrap_or_else(|| self.default.clone())
    }
}

/// What the token endpoint does with an authorised `/token` request.
///
/// Requests without the right bearer token get 401 whatever the script says (and do not use up
/// a scripted item).
#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// `200 {"count": N, "value": "<jwt>"}` with a fresh token for the requested audience.
    Ok,
    /// Mints these claims instead of the endpoint's template (audience still from the request).
    Claims(Box<Claims>),
    /// `200 {"count": N, "value": "<this exact string>"}`.
    Token(String),
    /// This status and body (`text/plain` unless the body starts with `{`), e.g.
    /// `Status(403, "Can't issue ID_TOKEN for job in 'Pending' state")`.
    Status(u16, String),
    /// `200` with an HTML page (a captive portal or proxy login page).
    NotJson,
    /// `200 {"count":0}`: JSON without `value`.
    NoValue,
    /// `200 {"count":0,"value":""}`.
    EmptyValue,
    /// `200 {"count":1,"value":12345}`.
    NonStringValue,
    /// `200` with a `value` that is not three base64url segments.
    NotJwt,
    /// `200` with a validly signed token of 20001 characters (STS accepts at most 20000).
    Oversized,
    /// `200` with a valid answer padded to [`HUGE_BODY_BYTES`]: a client that reads without a
    /// cap would succeed.
    HugeBody,
    /// `200`, chunked, a JSON prefix then filler bytes forever.
    EndlessChunked,
    /// `200`, chunked, but every chunk-size line announces fewer bytes than the chunk holds
    /// (broken framing no HTTP library sends), streamed without end. Written on the raw
    /// connection, so it answers the first request of a new connection, before the bearer is
    /// checked; a request on a kept-alive connection gets [`Behaviour::EndlessChunked`] instead.
    BrokenChunked,
    /// `200` with a valid answer sent one byte per interval ([`TRICKLE_INTERVAL`] by default).
    Trickle(Duration),
    /// Accepts and reads the request, never answers (until the stand-in is dropped).
    NoHeaders,
    /// `302 Found` to this location (e.g. another stand-in, to check the bearer is not sent).
    Redirect(String),
    /// Waits, then behaves as the inner behaviour.
    Delayed(Duration, Box<Behaviour>),
}

impl Behaviour {
    /// Mints these claims (audience still from the request).
    pub fn claims(claims: Claims) -> Behaviour {
        Behaviour::Claims(Box::new(claims))
    }

    /// GitHub's answer while the job is not running yet (retryable).
    pub fn pending() -> Behaviour {
        Behaviour::Status(
            403,
            r#"{"message":"Can't issue ID_TOKEN for job in 'Pending' state"}"#.to_owned(),
        )
    }

    /// A trickle at one byte per second.
    pub fn trickle() -> Behaviour {
        Behaviour::Trickle(TRICKLE_INTERVAL)
    }
}

/// What STS does with a request.
///
/// [`Fault::Pass`] processes it normally (validation, token verification, trust check); the
/// other variants either replace the answer (no verification) or change how the normal answer
/// is delivered.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Normal processing.
    Pass,
    /// An awsQuery error: `<ErrorResponse><Error><Type>` (`Sender` below 500, else `Receiver`)
    /// `<Code>`, `<Message>`, `</Error><RequestId>` with this HTTP status.
    Error {
        /// The HTTP status.
        status: u16,
        /// The error code, e.g. `Throttling`.
        code: String,
        /// The error message.
        message: String,
    },
    /// This status with an empty body (what a load balancer may send: 502, 504).
    BareStatus(u16),
    /// An HTML error page with this status (a proxy's or captive portal's).
    Html(u16),
    /// `200` with a success document cut in the middle (well-formed HTTP, broken XML).
    TruncatedXml,
    /// `200` with a success document whose DTD nests entity definitions (billion laughs).
    EntityExpansionXml,
    /// `200` with a valid success document padded to [`crate::faults::HUGE_BODY_BYTES`].
    HugeBody,
    /// The normal answer after this delay.
    Slow(Duration),
    /// The normal answer, one byte per interval.
    Trickle(Duration),
    /// Reads the request and never answers.
    Hang,
    /// The normal answer's headers and half its body, then the connection is dropped.
    CutOff,
    /// Normal processing, but the answer carries these credentials.
    Credentials(crate::credentials::StsCredentials),
}

impl Fault {
    /// An awsQuery error with this status, code and message.
    pub fn error(status: u16, code: &str, message: &str) -> Fault {
        Fault::Error {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// The STS errors of the reference table, with the status and a message as STS sends them.
///
/// Messages are STS's where they are known from public reports; the others are close
/// paraphrases (the action must not depend on message text except where noted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StsError {
    /// `Throttling` 400 "Rate exceeded".
    Throttling,
    /// `IDPCommunicationError` 400: STS could not reach the identity provider.
    IdpCommunicationError,
    /// `InvalidIdentityToken` 400 for a token STS will never accept (audience not registered).
    InvalidIdentityToken,
    /// `InvalidIdentityToken` 400 "Couldn't retrieve verification key from your identity
    /// provider, ..." (STS failed to fetch the JWKS; worth a retry with a new token).
    VerificationKey,
    /// `ExpiredTokenException` 400.
    ExpiredToken,
    /// `IDPRejectedClaim` 403.
    IdpRejectedClaim,
    /// `AccessDenied` 403 "Not authorized to perform sts:AssumeRoleWithWebIdentity".
    AccessDenied,
    /// `MalformedPolicyDocument` 400.
    MalformedPolicyDocument,
    /// `PackedPolicyTooLarge` 400.
    PackedPolicyTooLarge,
    /// `RegionDisabledException` 403.
    RegionDisabled,
    /// `ValidationError` 400 (duration above the role's maximum).
    ValidationError,
    /// `RequestTimeout` 400 (transient).
    RequestTimeout,
    /// `InternalFailure` 500.
    InternalFailure,
    /// 502 with an empty body.
    BadGateway,
    /// `ServiceUnavailable` 503.
    ServiceUnavailable,
    /// 504 with an empty body.
    GatewayTimeout,
}

impl StsError {
    /// Every variant, for table-driven tests.
    pub const ALL: [StsError; 16] = [
        StsError::Throttling,
        StsError::IdpCommunicationError,
        StsError::InvalidIdentityToken,
        StsError::VerificationKey,
        StsError::ExpiredToken,
        StsError::IdpRejectedClaim,
        StsError::AccessDenied,
        StsError::MalformedPolicyDocument,
        StsError::PackedPolicyTooLarge,
        StsError::RegionDisabled,
        StsError::ValidationError,
        StsError::RequestTimeout,
        StsError::InternalFailure,
        StsError::BadGateway,
        StsError::ServiceUnavailable,
        StsError::GatewayTimeout,
    ];

    /// The HTTP status STS answers with.
    pub fn status(self) -> u16 {
        match self {
            StsError::IdpRejectedClaim | StsError::AccessDenied | StsError::RegionDisabled => 403,
            StsError::InternalFailure => 500,
            StsError::BadGateway => 502,
            StsError::ServiceUnavailable => 503,
            StsError::GatewayTimeout => 504,
            _ => 400,
        }
    }

    /// The awsQuery error code (`None` for the bare gateway statuses).
    pub fn code(self) -> Option<&'static str> {
        Some(match self {
            StsError::Throttling => "Throttling",
            StsError::IdpCommunicationError => "IDPCommunicationError",
            StsError::InvalidIdentityToken | StsError::VerificationKey => "InvalidIdentityToken",
            StsError::ExpiredToken => "ExpiredTokenException",
            StsError::IdpRejectedClaim => "IDPRejectedClaim",
            StsError::AccessDenied => "AccessDenied",
            StsError::MalformedPolicyDocument => "MalformedPolicyDocument",
            StsError::PackedPolicyTooLarge => "PackedPolicyTooLarge",
            StsError::RegionDisabled => "RegionDisabledException",
            StsError::ValidationError => "ValidationError",
            StsError::RequestTimeout => "RequestTimeout",
            StsError::InternalFailure => "InternalFailure",
            StsError::ServiceUnavailable => "ServiceUnavailable",
            StsError::BadGateway | StsError::GatewayTimeout => return None,
        })
    }

    /// The message STS sends.
    pub fn message(self) -> &'static str {
        match self {
            StsError::Throttling => "Rate exceeded",
            StsError::IdpCommunicationError => {
                "Couldn't reach your identity provider. Please try again later."
            }
            StsError::InvalidIdentityToken => "Incorrect token audience",
            StsError::VerificationKey => VERIFICATION_KEY_MESSAGE,
            StsError::ExpiredToken => {
                "Token expired: current date/time must be before the expiration date/time"
            }
            StsError::IdpRejectedClaim => "The identity provider rejected a claim in the token",
            StsError::AccessDenied => ACCESS_DENIED_MESSAGE,
            StsError::MalformedPolicyDocument => "The policy is not in the valid JSON format.",
            StsError::PackedPolicyTooLarge => {
                "Packed policy consumes 112% of allotted space, please use smaller policy."
            }
            StsError::RegionDisabled => {
                "STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console."
            }
            StsError::ValidationError => {
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            }
            StsError::RequestTimeout => {
                "Your socket connection to the server was not read from or written to within the timeout period."
            }
            StsError::InternalFailure => "An internal error has occurred.",
            StsError::ServiceUnavailable => "Service is unavailable. Please try again later.",
            StsError::BadGateway | StsError::GatewayTimeout => "",
        }
    }

    /// The fault that makes the STS stand-in answer this error.
    pub fn fault(self) -> Fault {
        match self.code() {
            Some(code) => Fault::error(self.status(), code, self.message()),
            None => Fault::BareStatus(self.status()),
        }
    }
}

/// STS's message when it could not fetch the provider's JWKS (two spaces after the comma, as
/// STS sends it).
pub const VERIFICATION_KEY_MESSAGE: &str = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

/// STS's message when the role's trust policy does not admit the token.
pub const ACCESS_DENIED_MESSAGE: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_answers_queue_then_default() {
        let mut script = Script::new(Behaviour::Ok);
        script.push(Behaviour::pending());
        script.push(Behaviour::NoValue);
        assert_eq!(script.pending(), 2);
        assert_eq!(script.next_item(), Behaviour::pending());
        assert_eq!(script.next_item(), Behaviour::NoValue);
        assert_eq!(script.next_item(), Behaviour::Ok);
        script.set_default(Behaviour::NotJson);
        assert_eq!(script.next_item(), Behaviour::NotJson);
    }

    #[test]
    fn error_table_matches_the_reference() {
        for e in StsError::ALL {
            let fault = e.fault();
            match (e.code(), fault) {
                (
                    Some(code),
                    Fault::Error {
                        status, code: c, ..
                    },
                ) => {
                    assert_eq!(c, code);
                    assert_eq!(status, e.status());
                }
                (None, Fault::BareStatus(status)) => assert_eq!(status, e.status()),
                other => panic!("{e:?}: {other:?}"),
            }
        }
        assert_eq!(StsError::AccessDenied.status(), 403);
        assert_eq!(StsError::Throttling.status(), 400);
        assert!(
            StsError::VerificationKey
                .message()
                .starts_with("Couldn't retrieve")
        );
    }
}
