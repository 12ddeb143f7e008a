//! A fast HTTP server for the download benchmark: answers every GET with SIZE bytes
//! from memory (Content-Length, or chunked with --chunked), so the client is what's measured.
//! With `--tls-ca FILE` it speaks HTTPS (rustls, ring), with a certificate for 127.0.0.1
//! signed by a CA it makes at start and writes to FILE for the clients' `--cacert`.
//!
//! `cargo run --release -p lesson04-http-get-client --example bench_server -- --size 200000000`

use clap::Parser;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use shared::addr::HostPort;
use shared::server::{announce, bind_tcp, incoming_until, Shutdown};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Serves SIZE bytes to every GET.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: HostPort,
    /// Body size in bytes.
    #[arg(long, default_value_t = 200_000_000)]
    size: u64,
    /// Send the body chunked (64 KiB chunks) instead of with Content-Length.
    #[arg(long)]
    chunked: bool,
    /// Serve HTTPS; write the CA certificate that signed the server's to this file.
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let tls = match &args.tls_ca {
        Some(path) => Some(tls_config(path)?),
        None => None,
    };
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    for (stream, _) in incoming_until(&listener, &shutdown)? {
        let (size, chunked, tls) = (args.size, args.chunked, tls.clone());
        std::thread::spawn(move || {
            let _ = match tls {
                None => answer(stream, size, chunked),
                Some(config) => ServerConnection::new(config)
                    .map_err(std::io::Error::other)
                    .and_then(|conn| {
                        let mut tls = StreamOwned::new(conn, stream);
                        answer(&mut tls, size, chunked)?;
                        tls.conn.send_close_notify();
                        tls.flush()
                    }),
            };
        });
    }
    Ok(())
}

/// A CA (written to `ca_path`) and a certificate for 127.0.0.1 signed by it.
fn tls_config(ca_path: &std::path::Path) -> anyhow::Result<Arc<ServerConfig>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Names differ from the leaf's: OpenSSL (curl) takes a certificate whose issuer
    // equals its subject for self-signed.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "netlessons bench CA");
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    std::fs::write(ca_path, ca.pem())?;
    let key = KeyPair::generate()?;
    let leaf =
        CertificateParams::new(vec!["127.0.0.1".to_string()])?.signed_by(&key, &ca, &ca_key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    Ok(Arc::new(config))
}

fn answer(mut stream: impl Read + Write, size: u64, chunked: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut stream);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    drop(reader);
    let out = &mut stream;
    let block = vec![b'x'; 64 * 1024];
    if chunked {
        out.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?;
    } else {
        write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n")?;
    }
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        if chunked {
            let mut chunk = format!("{n:x}\r\n").into_bytes();
            chunk.extend_from_slice(&block[..n]);
            chunk.extend_from_slice(b"\r\n");
            out.write_all(&chunk)?;
        } else {
            out.write_all(&block[..n])?;
        }
        left -= n as u64;
    }
    if chunked {
        out.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}
