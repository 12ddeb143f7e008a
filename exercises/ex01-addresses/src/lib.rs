//! # Exercise 1: parse and resolve `HOST:PORT`
//!
//! Every lesson turns text like `127.0.0.1:9999`, `localhost:80` or `[::1]:9999` into
//! a socket address. Write the two steps yourself:
//!
//! 1. [`parse`]: split the text into host and port, rejecting malformed input with
//!    the right [`AddrError`] (no network involved);
//! 2. [`resolve`]: ask the system resolver for the host's addresses.
//!
//! Read first: the book's "Networking in one chapter" (*Names and DNS*), and the
//! course's own version in `shared/src/addr.rs` (try not to copy it!).
//!
//! Grade your work with `cargo test -p ex01-addresses`.
#![allow(unused_variables)] // the parameters are unused until you write the bodies

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// A host (name or IP literal, IPv6 *without* brackets) and a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    /// `localhost`, `127.0.0.1`, `::1`, `www.sina.com.cn`...
    pub host: String,
    /// 0 to 65535.
    pub port: u16,
}

/// Why some text is not a valid `HOST:PORT`. Each variant holds the input as given.
#[derive(Debug, PartialEq, Eq)]
pub enum AddrError {
    /// No `:PORT` at the end (`"localhost"`), or `[v6]` without `:PORT` after it.
    MissingPort(String),
    /// Nothing before the colon (`":80"`, `"[]:80"`).
    EmptyHost(String),
    /// The port is not a number from 0 to 65535 (`"host:http"`, `"host:70000"`, `"host:"`).
    BadPort(String),
    /// An IPv6 address without brackets (`"::1:80"`): where would the port start?
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
///
/// Hints: `str::strip_prefix('[')` and `split_once(']')` for the bracketed form;
/// `rsplit_once(':')` otherwise (why *r*split?); `"65536".parse::<u16>()` fails for you.
pub fn parse(input: &str) -> Result<HostPort, AddrError> {
    // TODO: split host and port; return the matching AddrError for each mistake.
    todo!("ex01: parse {input:?} into a HostPort (see the doc comment)")
}

/// Every address the system resolver knows for `hp`, in its order of preference.
///
/// Hint: a `(&str, u16)` tuple implements `std::net::ToSocketAddrs`.
pub fn resolve(hp: &HostPort) -> io::Result<Vec<SocketAddr>> {
    // TODO: resolve with to_socket_addrs() and collect the results.
    todo!("ex01: resolve {hp:?} with ToSocketAddrs")
}
