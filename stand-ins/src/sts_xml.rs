//! STS's awsQuery XML: the `AssumeRoleWithWebIdentity` answer, the error document, and the
//! broken documents of the fault script.
//!
//! Shapes follow the STS API reference
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>)
//! and the awsQuery error format
//! (<https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization>).

use std::io;

use quick_xml::Writer;
use quick_xml::events::BytesText;

/// The awsQuery namespace of STS.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The operation an answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `AssumeRoleWithWebIdentity`: the OIDC exchange.
    AssumeRoleWithWebIdentity,
    /// `AssumeRole`: a signed call with credentials already held (role chaining).
    AssumeRole,
}

impl Operation {
    /// The operation's name, as in `Action=`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            Operation::AssumeRole => "AssumeRole",
        }
    }
}

/// What a successful `AssumeRoleWithWebIdentity` or `AssumeRole` answer says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleAnswer {
    /// Which operation answered.
    pub operation: Operation,
    /// `Credentials/AccessKeyId`.
    pub access_key_id: String,
    /// `Credentials/SecretAccessKey`.
    pub secret_access_key: String,
    /// `Credentials/SessionToken`.
    pub session_token: String,
    /// `Credentials/Expiration`, ISO 8601 (`2025-01-01T12:00:00Z`).
    pub expiration: String,
    /// `SubjectFromWebIdentityToken` (the token's `sub`; web identity only).
    pub subject: String,
    /// `Audience` (the token's `aud`; web identity only).
    pub audience: String,
    /// `Provider`: the OIDC provider's ARN (web identity only).
    pub provider: String,
    /// `AssumedRoleUser/Arn`: `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
    pub assumed_role_arn: String,
    /// `AssumedRoleUser/AssumedRoleId`: `<role id>:<session>`.
    pub assumed_role_id: String,
    /// `PackedPolicySize`, present when session policies were passed.
    pub packed_policy_size: Option<u32>,
    /// `ResponseMetadata/RequestId`.
    pub request_id: String,
}

type XmlResult = io::Result<()>;

