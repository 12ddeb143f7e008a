//! TLS under HTTP: what turns `http://` into `https://`.
//!
//! TLS is a layer between TCP and HTTP. After the TCP handshake, the client and
//! server exchange a few messages (the TLS handshake): the client says which server
//! it wants (SNI) and what it can do; the server answers with its choices and its
//! certificate; both derive keys. From then on every byte HTTP writes is encrypted
//! and authenticated, and every byte it reads is decrypted and checked. The HTTP
//! itself is unchanged: the same request, the same head, the same body framing.
//!
//! Cryptography is not what this lesson is about, so `rustls` does it, with the
//! `ring` provider. What stays ours: which certificates to trust, what to print,
//! and turning every failure into words a learner can act on.

use crate::x509;
use anyhow::Context;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct};
use rustls::{RootCertStore, SignatureScheme, StreamOwned};
use shared::addr::HostPort;
use shared::error::{is_timeout, NetError};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Whom to trust.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// Trust only the certificates in this PEM file (`--cacert`), instead of the
    /// authorities browsers trust.
    pub cacert: Option<PathBuf>,
    /// Check nothing about the server's certificate (`--insecure`).
    pub insecure: bool,
}

// ANCHOR: config
/// The client's TLS settings, made once per run: trust anchors, versions, key log.
pub fn client_config(options: &TlsOptions) -> anyhow::Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // TLS 1.2 and 1.3; rustls has no older versions, which are broken.
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let mut config = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots = match &options.cacert {
            Some(path) => roots_from_file(path)?,
            // Mozilla's list, compiled in: the same on every operating system.
            None => RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    // We speak HTTP/1.1 only; saying so keeps a server from choosing HTTP/2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // Writes the session secrets to the file SSLKEYLOGFILE names, if it is set.
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(Arc::new(config))
}
// ANCHOR_END: config

/// The certificates of a PEM file (`-----BEGIN CERTIFICATE-----` blocks), as trust anchors.
fn roots_from_file(path: &Path) -> Result<RootCertStore, NetError> {
    let fail = |message: String| NetError {
        action: format!("cannot use --cacert {}", path.display()),
        hint: Some("give a PEM file of CA certificates, such as the CA's ca.pem".into()),
        source: io_error(message),
    };
    let mut roots = RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(path).map_err(|e| fail(e.to_string()))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|e| fail(e.to_string()))?;
        roots.add(certificate).map_err(|e| fail(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(fail(
            "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(roots)
}

fn io_error(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// What the handshake settled, to show the user.
#[derive(Clone, Debug)]
pub struct TlsInfo {
    /// `TLS 1.2` or `TLS 1.3`.
    pub version: String,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The server certificate's subject, issuer and expiry.
    pub certificate: Option<x509::Names>,
}

// ANCHOR: handshake
/// Runs the TLS handshake over `tcp`, checking the certificate against `host`,
/// and returns the encrypted stream, ready for the same HTTP bytes as before.
///
/// `host` is also sent in the clear as SNI (Server Name Indication), so a server
/// with many sites on one address knows which certificate to present. An IP
/// address is not a name: rustls sends no SNI for it, and checks the certificate
/// for that address instead.
pub fn handshake(
    config: Arc<ClientConfig>,
    host: &str,
    server: &HostPort,
    mut tcp: TcpStream,
    timeout: Duration,
) -> anyhow::Result<(TlsStream, TlsInfo)> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| io_error(format!("{host:?} is neither a DNS name nor an IP address")))
        .with_context(|| format!("cannot start TLS with {server}"))?;
    let mut conn = ClientConnection::new(config, name)?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)
            .map_err(|err| explain(err, host, server, timeout))?;
    }
    let info = TlsInfo {
        version: match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".into(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".into(),
            other => format!("{other:?}"),
        },
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        certificate: conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|leaf| x509::names(leaf)),
    };
    let stream = TlsStream {
        inner: StreamOwned::new(conn, tcp),
        ended_without_close_notify: false,
    };
    Ok((stream, info))
}
// ANCHOR_END: handshake

