//! # Exercise 7: an HTTP/1.1 request, and a response head
//!
//! HTTP is text over TCP. Write the two halves a client needs before the body:
//!
//! - [`get_request`]: the bytes of a GET request: the request line
//!   `GET PATH HTTP/1.1`, a `Host` header, `Connection: close`, each line ending
//!   in `\r\n`, and an empty line to end the head.
//! - [`parse_head`]: read a response head from the bytes received so far: the
//!   status line `HTTP/1.1 200 OK`, then `Name: value` headers, up to the empty
//!   line. If the empty line has not arrived yet, say so ([`HeadError::Incomplete`]:
//!   the caller reads more and tries again). Return the head *and* its length in
//!   bytes, so the caller knows where the body starts.
//! - [`Head::header`]: look a header up by name, **ignoring case**:
//!   `Content-Length`, `content-length` and `CONTENT-LENGTH` are the same header.
//!
//! Read first: the book's chapter on lesson 4, and
//! `lessons/lesson04-http-get-client/src/http.rs`.
//!
//! Grade your work with `cargo test -p ex07-http-head`.
#![allow(unused_variables)] // until you write the bodies

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// The status code, e.g. 404.
    pub status: u16,
    /// The reason phrase, e.g. `Not Found` (may be empty).
    pub reason: String,
    /// The headers in the order received, names as sent, values without
    /// surrounding spaces.
    pub headers: Vec<(String, String)>,
}

/// Why a response head could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadError {
    /// The empty line that ends the head has not arrived yet: read more.
    Incomplete,
    /// The first line is not `HTTP/1.x NNN reason` (holds the line).
    BadStatusLine(String),
    /// A header line without a colon (holds the line).
    BadHeader(String),
}

impl Head {
    /// The value of the first header named `name`, ignoring case.
    ///
    /// Hint: `str::eq_ignore_ascii_case`.
    pub fn header(&self, name: &str) -> Option<&str> {
        // TODO
        todo!("ex07: find header {name:?} ignoring case")
    }
}

/// The bytes of `GET path HTTP/1.1` for `host`, with `Connection: close`.
pub fn get_request(host: &str, path: &str) -> Vec<u8> {
    // TODO
    todo!("ex07: build the request for {host}{path}")
}

/// Parses the head at the start of `bytes`; returns it and its length in bytes
/// (including the final empty line).
///
/// Hints: find `b"\r\n\r\n"` with `bytes.windows(4).position(...)`; the head is
/// ASCII text, so `std::str::from_utf8` then `split("\r\n")`; the status line has
/// three parts: `splitn(3, ' ')`; the status is three digits.
pub fn parse_head(bytes: &[u8]) -> Result<(Head, usize), HeadError> {
    // TODO
    todo!("ex07: parse a response head")
}
