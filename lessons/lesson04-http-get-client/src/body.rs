//! Where an HTTP body ends, and copying it out as it arrives.
//!
//! The tutorial reads until the server closes the connection. That is one of
//! three ways HTTP/1.1 marks the end of a body, and the other two are common:
//!
//! 1. `Transfer-Encoding: chunked`: the body comes in pieces, each preceded by its
//!    size in hexadecimal; a piece of size 0 ends it. Servers use it when they do not
//!    know the length in advance (generated pages, like sina's).
//! 2. `Content-Length: N`: exactly N bytes.
//! 3. Neither: the body ends when the server closes the connection (HTTP/1.0 style).
//!
//! Some responses have no body whatever the headers say: 1xx, 204 and 304.
//! With chunked or a length, the client knows when it has everything and need not
//! wait for the server to close, and it can tell a complete body from a cut one.

use crate::http::{Head, HttpError};
use std::io::{self, BufRead, Read, Write};

/// How the body of a response is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body at all.
    Empty,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length`.
    Length(u64),
    /// Until the server closes the connection.
    UntilClose,
}

// ANCHOR: framing
/// Decides how the body is delimited, in the order RFC 9112 §6.3 prescribes.
pub fn framing(head: &Head) -> Result<Framing, HttpError> {
    if head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    let codings: Vec<&str> = head
        .headers_named("Transfer-Encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if !codings.is_empty() {
        // Chunked wins over Content-Length (a message with both is suspicious, but
        // this is the rule). Any other coding (gzip, deflate) would change the bytes:
        // saving them undecoded would be a silent corruption, so it is refused.
        return match codings[..] {
            [only] if only.eq_ignore_ascii_case("chunked") => Ok(Framing::Chunked),
            _ => Err(HttpError::UnsupportedCoding(codings.join(", "))),
        };
    }
    let mut lengths = head
        .headers_named("Content-Length")
        .flat_map(|v| v.split(','));
    if let Some(first) = lengths.next() {
        let parse = |v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| HttpError::BadFraming(format!("Content-Length {v:?} is not a number")))
        };
        let length = parse(first)?;
        for other in lengths {
            if parse(other)? != length {
                return Err(HttpError::BadFraming(
                    "conflicting Content-Length headers".into(),
                ));
            }
        }
        return Ok(Framing::Length(length));
    }
    Ok(Framing::UntilClose)
}
// ANCHOR_END: framing

// ANCHOR: copy_body
/// Copies the body from `input` (positioned just after the head) to `out`, as it
/// arrives; memory use does not depend on the body's size. Returns the body's length.
pub fn copy_body(
    framing: Framing,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> io::Result<u64> {
    match framing {
        Framing::Empty => Ok(0),
        Framing::UntilClose => io::copy(input, out),
        Framing::Length(length) => {
            let copied = io::copy(&mut input.take(length), out)?;
            if copied < length {
                return Err(HttpError::Truncated {
                    what: format!(
                        "the connection closed after {copied} of {length} bytes (Content-Length)"
                    ),
                }
                .into());
            }
            Ok(copied)
        }
        Framing::Chunked => copy_chunked(input, out),
    }
}
// ANCHOR_END: copy_body

/// The longest chunk-size or trailer line we accept.
const MAX_CHUNK_LINE: u64 = 4096;

// ANCHOR: chunked
/// Decodes a chunked body: `SIZE[;ext]\r\n DATA\r\n` ... `0\r\n [trailers] \r\n`.
///
/// Stops right after the last chunk's empty line, even if the server keeps the
/// connection open. Chunk extensions (`;name=value`) are ignored and trailers
/// (headers after the body) are read and dropped, as the standard allows.
pub fn copy_chunked(input: &mut impl BufRead, out: &mut impl Write) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let line = chunk_line(input)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .ok()
            .filter(|_| !size_text.starts_with('+'))
            .ok_or_else(|| HttpError::BadChunk(line.clone()))?;
        if size == 0 {
            // Trailers, up to an empty line.
            while !chunk_line(input)?.is_empty() {}
            return Ok(total);
        }
        let copied = io::copy(&mut input.take(size), out)?;
        total += copied;
        if copied < size {
            return Err(HttpError::Truncated {
                what: format!("the connection closed inside a chunk ({copied} of {size} bytes)"),
            }
            .into());
        }
        if !chunk_line(input)?.is_empty() {
            return Err(
                HttpError::BadChunk("a chunk's data is not followed by CRLF".into()).into(),
            );
        }
    }
}
// ANCHOR_END: chunked

/// One line of chunk framing without its line ending; end of stream is truncation.
fn chunk_line(input: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    input.take(MAX_CHUNK_LINE).read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        if line.len() as u64 >= MAX_CHUNK_LINE - 1 {
            return Err(
                HttpError::BadChunk(String::from_utf8_lossy(&line[..40]).into_owned()).into(),
            );
        }
        return Err(HttpError::Truncated {
            what: "the connection closed before the last chunk".into(),
        }
        .into());
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, headers: &[(&str, &str)]) -> Head {
        Head {
            version: "HTTP/1.1".into(),
            status,
            reason: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn framing_follows_the_rules() {
        assert_eq!(
            framing(&head(200, &[("Content-Length", "5")])).unwrap(),
            Framing::Length(5)
        );
        assert_eq!(
            framing(&head(
                200,
                &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")]
            ))
            .unwrap(),
            Framing::Chunked,
            "chunked wins over Content-Length"
        );
        assert_eq!(
            framing(&head(200, &[("transfer-encoding", "Chunked")])).unwrap(),
            Framing::Chunked
        );
        for codings in ["gzip, chunked", "gzip", "chunked, chunked"] {
            assert!(
                matches!(
                    framing(&head(200, &[("Transfer-Encoding", codings)])),
                    Err(HttpError::UnsupportedCoding(_))
                ),
                "{codings}"
            );
        }
        assert_eq!(framing(&head(200, &[])).unwrap(), Framing::UntilClose);
        for status in [100, 204, 304] {
            assert_eq!(
                framing(&head(status, &[("Content-Length", "5")])).unwrap(),
                Framing::Empty
            );
        }
        assert_eq!(
            framing(&head(200, &[("Content-Length", "5, 5")])).unwrap(),
            Framing::Length(5)
        );
        assert!(framing(&head(
            200,
            &[("Content-Length", "5"), ("Content-Length", "6")]
        ))
        .is_err());
        assert!(framing(&head(200, &[("Content-Length", "-1")])).is_err());
    }

    fn decode(wire: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        copy_chunked(&mut &wire[..], &mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_chunks_with_extensions_and_trailers() {
        let wire = b"5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nExpires: never\r\n\r\nNOT BODY";
        assert_eq!(decode(wire).unwrap(), b"hello, world");
        assert_eq!(
            decode(b"A\r\n0123456789\r\n0\r\n\r\n").unwrap(),
            b"0123456789"
        );
        assert_eq!(decode(b"0\n\n").unwrap(), b"");
    }

    #[test]
    fn stops_after_the_last_chunk_and_leaves_the_rest() {
        let mut input: &[u8] = b"2\r\nhi\r\n0\r\n\r\nnext response";
        let mut out = Vec::new();
        assert_eq!(copy_chunked(&mut input, &mut out).unwrap(), 2);
        assert_eq!(input, b"next response");
    }

    #[test]
    fn truncation_and_bad_sizes_are_errors() {
        for (wire, words) in [
            (&b"5\r\nhel"[..], "inside a chunk"),
            (b"5\r\nhello\r\n", "before the last chunk"),
            (b"", "before the last chunk"),
            (b"zz\r\nhello\r\n0\r\n\r\n", "bad chunk size"),
            (b"\r\n", "bad chunk size"),
            (b"+5\r\nhello\r\n0\r\n\r\n", "bad chunk size"),
            (b"5\r\nhelloXX0\r\n\r\n", "not followed by CRLF"),
        ] {
            let err = decode(wire).unwrap_err().to_string();
            assert!(
                err.contains(words),
                "{:?}: {err}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn content_length_must_all_arrive() {
        let mut out = Vec::new();
        let err = copy_body(Framing::Length(10), &mut &b"12345"[..], &mut out).unwrap_err();
        assert!(err.to_string().contains("after 5 of 10 bytes"), "{err}");
        let mut out = Vec::new();
        assert_eq!(
            copy_body(Framing::Length(3), &mut &b"12345"[..], &mut out).unwrap(),
            3
        );
        assert_eq!(out, b"123");
    }
}
