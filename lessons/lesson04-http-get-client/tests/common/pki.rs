//! Certificates made at test time with rcgen: a CA, and server certificates it signs.
//!
//! webpki (rustls' verifier) refuses a CA certificate used as the server's own
//! (`CaUsedAsEndEntity`), so, like the real web, the server gets a leaf certificate
//! signed by a CA, and the client trusts the CA (`--cacert ca.pem`).

use rcgen::{date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, SupportedProtocolVersion};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The CA's name, as the client should print it.
pub const CA_NAME: &str = "netlessons test CA";

/// A certificate authority for one test.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    pub fn new() -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, CA_NAME);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "netlessons");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// Writes the CA certificate as PEM into `dir`; returns the path for `--cacert`.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.cert.pem()).unwrap();
        path
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn leaf(&self, names: &[&str]) -> Leaf {
        self.leaf_with(names, |_| {})
    }

    /// A server certificate that expired in 2021.
    pub fn expired_leaf(&self, names: &[&str]) -> Leaf {
        self.leaf_with(names, |params| {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        })
    }

    fn leaf_with(&self, names: &[&str], change: impl FnOnce(&mut CertificateParams)) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, &names[0]);
        change(&mut params);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            chain: vec![cert.der().clone(), self.cert.der().clone()],
            key: key.serialize_der(),
        }
    }
}

/// A server's certificate chain and private key.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

/// Collects the secrets a TLS server logs, to compare with the client's key log.
#[derive(Debug, Default)]
pub struct ServerKeyLog(pub Mutex<Vec<String>>);

impl rustls::KeyLog for ServerKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        self.0.lock().unwrap().push(line);
    }
}

impl Leaf {
    /// A rustls server configuration presenting this certificate, TLS 1.2 and 1.3.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.server_config_for(rustls::ALL_VERSIONS, None)
    }

    /// A configuration limited to `versions`, logging its secrets to `key_log`.
    pub fn server_config_for(
        &self,
        versions: &[&'static SupportedProtocolVersion],
        key_log: Option<Arc<ServerKeyLog>>,
    ) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .unwrap();
        if let Some(key_log) = key_log {
            config.key_log = key_log;
        }
        Arc::new(config)
    }
}
