//! The IPv6 header (RFC 8200): always 40 bytes; no checksum (the link and the
//! transport check the bytes), no fragmentation by routers.
//!
//! ```text
//! |Version| Traffic Class |           Flow Label                  |
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! |                 Source Address (128 bits)                     |
//! |              Destination Address (128 bits)                   |
//! ```

use super::{be16, need, Error};
use std::net::Ipv6Addr;

/// The fixed header length.
pub const HEADER: usize = 40;
/// ICMPv6's next-header number.
pub const NEXT_ICMPV6: u8 = 58;

/// A parsed IPv6 header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Bytes after this header (extension headers included).
    pub payload_len: u16,
    /// What follows: 6 TCP, 17 UDP, 58 ICMPv6, or an extension header.
    pub next_header: u8,
    /// IPv6's TTL, renamed for what it always meant: hops, not seconds.
    pub hop_limit: u8,
    /// Who sent it.
    pub src: Ipv6Addr,
    /// For whom.
    pub dst: Ipv6Addr,
}

/// Parses an IPv6 packet into its header and payload.
pub fn parse(packet: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("IPv6", packet, HEADER)?;
    let version = packet[0] >> 4;
    if version != 6 {
        return Err(Error::Invalid {
            what: "IPv6",
            why: format!("version {version}, not 6"),
        });
    }
    let payload_len = be16(packet, 4);
    need("IPv6 payload", packet, HEADER + usize::from(payload_len))?;
    let addr = |at: usize| {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&packet[at..at + 16]);
        Ipv6Addr::from(octets)
    };
    let header = Header {
        payload_len,
        next_header: packet[6],
        hop_limit: packet[7],
        src: addr(8),
        dst: addr(24),
    };
    Ok((header, &packet[HEADER..HEADER + usize::from(payload_len)]))
}

/// Parses the start of a packet quoted inside an ICMPv6 error: the payload is what
/// was quoted, which may be less than `payload_len` says.
pub fn parse_quoted(packet: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("quoted IPv6", packet, HEADER)?;
    let claimed = usize::from(be16(packet, 4));
    let shown = (packet.len() - HEADER).min(claimed);
    let mut copy = packet[..HEADER + shown].to_vec();
    copy[4..6].copy_from_slice(&(shown as u16).to_be_bytes());
    let (header, _) = parse(&copy)?;
    let header = Header {
        payload_len: claimed as u16,
        ..header
    };
    Ok((header, &packet[HEADER..HEADER + shown]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packet(payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        p.extend_from_slice(&[NEXT_ICMPV6, 64]);
        p.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        p.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn parses_a_header() {
        let p = packet(b"ping");
        let (h, payload) = parse(&p).unwrap();
        assert_eq!((h.next_header, h.hop_limit, h.payload_len), (58, 64, 4));
        assert_eq!(h.src, Ipv6Addr::LOCALHOST);
        assert_eq!(payload, b"ping");
    }

    #[test]
    fn a_lying_payload_length_is_an_error() {
        let mut p = packet(b"ping");
        p[5] = 200;
        assert!(matches!(parse(&p), Err(Error::Truncated { .. })));
    }

    #[test]
    fn ipv4_is_not_ipv6() {
        let mut p = packet(b"");
        p[0] = 0x45;
        assert!(matches!(parse(&p), Err(Error::Invalid { .. })));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn quoted_headers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok((_, payload)) = parse_quoted(&bytes) {
                prop_assert!(HEADER + payload.len() <= bytes.len());
            }
        }

        #[test]
        fn lengths_are_checked(len in any::<u16>(), extra in 0usize..50) {
            let mut p = packet(&vec![7; extra]);
            p[4..6].copy_from_slice(&len.to_be_bytes());
            match parse(&p) {
                Ok((h, payload)) => prop_assert_eq!(payload.len(), usize::from(h.payload_len)),
                Err(_) => prop_assert!(usize::from(len) > extra),
            }
        }
    }
}
