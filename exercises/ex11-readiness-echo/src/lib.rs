//! # Exercise 11: an echo server on one thread, with a readiness loop
//!
//! Serve any number of clients from one thread: every byte a client sends comes back
//! to it unchanged. No thread per client; instead, non-blocking sockets and `mio`'s
//! `Poll`, which tells you which sockets are ready. Rules of the game:
//!
//! - never block: a `read` or `write` that would wait returns `WouldBlock`; that is
//!   your cue to go back to `poll`;
//! - when a socket is readable, read until `WouldBlock` (readiness is reported once
//!   per change, not once per byte); `Ok(0)` means the client closed: drop it;
//! - a `write` may take only part of the data, or none: keep what is left in a
//!   per-client buffer and ask to be told when the socket is `WRITABLE` (and only
//!   then: an idle socket is always writable, asking all the time makes you spin);
//! - a client that never reads must not slow down the others;
//! - return `Ok(())` within two seconds of `stop` being set.
//!
//! Read first: the book's chapter on lesson 7, and `readiness.rs` in
//! `lessons/lesson07-event-loop/src/`.
//!
//! Grade your work with `cargo test -p ex11-readiness-echo`.
#![allow(unused_variables)] // until you write the body

use std::io;
use std::sync::atomic::AtomicBool;

/// Echoes every client's bytes back to it, all on this thread, until `stop` is set.
///
/// Hints: `mio::net::TcpListener::from_std` (after `set_nonblocking(true)`);
/// `Poll::new()`, `poll.registry().register(&mut socket, Token(n), Interest::READABLE)`;
/// a `HashMap<Token, (TcpStream, Vec<u8>)>` of clients and their unsent bytes;
/// `poll.poll(&mut events, Some(Duration::from_millis(100)))` so you can check `stop`.
pub fn serve(listener: std::net::TcpListener, stop: &AtomicBool) -> io::Result<()> {
    // TODO
    todo!("ex11: a readiness loop that echoes, on one thread")
}
