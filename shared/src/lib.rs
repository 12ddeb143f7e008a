//! Helpers every netlessons lesson stands on.
//!
//! - [`addr`]: `HOST:PORT` strings, the lessons' default addresses, name resolution.
//! - [`framing`]: turning a byte stream into messages (lines, length-prefixed frames).
//! - [`server`]: binding with helpful errors, the `Listening on` line, Ctrl-C/SIGTERM shutdown.
//! - [`client`]: connecting with helpful errors.
//! - [`cli`]: the one-line `error: ...` report and exit codes every binary shares.

pub mod addr;
pub mod cli;
pub mod client;
pub mod error;
pub mod framing;
pub mod server;

#[cfg(feature = "testing")]
pub mod testing;
