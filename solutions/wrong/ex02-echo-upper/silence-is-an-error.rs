//! Known-wrong solution to ex02-echo-upper (a realistic beginner bug; see exercises/README.md).
//!
//! bug: a peer that closes without sending anything is reported as an error, though it is a normal end
//! catches: an_empty_stream_echoes_nothing

use std::io::{self, Read, Write};

/// Echoes every byte received back upper-cased, until end of stream.
pub fn echo_upper(mut conn: impl Read + Write) -> io::Result<u64> {
    let mut buf = [0u8; 1024];
    let mut echoed = 0;
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) if echoed == 0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer sent nothing",
                ))
            }
            Ok(0) => return Ok(echoed),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        buf[..n].make_ascii_uppercase();
        conn.write_all(&buf[..n])?;
        echoed += n as u64;
    }
}
