//! # Exercise 4: line framing with a length limit
//!
//! Write a reader that turns any byte stream into `\n`-terminated lines, the framing
//! of most text protocols (SMTP, HTTP headers, lesson 3). Three properties matter:
//!
//! 1. **boundaries**: bytes after a `\n` belong to the next line; keep them. It must
//!    not matter how the stream was cut into reads.
//! 2. **terminators**: strip the `\n` and a `\r` before it; a last line without
//!    `\n` at end of stream is still a line; `Ok(None)` means end of stream.
//! 3. **a limit, enforced before buffering**: a line longer than `limit` bytes
//!    (terminator not counted) is refused with [`LineError::TooLong`]. The reader
//!    must never hold more than `limit + 2` bytes (a full line and `\r\n`), so never
//!    ask the inner reader for more than fits: a client sending an endless line
//!    must not make you use endless memory.
//!
//! Read first: the book's chapter on lesson 3, and `LineReader` in
//! `shared/src/framing.rs` (try it yourself before reading it!).
//!
//! Grade your work with `cargo test -p ex04-line-framing`.
#![allow(unused_variables, dead_code)] // until you write the bodies

use std::io::{self, Read};

/// Why a line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// The line is longer than the limit.
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The inner reader failed.
    Io(io::Error),
}

/// Reads `\n`-terminated lines from `inner`, refusing lines over `limit` bytes.
pub struct LineReader<R> {
    inner: R,
    limit: usize,
    // TODO: add what you need to remember between calls (bytes received but not
    // yet returned; whether the stream has ended).
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `limit` bytes.
    pub fn new(inner: R, limit: usize) -> Self {
        // TODO: initialise your fields too.
        LineReader { inner, limit }
    }

    /// The next line without its terminator, `Ok(None)` at end of stream.
    ///
    /// Hints: loop { if the buffer holds a `\n`, cut the line out (`Vec::drain`)
    /// and return it; if it is already too long, fail; if the stream ended, return
    /// what is left (or `None`); else read at most `limit + 2 - buffered` more bytes }.
    pub fn read_line(&mut self) -> Result<Option<Vec<u8>>, LineError> {
        // TODO
        todo!("ex04: return the next line (see the doc comments)")
    }
}
