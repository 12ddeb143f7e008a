//! An I/O error that remembers what the program was trying to do, and how to fix it.
//!
//! `Connection refused (os error 111)` alone does not tell a beginner *which*
//! connection, nor what to do next. [`NetError`] carries both, and
//! [`crate::cli::report`] prints them on one line:
//!
//! ```text
//! error: cannot connect to 127.0.0.1:9999: Connection refused (os error 111); hint: is the server running? ...
//! ```

use std::fmt;
use std::io;

/// An [`io::Error`] plus the action that failed and, where we know one, a hint.
#[derive(Debug)]
pub struct NetError {
    /// What we were doing, e.g. `cannot listen on 127.0.0.1:8080`.
    pub action: String,
    /// What to try next; printed after the cause.
    pub hint: Option<String>,
    /// The operating system's error.
    pub source: io::Error,
}

impl NetError {
    /// The kind of the underlying I/O error, for callers that react to it.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.action)
    }
}

impl std::error::Error for NetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Is this the error a read or write returns when its timeout expires?
///
/// Unix reports an expired `SO_RCVTIMEO` as `EAGAIN` (`WouldBlock`), Windows as
/// `WSAETIMEDOUT` (`TimedOut`), so portable code must accept both.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
