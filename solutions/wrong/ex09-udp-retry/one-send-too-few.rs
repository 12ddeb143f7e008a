//! Known-wrong solution to ex09-udp-retry (a realistic beginner bug; see exercises/README.md).
//!
//! bug: `0..retries` instead of `0..=retries`: retries = 2 makes only 2 sends in all
//! catches: two_losses_need_two_retries, a_silent_server_gets_retries_plus_one_sends_then_none

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
    for _ in 0..retries {
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
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
