//! ICMP (RFC 792) and ICMPv6 (RFC 4443): the network's own messages.
//!
//! Every message starts the same way: a type, a code, a checksum and 4 more bytes
//! whose meaning depends on the type. An *echo* (ping) puts an identifier and a
//! sequence number there, and the reply copies them and the data back. An *error*
//! (destination unreachable, time exceeded) quotes the start of the packet that
//! caused it, so the sender can tell which of its packets failed.
//!
//! ```text
//! |     Type      |     Code      |          Checksum             |
//! |           Identifier          |        Sequence Number        |   (echo)
//! |     Data ...
//! ```
//!
//! ICMPv4's checksum covers the message alone; ICMPv6's also covers a pseudo-header
//! with both addresses, like UDP and TCP.

use super::checksum::{checksum, pseudo_header_v6, Sum};
use super::{be16, ipv4, ipv6, need, Error};
use std::net::{IpAddr, Ipv6Addr};

/// The common header: type, code, checksum, 4 type-specific bytes.
pub const HEADER: usize = 8;

/// ICMPv4 type: echo reply.
pub const V4_ECHO_REPLY: u8 = 0;
/// ICMPv4 type: destination unreachable.
pub const V4_DEST_UNREACHABLE: u8 = 3;
/// ICMPv4 type: echo request.
pub const V4_ECHO_REQUEST: u8 = 8;
/// ICMPv4 type: time exceeded (TTL reached zero in transit).
pub const V4_TIME_EXCEEDED: u8 = 11;
/// ICMPv6 type: destination unreachable.
pub const V6_DEST_UNREACHABLE: u8 = 1;
/// ICMPv6 type: time exceeded (hop limit reached zero).
pub const V6_TIME_EXCEEDED: u8 = 3;
/// ICMPv6 type: echo request.
pub const V6_ECHO_REQUEST: u8 = 128;
/// ICMPv6 type: echo reply.
pub const V6_ECHO_REPLY: u8 = 129;

/// Which ICMP: the two use different type numbers and checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// ICMP for IPv4.
    V4,
    /// ICMPv6.
    V6,
}

/// A parsed ICMP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// What kind of message (see the constants).
    pub kind: u8,
    /// A detail of the kind (e.g. which "unreachable").
    pub code: u8,
    /// As received.
    pub checksum: u16,
    /// The 4 type-specific bytes: identifier and sequence for an echo.
    pub rest: [u8; 4],
    /// Everything after the 8-byte header.
    pub body: &'a [u8],
}

/// An echo request or reply's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo<'a> {
    /// Chosen by the sender to recognise its replies (the process id, classically;
    /// Linux ping sockets set it themselves).
    pub ident: u16,
    /// Counts the requests: 1, 2, 3...
    pub seq: u16,
    /// Data the reply must carry back unchanged.
    pub payload: &'a [u8],
}

/// What an ICMP error says about one of our packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    /// The failed packet's destination.
    pub dst: IpAddr,
    /// Its protocol (1 ICMP, 58 ICMPv6, 17 UDP, ...).
    pub protocol: u8,
    /// Its first 8 transport bytes: an echo's ident and seq, or UDP's ports.
    pub transport: Vec<u8>,
}

/// Parses an ICMP message (header and body); the checksum is checked separately.
pub fn parse(bytes: &[u8]) -> Result<Message<'_>, Error> {
    need("ICMP", bytes, HEADER)?;
    Ok(Message {
        kind: bytes[0],
        code: bytes[1],
        checksum: be16(bytes, 2),
        rest: [bytes[4], bytes[5], bytes[6], bytes[7]],
        body: &bytes[HEADER..],
    })
}

