//! Known-wrong solution to ex04-line-framing (a realistic beginner bug; see exercises/README.md).
//!
//! bug: the `\r` of a `\r\n` line end is kept in the line
//! catches: crlf_is_stripped_and_empty_lines_are_lines, works_on_a_real_tcp_stream

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
    pending: Vec<u8>,
    eof: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `limit` bytes.
    pub fn new(inner: R, limit: usize) -> Self {
        LineReader {
            inner,
            limit,
            pending: Vec::new(),
            eof: false,
        }
    }

    /// The next line without its terminator, `Ok(None)` at end of stream.
    pub fn read_line(&mut self) -> Result<Option<Vec<u8>>, LineError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                return self.finish(line).map(Some);
            }
            if self.pending.len() > self.limit + 1 {
                return Err(LineError::TooLong { limit: self.limit });
            }
            if self.eof {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                let line = std::mem::take(&mut self.pending);
                return self.finish(line).map(Some);
            }
            let room = self.limit + 2 - self.pending.len();
            let mut chunk = vec![0u8; room.min(4096)];
            match self.inner.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(LineError::Io(e)),
            }
        }
    }

    fn finish(&self, mut line: Vec<u8>) -> Result<Vec<u8>, LineError> {
        if line.len() > self.limit {
            return Err(LineError::TooLong { limit: self.limit });
        }
        Ok(line)
    }
}
