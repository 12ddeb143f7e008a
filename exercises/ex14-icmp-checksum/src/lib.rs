//! # Exercise 14: the Internet checksum, and ICMP echo messages
//!
//! `ping` sends ICMP *echo requests* and waits for *echo replies*. Both are the same
//! 8-byte header followed by data:
//!
//! ```text
//! byte 0: type (8 = echo request, 0 = echo reply)   byte 1: code (0)
//! bytes 2-3: checksum                               bytes 4-5: identifier
//! bytes 6-7: sequence number                        bytes 8..: data
//! ```
//!
//! All numbers are big-endian (network byte order). The checksum (RFC 1071) is
//! computed over the whole message with the checksum field set to zero: add the
//! bytes as 16-bit big-endian words (an odd last byte is the high half of a word
//! whose low half is zero), add every carry out of the top 16 bits back in at the
//! bottom ("ones' complement" addition), and invert the bits of the result. A
//! receiver checks a message by computing the same sum over everything, checksum
//! included: an intact message gives 0.
//!
//! Nothing here needs a network or any privilege: these are the bytes that
//! `lesson10-ping` sends and receives.
//!
//! Read first: the book's chapter on lesson 10 ("The headers, field by field").
//!
//! Grade your work with `cargo test -p ex14-icmp-checksum`.
#![allow(unused_variables)] // until you write the bodies

/// An echo request or reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    /// `true` for a reply (type 0), `false` for a request (type 8).
    pub reply: bool,
    /// Chosen by the sender to recognise its own replies.
    pub ident: u16,
    /// Counts the requests: 1, 2, 3...
    pub seq: u16,
    /// The data, which the reply carries back unchanged.
    pub payload: Vec<u8>,
}

/// Why bytes are not a valid echo message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer than 8 bytes: not even a header.
    TooShort,
    /// An ICMP message of another type (e.g. 3, destination unreachable).
    NotAnEcho {
        /// The type byte.
        kind: u8,
    },
    /// The checksum does not match the bytes: the message was damaged.
    BadChecksum,
}

/// The Internet checksum of `data` (RFC 1071).
pub fn internet_checksum(data: &[u8]) -> u16 {
    // TODO
    todo!("ex14: add 16-bit big-endian words, fold the carries, invert")
}

/// The bytes of `echo` as an ICMP message, checksum included.
pub fn encode_echo(echo: &Echo) -> Vec<u8> {
    // TODO
    todo!("ex14: type, code 0, checksum, identifier, sequence, data")
}

/// Reads an echo request or reply, refusing short, foreign and damaged messages.
pub fn decode_echo(message: &[u8]) -> Result<Echo, DecodeError> {
    // TODO
    todo!("ex14: check the length, the type and the checksum, then read the fields")
}
