//! Framing: where one message ends and the next begins.
//!
//! TCP delivers a *stream of bytes*, not messages. The sender's two `send` calls
//! may arrive in one `recv`, and one `send` may arrive split over many `recv`s: it
//! depends on timing, buffer sizes and the network, never on the program. So the
//! classic tutorials' `data = sock.recv(1024)` is not "one message": it is
//! "whatever bytes happened to have arrived, up to 1024". Correct programs agree on
//! a *framing* rule and buffer bytes until a whole frame is there. This module has
//! the two common ones:
//!
//! - **lines**: a message ends with `\n` (text protocols: SMTP, HTTP headers, ours);
//! - **length prefix**: a 4-byte big-endian length, then that many bytes (binary protocols).
//!
//! Both refuse frames over a limit *before* buffering them, so a peer cannot make us
//! allocate memory by sending an endless line or announcing a 4 GiB frame.
//!
//! On the sending side, always write a whole frame with `write_all` (Python's
//! `sendall`): a single `write` (Python's `send`) may accept only part of the bytes
//! and return how many it took.

use std::fmt;
use std::io::{self, Read, Write};

/// How much a [`LineReader`] asks the OS for in one `read`.
const READ_CHUNK: usize = 4096;

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer sent a line or frame longer than we accept.
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The stream ended in the middle of a length-prefixed frame.
    Truncated {
        /// Bytes the frame (or its header) should have had.
        expected: usize,
        /// Bytes that arrived before the end of the stream.
        received: usize,
    },
    /// The underlying read failed (including read timeouts).
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLong { limit } => write!(f, "message too long (limit {limit} bytes)"),
            FrameError::Truncated { expected, received } => write!(
                f,
                "connection closed in the middle of a message ({received} of {expected} bytes)"
            ),
            FrameError::Io(err) => write!(f, "read failed: {err}"),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(err: io::Error) -> Self {
        FrameError::Io(err)
    }
}

// ANCHOR: line_reader
/// Reads `\n`-terminated lines from any byte stream, with a length limit.
///
/// Bytes that arrive after a line's `\n` are kept for the next call, so it does not
/// matter how the sender's lines were cut into reads. The buffer never holds more
/// than `limit + 2` bytes (a full line plus `\r\n`): a longer line is refused with
/// [`FrameError::TooLong`] before it is stored.
pub struct LineReader<R> {
    /// Where the bytes come from: a `TcpStream`, a file, a test's byte slice.
    inner: R,
    /// Bytes received but not yet returned as a line.
    pending: Vec<u8>,
    /// The longest line accepted, terminator not counted.
    limit: usize,
    /// The peer has closed its side: no more bytes will come.
    eof: bool,
}

impl<R: Read> LineReader<R> {
    /// Wraps `inner`; lines longer than `limit` bytes are refused.
    pub fn new(inner: R, limit: usize) -> Self {
        LineReader {
            inner,
            pending: Vec::new(),
            limit,
            eof: false,
        }
    }

    /// Returns the next line without its `\n` or `\r\n`, or `None` at end of stream.
    ///
    /// A last line without a newline still counts as a line (as with `BufRead::lines`).
    /// If the read fails, for instance because a read timeout expired, the bytes
    /// already received stay buffered and a later call carries on. After
    /// [`FrameError::TooLong`] the stream is out of step: close the connection.
    pub fn read_line(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop(); // the '\n'
                return self.finish(line).map(Some);
            }
            if self.pending.len() > self.limit + 1 {
                // Even with a '\r' removed it would be over the limit.
                return Err(FrameError::TooLong { limit: self.limit });
            }
            if self.eof {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                let line = std::mem::take(&mut self.pending);
                return self.finish(line).map(Some);
            }
            self.fill()?;
        }
    }

    /// Strips a trailing `\r` and applies the limit.
    fn finish(&self, mut line: Vec<u8>) -> Result<Vec<u8>, FrameError> {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.limit {
            return Err(FrameError::TooLong { limit: self.limit });
        }
        Ok(line)
    }

    /// One `read` from the stream, never more than fits under the limit.
    fn fill(&mut self) -> io::Result<()> {
        let room = (self.limit + 2 - self.pending.len()).min(READ_CHUNK);
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match self.inner.read(&mut chunk[..room]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
            return Ok(());
        }
    }
}
// ANCHOR_END: line_reader

