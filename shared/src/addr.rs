//! `HOST:PORT` addresses: parsing, resolving, and the lessons' defaults.
//!
//! A socket address is an IP address plus a port. People write it as text
//! (`127.0.0.1:9999`, `localhost:80`, `[::1]:9999`), so every program needs to
//! turn text into addresses. Two separate steps happen:
//!
//! 1. **parsing** the text into a host and a port ([`HostPort::parse`]), which can fail
//!    only because the text is malformed (a usage error: exit code 2);
//! 2. **resolving** the host name to one or more IP addresses ([`HostPort::resolve`]),
//!    which asks the system resolver (`/etc/hosts`, DNS) and can fail at run time.
//!
//! One name can resolve to several addresses: `localhost` is often both `::1` and
//! `127.0.0.1`. A client should try them in order until one connects.

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

// ANCHOR: defaults
/// lesson02's blocking echo server (the tutorial's first server).
pub const BLOCKING_SERVER: &str = "127.0.0.1:8080";
/// lesson03's thread-per-connection server (the tutorial's `tcplink`).
pub const THREADED_SERVER: &str = "127.0.0.1:9999";
/// lesson05's UDP server: the same number as the threaded TCP server, on purpose:
/// TCP port 9999 and UDP port 9999 are two different ports.
pub const UDP_SERVER: &str = "127.0.0.1:9999";
/// lesson04's default page, the one the tutorial downloads.
pub const HTTP_DEFAULT_URL: &str = "http://www.sina.com.cn/";
/// lesson09's SMTP server. SMTP's own port, 25, is below 1024 and needs administrator
/// rights; 2525 is the usual stand-in.
pub const SMTP_SERVER: &str = "127.0.0.1:2525";
/// lesson09's POP3 server: POP3's port 110 needs administrator rights too.
pub const POP3_SERVER: &str = "127.0.0.1:1100";
// ANCHOR_END: defaults

/// A host (name or IP literal) and a port, as parsed from `HOST:PORT`.
///
/// Parsing does no network I/O; [`HostPort::resolve`] does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// A DNS name (`localhost`) or an IP literal (`127.0.0.1`, `::1`), without brackets.
    pub host: String,
    /// The port; 0 asks the operating system to choose a free one when binding.
    pub port: u16,
}

/// Why a `HOST:PORT` string was rejected or could not be resolved.
#[derive(Debug)]
pub enum AddrError {
    /// The text is not of the form `HOST:PORT`.
    Malformed {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The system resolver could not turn the host into an IP address.
    Resolve {
        /// The text as given.
        input: String,
        /// The resolver's error.
        source: io::Error,
    },
}

const EXAMPLE: &str = "expected HOST:PORT, e.g. 127.0.0.1:9999, localhost:9999 or [::1]:9999";

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrError::Malformed { input, problem } => {
                write!(f, "invalid address {input:?}: {problem} ({EXAMPLE})")
            }
            AddrError::Resolve { input, .. } => {
                write!(
                    f,
                    "cannot resolve {input:?} (check the host name and your network/DNS)"
                )
            }
        }
    }
}

impl std::error::Error for AddrError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AddrError::Resolve { source, .. } => Some(source),
            AddrError::Malformed { .. } => None,
        }
    }
}

impl HostPort {
    // ANCHOR: parse
    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
    ///
    /// IPv6 literals contain colons themselves, so they must be written in brackets,
    /// the same convention URLs use: `[::1]:9999`.
    pub fn parse(input: &str) -> Result<HostPort, AddrError> {
        let bad = |problem| AddrError::Malformed {
            input: input.to_string(),
            problem,
        };
        let (host, port) = if let Some(rest) = input.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or(bad("missing ']'"))?;
            let port = after.strip_prefix(':').ok_or(bad("missing ':PORT'"))?;
            (host, port)
        } else {
            let (host, port) = input.rsplit_once(':').ok_or(bad("missing ':PORT'"))?;
            if host.contains(':') {
                return Err(bad("IPv6 addresses need brackets"));
            }
            (host, port)
        };
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        if port.is_empty() {
            return Err(bad("missing port"));
        }
        let port = port
            .parse::<u16>()
            .map_err(|_| bad("the port must be a number from 0 to 65535"))?;
        Ok(HostPort {
            host: host.to_string(),
            port,
        })
    }
    // ANCHOR_END: parse

    /// Asks the system resolver for every address of this host, in its order of preference.
    ///
    /// IP literals resolve to themselves without any network traffic.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, AddrError> {
        let failed = |source| AddrError::Resolve {
            input: self.to_string(),
            source,
        };
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(failed)?
            .collect();
        if addrs.is_empty() {
            return Err(failed(io::Error::new(
                io::ErrorKind::NotFound,
                "the name has no IP addresses",
            )));
        }
        Ok(addrs)
    }
}

