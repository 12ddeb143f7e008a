//! The tutorial's `tcplink`, translated word for word, bug included. Do not copy it.
//!
//! It treats each `recv(1024)` as one message. On a quiet network with a patient
//! client that usually works, which is why the bug survives in so many tutorials.
//! But TCP is a byte stream: two messages sent quickly may arrive in one read, and
//! one message may arrive in two. Then this server answers `Hello, Michael\nTracy\n!`
//! to two names, or greets half a name. The tests show it; [`crate::messages`] fixes it.

use std::io::{self, Read, Write};

// ANCHOR: naive
/// One connection, served the tutorial's way: every `read` is taken as one message.
pub fn tcplink_naive(mut sock: impl Read + Write) -> io::Result<()> {
    sock.write_all(b"Welcome!")?;
    let mut buf = [0u8; 1024];
    loop {
        let n = sock.read(&mut buf)?; // data = sock.recv(1024)
        let data = String::from_utf8_lossy(&buf[..n]);
        if n == 0 || data == "exit" {
            return Ok(());
        }
        sock.write_all(format!("Hello, {data}!").as_bytes())?;
    }
}
// ANCHOR_END: naive
