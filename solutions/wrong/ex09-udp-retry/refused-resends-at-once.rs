//! Known-wrong solution to ex09-udp-retry (a realistic beginner bug; see exercises/README.md).
//!
//! bug: after a "port unreachable" it sends again at once, hammering a server that is not there yet
//! catches: nothing_listening_is_no_reply_not_an_error

use std::io;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// Sends `message` and returns the first reply, trying `retries + 1` times in all.
pub fn request(
    socket: &UdpSocket,
    message: &[u8],
    timeout: Duration,
    retries: u32,
) -> io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; 65_536];
    socket.set_read_timeout(Some(timeout))?;
    for _ in 0..=retries {
        let deadline = Instant::now() + timeout;
        socket.send(message)?;
        match socket.recv(&mut buf) {
            Ok(n) => return Ok(Some(buf[..n].to_vec())),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            // "Port unreachable": count it as a lost reply, after the full timeout.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                let _ = deadline;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