/// A host as it is written before `:PORT`: an IPv6 address goes in brackets
/// (`[::1]:9999`), since its own colons would make the port ambiguous; names and
/// IPv4 addresses stay as they are. The one place this rule is written.
pub fn bracketed(host: &str) -> std::borrow::Cow<'_, str> {
    if host.contains(':') {
        format!("[{host}]").into()
    } else {
        host.into()
    }
}

impl HostPort {
    /// The host as it appears before `:PORT` (see [`bracketed`]).
    pub fn host_for_display(&self) -> std::borrow::Cow<'_, str> {
        bracketed(&self.host)
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host_for_display(), self.port)
    }
}

impl std::str::FromStr for HostPort {
    type Err = AddrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostPort::parse(s)
    }
}

/// Parses and resolves in one step; convenient for clients and tests.
pub fn resolve(input: &str) -> Result<Vec<SocketAddr>, AddrError> {
    HostPort::parse(input)?.resolve()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_are_bracketed_before_a_port_and_nothing_else_is() {
        assert_eq!(bracketed("::1"), "[::1]");
        assert_eq!(bracketed("127.0.0.1"), "127.0.0.1");
        assert_eq!(bracketed("example.org"), "example.org");
        assert_eq!(HostPort::parse("[::1]:9").unwrap().to_string(), "[::1]:9");
    }

    fn parsed(s: &str) -> (String, u16) {
        let hp = HostPort::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"));
        (hp.host, hp.port)
    }

    fn problem(s: &str) -> String {
        match HostPort::parse(s) {
            Ok(hp) => panic!("{s:?} should be rejected, parsed as {hp:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_ipv4_names_and_bracketed_ipv6() {
        assert_eq!(parsed("127.0.0.1:9999"), ("127.0.0.1".into(), 9999));
        assert_eq!(parsed("localhost:80"), ("localhost".into(), 80));
        assert_eq!(parsed("[::1]:0"), ("::1".into(), 0));
        assert_eq!(
            parsed("www.sina.com.cn:65535"),
            ("www.sina.com.cn".into(), 65535)
        );
    }

    #[test]
    fn errors_quote_the_input_and_show_an_example() {
        for (input, words) in [
            ("localhost", "missing ':PORT'"),
            ("localhost:", "missing port"),
            (":9999", "empty host"),
            ("[]:9999", "empty host"),
            ("127.0.0.1:65536", "0 to 65535"),
            ("127.0.0.1:http", "0 to 65535"),
            ("::1:9999", "IPv6 addresses need brackets"),
            ("[::1]9999", "missing ':PORT'"),
            ("[::1:9999", "missing ']'"),
        ] {
            let msg = problem(input);
            assert!(
                msg.contains(&format!("{input:?}")),
                "{msg} should quote {input:?}"
            );
            assert!(msg.contains(words), "{msg} should say {words:?}");
            assert!(
                msg.contains("e.g. 127.0.0.1:9999"),
                "{msg} should show an example"
            );
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        for s in ["127.0.0.1:9999", "[::1]:80", "localhost:0"] {
            assert_eq!(HostPort::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn literals_resolve_to_themselves() {
        let v4 = resolve("127.0.0.1:9999").unwrap();
        assert_eq!(v4, vec!["127.0.0.1:9999".parse::<SocketAddr>().unwrap()]);
        let v6 = resolve("[::1]:9999").unwrap();
        assert_eq!(v6, vec!["[::1]:9999".parse::<SocketAddr>().unwrap()]);
    }

    #[test]
    fn unresolvable_names_say_so() {
        // `.invalid` is reserved (RFC 2606): it never resolves, and no packet leaves loopback
        // beyond the resolver's own lookup.
        let err = resolve("no-such-host.invalid:80").unwrap_err();
        assert!(matches!(err, AddrError::Resolve { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot resolve"), "{err}");
    }

    #[test]
    fn defaults_parse() {
        for d in [BLOCKING_SERVER, THREADED_SERVER, UDP_SERVER] {
            HostPort::parse(d).unwrap();
        }
    }
}
