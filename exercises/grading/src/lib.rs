//! What the exercises' graders share, so that a failure tells a beginner what to do:
//!
//! - [`assert_bytes_eq`]: compares bytes as text when they are text, and otherwise
//!   reports the first differing byte with a little context, instead of printing two
//!   arrays of thousands of numbers;
//! - [`escape`]: bytes as a readable, escaped string (`Mich\r\n`);
//! - [`Conversation`]: a grader's socket conversation, printed with the command that
//!   replays it by hand and the book section to read when a test fails;
//! - [`relay`]: a loopback relay that injects the faults real networks make (one-byte
//!   segments, delays, a half-close, a reset) between a grader and student code.
//!
//! It lives beside the exercises and is a dev-dependency of each; students can read
//! it, and need not change it.

pub mod conversation;
pub mod relay;

pub use conversation::{Conversation, Help};
pub use relay::{Fault, Relay};

use std::io::{self, Read, Write};

use std::fmt::Write as _;

/// `bytes` as text with everything unprintable escaped (`\r`, `\n`, `\x00`), so that
/// what crossed the wire can be read and compared by eye.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Where two byte strings first differ, or `None` if they are equal.
pub fn first_difference(got: &[u8], expected: &[u8]) -> Option<usize> {
    if got == expected {
        return None;
    }
    Some(
        got.iter()
            .zip(expected)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(expected.len())),
    )
}

/// A report of how `got` differs from `expected`: lengths, the first differing
/// byte's offset (line and column too when the data is text), and an escaped window of
/// context around it from each side. Empty when they are equal.
pub fn describe_difference(got: &[u8], expected: &[u8]) -> String {
    let Some(at) = first_difference(got, expected) else {
        return String::new();
    };
    const BEFORE: usize = 24;
    const AFTER: usize = 24;
    let window = |data: &[u8]| {
        let end = (at + AFTER).min(data.len());
        let start = at.saturating_sub(BEFORE).min(end);
        format!(
            "{}{}{}",
            if start > 0 { "..." } else { "" },
            escape(&data[start..end]),
            if end < data.len() { "..." } else { "" }
        )
    };
    let is_text = std::str::from_utf8(got).is_ok() && std::str::from_utf8(expected).is_ok();
    let position = if is_text {
        let before = &expected[..at.min(expected.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        format!("byte {at} (line {line}, column {column})")
    } else {
        format!("byte {at}")
    };
    let what = |data: &[u8]| match data.get(at) {
        Some(b) if is_text => format!("{:?}", escape(&[*b])),
        Some(b) => format!("0x{b:02x}"),
        None => "the end".to_string(),
    };
    format!(
        "got {} bytes, expected {}; first difference at {position}: got {}, expected {}\n  got:      \"{}\"\n  expected: \"{}\"",
        got.len(),
        expected.len(),
        what(got),
        what(expected),
        window(got),
        window(expected)
    )
}

/// Asserts that `got` equals `expected`; on failure the message says `what` and where
/// they differ (see [`describe_difference`]), never two long arrays.
#[track_caller]
pub fn assert_bytes_eq(got: &[u8], expected: &[u8], what: &str) {
    if got != expected {
        panic!("{what}\n{}", describe_difference(got, expected));
    }
}

/// An in-memory connection whose reads return exactly the pieces given, one piece
/// (or less, if the buffer is smaller) per `read`, then end of stream; what is
/// written is kept in `written`. Unlike a real socket, it cuts the stream where the
/// grader says, every time.
pub struct Pieces {
    /// What reads still have to return, in order.
    pieces: std::collections::VecDeque<Vec<u8>>,
    /// Everything written so far.
    pub written: Vec<u8>,
}

impl Pieces {
    /// A connection whose reads return `pieces`, in order.
    pub fn new(pieces: &[&[u8]]) -> Pieces {
        Pieces {
            pieces: pieces.iter().map(|p| p.to_vec()).collect(),
            written: Vec::new(),
        }
    }
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(piece) = self.pieces.front_mut() else {
            return Ok(0);
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        piece.drain(..n);
        if piece.is_empty() {
            self.pieces.pop_front();
        }
        Ok(n)
    }
}

impl Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_bytes_and_invalid_utf8() {
        assert_eq!(escape(b"Hi\r\n\x00\xff!"), "Hi\\r\\n\\u{0}\\xff!");
    }

    #[test]
    fn reports_the_first_difference_with_context() {
        let expected = b"line one\nline two\n".repeat(100);
        let mut got = expected.clone();
        got[905] = b'X';
        let text = describe_difference(&got, &expected);
        assert!(
            text.starts_with(
                "got 1800 bytes, expected 1800; first difference at byte 905 (line 101, column 6)"
            ),
            "{text}"
        );
        assert!(text.contains("line two\\nline Xne"), "{text}");
        assert!(text.lines().count() == 3, "{text}");
    }

    #[test]
    fn a_short_answer_differs_at_its_end() {
        let text = describe_difference(b"abc", b"abcdef");
        assert!(text.contains("at byte 3"), "{text}");
        assert!(text.contains("got the end, expected \"d\""), "{text}");
        assert_eq!(describe_difference(b"same", b"same"), "");
        let binary = describe_difference(&[0, 1, 2, 0xff], &[0, 1, 3, 0xff]);
        assert!(
            binary.contains("byte 2: got 0x02, expected 0x03"),
            "{binary}"
        );
    }
}
