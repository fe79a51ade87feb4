//! Temporary credentials as the STS stand-in issues them, shared by the stand-in and its
//! scripted faults.

use base64::Engine as _;

/// Temporary credentials as STS returns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: String,
    /// `SessionToken`.
    pub session_token: String,
    /// `Expiration` verbatim; `None` means now plus the requested duration.
    pub expiration: Option<String>,
}

impl StsCredentials {
    /// Credentials with these values, expiring after the requested duration.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        StsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.into(),
            expiration: None,
        }
    }

    /// Realistic-looking random values: `ASIA` + 16 characters, a 40-character secret, a
    /// 704-character session token.
    pub fn generate() -> Self {
        const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET_CHARS: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let pick = |set: &[u8], n: usize| -> String {
            (0..n)
                .map(|_| set[fastrand::usize(..set.len())] as char)
                .collect()
        };
        let raw: Vec<u8> = (0..516).map(|_| fastrand::u8(..)).collect();
        StsCredentials {
            access_key_id: format!("ASIA{}", pick(KEY_CHARS, 16)),
            secret_access_key: pick(SECRET_CHARS, 40),
            session_token: format!(
                "IQoJb3JpZ2luX2VjE{}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ),
            expiration: None,
        }
    }

    /// The same credentials with `Expiration` set verbatim (e.g. a time in the past).
    pub fn with_expiration(mut self, expiration: impl Into<String>) -> Self {
        self.expiration = Some(expiration.into());
        self
    }
}
