//! Checking a request's SigV4 signature as STS does, for the signed operations (`AssumeRole`,
//! `GetCallerIdentity`): the access key must be one the stand-in knows, the session token must be
//! the one issued with it, and the signature is computed again with the SDK's own signer
//! (`aws-sigv4`) over the headers the request says it signed. Error codes and messages are STS's
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html>).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use time::PrimitiveDateTime;
use time::macros::format_description;

use super::request::Refusal;
use crate::credentials::StsCredentials;
use crate::record::RecordedRequest;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Authorization<'a> {
    pub(super) access_key_id: &'a str,
    pub(super) date: &'a str,
    pub(super) region: &'a str,
    pub(super) service: &'a str,
    pub(super) signed_headers: Vec<&'a str>,
    pub(super) signature: &'a str,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=HEX`.
pub(super) fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=')? {
            ("Credential", v) => credential = Some(v),
            ("SignedHeaders", v) => signed = Some(v),
            ("Signature", v) => signature = Some(v),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some("aws4_request"), None) = (
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
    ) else {
        return None;
    };
    Some(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

fn incomplete() -> Refusal {
    Refusal::new(
        403,
        "IncompleteSignature",
        "The request signature does not conform to AWS standards.",
    )
}

fn mismatch() -> Refusal {
    Refusal::new(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

fn invalid_token() -> Refusal {
    Refusal::new(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

/// Verifies the request's signature; `known` gives the credentials issued with an access key id.
/// Returns the caller's credentials.
pub(super) fn verify(
    request: &RecordedRequest,
    known: impl Fn(&str) -> Option<StsCredentials>,
) -> Result<StsCredentials, Refusal> {
    let Some(header) = request.header("authorization") else {
        return Err(Refusal::new(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ));
    };
    let auth = parse_authorization(header).ok_or_else(incomplete)?;
    if auth.service != "sts" || !auth.signed_headers.contains(&"host") {
        return Err(incomplete());
    }
    let caller = known(auth.access_key_id).ok_or_else(invalid_token)?;
    let sent_token = request.header("x-amz-security-token");
    let issued_token = Some(caller.session_token.as_str()).filter(|t| !t.is_empty());
    if sent_token != issued_token {
        return Err(invalid_token());
    }
    let amz_date = request.header("x-amz-date").ok_or_else(incomplete)?;
    let time = PrimitiveDateTime::parse(
        amz_date,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|_| incomplete())?
    .assume_utc();
    if !amz_date.starts_with(auth.date) {
        return Err(mismatch());
    }
    let skew = (time::OffsetDateTime::now_utc() - time)
        .whole_seconds()
        .abs();
    if skew > 15 * 60 {
        return Err(Refusal::new(
            403,
            "SignatureDoesNotMatch",
            "Signature expired: the request time is more than 15 minutes from the current time.",
        ));
    }

    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        if matches!(*name, "x-amz-date" | "x-amz-security-token") {
            continue; // the signer adds these itself
        }
        let values = request.header_values(name);
        if values.is_empty() {
            return Err(incomplete());
        }
        headers.extend(values.into_iter().map(|v| (*name, v)));
    }
    let host = request.header("host").ok_or_else(incomplete)?;
    let uri = format!("http://{host}{}", request.target);
    let identity: Identity = Credentials::new(
        &caller.access_key_id,
        &caller.secret_access_key,
        issued_token.map(str::to_owned),
        None,
        "sts-stand-in",
    )
    .into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(auth.region)
        .name("sts")
        .time(SystemTime::from(time))
        .settings(SigningSettings::default())
        .build()
        .map_err(|_| incomplete())?
        .into();
    let signable = SignableRequest::new(
        &request.method,
        uri,
        headers.into_iter(),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|_| incomplete())?;
    let expected = sign(signable, &params).map_err(|_| incomplete())?;
    if expected.signature() == auth.signature {
        Ok(caller)
    } else {
        Err(mismatch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_header_is_parsed() {
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature=abcd",
        )
        .expect("parses");
        assert_eq!(
            auth,
            Authorization {
                access_key_id: "ASIAEXAMPLE",
                date: "20260101",
                region: "us-east-1",
                service: "sts",
                signed_headers: vec!["content-type", "host", "x-amz-date"],
                signature: "abcd",
            }
        );
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=A/B/C/sts, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=A/B/C/sts/aws4_request/x, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=A/B/C/sts/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=A/B/C/sts/aws4_request, Other=1, Signature=ab",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
    }
}
