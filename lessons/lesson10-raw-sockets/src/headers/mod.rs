//! Packet headers, parsed and built by hand: the lesson is in these bytes.
//!
//! One module per header, each with a `parse` that takes untrusted bytes and never
//! panics: a packet shorter than its header, a length field that claims more than
//! arrived, or a bad checksum is an [`Error`] (or a flag), never an index out of
//! range. Property tests in each module feed them such packets.

pub mod checksum;
pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod tcp;
pub mod udp;

use std::fmt;

/// Why bytes are not a valid header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the header (or its length field) needs.
    Truncated {
        /// Which header.
        what: &'static str,
        /// How many bytes it needs.
        needed: usize,
        /// How many there are.
        got: usize,
    },
    /// A field with an impossible value (wrong version, a length below the header's).
    Invalid {
        /// Which header.
        what: &'static str,
        /// What is wrong, for a person.
        why: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated { what, needed, got } => {
                write!(f, "{what}: truncated: needs {needed} bytes, got {got}")
            }
            Error::Invalid { what, why } => write!(f, "{what}: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// `bytes[at..at + 2]` as a big-endian (network order) number; callers check the length first.
fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

/// `bytes[at..at + 4]` as a big-endian number; callers check the length first.
fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Fails with [`Error::Truncated`] unless `bytes` has at least `needed` bytes.
fn need(what: &'static str, bytes: &[u8], needed: usize) -> Result<(), Error> {
    if bytes.len() < needed {
        return Err(Error::Truncated {
            what,
            needed,
            got: bytes.len(),
        });
    }
    Ok(())
}
