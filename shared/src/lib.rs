//! Helpers every netlessons lesson stands on.
//!
//! - [`addr`]: `HOST:PORT` strings, the lessons' default addresses, name resolution.
//! - [`framing`]: turning a byte stream into messages (lines, length-prefixed frames).
//! - [`server`]: binding with helpful errors, the `Listening on` line, accepting until shutdown.
//! - [`shutdown`]: the Ctrl-C/SIGTERM signal every thread of a server sees.
//! - [`conn`]: what TCP and Unix stream sockets share, for code that serves either.
//! - [`client`]: connecting with helpful errors.
//! - [`cli`]: the one-line `error: ...` report and exit codes every binary shares.

pub mod addr;
pub mod cli;
pub mod client;
pub mod conn;
pub mod error;
pub mod framing;
pub mod server;
pub mod shutdown;

#[cfg(feature = "testing")]
pub mod testing;
