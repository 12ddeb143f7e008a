//! The tutorial's web client, translated word for word. Do not copy it.
//!
//! It reads until the server closes the connection, splits at the first blank line,
//! and calls the rest "the HTML". That is only right when the server sends a plain
//! body and closes. With `Transfer-Encoding: chunked` (most dynamic pages, sina's
//! included) the saved "HTML" is sprinkled with chunk sizes; with a server that keeps
//! the connection open it never finishes; and the whole page sits in memory.

use std::io::{self, Read, Write};

// ANCHOR: naive
/// GET `/` the tutorial's way; returns (header text, body bytes).
pub fn naive_get(mut s: impl Read + Write, host: &str) -> io::Result<(String, Vec<u8>)> {
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes())?;
    let mut buffer = Vec::new();
    loop {
        let mut d = [0u8; 1024];
        let n = s.read(&mut d)?; // d = s.recv(1024)
        if n == 0 {
            break; // the server closed: everything has arrived (if it ever closes)
        }
        buffer.extend_from_slice(&d[..n]);
    }
    // header, html = data.split(b'\r\n\r\n', 1)
    let split = buffer.windows(4).position(|w| w == b"\r\n\r\n");
    let split = split.ok_or_else(|| io::Error::other("no blank line after the header"))?;
    let header = String::from_utf8_lossy(&buffer[..split]).into_owned();
    Ok((header, buffer[split + 4..].to_vec()))
}
// ANCHOR_END: naive
