//! # Exercise 5: length-prefixed frames
//!
//! Binary protocols frame messages with a length: 4 bytes holding the payload's
//! length as a big-endian `u32`, then the payload. Write both sides:
//!
//! - [`write_frame`]: header and payload, sent completely (`write_all`);
//! - [`read_frame`]: one frame, or `Ok(None)` if the stream ended cleanly *between*
//!   frames. A stream ending inside the header or the payload is
//!   [`FrameError::Truncated`]. A length over `max` is [`FrameError::TooLarge`],
//!   decided from the header alone: refuse it **before** reading or allocating
//!   anything for the payload. A peer must not be able to make you reserve 4 GiB
//!   by sending four bytes `ff ff ff ff`.
//!
//! Read first: `read_frame` and `write_frame` in `shared/src/framing.rs`, and the
//! book's chapter on lesson 3.
//!
//! Grade your work with `cargo test -p ex05-length-prefix`.
#![allow(unused_variables)] // until you write the bodies

use std::io::{self, Read, Write};

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The header announced more than `max` bytes.
    TooLarge {
        /// The announced length.
        len: u32,
        /// The limit.
        max: usize,
    },
    /// The stream ended inside a frame.
    Truncated {
        /// Bytes expected (4 for the header, else the payload length).
        expected: usize,
        /// Bytes that arrived.
        received: usize,
    },
    /// The reader failed.
    Io(io::Error),
}

/// Writes one frame: `payload.len()` as a big-endian u32, then the payload.
///
/// Hints: `u32::try_from(payload.len())` fails for over 4 GiB (return an
/// `io::ErrorKind::InvalidInput` error); `u32::to_be_bytes`.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    // TODO
    todo!("ex05: write a length-prefixed frame")
}

/// Reads one frame of at most `max` bytes; `Ok(None)` at a clean end of stream.
///
/// Hints: read the header in a loop (a read may return 1 byte), counting what
/// arrived; `u32::from_be_bytes`; `Read::take(len)` and `read_to_end` read the
/// payload without a big allocation up front.
pub fn read_frame(input: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    // TODO
    todo!("ex05: read a length-prefixed frame")
}
