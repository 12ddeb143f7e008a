//! The Internet checksum (RFC 1071), used by IPv4, ICMP, UDP and TCP alike.
//!
//! Add the data up as 16-bit big-endian words in *ones' complement* arithmetic (a
//! carry out of the top bit is added back at the bottom), then invert the bits. A
//! receiver adds up the same bytes *including* the checksum field and must get
//! `0xffff`, whose inverse is 0: [`checksum`] of an intact message is 0.
//!
//! UDP, TCP and ICMPv6 also cover a *pseudo-header* (addresses, protocol, length)
//! that is not sent in their own header: a segment delivered to the wrong address
//! then fails its checksum. [`pseudo_header_v4`] and [`pseudo_header_v6`] add it.

use std::net::{Ipv4Addr, Ipv6Addr};

// ANCHOR: sum
/// A running ones' complement sum: add pieces with [`Sum::add_bytes`], end with [`Sum::finish`].
///
/// Kept in 64 bits and folded only at the end, so no carry is ever lost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sum(u64);

impl Sum {
    /// Adds `data` as big-endian 16-bit words; an odd last byte is padded with a zero.
    ///
    /// Pieces added one after the other must each have an even length except the
    /// last, as they would in one buffer.
    pub fn add_bytes(mut self, data: &[u8]) -> Sum {
        let mut words = data.chunks_exact(2);
        for word in &mut words {
            self.0 += u64::from(u16::from_be_bytes([word[0], word[1]]));
        }
        if let [last] = words.remainder() {
            self.0 += u64::from(u16::from_be_bytes([*last, 0]));
        }
        self
    }

    /// Adds one 16-bit value (a length, a protocol number).
    pub fn add_u16(mut self, value: u16) -> Sum {
        self.0 += u64::from(value);
        self
    }

    /// Folds the carries back in and inverts: the value to put in a checksum field.
    pub fn finish(self) -> u16 {
        let mut sum = self.0;
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }
}
// ANCHOR_END: sum

/// The checksum of `data`: the value to store in the (zeroed) checksum field, or 0
/// when `data` already contains a correct checksum.
pub fn checksum(data: &[u8]) -> u16 {
    Sum::default().add_bytes(data).finish()
}

/// The sum of the IPv4 pseudo-header UDP and TCP checksums cover: source, destination,
/// zero, protocol and the transport length (header + data).
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> Sum {
    Sum::default()
        .add_bytes(&src.octets())
        .add_bytes(&dst.octets())
        .add_u16(u16::from(protocol))
        .add_u16(length)
}

/// The sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source, destination,
/// a 32-bit length and the next-header value. ICMPv6 uses it too, unlike ICMPv4.
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, length: u32) -> Sum {
    Sum::default()
        .add_bytes(&src.octets())
        .add_bytes(&dst.octets())
        .add_bytes(&length.to_be_bytes())
        .add_u16(u16::from(next_header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_1071_example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with carries).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn a_real_ipv4_header() {
        // Captured header, checksum 0xb861 at bytes 10-11.
        let mut header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&header), 0, "an intact header sums to zero");
        header[10] = 0;
        header[11] = 0;
        assert_eq!(checksum(&header), 0xb861);
    }

    proptest! {
        #[test]
        fn storing_the_checksum_makes_the_sum_zero(mut data in proptest::collection::vec(any::<u8>(), 2..200)) {
            if data.len() % 2 == 1 { data.push(0); }
            data[0] = 0;
            data[1] = 0;
            let sum = checksum(&data);
            data[..2].copy_from_slice(&sum.to_be_bytes());
            prop_assert_eq!(checksum(&data), 0);
        }

        #[test]
        fn adding_in_pieces_is_adding_at_once(data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..100) {
            let cut = (cut * 2).min(data.len() & !1);
            let pieces = Sum::default().add_bytes(&data[..cut]).add_bytes(&data[cut..]).finish();
            prop_assert_eq!(pieces, checksum(&data));
        }

        #[test]
        fn flipping_one_bit_is_always_detected(data in proptest::collection::vec(any::<u8>(), 2..100), bit in 0usize..800) {
            let bit = bit % (data.len() * 8);
            let mut flipped = data.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_ne!(checksum(&data), checksum(&flipped));
        }
    }
}
