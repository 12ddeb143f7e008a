//! # Exercise 8: decode a chunked HTTP body
//!
//! A server that does not know a page's length in advance sends it in chunks:
//!
//! ```text
//! 5;name=value\r\n      size in hexadecimal, optional ";extensions" (ignore them)
//! hello\r\n             that many bytes, then CRLF
//! 7\r\n
//! , world\r\n
//! 0\r\n                 size 0: the last chunk
//! Expires: never\r\n    optional "trailer" headers (read and drop them)
//! \r\n                  an empty line ends the body
//! ```
//!
//! Copy the decoded bytes to `out` as they come (never the whole body in memory),
//! and stop right after the final empty line: the server may keep the connection
//! open, so do not wait for the end of the stream, and do not read past the body.
//! A stream that ends before the final empty line is [`ChunkError::Truncated`]; a
//! size that is not hexadecimal is [`ChunkError::BadSize`].
//!
//! Read first: the book's chapter on lesson 4 ("Where the body ends"), and
//! `lessons/lesson04-http-get-client/src/body.rs`.
//!
//! Grade your work with `cargo test -p ex08-chunked`.
#![allow(unused_variables)] // until you write the body

use std::io::{self, BufRead, Write};

/// Why a chunked body could not be decoded.
#[derive(Debug)]
pub enum ChunkError {
    /// A size line that is not hexadecimal (holds the line, without CRLF).
    BadSize(String),
    /// The stream ended before the last chunk's empty line.
    Truncated,
    /// Reading or writing failed.
    Io(io::Error),
}

/// Decodes a chunked body from `input` into `out`; returns the body's length.
///
/// Hints: `BufRead::read_until(b'\n', ...)` reads one line; `u64::from_str_radix(s, 16)`;
/// `io::copy(&mut input.take(size), out)` copies one chunk's data.
pub fn decode_chunked(input: &mut impl BufRead, out: &mut impl Write) -> Result<u64, ChunkError> {
    // TODO
    todo!("ex08: decode a chunked body")
}
