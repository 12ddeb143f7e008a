//! The UDP header (RFC 768): ports, a length and a checksum, 8 bytes in all.
//!
//! The checksum covers a pseudo-header (addresses, protocol, length), the header and
//! the data. Over IPv4 a checksum of 0 means "not computed"; a computed 0 is sent as
//! `0xffff`, which means the same in ones' complement.

use super::checksum::{pseudo_header_v4, pseudo_header_v6, Sum};
use super::ipv4::PROTO_UDP;
use super::{be16, need, Error};
use std::net::IpAddr;

/// The header length.
pub const HEADER: usize = 8;

/// A parsed UDP header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The sender's port: where replies go.
    pub src_port: u16,
    /// The receiver's port: which socket gets the datagram.
    pub dst_port: u16,
    /// Header plus data.
    pub length: u16,
    /// As received (0: none, over IPv4).
    pub checksum: u16,
}

/// Parses a UDP datagram into its header and data (`length` says where the data ends).
pub fn parse(datagram: &[u8]) -> Result<(Header, &[u8]), Error> {
    need("UDP", datagram, HEADER)?;
    let length = be16(datagram, 4);
    if usize::from(length) < HEADER {
        return Err(Error::Invalid {
            what: "UDP",
            why: format!("length {length} is shorter than the header"),
        });
    }
    need("UDP data", datagram, usize::from(length))?;
    let header = Header {
        src_port: be16(datagram, 0),
        dst_port: be16(datagram, 2),
        length,
        checksum: be16(datagram, 6),
    };
    Ok((header, &datagram[HEADER..usize::from(length)]))
}

/// The checksum of a UDP datagram (header with a zero checksum field, plus data)
/// between `src` and `dst`, as it goes in the header.
///
/// Both addresses must be of the same family; mixing them is a caller's bug and
/// gives a meaningless number rather than a panic.
pub fn checksum(src: IpAddr, dst: IpAddr, datagram: &[u8]) -> u16 {
    match transport_sum(src, dst, PROTO_UDP, datagram)
        .add_bytes(datagram)
        .finish()
    {
        0 => 0xffff,
        sum => sum,
    }
}

/// Whether a received datagram's checksum is right (true if an IPv4 sender sent none):
/// the sum over pseudo-header, header *with* its checksum, and data must come to zero.
pub fn checksum_ok(src: IpAddr, dst: IpAddr, datagram: &[u8]) -> bool {
    if datagram.len() < HEADER {
        return false;
    }
    if be16(datagram, 6) == 0 && src.is_ipv4() {
        return true;
    }
    transport_sum(src, dst, PROTO_UDP, datagram)
        .add_bytes(datagram)
        .finish()
        == 0
}

/// The pseudo-header's sum for `segment` of protocol `protocol` between `src` and `dst`.
pub(crate) fn transport_sum(src: IpAddr, dst: IpAddr, protocol: u8, segment: &[u8]) -> Sum {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => pseudo_header_v4(s, d, protocol, segment.len() as u16),
        (IpAddr::V6(s), IpAddr::V6(d)) => pseudo_header_v6(s, d, protocol, segment.len() as u32),
        _ => Sum::default(),
    }
}

// ANCHOR: build
/// A UDP datagram from `src:src_port` to `dst:dst_port` carrying `data`, checksum
/// included: the addresses are not in the UDP header, but the checksum covers them.
pub fn build(
    src: IpAddr,
    src_port: u16,
    dst: IpAddr,
    dst_port: u16,
    data: &[u8],
) -> Result<Vec<u8>, Error> {
    let length = u16::try_from(HEADER + data.len()).map_err(|_| Error::Invalid {
        what: "UDP",
        why: format!("{} bytes do not fit in one datagram", data.len()),
    })?;
    let mut datagram = Vec::with_capacity(usize::from(length));
    datagram.extend_from_slice(&src_port.to_be_bytes());
    datagram.extend_from_slice(&dst_port.to_be_bytes());
    datagram.extend_from_slice(&length.to_be_bytes());
    datagram.extend_from_slice(&[0, 0]); // the checksum, computed below over zeros here
    datagram.extend_from_slice(data);
    let sum = checksum(src, dst, &datagram);
    datagram[6..8].copy_from_slice(&sum.to_be_bytes());
    Ok(datagram)
}
// ANCHOR_END: build

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));

    #[test]
    fn build_then_parse_round_trips_and_checks() {
        let d = build(A, 40000, A, 9999, b"Michael").unwrap();
        let (h, data) = parse(&d).unwrap();
        assert_eq!((h.src_port, h.dst_port, h.length), (40000, 9999, 15));
        assert_eq!(data, b"Michael");
        assert!(checksum_ok(A, A, &d));
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(
            !checksum_ok(A, other, &d),
            "the pseudo-header covers the addresses"
        );
    }

    #[test]
    fn a_corrupted_byte_fails_the_checksum() {
        let mut d = build(A, 1, A, 2, b"data").unwrap();
        d[9] ^= 0x20;
        assert!(!checksum_ok(A, A, &d));
    }

    #[test]
    fn ipv6_checksum_round_trips() {
        let (s, d): (IpAddr, IpAddr) = ("::1".parse().unwrap(), "2001:db8::2".parse().unwrap());
        let dgram = build(s, 5, d, 6, b"six").unwrap();
        assert!(checksum_ok(s, d, &dgram));
    }

    #[test]
    fn a_lying_length_is_an_error() {
        let mut d = build(A, 1, A, 2, b"data").unwrap();
        d[5] = 50;
        assert!(matches!(parse(&d), Err(Error::Truncated { .. })));
        d[5] = 3;
        assert!(matches!(parse(&d), Err(Error::Invalid { .. })));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..60)) {
            let _ = parse(&bytes);
            let _ = checksum_ok(A, A, &bytes);
        }

        #[test]
        fn round_trips(data in proptest::collection::vec(any::<u8>(), 0..100), sp in any::<u16>(), dp in any::<u16>()) {
            let d = build(A, sp, A, dp, &data).unwrap();
            prop_assert!(checksum_ok(A, A, &d));
            let (h, body) = parse(&d).unwrap();
            prop_assert_eq!((h.src_port, h.dst_port), (sp, dp));
            prop_assert_eq!(body, &data[..]);
        }
    }
}
