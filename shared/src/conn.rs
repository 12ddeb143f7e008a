//! What TCP and Unix stream sockets have in common, so that one handler serves both.
//!
//! `Read + Write` is enough to exchange bytes, but a server also needs the socket's
//! *controls*: timeouts (so a blocked call wakes up to notice a shutdown or a silent
//! peer), non-blocking mode, and half-closing (`shutdown`). `std` gives `TcpStream`
//! and `UnixStream` the same methods without a common trait; [`Connection`] is that
//! trait.

use std::io::{self, Read, Write};
use std::net::{Shutdown as Direction, TcpStream};
use std::time::Duration;

/// A stream socket: bytes both ways, plus the controls a server needs.
pub trait Connection: Read + Write {
    /// `SO_RCVTIMEO`: a `read` waiting longer than this fails with a timeout (`None`: never).
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// `SO_SNDTIMEO`: a `write` waiting longer than this for buffer space fails with a timeout.
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// Non-blocking mode: calls that would wait fail with `WouldBlock` at once.
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()>;
    /// Closes one or both directions (`shutdown(Write)` sends FIN: "nothing more from us").
    fn shutdown(&self, how: Direction) -> io::Result<()>;
}

/// Implements [`Connection`] for a `std` socket type by calling its own methods.
macro_rules! connection_for {
    ($($stream:ty),*) => {$(
        impl Connection for $stream {
            fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$stream>::set_read_timeout(self, timeout)
            }
            fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$stream>::set_write_timeout(self, timeout)
            }
            fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
                <$stream>::set_nonblocking(self, nonblocking)
            }
            fn shutdown(&self, how: Direction) -> io::Result<()> {
                <$stream>::shutdown(self, how)
            }
        }
    )*};
}

connection_for!(TcpStream);
#[cfg(unix)]
connection_for!(std::os::unix::net::UnixStream);

/// The [`Connection`] methods of a reference, passed on to what it refers to.
macro_rules! through_reference {
    () => {
        fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
            (**self).set_read_timeout(timeout)
        }
        fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
            (**self).set_write_timeout(timeout)
        }
        fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
            (**self).set_nonblocking(nonblocking)
        }
        fn shutdown(&self, how: Direction) -> io::Result<()> {
            (**self).shutdown(how)
        }
    };
}

/// A borrowed connection is a connection too (`Read`/`Write` for `&TcpStream` come from std).
impl<C: Connection> Connection for &C
where
    for<'a> &'a C: Read + Write,
{
    through_reference!();
}

/// A connection lent for a while is a connection too (tests pass `&mut fake`).
impl<C: Connection + ?Sized> Connection for &mut C {
    through_reference!();
}

/// A listening socket that hands out connections: `TcpListener` or `UnixListener`.
pub trait Listener {
    /// The connections it accepts.
    type Stream: Connection + Send + 'static;
    /// Who connected: an IP address and port, or a Unix socket's (usually empty) address.
    type Peer: std::fmt::Display + std::fmt::Debug + Clone + Send + 'static;

    /// `accept`: waits for the next connection.
    fn accept(&self) -> io::Result<(Self::Stream, Self::Peer)>;

    /// Non-blocking mode: `accept` fails with `WouldBlock` at once when nobody waits.
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()>;

    /// Prepares something that, run at shutdown, makes a blocked [`Listener::accept`]
    /// return (no flag can interrupt a thread waiting in a system call).
    fn waker(&self) -> io::Result<Box<dyn FnOnce() + Send>>;
}

// ANCHOR: tcp_waker
impl Listener for std::net::TcpListener {
    type Stream = TcpStream;
    type Peer = std::net::SocketAddr;

    fn accept(&self) -> io::Result<(TcpStream, std::net::SocketAddr)> {
        std::net::TcpListener::accept(self)
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        std::net::TcpListener::set_nonblocking(self, nonblocking)
    }

    /// We *become* a client: connecting to our own port makes `accept` return.
    fn waker(&self) -> io::Result<Box<dyn FnOnce() + Send>> {
        let wake_at = reachable(self.local_addr()?);
        Ok(Box::new(move || {
            let _ = TcpStream::connect_timeout(&wake_at, Duration::from_secs(1));
        }))
    }
}
// ANCHOR_END: tcp_waker

/// An address to connect to in order to reach a listener bound to `local`:
/// the wildcard addresses 0.0.0.0 and [::] are reached through loopback.
fn reachable(local: std::net::SocketAddr) -> std::net::SocketAddr {
    let mut addr = local;
    if addr.ip().is_unspecified() {
        addr.set_ip(match local {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// The other end of a Unix socket connection, as a log shows it: its path if the
/// client bound one (most do not), or "a local client".
#[cfg(unix)]
#[derive(Clone, Debug)]
pub struct UnixPeer(pub std::os::unix::net::SocketAddr);

#[cfg(unix)]
impl std::fmt::Display for UnixPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_pathname() {
            Some(path) => write!(f, "{}", path.display()),
            None => f.write_str("a local client"),
        }
    }
}

#[cfg(unix)]
impl Listener for std::os::unix::net::UnixListener {
    type Stream = std::os::unix::net::UnixStream;
    type Peer = UnixPeer;

    fn accept(&self) -> io::Result<(Self::Stream, Self::Peer)> {
        let (stream, peer) = std::os::unix::net::UnixListener::accept(self)?;
        Ok((stream, UnixPeer(peer)))
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        std::os::unix::net::UnixListener::set_nonblocking(self, nonblocking)
    }

    /// Connecting to our own socket *file* fails once somebody removed the file (a
    /// learner's `rm`, a cleaner of `/tmp`), and the server could never stop. So the
    /// waker first shuts the listening socket down, which on Linux makes a blocked
    /// `accept` return at once; connecting to the path remains for systems where it
    /// does not (macOS), while the file exists.
    fn waker(&self) -> io::Result<Box<dyn FnOnce() + Send>> {
        let path = self.local_addr()?.as_pathname().map(|p| p.to_path_buf());
        let listener = self.try_clone()?;
        Ok(Box::new(move || {
            let _ = socket2::SockRef::from(&listener).shutdown(Direction::Read);
            if let Some(path) = path {
                let _ = std::os::unix::net::UnixStream::connect(path);
            }
        }))
    }
}