fn text<W: io::Write>(w: &mut Writer<W>, name: &str, value: &str) -> XmlResult {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn to_string(bytes: Vec<u8>) -> String {
    // quick-xml writes the UTF-8 it is given.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The success document, indented like STS's.
pub fn success(answer: &AssumeRoleAnswer) -> String {
    let operation = answer.operation.name();
    let web_identity = answer.operation == Operation::AssumeRoleWithWebIdentity;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: XmlResult = (|| {
        w.create_element(format!("{operation}Response"))
            .with_attribute(("xmlns", STS_NAMESPACE))
            .write_inner_content(|w| {
                w.create_element(format!("{operation}Result"))
                    .write_inner_content(|w| {
                        if web_identity {
                            text(w, "Audience", &answer.audience)?;
                        }
                        w.create_element("AssumedRoleUser")
                            .write_inner_content(|w| {
                                text(w, "AssumedRoleId", &answer.assumed_role_id)?;
                                text(w, "Arn", &answer.assumed_role_arn)
                            })?;
                        if web_identity {
                            text(w, "Provider", &answer.provider)?;
                        }
                        w.create_element("Credentials").write_inner_content(|w| {
                            text(w, "AccessKeyId", &answer.access_key_id)?;
                            text(w, "SecretAccessKey", &answer.secret_access_key)?;
                            text(w, "SessionToken", &answer.session_token)?;
                            text(w, "Expiration", &answer.expiration)
                        })?;
                        if web_identity {
                            text(w, "SubjectFromWebIdentityToken", &answer.subject)?;
                        }
                        if let Some(size) = answer.packed_policy_size {
                            text(w, "PackedPolicySize", &size.to_string())?;
                        }
                        Ok(())
                    })?;
                w.create_element("ResponseMetadata")
                    .write_inner_content(|w| text(w, "RequestId", &answer.request_id))?;
                Ok(())
            })?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    to_string(w.into_inner())
}

/// The `GetCallerIdentity` answer
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).
pub fn caller_identity(arn: &str, user_id: &str, request_id: &str) -> String {
    let account = arn.split(':').nth(4).unwrap_or_default();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: XmlResult = (|| {
        w.create_element("GetCallerIdentityResponse")
            .with_attribute(("xmlns", STS_NAMESPACE))
            .write_inner_content(|w| {
                w.create_element("GetCallerIdentityResult")
                    .write_inner_content(|w| {
                        text(w, "Arn", arn)?;
                        text(w, "UserId", user_id)?;
                        text(w, "Account", account)
                    })?;
                w.create_element("ResponseMetadata")
                    .write_inner_content(|w| text(w, "RequestId", request_id))?;
                Ok(())
            })?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    to_string(w.into_inner())
}

/// The error document: `Type` is `Sender` for statuses below 500, else `Receiver`.
pub fn error(status: u16, code: &str, message: &str, request_id: &str) -> String {
    let kind = if status < 500 { "Sender" } else { "Receiver" };
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: XmlResult = (|| {
        w.create_element("ErrorResponse")
            .with_attribute(("xmlns", STS_NAMESPACE))
            .write_inner_content(|w| {
                w.create_element("Error").write_inner_content(|w| {
                    text(w, "Type", kind)?;
                    text(w, "Code", code)?;
                    text(w, "Message", message)
                })?;
                text(w, "RequestId", request_id)
            })?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    to_string(w.into_inner())
}

/// A proxy's HTML error page for `status`.
pub fn html_page(status: u16) -> String {
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n\
         <body><h1>{reason}</h1><p>The proxy server could not handle the request.</p>\
         <hr><address>corporate-proxy/1.0</address></body></html>\n"
    )
}

/// `document` cut in the middle (inside an element).
pub fn truncated(document: &str) -> String {
    let mut cut = document.len() / 2;
    while !document.is_char_boundary(cut) {
        cut -= 1;
    }
    document[..cut].to_owned()
}

/// `document` with whitespace inserted before its closing root tag until it is `size` bytes
/// long: still a valid success document.
pub fn padded(document: &str, size: usize) -> String {
    let close = document.rfind("</").unwrap_or(document.len());
    let pad = size.saturating_sub(document.len());
    let mut out = String::with_capacity(document.len() + pad);
    out.push_str(&document[..close]);
    out.extend(std::iter::repeat_n(' ', pad));
    out.push_str(&document[close..]);
    out
}

/// A "billion laughs" document: a DTD of nested entities (10^9 copies of `lol` if expanded)
/// referenced from the credential fields. A safe parser refuses it or leaves it unexpanded.
pub fn entity_expansion(request_id: &str) -> String {
    // Written by hand on purpose: entity definitions and references are the attack, and no
    // writer would emit them unescaped.
    let mut dtd = String::from(" <!ENTITY lol0 \"lol\">\n");
    for level in 1..=9 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        dtd.push_str(&format!(" <!ENTITY lol{level} \"{refs}\">\n"));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE AssumeRoleWithWebIdentityResponse [\n{dtd}]>\n\
         <AssumeRoleWithWebIdentityResponse xmlns=\"{STS_NAMESPACE}\">\
         <AssumeRoleWithWebIdentityResult><Credentials>\
         <AccessKeyId>&lol9;</AccessKeyId><SecretAccessKey>&lol9;</SecretAccessKey>\
         <SessionToken>&lol9;</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>\
         </Credentials></AssumeRoleWithWebIdentityResult>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
         </AssumeRoleWithWebIdentityResponse>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_client::parse_xml as parse;

    fn answer() -> AssumeRoleAnswer {
        AssumeRoleAnswer {
            operation: Operation::AssumeRoleWithWebIdentity,
            access_key_id: "ASIAEXAMPLE1234567AB".into(),
            secret_access_key: "secret/with+chars&<>".into(),
            session_token: "line1\nline2\r%25".into(),
            expiration: "2030-01-01T00:00:00Z".into(),
            subject: "repo:octo-org/octo-repo:ref:refs/heads/main".into(),
            audience: "sts.amazonaws.com".into(),
            provider: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
                .into(),
            assumed_role_arn: "arn:aws:sts::111122223333:assumed-role/demo/GitHubActions".into(),
            assumed_role_id: "AROAEXAMPLEEXAMPLE1:GitHubActions".into(),
            packed_policy_size: Some(6),
            request_id: "c6104cbe-af31-11e0-8154-cbc7ccf896c7".into(),
        }
    }

    #[test]
    fn success_document_has_the_real_shape() {
        let doc = success(&answer());
        assert!(doc.starts_with(&format!(
            "<AssumeRoleWithWebIdentityResponse xmlns=\"{STS_NAMESPACE}\">"
        )));
        let fields = parse(&doc).unwrap();
        let r = "AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult";
        assert_eq!(
            fields[&format!("{r}/Credentials/AccessKeyId")],
            "ASIAEXAMPLE1234567AB"
        );
        assert_eq!(
            fields[&format!("{r}/Credentials/SecretAccessKey")],
            "secret/with+chars&<>"
        );
        assert_eq!(
            fields[&format!("{r}/Credentials/SessionToken")],
            "line1\nline2\r%25",
            "newline and carriage return survive"
        );
        assert_eq!(
            fields[&format!("{r}/AssumedRoleUser/Arn")],
            "arn:aws:sts::111122223333:assumed-role/demo/GitHubActions"
        );
        assert_eq!(
            fields[&format!("{r}/SubjectFromWebIdentityToken")],
            "repo:octo-org/octo-repo:ref:refs/heads/main"
        );
        assert_eq!(fields[&format!("{r}/PackedPolicySize")], "6");
        assert_eq!(
            fields["AssumeRoleWithWebIdentityResponse/ResponseMetadata/RequestId"],
            "c6104cbe-af31-11e0-8154-cbc7ccf896c7"
        );
    }

    #[test]
    fn error_document_has_the_real_shape() {
        let doc = error(403, "AccessDenied", "Not authorized <x>", "req-1");
        let fields = parse(&doc).unwrap();
        assert_eq!(fields["ErrorResponse/Error/Type"], "Sender");
        assert_eq!(fields["ErrorResponse/Error/Code"], "AccessDenied");
        assert_eq!(fields["ErrorResponse/Error/Message"], "Not authorized <x>");
        assert_eq!(fields["ErrorResponse/RequestId"], "req-1");
        let doc = error(500, "InternalFailure", "x", "req-2");
        assert_eq!(parse(&doc).unwrap()["ErrorResponse/Error/Type"], "Receiver");
    }

    #[test]
    fn broken_documents_are_broken() {
        let doc = success(&answer());
        assert!(parse(&truncated(&doc)).is_err());
        let huge = padded(&doc, 1 << 20);
        assert_eq!(huge.len(), 1 << 20);
        assert_eq!(parse(&huge).unwrap(), parse(&doc).unwrap());
        let bomb = entity_expansion("req");
        assert!(bomb.contains("<!DOCTYPE AssumeRoleWithWebIdentityResponse ["));
        assert!(bomb.contains("<!ENTITY lol9 \"&lol8;&lol8;"));
        // quick-xml does not expand user entities: the references stay references.
        let fields = parse(&bomb).unwrap();
        assert_eq!(
            fields["AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/Credentials/AccessKeyId"],
            "&lol9;"
        );
        assert!(html_page(502).contains("502 Bad Gateway"));
    }
}
