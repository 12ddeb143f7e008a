//! Known-wrong solution to ex02-echo-upper (a realistic beginner bug; see exercises/README.md).
//!
//! bug: `write` instead of `write_all`: a write that takes only part of the data loses the rest
//! catches: short_writes_are_completed, echoes_in_upper_case_until_the_end

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
        buf[..n].make_ascii_uppercase();
        conn.write(&buf[..n])?;
        echoed += n as u64;
    }
}
