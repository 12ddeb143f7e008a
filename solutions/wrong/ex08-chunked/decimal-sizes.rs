//! Known-wrong solution to ex08-chunked (a realistic beginner bug; see exercises/README.md).
//!
//! bug: chunk sizes are read as decimal numbers; they are hexadecimal
//! catches: sizes_are_hexadecimal

use std::io::{self, BufRead, Read, Write};

/// Why a chunked body could not be decoded.
#[derive(Debug)]
pub enum ChunkError {
    /// A size line that is not hexadecimal.
    BadSize(String),
    /// The stream ended early.
    Truncated,
    /// Reading or writing failed.
    Io(io::Error),
}

impl From<io::Error> for ChunkError {
    fn from(e: io::Error) -> Self {
        ChunkError::Io(e)
    }
}

/// Decodes a chunked body from `input` into `out`; returns the body's length.
pub fn decode_chunked(input: &mut impl BufRead, out: &mut impl Write) -> Result<u64, ChunkError> {
    let mut total = 0;
    loop {
        let line = read_line(input)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = size_text
            .parse::<u64>()
            .map_err(|_| ChunkError::BadSize(line.clone()))?;
        if size == 0 {
            while !read_line(input)?.is_empty() {}
            return Ok(total);
        }
        let copied = io::copy(&mut input.take(size), out)?;
        total += copied;
        if copied < size || !read_line(input)?.is_empty() {
            return Err(ChunkError::Truncated);
        }
    }
}

fn read_line(input: &mut impl BufRead) -> Result<String, ChunkError> {
    let mut line = Vec::new();
    input.take(4096).read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        return Err(ChunkError::Truncated);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}
