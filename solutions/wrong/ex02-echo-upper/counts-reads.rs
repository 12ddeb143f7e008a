//! Known-wrong solution to ex02-echo-upper (a realistic beginner bug; see exercises/README.md).
//!
//! bug: the return value counts reads, not bytes
//! catches: echoes_in_upper_case_until_the_end, works_over_a_real_tcp_connection

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
        conn.write_all(&buf[..n])?;
        echoed += 1;
    }
}