impl<'a> Message<'a> {
    /// The echo fields, if this is an echo request or reply of `family`.
    pub fn echo(&self, family: Family) -> Option<Echo<'a>> {
        let echo_kinds = match family {
            Family::V4 => [V4_ECHO_REQUEST, V4_ECHO_REPLY],
            Family::V6 => [V6_ECHO_REQUEST, V6_ECHO_REPLY],
        };
        echo_kinds.contains(&self.kind).then(|| Echo {
            ident: u16::from_be_bytes([self.rest[0], self.rest[1]]),
            seq: u16::from_be_bytes([self.rest[2], self.rest[3]]),
            payload: self.body,
        })
    }

    /// Whether this is an echo *reply*.
    pub fn is_echo_reply(&self, family: Family) -> bool {
        self.kind
            == match family {
                Family::V4 => V4_ECHO_REPLY,
                Family::V6 => V6_ECHO_REPLY,
            }
    }

    /// For an error message (unreachable, time exceeded), the packet it quotes.
    pub fn quoted(&self, family: Family) -> Option<Quoted> {
        match family {
            Family::V4 if [V4_DEST_UNREACHABLE, V4_TIME_EXCEEDED].contains(&self.kind) => {
                let (h, transport) = ipv4::parse_quoted(self.body).ok()?;
                Some(Quoted {
                    dst: IpAddr::V4(h.dst),
                    protocol: h.protocol,
                    transport: transport[..transport.len().min(8)].to_vec(),
                })
            }
            Family::V6 if [V6_DEST_UNREACHABLE, V6_TIME_EXCEEDED].contains(&self.kind) => {
                let (h, transport) = ipv6::parse_quoted(self.body).ok()?;
                Some(Quoted {
                    dst: IpAddr::V6(h.dst),
                    protocol: h.next_header,
                    transport: transport[..transport.len().min(8)].to_vec(),
                })
            }
            _ => None,
        }
    }

    /// A short description as tcpdump gives it: `echo request, id 7, seq 1`.
    pub fn describe(&self, family: Family) -> String {
        if let Some(echo) = self.echo(family) {
            let what = if self.is_echo_reply(family) {
                "echo reply"
            } else {
                "echo request"
            };
            return format!("{what}, id {}, seq {}", echo.ident, echo.seq);
        }
        let name = match (family, self.kind) {
            (Family::V4, V4_TIME_EXCEEDED) | (Family::V6, V6_TIME_EXCEEDED) => {
                "time exceeded in-transit"
            }
            (Family::V4, V4_DEST_UNREACHABLE) | (Family::V6, V6_DEST_UNREACHABLE) => {
                "destination unreachable"
            }
            _ => return format!("type {}, code {}", self.kind, self.code),
        };
        format!("{name} (code {})", self.code)
    }
}

// ANCHOR: encode
/// An echo request (or reply) with `ident`, `seq` and `payload`; `pseudo` is the
/// pseudo-header's sum for ICMPv6 ([`pseudo_v6`]) or `Sum::default()` for ICMPv4.
pub fn encode_echo(kind: u8, ident: u16, seq: u16, payload: &[u8], pseudo: Sum) -> Vec<u8> {
    let mut message = Vec::with_capacity(HEADER + payload.len());
    message.push(kind);
    message.push(0); // code: always 0 for echoes
    message.extend_from_slice(&[0, 0]); // checksum: zero while computing it
    message.extend_from_slice(&ident.to_be_bytes());
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(payload);
    let sum = pseudo.add_bytes(&message).finish();
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    message
}
// ANCHOR_END: encode

/// The ICMPv6 pseudo-header's sum for a message of `len` bytes from `src` to `dst`.
pub fn pseudo_v6(src: Ipv6Addr, dst: Ipv6Addr, len: usize) -> Sum {
    pseudo_header_v6(src, dst, ipv6::NEXT_ICMPV6, len as u32)
}

/// Whether an ICMPv4 message's checksum is right.
pub fn checksum_ok_v4(message: &[u8]) -> bool {
    message.len() >= HEADER && checksum(message) == 0
}