impl<R> LineReader<R> {
    /// Bytes received that do not (yet) end with a newline.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Removes and returns the bytes of [`LineReader::pending`].
    pub fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    /// Has the peer closed its side of the stream?
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// The wrapped stream, e.g. to write a reply on the same `TcpStream`.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

/// Writes `line` and a `\n` in one `write_all`.
///
/// One buffer, one write: two small writes (text, then `\n`) can make TCP send two
/// packets and, with Nagle's algorithm and delayed ACKs, stall the second by ~40 ms.
pub fn write_line(out: &mut impl Write, line: &str) -> io::Result<()> {
    let mut frame = Vec::with_capacity(line.len() + 1);
    frame.extend_from_slice(line.as_bytes());
    frame.push(b'\n');
    out.write_all(&frame)
}

// ANCHOR: length_prefixed
/// Writes one length-prefixed frame: a `u32` big-endian length, then the payload.
///
/// Header and payload go out in a single `write_all`, for the same reason as
/// [`write_line`]. `write_all` loops until every byte is taken: a plain `write` may
/// take fewer bytes than given (Python's `send` versus `sendall`).
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame larger than 4 GiB"))?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    out.write_all(&frame)
}

/// Reads one length-prefixed frame of at most `max` bytes; `None` at a clean end of stream.
///
/// "Clean" means the stream ended *between* frames. Ending inside the header or
/// the payload is [`FrameError::Truncated`]. The length is checked against `max`
/// before anything is allocated, and the payload buffer grows only as bytes actually
/// arrive, so a lying header costs nothing.
pub fn read_frame(input: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 4];
    let got = read_full(input, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < header.len() {
        return Err(FrameError::Truncated {
            expected: 4,
            received: got,
        });
    }
    let len = u32::from_be_bytes(header) as usize;
    if len > max {
        return Err(FrameError::TooLong { limit: max });
    }
    let mut payload = Vec::new();
    input.take(len as u64).read_to_end(&mut payload)?;
    if payload.len() < len {
        return Err(FrameError::Truncated {
            expected: len,
            received: payload.len(),
        });
    }
    Ok(Some(payload))
}
// ANCHOR_END: length_prefixed

