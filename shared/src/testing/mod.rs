//! Test support: run a lesson's server binary as a child process and talk to it.
//!
//! Enabled by the `testing` feature, for lessons' `[dev-dependencies]` only.
//! Every server is started with `--bind 127.0.0.1:0` (or `[::1]:0`) by the test,
//! which then reads the real port from the `Listening on` line: no fixed ports,
//! so tests can run in parallel with each other and with a learner's own servers.
//!
//! By role:
//! - [`process`]: child processes (a server in the background, a program run to the end, tools);
//! - [`transcript`]: the book's recorded sessions;
//! - [`conventions`]: the course's conventions as shared assertions, and misbehaving clients;
//! - [`echo`], [`greeting`], [`udp`]: each protocol's conformance tests, shared by every
//!   server that speaks it.

use std::time::Duration;

/// A host name that can never resolve, and fails *without any DNS traffic*:
/// `.invalid` is reserved (RFC 2606) and the empty label (`..`) makes the
/// system resolver reject the name before sending a query.
pub const UNRESOLVABLE_HOST: &str = "no-such-host..invalid";

/// The longest any test waits for a server to say something.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub mod conventions;
pub mod echo;
pub mod greeting;
pub mod process;
pub mod transcript;
pub mod udp;

pub use conventions::*;
pub use process::*;
pub use transcript::*;
