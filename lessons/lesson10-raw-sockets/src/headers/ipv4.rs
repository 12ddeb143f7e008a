//! The IPv4 header (RFC 791): 20 bytes, or more with options.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |   DSCP/ECN    |          Total Length         |
//! |         Identification        |Flags|     Fragment Offset     |
//! |  Time to Live |    Protocol   |        Header Checksum        |
//! |                       Source Address                          |
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::checksum::checksum;
use super::{be16, need, Error};
use std::net::Ipv4Addr;

/// The shortest header: no options.
pub const MIN_HEADER: usize = 20;
/// Protocol numbers carried in the `protocol` field.
pub const PROTO_ICMP: u8 = 1;
/// TCP's protocol number.
pub const PROTO_TCP: u8 = 6;
/// UDP's protocol number.
pub const PROTO_UDP: u8 = 17;

/// A parsed IPv4 header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Header length in bytes (IHL × 4): 20 to 60.
    pub header_len: usize,
    /// Header plus payload, as the sender said.
    pub total_len: u16,
    /// Ties the fragments of one datagram together.
    pub identification: u16,
    /// Don't Fragment (0x4000), More Fragments (0x2000) and the fragment offset.
    pub flags_fragment: u16,
    /// Hops left: each router subtracts one, and drops the packet at zero
    /// (answering with ICMP "time exceeded": what traceroute listens for).
    pub ttl: u8,
    /// What the payload is: 1 ICMP, 6 TCP, 17 UDP.
    pub protocol: u8,
    /// The checksum as received.
    pub checksum: u16,
    /// Whether the checksum covers the header correctly.
    pub checksum_ok: bool,
    /// Who sent it.
    pub src: Ipv4Addr,
    /// For whom.
    pub dst: Ipv4Addr,
}

/// Parses an IPv4 packet into its header and payload (`total_len` says where the
/// payload ends; bytes after it, e.g. Ethernet padding, are not payload).
pub fn parse(packet: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("IPv4", packet, MIN_HEADER)?;
    let version = packet[0] >> 4;
    if version != 4 {
        return Err(Error::Invalid {
            what: "IPv4",
            why: format!("version {version}, not 4"),
        });
    }
    let header_len = usize::from(packet[0] & 0x0f) * 4;
    if header_len < MIN_HEADER {
        return Err(Error::Invalid {
            what: "IPv4",
            why: format!("header length {header_len} is below 20"),
        });
    }
    need("IPv4 header with options", packet, header_len)?;
    let total_len = be16(packet, 2);
    if usize::from(total_len) < header_len {
        return Err(Error::Invalid {
            what: "IPv4",
            why: format!("total length {total_len} is shorter than the header ({header_len})"),
        });
    }
    need("IPv4 payload", packet, usize::from(total_len))?;
    let header = Header {
        header_len,
        total_len,
        identification: be16(packet, 4),
        flags_fragment: be16(packet, 6),
        ttl: packet[8],
        protocol: packet[9],
        checksum: be16(packet, 10),
        checksum_ok: checksum(&packet[..header_len]) == 0,
        src: Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]),
        dst: Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]),
    };
    Ok((header, &packet[header_len..usize::from(total_len)]))
}

