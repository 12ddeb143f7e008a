//! # Exercise 2: the upper-casing echo of lesson 2
//!
//! Write the handler of lesson 2's blocking server: read whatever arrives, send it
//! back with ASCII letters upper-cased, until the peer closes its side (a read of
//! 0 bytes). It takes any `Read + Write`, so the grader can test it both on an
//! in-memory stream cut into odd pieces and on a real TCP connection.
//!
//! Read first: the book's chapter on lesson 2, and `echo_upper` in
//! `lessons/lesson02-blocking-server/src/lib.rs`.
//!
//! Grade your work with `cargo test -p ex02-echo-upper`.
#![allow(unused_variables, unused_mut)] // until you write the body

use std::io::{self, Read, Write};

/// Echoes every byte received back upper-cased (ASCII only, like Python's
/// `bytes.upper()`), until end of stream. Returns how many bytes were echoed.
///
/// Hints: a `[u8; 1024]` buffer and a loop; `read` returning `Ok(0)` means the end;
/// `<[u8]>::make_ascii_uppercase`; and `write_all`, never a bare `write` (why?).
pub fn echo_upper(mut conn: impl Read + Write) -> io::Result<u64> {
    // TODO: loop { read; stop at 0; upper-case; write_all }
    todo!("ex02: echo every chunk back upper-cased until the peer closes")
}