/// Whether an ICMPv6 message from `src` to `dst` has the right checksum.
pub fn checksum_ok_v6(src: Ipv6Addr, dst: Ipv6Addr, message: &[u8]) -> bool {
    message.len() >= HEADER
        && pseudo_v6(src, dst, message.len())
            .add_bytes(message)
            .finish()
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    #[test]
    fn an_echo_request_round_trips() {
        let m = encode_echo(V4_ECHO_REQUEST, 0x1234, 7, b"abc", Sum::default());
        assert!(checksum_ok_v4(&m));
        let parsed = parse(&m).unwrap();
        let echo = parsed.echo(Family::V4).unwrap();
        assert_eq!(
            (echo.ident, echo.seq, echo.payload),
            (0x1234, 7, &b"abc"[..])
        );
        assert!(!parsed.is_echo_reply(Family::V4));
        assert_eq!(parsed.describe(Family::V4), "echo request, id 4660, seq 7");
    }

    #[test]
    fn a_known_echo_request_has_the_known_checksum() {
        // `ping -p 61 -s 4` style request: type 8, id 1, seq 1, "aaaa".
        let m = encode_echo(V4_ECHO_REQUEST, 1, 1, b"aaaa", Sum::default());
        // 0800 + 0001 + 0001 + 6161 + 6161 = 0xcac4; inverted: 0x353b.
        assert_eq!(&m[2..4], &[0x35, 0x3b]);
    }

    #[test]
    fn icmpv6_checksum_needs_the_right_addresses() {
        let (a, b) = (Ipv6Addr::LOCALHOST, "2001:db8::2".parse().unwrap());
        let m = encode_echo(V6_ECHO_REQUEST, 9, 1, b"x", pseudo_v6(a, b, 9));
        assert!(checksum_ok_v6(a, b, &m));
        assert!(!checksum_ok_v6(a, a, &m));
    }

    #[test]
    fn time_exceeded_quotes_our_echo() {
        let echo = encode_echo(V4_ECHO_REQUEST, 77, 3, &[0; 56], Sum::default());
        let fields = ipv4::Fields {
            identification: 0,
            ttl: 1,
            protocol: ipv4::PROTO_ICMP,
            src: Ipv4Addr::new(198, 51, 100, 2),
            dst: Ipv4Addr::new(192, 0, 2, 2),
        };
        let mut original = ipv4::build(&fields, echo.len()).unwrap().to_vec();
        original.extend_from_slice(&echo[..8]); // routers quote at least 8 bytes
        let mut error = vec![V4_TIME_EXCEEDED, 0, 0, 0, 0, 0, 0, 0];
        error.extend_from_slice(&original);
        let m = parse(&error).unwrap();
        let q = m.quoted(Family::V4).unwrap();
        assert_eq!(q.dst, IpAddr::V4(fields.dst));
        assert_eq!(q.protocol, ipv4::PROTO_ICMP);
        let inner = parse(&q.transport).unwrap().echo(Family::V4).unwrap();
        assert_eq!((inner.ident, inner.seq), (77, 3));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(m) = parse(&bytes) {
                let _ = m.quoted(Family::V4);
                let _ = m.quoted(Family::V6);
                let _ = m.describe(Family::V4);
                let _ = m.describe(Family::V6);
            }
            let _ = checksum_ok_v4(&bytes);
            let _ = checksum_ok_v6(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST, &bytes);
        }

        #[test]
        fn a_corrupted_echo_fails_its_checksum(payload in proptest::collection::vec(any::<u8>(), 0..64), at in 0usize..72, bit in 0u8..8) {
            let mut m = encode_echo(V4_ECHO_REPLY, 1, 2, &payload, Sum::default());
            let at = at % m.len();
            m[at] ^= 1 << bit;
            prop_assert!(!checksum_ok_v4(&m));
        }

        #[test]
        fn quoted_errors_with_lying_lengths_never_panic(kind in prop_oneof![Just(3u8), Just(11u8), Just(1u8)], body in proptest::collection::vec(any::<u8>(), 0..80), total in any::<u16>()) {
            let mut error = vec![kind, 0, 0, 0, 0, 0, 0, 0, 0x45, 0];
            error.extend_from_slice(&total.to_be_bytes());
            error.extend_from_slice(&body);
            let m = parse(&error).unwrap();
            let _ = m.quoted(Family::V4);
            let _ = m.quoted(Family::V6);
        }
    }
}
