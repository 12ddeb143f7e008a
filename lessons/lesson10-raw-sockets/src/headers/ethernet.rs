//! The Ethernet header: 14 bytes before the IP packet on Ethernet, veth and `lo`
//! (where both addresses are zero), as an AF_PACKET socket delivers a frame.

use super::{be16, need, Error};

/// The header length (no VLAN tag).
pub const HEADER: usize = 14;
/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

/// Splits a frame into its EtherType (what the payload is) and payload.
pub fn parse(frame: &[u8]) -> Result<(u16, &[u8]), Error> {
    need("Ethernet", frame, HEADER)?;
    Ok((be16(frame, 12), &frame[HEADER..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_ethertype() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00, 0x45]);
        assert_eq!(parse(&frame).unwrap(), (ETHERTYPE_IPV4, &[0x45u8][..]));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..30)) {
            prop_assert_eq!(parse(&bytes).is_ok(), bytes.len() >= HEADER);
        }
    }
}