/// Parses the start of a packet quoted inside an ICMP error: the header must be
/// whole, but the payload is whatever was quoted (often just 8 bytes), not `total_len`.
pub fn parse_quoted(packet: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("quoted IPv4", packet, MIN_HEADER)?;
    let claimed = usize::from(be16(packet, 2));
    let shown = packet.len().min(claimed.max(MIN_HEADER));
    let mut copy = packet[..shown].to_vec();
    // Pretend the total length is what was quoted, then parse as usual.
    copy[2..4].copy_from_slice(&(shown.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    let (header, payload) = parse(&copy)?;
    let (from, to) = (header.header_len, header.header_len + payload.len());
    let header = Header {
        total_len: claimed as u16,
        ..header
    };
    Ok((header, &packet[from..to]))
}

// ANCHOR: build
/// What to put in a header built by hand (see [`build`]).
#[derive(Debug, Clone)]
pub struct Fields {
    /// Identification; with `IP_HDRINCL` Linux fills it in when it is 0.
    pub identification: u16,
    /// Hops the packet may travel.
    pub ttl: u8,
    /// The payload's protocol, e.g. [`PROTO_UDP`].
    pub protocol: u8,
    /// Source address: with `IP_HDRINCL` the kernel sends whatever we write here.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
}

/// A 20-byte header for `payload_len` bytes of payload, checksum computed.
pub fn build(fields: &Fields, payload_len: usize) -> Result<[u8; MIN_HEADER], Error> {
    let total = u16::try_from(MIN_HEADER + payload_len).map_err(|_| Error::Invalid {
        what: "IPv4",
        why: format!("{payload_len} bytes do not fit in one packet (65,515 at most)"),
    })?;
    let mut h = [0u8; MIN_HEADER];
    h[0] = 0x45; // version 4, IHL 5 words = 20 bytes: no options
    h[1] = 0; // DSCP/ECN: ordinary traffic
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[4..6].copy_from_slice(&fields.identification.to_be_bytes());
    h[6..8].copy_from_slice(&0x4000u16.to_be_bytes()); // Don't Fragment, offset 0
    h[8] = fields.ttl;
    h[9] = fields.protocol;
    // h[10..12], the checksum, stays 0 while it is computed over the header alone.
    h[12..16].copy_from_slice(&fields.src.octets());
    h[16..20].copy_from_slice(&fields.dst.octets());
    let sum = checksum(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    Ok(h)
}
// ANCHOR_END: build

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> Fields {
        Fields {
            identification: 0x1234,
            ttl: 64,
            protocol: PROTO_UDP,
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(198, 51, 100, 7),
        }
    }

    #[test]
    fn build_then_parse_round_trips() {
        let mut packet = build(&fields(), 5).unwrap().to_vec();
        packet.extend_from_slice(b"hello");
        let (h, payload) = parse(&packet).unwrap();
        assert!(h.checksum_ok);
        assert_eq!((h.ttl, h.protocol, h.total_len), (64, PROTO_UDP, 25));
        assert_eq!((h.src, h.dst), (fields().src, fields().dst));
        assert_eq!(payload, b"hello");
    }

    #[test]
    fn padding_after_total_length_is_not_payload() {
        let mut packet = build(&fields(), 2).unwrap().to_vec();
        packet.extend_from_slice(b"hi\0\0\0\0");
        assert_eq!(parse(&packet).unwrap().1, b"hi");
    }

    #[test]
    fn a_lying_total_length_is_an_error() {
        let mut packet = build(&fields(), 100).unwrap().to_vec();
        packet.extend_from_slice(b"only ten b");
        assert!(matches!(
            parse(&packet),
            Err(Error::Truncated {
                needed: 120,
                got: 30,
                ..
            })
        ));
    }

    #[test]
    fn a_changed_byte_fails_the_checksum() {
        let mut packet = build(&fields(), 0).unwrap();
        packet[8] -= 1; // what a router does to the TTL, without fixing the checksum
        assert!(!parse(&packet).unwrap().0.checksum_ok);
    }

    #[test]
    fn too_big_a_payload_is_refused() {
        assert!(build(&fields(), 65_516).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_plausible_headers(ihl in 0u8..16, total in any::<u16>(), len in 0usize..80) {
            let mut packet = build(&fields(), 0).unwrap().to_vec();
            packet[0] = 0x40 | ihl;
            packet[2..4].copy_from_slice(&total.to_be_bytes());
            packet.resize(len, 0);
            if let Ok((h, payload)) = parse(&packet) {
                prop_assert!(h.header_len + payload.len() == usize::from(h.total_len));
                prop_assert!(usize::from(h.total_len) <= packet.len());
            }
        }

        #[test]
        fn quoted_headers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            if let Ok((h, payload)) = parse_quoted(&bytes) {
                prop_assert!(h.header_len + payload.len() <= bytes.len());
            }
        }

        #[test]
        fn every_truncation_is_an_error(cut in 0usize..25) {
            let mut packet = build(&fields(), 5).unwrap().to_vec();
            packet.extend_from_slice(b"hello");
            prop_assert!(parse(&packet[..cut]).is_err());
        }
    }
}
