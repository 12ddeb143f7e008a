//! # Exercise 3: the greeting protocol of lesson 3, with framing
//!
//! Serve one client with the tutorials' protocol:
//!
//! - on connect, send `Welcome!\n`;
//! - for each line `NAME` (ended by `\n`, or `\r\n`), send `Hello, NAME!\n`;
//! - on the line `exit` (or `disconnect`), stop and return `Ok(())`;
//! - at end of stream, stop too; but a last line without its newline still gets
//!   its answer first (the client may have half-closed after sending it).
//!
//! The catch is the one lesson 3 is about: TCP does not keep message boundaries.
//! A name may arrive split over several reads (the grader sends one byte at a time),
//! and two names may arrive in one read. One read is *not* one message.
//!
//! Read first: the book's chapter on lesson 3 ("Where does a message end?") and
//! `shared/src/framing.rs`.
//!
//! Grade your work with `cargo test -p ex03-greeting`.
#![allow(unused_variables, unused_mut)] // until you write the body

use std::io::{self, Read, Write};

/// Serves one connection with the greeting protocol until `exit` or end of stream.
///
/// Hints: keep a `Vec<u8>` of bytes received but not yet answered; after each read,
/// answer every complete line in it (`iter().position(|&b| b == b'\n')`) and keep
/// the rest. `String::from_utf8_lossy` turns bytes into text. Use `write_all`.
pub fn greet(mut conn: impl Read + Write) -> io::Result<()> {
    // TODO: send the greeting, then buffer, split at newlines, answer each line.
    todo!("ex03: serve the greeting protocol (see the doc comment)")
}
