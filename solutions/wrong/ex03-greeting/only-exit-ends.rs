//! Known-wrong solution to ex03-greeting (a realistic beginner bug; see exercises/README.md).
//!
//! bug: only `exit` ends the session; `disconnect` is greeted as a name
//! catches: disconnect_and_crlf_are_understood

use std::io::{self, Read, Write};

/// Serves one connection with the greeting protocol until `exit` or end of stream.
pub fn greet(mut conn: impl Read + Write) -> io::Result<()> {
    conn.write_all(b"Welcome!\n")?;
    let mut pending = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            if !pending.is_empty() {
                answer(&mut conn, &pending)?;
            }
            return Ok(());
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if !answer(&mut conn, &line[..end])? {
                return Ok(());
            }
        }
    }
}

/// Answers one line; returns false if it was `exit`.
fn answer(conn: &mut impl Write, line: &[u8]) -> io::Result<bool> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let name = String::from_utf8_lossy(line);
    if name == "exit" {
        return Ok(false);
    }
    conn.write_all(format!("Hello, {name}!\n").as_bytes())?;
    Ok(true)
}
