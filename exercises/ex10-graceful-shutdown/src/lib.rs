//! # Exercise 10: an accept loop that stops when asked
//!
//! A server must stop cleanly on Ctrl-C: stop accepting, let every connection
//! finish, then return. The difficulty is that `listener.accept()` *blocks*: a
//! thread waiting in it does not notice a flag being set. Write [`serve`]:
//!
//! - accept connections and run `handler(stream, stop)` for each on its own thread;
//! - once `stop` is set, return within **two seconds**, even if no client ever
//!   connects again;
//! - before returning, wait (`join`) for every handler thread to finish. Handlers
//!   get the same `stop` flag, so they can say goodbye and end.
//!
//! Read first: the book's chapter on lesson 3 ("Stopping cleanly"), and
//! `incoming_until` in `shared/src/server.rs`.
//!
//! Grade your work with `cargo test -p ex10-graceful-shutdown`.
#![allow(unused_variables)] // until you write the body

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Serves connections until `stop` is set, then joins every handler and returns.
///
/// Hints: keep `accept` blocking, so a client is served the moment it arrives. To
/// make it return once `stop` is set, do what lesson 3 does: a small *waker* thread
/// waits for the flag (looking every 50 ms is fine: no client waits on that thread)
/// and then connects to the listener itself (`listener.local_addr()`); `accept`
/// returns that connection and your loop, checking `stop` after every accept, ends.
/// (Polling a non-blocking `accept` with a sleep also stops, but every client that
/// arrives during a sleep waits for it: the book measures what that costs.)
pub fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handler: fn(TcpStream, Arc<AtomicBool>),
) -> io::Result<()> {
    // TODO
    todo!("ex10: accept until `stop`, then join the handlers")
}