// ANCHOR: explain
/// Turns a failed handshake into one sentence and a hint.
fn explain(err: io::Error, host: &str, server: &HostPort, timeout: Duration) -> NetError {
    let tls_error = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let (what, hint): (String, &str) = match tls_error {
        Some(rustls::Error::InvalidCertificate(why)) => certificate_problem(why, host),
        Some(rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. }) => (
            "the server's answer is not TLS".into(),
            "is this a plain http:// server? try the URL with http://",
        ),
        Some(rustls::Error::AlertReceived(alert)) => (
            format!("the server refused the handshake ({alert:?} alert)"),
            "the server may want another TLS version, or a client certificate",
        ),
        Some(rustls::Error::PeerIncompatible(why)) => (
            format!("no TLS settings in common with the server ({why:?})"),
            "this client speaks TLS 1.2 and 1.3 only",
        ),
        Some(other) => (
            other.to_string(),
            "see the TLS section of the lesson 4 chapter",
        ),
        None if is_timeout(&err) => (
            format!("no TLS answer for {} s", timeout.as_secs_f64()),
            "is this port a TLS (https) server? a plain server waiting for a request looks \
             like this; change the limit with --timeout",
        ),
        None if matches!(
            err.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
        ) =>
        {
            (
                "the server closed the connection during the handshake".into(),
                "is this port a TLS (https) server? try the URL with http://",
            )
        }
        None => (err.to_string(), "check the host and port in the URL"),
    };
    NetError {
        action: format!("TLS handshake with {server} failed"),
        hint: Some(hint.into()),
        source: io::Error::new(err.kind(), what),
    }
}

/// Why a certificate was refused, and what to do about it.
fn certificate_problem(why: &CertificateError, host: &str) -> (String, &'static str) {
    match why {
        CertificateError::UnknownIssuer => (
            "the certificate is not signed by an authority this client trusts \
             (self-signed, or a private CA)"
                .into(),
            "if you trust this server, pass its CA certificate with --cacert FILE",
        ),
        CertificateError::NotValidForName => (
            format!("the certificate is not valid for {host}"),
            "use the host name the certificate was issued for",
        ),
        CertificateError::NotValidForNameContext { presented, .. } => (
            format!(
                "the certificate is for {}, not for {host}",
                presented
                    .iter()
                    .map(|name| plain_name(name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "use the host name the certificate was issued for",
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
            match why {
                CertificateError::ExpiredContext { time, not_after } => format!(
                    "the certificate expired {} days ago",
                    (time.as_secs().saturating_sub(not_after.as_secs())) / 86_400
                ),
                _ => "the certificate has expired".into(),
            },
            "the server must renew it; if many sites fail like this, check this machine's clock",
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
            "the certificate is not valid yet".into(),
            "check this machine's clock",
        ),
        CertificateError::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => (
            "the server presents a CA certificate as its own".into(),
            "give the server a certificate signed by that CA (curl accepts this, webpki does not)",
        ),
        other => (
            format!("invalid certificate: {other:?}"),
            "the server's certificate must be fixed",
        ),
    }
}
// ANCHOR_END: explain

/// `DnsName("www.example.com")`, as rustls reports a name, shown as `www.example.com`.
fn plain_name(name: &str) -> &str {
    name.strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .unwrap_or(name)
}

// ANCHOR: stream
/// The TLS stream HTTP reads and writes, noting how the server hung up.
///
/// A TLS server should end with a `close_notify` alert, so that a client can tell
/// "the server is done" from "someone cut the connection". Many servers just close
/// TCP. rustls reports that as `UnexpectedEof`; here it becomes an ordinary end of
/// stream, remembered in `ended_without_close_notify`, and the HTTP layer decides:
/// after a complete `Content-Length` or chunked body it is harmless; for a body
/// that ends when the connection does, it means the body may be cut short.
pub struct TlsStream {
    inner: StreamOwned<ClientConnection, TcpStream>,
    /// The TCP connection ended without `close_notify`.
    pub ended_without_close_notify: bool,
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                self.ended_without_close_notify = true;
                Ok(0)
            }
            other => other,
        }
    }
}
// ANCHOR_END: stream

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `--insecure`: accepts any certificate for any name. The handshake's signatures
/// are still checked, so the connection is to *someone* holding the certificate's
/// key; but anyone can make a certificate, so that someone may be an attacker.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
