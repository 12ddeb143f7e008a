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

// ANCHOR: limits
/// The largest UDP payload over IPv4: 65,535 (IPv4's total-length field) minus
/// 20 bytes of IPv4 header and 8 of UDP header.
pub const MAX_DATAGRAM: usize = 65_507;

/// The largest UDP payload over IPv6: 65,535 (IPv6's payload-length field, which
/// does not count the IPv6 header itself) minus 8 bytes of UDP header.
pub const MAX_DATAGRAM_V6: usize = 65_527;

/// A receive buffer that holds any datagram, IPv4 or IPv6, whole.
pub const RECV_BUFFER: usize = 65_536;

/// What the greeting adds to a message: `Hello, ` and `!`.
pub const GREETING_OVERHEAD: usize = "Hello, !".len();

/// The largest datagram that can be sent to (or from) `peer`.
pub fn max_payload(peer: &SocketAddr) -> usize {
    match peer {
        // An IPv4 address written as IPv6 (::ffff:a.b.c.d) still travels as IPv4.
        SocketAddr::V6(v6) if v6.ip().to_ipv4_mapped().is_none() => MAX_DATAGRAM_V6,
        _ => MAX_DATAGRAM,
    }
}
// ANCHOR_END: limits

/// The tutorials' receive buffer: `recvfrom(1024)`.
pub const TUTORIAL_BUFFER: usize = 1024;

/// The reply to a datagram: the tutorials' greeting.
///
/// A datagram needs no line ending, but `nc -u` sends each line you type with its
/// `\n` (and Windows tools with `\r\n`): that ending is not part of the name, so it
/// is dropped, as lesson 3 drops it, rather than answered as `Hello, NAME\n!`.
pub fn reply_to(data: &[u8]) -> Vec<u8> {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    let data = data.strip_suffix(b"\r").unwrap_or(data);
    format!("Hello, {}!", String::from_utf8_lossy(data)).into_bytes()
}

/// A reply that cannot travel: larger than one datagram may be.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLong {
    /// The message's size in bytes.
    pub message: usize,
    /// The reply's size in bytes.
    pub reply: usize,
    /// The largest datagram to this peer.
    pub limit: usize,
    /// Was the message invalid UTF-8 (each bad byte becomes U+FFFD, three bytes)?
    pub invalid_utf8: bool,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let family = if self.limit == MAX_DATAGRAM {
            "IPv4"
        } else {
            "IPv6"
        };
        write!(
            f,
            "the reply to a {}-byte message would be {} bytes, more than one UDP datagram \
             over {family} can carry ({} bytes)",
            self.message, self.reply, self.limit
        )?;
        if self.invalid_utf8 {
            write!(
                f,
                "; the message is not valid UTF-8, and each invalid byte comes back as \
                 U+FFFD, 3 bytes"
            )
        } else {
            write!(f, "; send at most {} bytes", self.limit - GREETING_OVERHEAD)
        }
    }
}

// ANCHOR: answer
/// The reply to `data`, if it fits in one datagram of at most `limit` bytes.
///
/// A reply is larger than its message (the greeting, and invalid UTF-8 that grows
/// threefold), so a message that arrived may have no reply that can go back. The
/// system would refuse to send it ("Message too long"); better to say which limit.
pub fn answer(data: &[u8], limit: usize) -> Result<Vec<u8>, TooLong> {
    let reply = reply_to(data);
    if reply.len() <= limit {
        return Ok(reply);
    }
    Err(TooLong {
        message: data.len(),
        reply: reply.len(),
        limit,
        invalid_utf8: std::str::from_utf8(data).is_err(),
    })
}

/// What a server sends back for `data` from `peer`: the greeting, or an `error:`
/// datagram naming the limit (logged too, since the sender may not be listening).
pub fn respond(data: &[u8], peer: &SocketAddr) -> Vec<u8> {
    answer(data, max_payload(peer)).unwrap_or_else(|too_long| {
        log(format_args!("cannot reply to {peer}: {too_long}"));
        format!("error: {too_long}").into_bytes()
    })
}
// ANCHOR_END: answer

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
        if let Err(err) = socket.send_to(&respond(&buf[..n], &peer), peer) {
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
    /// The server answered with an error (e.g. a limit hit) instead of a greeting.
    Refused {
        /// The server's words, without `error: `.
        error: String,
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
    // Any datagram fits: a buffer one byte short would cut the reply (silently, on
    // Linux and macOS), and the cut reply would be taken for somebody else's.
    let mut buf = vec![0u8; RECV_BUFFER];
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
                Ok(n) if buf[..n].starts_with(b"error: ") => {
                    let error = String::from_utf8_lossy(&buf["error: ".len()..n]).into_owned();
                    return Ok(Outcome::Refused { error });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_depends_on_the_family_the_datagram_travels_over() {
        let v4: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:9".parse().unwrap();
        assert_eq!(max_payload(&v4), 65_507);
        assert_eq!(max_payload(&v6), 65_527);
        assert_eq!(max_payload(&mapped), 65_507);
    }

    #[test]
    fn a_reply_that_cannot_fit_says_which_limit() {
        assert_eq!(answer(&[b'a'; 65_499], MAX_DATAGRAM).unwrap().len(), 65_507);
        let err = answer(&[b'a'; 65_500], MAX_DATAGRAM).unwrap_err();
        assert_eq!(
            (err.reply, err.limit, err.invalid_utf8),
            (65_508, 65_507, false)
        );
        assert!(
            err.to_string().contains("send at most 65499 bytes"),
            "{err}"
        );
        let err = answer(&[0xff; 22_000], MAX_DATAGRAM).unwrap_err();
        assert!(
            err.invalid_utf8 && err.to_string().contains("U+FFFD"),
            "{err}"
        );
        assert!(answer(&[b'a'; 65_510], MAX_DATAGRAM_V6).is_ok());
    }

    #[test]
    fn a_line_ending_is_not_part_of_the_name() {
        assert_eq!(reply_to(b"Ann\n"), b"Hello, Ann!");
        assert_eq!(reply_to(b"Ann\r\n"), b"Hello, Ann!");
        assert_eq!(reply_to(b"Ann"), b"Hello, Ann!");
    }
}
