//! The TCP header (RFC 9293): what makes a byte stream out of packets.
//!
//! ```text
//! |          Source Port          |       Destination Port        |
//! |                        Sequence Number                        |
//! |                    Acknowledgment Number                      |
//! |  Data |       |C|E|U|A|P|R|S|F|                               |
//! | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//! |           Checksum            |         Urgent Pointer        |
//! |                    Options (if Data Offset > 5)               |
//! ```
//!
//! The sequence number counts bytes: a segment's first byte has number `seq`, and
//! SYN and FIN each use one number too. `ack` says "I have everything before this".
//! The window says how many more bytes the receiver can take right now.

use super::udp::transport_sum;
use super::{be16, be32, need, Error};
use std::fmt;
use std::net::IpAddr;

/// The header length without options.
pub const MIN_HEADER: usize = 20;

/// The flag bits of byte 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    /// No more data from the sender (one half of the connection closes).
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers: the first segment in each direction.
    pub const SYN: u8 = 0x02;
    /// Reset: abort the connection (or "nobody listens on this port").
    pub const RST: u8 = 0x04;
    /// Push: hand the data to the application now.
    pub const PSH: u8 = 0x08;
    /// The acknowledgment number is valid (set on every segment after the first).
    pub const ACK: u8 = 0x10;
    /// The urgent pointer is valid (practically unused).
    pub const URG: u8 = 0x20;

    /// Whether all bits of `flag` are set.
    pub fn has(self, flag: u8) -> bool {
        self.0 & flag == flag
    }
}

impl fmt::Display for Flags {
    /// tcpdump's notation: `S` SYN, `F` FIN, `R` RST, `P` PSH, `U` URG, `.` ACK.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (bit, c) in [
            (Flags::FIN, 'F'),
            (Flags::SYN, 'S'),
            (Flags::RST, 'R'),
            (Flags::PSH, 'P'),
            (Flags::URG, 'U'),
            (0x40, 'E'),
            (0x80, 'W'),
            (Flags::ACK, '.'),
        ] {
            if self.has(bit) {
                write!(f, "{c}")?;
                any = true;
            }
        }
        if !any {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// A parsed TCP header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The sender's port.
    pub src_port: u16,
    /// The receiver's port.
    pub dst_port: u16,
    /// Number of the first byte of data (or of the SYN/FIN).
    pub seq: u32,
    /// Next byte the sender expects from the other side (if ACK is set).
    pub ack: u32,
    /// Header length in bytes (20 to 60).
    pub header_len: usize,
    /// SYN, ACK, FIN, ...
    pub flags: Flags,
    /// Bytes the sender can still receive (before window scaling).
    pub window: u16,
    /// As received.
    pub checksum: u16,
}

// ANCHOR: parse
/// Parses a TCP segment into its header and data.
///
/// TCP has no length field: the data is whatever follows the header, up to the end
/// the IP header gave. A data offset past the end is an error.
pub fn parse(segment: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("TCP", segment, MIN_HEADER)?;
    let header_len = usize::from(segment[12] >> 4) * 4;
    if header_len < MIN_HEADER {
        return Err(Error::Invalid {
            what: "TCP",
            why: format!("data offset {header_len} is below 20"),
        });
    }
    need("TCP options", segment, header_len)?;
    let header = Header {
        src_port: be16(segment, 0),
        dst_port: be16(segment, 2),
        seq: be32(segment, 4),
        ack: be32(segment, 8),
        header_len,
        flags: Flags(segment[13]),
        window: be16(segment, 14),
        checksum: be16(segment, 16),
    };
    Ok((header, &segment[header_len..]))
}
// ANCHOR_END: parse

/// Whether the segment's checksum (pseudo-header, header and data) is right.
///
/// Captured on `lo`, outgoing segments usually fail: the kernel leaves the checksum
/// to "the hardware" (checksum offload), and loopback has none and needs none.
pub fn checksum_ok(src: IpAddr, dst: IpAddr, segment: &[u8]) -> bool {
    segment.len() >= MIN_HEADER
        && transport_sum(src, dst, super::ipv4::PROTO_TCP, segment)
            .add_bytes(segment)
            .finish()
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn syn() -> Vec<u8> {
        let mut s = vec![0u8; 24];
        s[0..2].copy_from_slice(&50000u16.to_be_bytes());
        s[2..4].copy_from_slice(&9999u16.to_be_bytes());
        s[4..8].copy_from_slice(&1000u32.to_be_bytes());
        s[12] = 6 << 4; // 24 bytes: one 4-byte option
        s[13] = Flags::SYN;
        s[14..16].copy_from_slice(&65495u16.to_be_bytes());
        s[20..24].copy_from_slice(&[2, 4, 0xff, 0xd7]); // MSS option
        s
    }

    #[test]
    fn parses_a_syn_with_an_option() {
        let s = syn();
        let (h, data) = parse(&s).unwrap();
        assert_eq!(
            (h.src_port, h.dst_port, h.seq, h.header_len),
            (50000, 9999, 1000, 24)
        );
        assert_eq!(h.flags.to_string(), "S");
        assert!(data.is_empty());
    }

    #[test]
    fn flags_print_as_tcpdump_prints_them() {
        assert_eq!(Flags(Flags::SYN | Flags::ACK).to_string(), "S.");
        assert_eq!(Flags(Flags::PSH | Flags::ACK).to_string(), "P.");
        assert_eq!(Flags(Flags::FIN | Flags::ACK).to_string(), "F.");
        assert_eq!(Flags(Flags::ACK).to_string(), ".");
        assert_eq!(Flags(0).to_string(), "none");
    }

    #[test]
    fn checksum_covers_the_addresses() {
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let mut s = syn();
        let sum = transport_sum(a, b, 6, &s).add_bytes(&s).finish();
        s[16..18].copy_from_slice(&sum.to_be_bytes());
        assert!(checksum_ok(a, b, &s));
        assert!(
            !checksum_ok(a, a, &s),
            "the pseudo-header covers the addresses"
        );
        s[20] ^= 1;
        assert!(!checksum_ok(a, b, &s));
    }

    #[test]
    fn a_data_offset_past_the_end_is_an_error() {
        let mut s = syn();
        s[12] = 15 << 4; // claims 60 bytes of header
        assert!(matches!(
            parse(&s),
            Err(Error::Truncated { needed: 60, .. })
        ));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok((h, data)) = parse(&bytes) {
                prop_assert_eq!(h.header_len + data.len(), bytes.len());
            }
            let _ = checksum_ok("::1".parse().unwrap(), "::1".parse().unwrap(), &bytes);
        }
    }
}
