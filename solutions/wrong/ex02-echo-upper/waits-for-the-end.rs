//! Known-wrong solution to ex02-echo-upper (a realistic beginner bug; see exercises/README.md).
//!
//! bug: everything is read to the end of the stream before anything is echoed, so a client waiting for its echo waits forever
//! catches: works_over_a_real_tcp_connection, a_slow_network_gets_each_echo_before_it_closes

use std::io::{self, Read, Write};

/// Echoes every byte received back upper-cased, until end of stream.
pub fn echo_upper(mut conn: impl Read + Write) -> io::Result<u64> {
    let mut all = Vec::new();
    conn.read_to_end(&mut all)?;
    all.make_ascii_uppercase();
    conn.write_all(&all)?;
    if !all.is_empty() {
        return Ok(all.len() as u64);
    }
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
        echoed += n as u64;
    }
}
