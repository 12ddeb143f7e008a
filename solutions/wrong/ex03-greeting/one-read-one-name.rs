//! Known-wrong solution to ex03-greeting (a realistic beginner bug; see exercises/README.md).
//!
//! bug: each read is taken as one name: a name split over two reads gets two answers, two names in one read get one
//! catches: two_names_in_one_read_get_two_answers, a_name_split_across_reads_is_one_name, one_byte_at_a_time_still_works, names_through_a_network_that_delivers_one_byte_at_a_time_then_half_closes

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
        let line = buf[..n].strip_suffix(b"\n").unwrap_or(&buf[..n]);
        if !answer(&mut conn, line)? {
            return Ok(());
        }
    }
}

/// Answers one line; returns false if it was `exit`.
fn answer(conn: &mut impl Write, line: &[u8]) -> io::Result<bool> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let name = String::from_utf8_lossy(line);
    if name == "exit" || name == "disconnect" {
        return Ok(false);
    }
    conn.write_all(format!("Hello, {name}!\n").as_bytes())?;
    Ok(true)
}
