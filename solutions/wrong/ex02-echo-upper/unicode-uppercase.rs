//! Known-wrong solution to ex02-echo-upper (a realistic beginner bug; see exercises/README.md).
//!
//! bug: the bytes are upper-cased as Unicode text (`to_uppercase`), which changes non-ASCII letters and their length
//! catches: non_ascii_bytes_pass_through_unchanged

use std::io::{self, Read, Write};

/// Echoes every byte received back upper-cased, until end of stream.
pub fn echo_upper(mut conn: impl Read + Write) -> io::Result<u64> {
    let mut buf = [0u8; 1024];
    let mut echoed = 0;
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => return Ok(echoed),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let upper = String::from_utf8_lossy(&buf[..n]).to_uppercase();
        conn.write_all(upper.as_bytes())?;
        echoed += n as u64;
    }
}
