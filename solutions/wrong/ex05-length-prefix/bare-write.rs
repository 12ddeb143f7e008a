//! Known-wrong solution to ex05-length-prefix (a realistic beginner bug; see exercises/README.md).
//!
//! bug: `write` instead of `write_all`: a short write loses the end of the frame
//! catches: write_frame_sends_everything_even_through_short_writes

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
        /// Bytes expected.
        expected: usize,
        /// Bytes that arrived.
        received: usize,
    },
    /// The reader failed.
    Io(io::Error),
}

/// Writes one frame.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    out.write(&frame)?;
    Ok(())
}

/// Reads one frame of at most `max` bytes; `Ok(None)` at a clean end of stream.
pub fn read_frame(input: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut header[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(FrameError::Truncated {
            expected: 4,
            received: got,
        });
    }
    let len = u32::from_be_bytes(header);
    if len as usize > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let mut payload = Vec::new();
    input
        .take(u64::from(len))
        .read_to_end(&mut payload)
        .map_err(FrameError::Io)?;
    if payload.len() < len as usize {
        return Err(FrameError::Truncated {
            expected: len as usize,
            received: payload.len(),
        });
    }
    Ok(Some(payload))
}
