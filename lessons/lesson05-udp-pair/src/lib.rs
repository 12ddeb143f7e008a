//! Lesson 5: UDP, datagrams instead of a stream.
//!
//! UDP has no connection: no `listen`, no `accept`. A server binds a port and
//! reads *datagrams*; each one arrives whole or not at all, carries its sender's
//! address, and is answered with `send_to` that address. Compared with TCP:
//!
//! - **boundaries are kept**: one `send_to` is one `recv_from`, never merged or split;
//! - **delivery is not guaranteed**: a datagram (or its reply) may be lost, duplicated
//!   or reordered, and nobody tells you. A client must time out and retry;
//! - **size is limited**: at most 65,507 bytes of payload over IPv4, and a datagram
//!   larger than the receive buffer is cut short (on Linux and macOS silently).
//!
//! TCP port 9999 and UDP port 9999 are different ports: this server and lesson 3's
//! can both use 9999 at once.

use shared::error::is_timeout;
use shared::server::{log, Shutdown, POLL_INTERVAL};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The largest UDP payload: 65,535 (IP's length field) minus the IP and UDP headers.
pub const MAX_DATAGRAM: usize = 65_507;

/// The tutorials' receive buffer: `recvfrom(1024)`.
pub const TUTORIAL_BUFFER: usize = 1024;

/// The reply to a datagram: the tutorials' greeting.
pub fn reply_to(data: &[u8]) -> Vec<u8> {
    format!("Hello, {}!", String::from_utf8_lossy(data)).into_bytes()
}

// ANCHOR: serve
/// Answers every datagram with `Hello, DATA!`, until shutdown.
///
/// `buffer` is the size of the receive buffer: a datagram larger than it is
/// truncated by the system, and only the first `buffer` bytes are seen (try
/// `--recv-buffer 1024` with a 2000-byte message). One thread serves every client:
/// there is no connection to wait on, each datagram is handled on its own.
pub fn serve(socket: &UdpSocket, buffer: usize, shutdown: &Shutdown) -> io::Result<()> {
    // Wake up regularly to notice Ctrl-C: `recv_from` has no other way out.
    socket.set_read_timeout(Some(POLL_INTERVAL))?;
    let mut buf = vec![0u8; buffer];
    while !shutdown.is_triggered() {
        let (n, peer) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                // e.g. Windows reports a datagram larger than the buffer as an error,
                // and a previous reply's "port unreachable" may surface here.
                log(format_args!("receive failed: {err}"));
                continue;
            }
        };
        log(format_args!("Received from {peer}"));
        if let Err(err) = socket.send_to(&reply_to(&buf[..n]), peer) {
            log(format_args!("cannot reply to {peer}: {err}"));
        }
    }
    Ok(())
}
// ANCHOR_END: serve

/// How a client's message fared.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server's reply, after this many sends (1 = no retry needed).
    Replied {
        /// The reply's text.
        reply: String,
        /// How many times the message was sent.
        attempts: u32,
    },
    /// No reply after every attempt.
    NoReply {
        /// How many times the message was sent.
        attempts: u32,
        /// The last error seen, if any (e.g. "connection refused": nothing listens).
        last_error: Option<String>,
    },
}

// ANCHOR: request
/// Sends `message` and waits for its reply, resending up to `retries` times.
///
/// The socket must be `connect`ed to the server: then the system drops datagrams
/// from anyone else, and reports the server's "port unreachable" as an error.
/// A reply that is not the one we expect (a late answer to an earlier message,
/// delayed on the way) is skipped, not mistaken for this message's reply.
pub fn request(
    socket: &UdpSocket,
    message: &[u8],
    timeout: Duration,
    retries: u32,
) -> io::Result<Outcome> {
    let expected = reply_to(message);
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let mut last_error = None;
    for attempt in 1..=retries + 1 {
        socket.send(message)?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left))?;
            match socket.recv(&mut buf) {
                Ok(n) if buf[..n] == expected[..] => {
                    let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
                    return Ok(Outcome::Replied {
                        reply,
                        attempts: attempt,
                    });
                }
                Ok(_) => continue, // a stale or foreign reply: keep waiting
                Err(err) if is_timeout(&err) => break,
                // "Port unreachable" from the server's host: nothing listens there (yet).
                Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                    last_error = Some(err.to_string());
                    // Wait out the rest of the timeout, then retry: the server may be starting.
                    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                    break;
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(Outcome::NoReply {
        attempts: retries + 1,
        last_error,
    })
}
// ANCHOR_END: request

/// Receives one datagram the tutorials' way, with `recvfrom(1024)`.
///
/// A longer datagram is cut to 1024 bytes and the rest is lost: the next call
/// returns the *next* datagram, not the remainder. (Windows reports an error instead.)
pub fn recvfrom_like_the_tutorial(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; TUTORIAL_BUFFER];
    let (n, peer) = socket.recv_from(&mut buf)?;
    Ok((buf[..n].to_vec(), peer))
}
