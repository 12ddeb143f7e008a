//! # Exercise 6: a thread per connection, with a connection limit
//!
//! Write the accept loop of lesson 3: each client gets a thread of its own running
//! `handler`, but never more than `max` at once. Client number `max + 1` is sent
//! [`BUSY`] followed by `\n`, and its connection is closed at once. When a
//! handler finishes (however it finishes, even by a panic) its place is free again.
//! When `stop` is set, stop accepting, wait for every handler thread to finish
//! (`join`), and return.
//!
//! [`next_client`] is given: it waits for the next connection, or returns `None`
//! once `stop` is set (exercise 10 is about how it does that).
//!
//! Read first: the book's chapter on lesson 3 ("A bounded number of threads"), and
//! `serve_with` in `lessons/lesson03-threaded-server/src/lib.rs`.
//!
//! Grade your work with `cargo test -p ex06-bounded-server`.
#![allow(unused_variables)] // until you write the body

use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a client over the limit is told (then a newline), before being disconnected.
pub const BUSY: &str = "error: server busy, try again later";

/// Serves clients on `listener` until `stop` is set, at most `max` at a time.
///
/// Hints: an `Arc<AtomicUsize>` counts running handlers; a small struct whose `Drop`
/// decrements it, moved into each thread, frees the place even if the handler
/// panics. Keep the `JoinHandle`s in a `Vec` and join them all before returning.
pub fn serve(
    listener: &TcpListener,
    max: usize,
    stop: &AtomicBool,
    handler: fn(TcpStream),
) -> io::Result<()> {
    // TODO: while let Some(stream) = next_client(listener, stop)? { ... }
    todo!("ex06: accept clients, a thread each, at most {max} at once")
}

/// The next client, or `None` once `stop` is set. (Given: you need not change it.)
pub fn next_client(listener: &TcpListener, stop: &AtomicBool) -> io::Result<Option<TcpStream>> {
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(Some(stream));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
