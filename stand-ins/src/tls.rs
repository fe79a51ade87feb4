//! TLS for the stand-ins: a test certificate authority generated at start-up, server
//! certificates for chosen names, and the two broken cases a client must refuse (a certificate
//! for the wrong name, one from an unknown CA).
//!
//! Clients trust the CA by its PEM ([`TestCa::cert_pem`], e.g. written to a file passed as
//! `SSL_CERT_FILE`) or by [`TestCa::root_store`] in process.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The name in certificates that must not match any name a client connects to.
pub const WRONG_NAME: &str = "wrong-name.stand-in.invalid";

/// A certificate authority made for one test run. Its private key never leaves the process.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// Generates a fresh CA ("oidc-assume stand-in CA (TEST ONLY)").
    ///
    /// # Panics
    /// If key generation fails (it does not with the `ring` provider).
    pub fn new() -> TestCa {
        Self::named("oidc-assume stand-in CA (TEST ONLY)")
    }

    fn named(common_name: &str) -> TestCa {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("generating a CA key with ring cannot fail");
        let issuer = CertifiedIssuer::self_signed(params, key)
            .expect("self-signing the test CA cannot fail");
        TestCa { issuer }
    }

    /// The CA certificate, PEM-encoded: what a client adds to its trust roots.
    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER-encoded.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// Writes the CA certificate as PEM to `path` (for `SSL_CERT_FILE`).
    pub fn write_pem(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.cert_pem())
    }

    /// A root store holding only this CA, for clients built in-process.
    pub fn root_store(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        // A certificate rcgen just produced always parses.
        let _ = roots.add(self.cert_der());
        roots
    }

    /// Server TLS with a certificate for `names` (DNS names or IP addresses) signed by this CA.
    /// URLs of a server using it name the first of `names` as host.
    ///
    /// # Panics
    /// If `names` is empty or holds something that is neither a DNS name nor an IP address.
    pub fn server_tls(&self, names: &[&str]) -> ServerTls {
        let first = names
            .first()
            .expect("a server certificate needs at least one name");
        ServerTls {
            config: self.server_config(names),
            url_host: (*first).to_owned(),
        }
    }

    /// Server TLS whose certificate (signed by this CA) names only [`WRONG_NAME`]; URLs still
    /// say `127.0.0.1`, so a client must refuse it.
    pub fn wrong_name_tls(&self) -> ServerTls {
        ServerTls {
            config: self.server_config(&[WRONG_NAME]),
            url_host: "127.0.0.1".to_owned(),
        }
    }

    fn server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("valid DNS names or IP addresses");
        params.distinguished_name.push(
            DnType::CommonName,
            "oidc-assume stand-in server (TEST ONLY)",
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let key = KeyPair::generate().expect("generating a server key with ring cannot fail");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("signing with the test CA cannot fail");
        let chain = vec![cert.der().clone()];
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .expect("rcgen produced a matching certificate and key");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// Server TLS with a certificate for `names` from a CA that no client trusts (made here and
/// thrown away).
pub fn unknown_ca_tls(names: &[&str]) -> ServerTls {
    TestCa::named("unknown stand-in CA (TEST ONLY)").server_tls(names)
}

/// A TLS set-up for one stand-in: the rustls server configuration and the host its URLs name.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
    url_host: String,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("url_host", &self.url_host)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Makes the server's URLs name `host` instead (e.g. a host name that a proxy route maps to
    /// the stand-in).
    pub fn with_url_host(mut self, host: impl Into<String>) -> ServerTls {
        self.url_host = host.into();
        self
    }

    /// The host the server's URLs name.
    pub fn url_host(&self) -> &str {
        &self.url_host
    }

    /// The rustls server configuration.
    pub fn config(&self) -> Arc<rustls::ServerConfig> {
        self.config.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Runs one TLS handshake against `tls` trusting `ca`, connecting as `name`.
    async fn handshake(tls: &ServerTls, ca: &TestCa, name: &str) -> Result<(), String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config());
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(mut s) = acceptor.accept(tcp).await {
                let _ = s.write_all(b"ok").await;
                let _ = s.shutdown().await;
            }
        });
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(ca.root_store())
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let server_name = ServerName::try_from(name.to_owned()).unwrap();
        let result = match connector.connect(server_name, tcp).await {
            Ok(mut s) => {
                let mut buf = Vec::new();
                s.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
                assert_eq!(buf, b"ok");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        };
        server.await.unwrap();
        result
    }

    #[tokio::test]
    async fn certificate_for_names_is_trusted() {
        let ca = TestCa::new();
        let tls = ca.server_tls(&["localhost", "127.0.0.1", "sts.stand-in.test"]);
        assert_eq!(tls.url_host(), "localhost");
        for name in ["localhost", "127.0.0.1", "sts.stand-in.test"] {
            handshake(&tls, &ca, name).await.unwrap();
        }
    }

    #[tokio::test]
    async fn wrong_name_and_unknown_ca_are_refused() {
        let ca = TestCa::new();
        let err = handshake(&ca.wrong_name_tls(), &ca, "127.0.0.1")
            .await
            .unwrap_err();
        assert!(err.contains("not valid for name"), "{err}");
        let err = handshake(&unknown_ca_tls(&["localhost"]), &ca, "localhost")
            .await
            .unwrap_err();
        assert!(err.contains("UnknownIssuer"), "{err}");
    }

    #[test]
    fn pem_is_a_certificate() {
        let pem = TestCa::new().cert_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