/// Like `read_exact`, but reports how many bytes arrived before end of stream.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader that hands out its bytes in reads of the given sizes, like a network.
    struct Trickle<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        next: usize,
        /// Largest buffer any `read` was offered: proves the reader never asks for more.
        max_asked: usize,
    }

    impl<'a> Trickle<'a> {
        fn new(data: &'a [u8], sizes: Vec<usize>) -> Self {
            Trickle {
                data,
                sizes,
                next: 0,
                max_asked: 0,
            }
        }
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.max_asked = self.max_asked.max(buf.len());
            let size = self.sizes[self.next % self.sizes.len()];
            self.next += 1;
            let n = size.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn all_lines(reader: &mut LineReader<impl Read>) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        while let Some(line) = reader.read_line().unwrap() {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn lines_split_and_joined_across_reads() {
        let data = b"Michael\nTra";
        let mut reader = LineReader::new(Trickle::new(data, vec![3]), 100);
        assert_eq!(reader.read_line().unwrap().unwrap(), b"Michael");
        // "Tra" has no newline but the stream ended: it is the last line.
        assert_eq!(reader.read_line().unwrap().unwrap(), b"Tra");
        assert!(reader.read_line().unwrap().is_none());
    }

    #[test]
    fn crlf_and_lf_both_end_a_line() {
        let mut reader = LineReader::new(&b"a\r\nb\n\r\n"[..], 10);
        assert_eq!(
            all_lines(&mut reader),
            vec![b"a".to_vec(), b"b".to_vec(), vec![]]
        );
    }

    #[test]
    fn a_line_exactly_at_the_limit_is_accepted() {
        let mut reader = LineReader::new(&b"12345\r\n"[..], 5);
        assert_eq!(reader.read_line().unwrap().unwrap(), b"12345");
    }

    #[test]
    fn a_long_line_is_refused_without_buffering_it() {
        let endless = vec![b'x'; 1_000_000];
        let mut trickle = Trickle::new(&endless, vec![usize::MAX]);
        let mut reader = LineReader::new(&mut trickle, 4096);
        let err = reader.read_line().unwrap_err();
        assert!(
            matches!(err, FrameError::TooLong { limit: 4096 }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "message too long (limit 4096 bytes)");
        assert!(reader.pending().len() <= 4096 + 2);
        assert!(
            trickle.max_asked <= 4096,
            "asked for {} bytes",
            trickle.max_asked
        );
    }

    #[test]
    fn a_line_over_the_limit_with_its_newline_in_the_same_read_is_refused() {
        let mut reader = LineReader::new(&b"123456\n"[..], 5);
        assert!(matches!(
            reader.read_line(),
            Err(FrameError::TooLong { limit: 5 })
        ));
    }

    /// A reader that follows a script: some bytes, then an error, then more bytes.
    struct Script(Vec<Result<&'static [u8], io::ErrorKind>>);

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            match self.0.remove(0) {
                Ok(bytes) => {
                    buf[..bytes.len()].copy_from_slice(bytes);
                    Ok(bytes.len())
                }
                Err(kind) => Err(kind.into()),
            }
        }
    }

    #[test]
    fn pending_bytes_survive_a_read_timeout() {
        let script = Script(vec![
            Ok(b"hel"),
            Err(io::ErrorKind::WouldBlock),
            Ok(b"lo\n"),
        ]);
        let mut reader = LineReader::new(script, 10);
        let err = reader.read_line().unwrap_err();
        assert!(matches!(err, FrameError::Io(ref e) if e.kind() == io::ErrorKind::WouldBlock));
        assert_eq!(
            reader.pending(),
            b"hel",
            "bytes read before the timeout are kept"
        );
        assert_eq!(reader.read_line().unwrap().unwrap(), b"hello");
    }

    #[test]
    fn frames_round_trip_and_clean_eof_is_none() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"hello").unwrap();
        write_frame(&mut wire, b"").unwrap();
        assert_eq!(&wire[..4], &[0, 0, 0, 5]);
        let mut input = &wire[..];
        assert_eq!(read_frame(&mut input, 10).unwrap().unwrap(), b"hello");
        assert_eq!(read_frame(&mut input, 10).unwrap().unwrap(), b"");
        assert!(read_frame(&mut input, 10).unwrap().is_none());
    }

    #[test]
    fn eof_inside_a_frame_is_truncation() {
        let mut short_header = &[0u8, 0][..];
        assert!(matches!(
            read_frame(&mut short_header, 10),
            Err(FrameError::Truncated {
                expected: 4,
                received: 2
            })
        ));
        let mut short_payload = &[0u8, 0, 0, 5, b'h', b'i'][..];
        assert!(matches!(
            read_frame(&mut short_payload, 10),
            Err(FrameError::Truncated {
                expected: 5,
                received: 2
            })
        ));
    }

    #[test]
    fn a_hostile_length_is_refused_before_allocating() {
        // Claims 4 GiB - 1 but sends 3 bytes. Refused by the limit...
        let mut lying = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3][..];
        assert!(matches!(
            read_frame(&mut lying, 1 << 20),
            Err(FrameError::TooLong { limit: 1_048_576 })
        ));
        // ...and even with no limit, the buffer only grows as bytes arrive.
        let mut lying = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3][..];
        assert!(matches!(
            read_frame(&mut lying, usize::MAX),
            Err(FrameError::Truncated { received: 3, .. })
        ));
    }

    fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
        // Any bytes but the terminators; up to the limit used below.
        proptest::collection::vec(
            any::<u8>().prop_filter("no terminators", |b| *b != b'\n' && *b != b'\r'),
            0..64,
        )
    }

    proptest! {
        #[test]
        fn any_lines_survive_any_read_sizes(
            lines in proptest::collection::vec(line_strategy(), 0..20),
            sizes in proptest::collection::vec(1usize..50, 1..10),
            crlf in any::<bool>(),
        ) {
            let mut wire = Vec::new();
            for line in &lines {
                wire.extend_from_slice(line);
                wire.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let mut reader = LineReader::new(Trickle::new(&wire, sizes), 64);
            prop_assert_eq!(all_lines(&mut reader), lines);
        }

        #[test]
        fn any_lines_survive_one_byte_reads(lines in proptest::collection::vec(line_strategy(), 0..10)) {
            let mut wire = Vec::new();
            for line in &lines {
                wire.extend_from_slice(line);
                wire.push(b'\n');
            }
            let mut reader = LineReader::new(Trickle::new(&wire, vec![1]), 64);
            prop_assert_eq!(all_lines(&mut reader), lines);
        }

        #[test]
        fn any_frames_survive_any_read_sizes(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20),
            sizes in proptest::collection::vec(1usize..400, 1..10),
        ) {
            let mut wire = Vec::new();
            for frame in &frames {
                write_frame(&mut wire, frame).unwrap();
            }
            let mut input = Trickle::new(&wire, sizes);
            let mut decoded = Vec::new();
            while let Some(frame) = read_frame(&mut input, 300).unwrap() {
                decoded.push(frame);
            }
            prop_assert_eq!(decoded, frames);
        }

        #[test]
        fn cutting_a_stream_short_is_always_detected(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..50), 1..5),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut wire = Vec::new();
            for frame in &frames {
                write_frame(&mut wire, frame).unwrap();
            }
            // Cut somewhere strictly inside the last frame.
            let last_start = wire.len() - 4 - frames.last().unwrap().len();
            let at = last_start + 1 + cut.index(wire.len() - last_start - 1);
            let mut input = &wire[..at];
            let mut result = Ok(None);
            for _ in 0..frames.len() {
                result = read_frame(&mut input, 100);
                if result.is_err() { break; }
            }
            prop_assert!(matches!(result, Err(FrameError::Truncated { .. })), "{:?}", result);
        }
    }
}
