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

/// A borrowed connection is a connection too (`Read`/`Write` for `&TcpStream` come from std).
impl<C: Connection> Connection for &C
where
    for<'a> &'a C: Read + Write,
{
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
}
