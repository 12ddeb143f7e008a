//! # Exercise 9: a UDP request with a timeout and retries
//!
//! UDP does not tell you when a datagram is lost. A client that waits for a reply
//! with no time limit hangs forever after one loss. Write the client side properly:
//! send the message, wait at most `timeout` for a reply, and if none came, send it
//! again, up to `retries` more times. Return `Ok(Some(reply))` as soon as one
//! arrives, `Ok(None)` if every attempt went unanswered.
//!
//! The socket is already `connect`ed to the server, so `send` and `recv` need no
//! address. On Linux a connected UDP socket reports the server's "port unreachable"
//! as a `ConnectionRefused` error on `recv`: treat it like a lost reply (the server
//! may be starting), and wait out the rest of the timeout before sending again.
//!
//! Read first: the book's chapter on lesson 5, and `request` in
//! `lessons/lesson05-udp-pair/src/lib.rs`.
//!
//! Grade your work with `cargo test -p ex09-udp-retry`.
#![allow(unused_variables)] // until you write the body

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

/// Sends `message` and returns the first reply, trying `retries + 1` times in all.
///
/// Hints: `socket.set_read_timeout(Some(timeout))`; an expired timeout is an error
/// of kind `WouldBlock` (Unix) or `TimedOut` (Windows); a buffer of 65,536 bytes
/// holds any datagram.
pub fn request(
    socket: &UdpSocket,
    message: &[u8],
    timeout: Duration,
    retries: u32,
) -> io::Result<Option<Vec<u8>>> {
    // TODO
    todo!("ex09: send, wait at most {timeout:?}, resend up to {retries} times")
}
