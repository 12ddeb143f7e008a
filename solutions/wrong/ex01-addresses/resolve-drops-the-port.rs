//! Known-wrong solution to ex01-addresses (a realistic beginner bug; see exercises/README.md).
//!
//! bug: resolve asks for the host alone (port 0), so every address it returns has the wrong port
//! catches: literals_resolve_to_themselves, a_parsed_and_resolved_address_reaches_a_real_server, localhost_resolves_to_a_loopback_address

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// A host (name or IP literal, IPv6 *without* brackets) and a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    /// The host.
    pub host: String,
    /// The port.
    pub port: u16,
}

/// Why some text is not a valid `HOST:PORT`.
#[derive(Debug, PartialEq, Eq)]
pub enum AddrError {
    /// No `:PORT`.
    MissingPort(String),
    /// Nothing before the colon.
    EmptyHost(String),
    /// Not a number from 0 to 65535.
    BadPort(String),
    /// IPv6 without brackets.
    NeedsBrackets(String),
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (input, problem) = match self {
            AddrError::MissingPort(i) => (i, "missing ':PORT'"),
            AddrError::EmptyHost(i) => (i, "empty host"),
            AddrError::BadPort(i) => (i, "the port must be a number from 0 to 65535"),
            AddrError::NeedsBrackets(i) => (i, "IPv6 addresses need brackets"),
        };
        write!(f, "invalid address {input:?}: {problem} (expected HOST:PORT, e.g. 127.0.0.1:9999 or [::1]:9999)")
    }
}

impl std::error::Error for AddrError {}

/// Parses `HOST:PORT`, `[IPV6]:PORT` or `NAME:PORT`.
pub fn parse(input: &str) -> Result<HostPort, AddrError> {
    let owned = || input.to_string();
    let (host, port) = if let Some(rest) = input.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| AddrError::MissingPort(owned()))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| AddrError::MissingPort(owned()))?;
        (host, port)
    } else {
        let (host, port) = input
            .rsplit_once(':')
            .ok_or_else(|| AddrError::MissingPort(owned()))?;
        if host.contains(':') {
            return Err(AddrError::NeedsBrackets(owned()));
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(AddrError::EmptyHost(owned()));
    }
    let port = port.parse().map_err(|_| AddrError::BadPort(owned()))?;
    Ok(HostPort {
        host: host.to_string(),
        port,
    })
}

/// Every address the system resolver knows for `hp`.
pub fn resolve(hp: &HostPort) -> io::Result<Vec<SocketAddr>> {
    Ok((hp.host.as_str(), 0).to_socket_addrs()?.collect())
}
