//! From a captured Ethernet frame to what tcpdump would print about it.
//!
//! [`summarize`] parses the headers (by hand, with [`crate::headers`]); [`Tracker`]
//! remembers each TCP direction's first sequence number so that, like tcpdump,
//! later numbers are shown *relative* to it: the first data byte is 1, not 3018472913.

use crate::headers::icmp::{self, Family};
use crate::headers::tcp::{self, Flags};
use crate::headers::{ethernet, ipv4, ipv6, udp, Error};
use std::collections::HashMap;
use std::net::IpAddr;

/// What a frame carried, as far as the lesson cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    /// An IPv4 or IPv6 packet.
    Ip(IpPacket),
    /// Anything else (ARP, ...): its EtherType.
    Other {
        /// The EtherType.
        ethertype: u16,
        /// Frame length.
        len: usize,
    },
}

/// An IP packet's addresses and transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpPacket {
    /// Sender.
    pub src: IpAddr,
    /// Receiver.
    pub dst: IpAddr,
    /// What it carries.
    pub transport: Transport,
}

/// The transport header's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A TCP segment.
    Tcp {
        /// The parsed header.
        header: tcp::Header,
        /// Its data.
        payload: Vec<u8>,
    },
    /// A UDP datagram.
    Udp {
        /// The parsed header.
        header: udp::Header,
        /// Its data.
        payload: Vec<u8>,
    },
    /// An ICMP or ICMPv6 message.
    Icmp {
        /// tcpdump's description: `echo request, id 7, seq 1`.
        description: String,
        /// Message length.
        len: usize,
    },
    /// Another protocol, by number.
    Other {
        /// Protocol (IPv4) or next header (IPv6).
        protocol: u8,
    },
}

/// Parses a frame as far as its headers allow.
pub fn summarize(frame: &[u8]) -> Result<Summary, Error> {
    let (ethertype, packet) = ethernet::parse(frame)?;
    let (src, dst, protocol, payload, family) = match ethertype {
        ethernet::ETHERTYPE_IPV4 => {
            let (h, payload) = ipv4::parse(packet)?;
            (
                IpAddr::V4(h.src),
                IpAddr::V4(h.dst),
                h.protocol,
                payload,
                Family::V4,
            )
        }
        ethernet::ETHERTYPE_IPV6 => {
            let (h, payload) = ipv6::parse(packet)?;
            (
                IpAddr::V6(h.src),
                IpAddr::V6(h.dst),
                h.next_header,
                payload,
                Family::V6,
            )
        }
        _ => {
            return Ok(Summary::Other {
                ethertype,
                len: frame.len(),
            })
        }
    };
    let transport = match (protocol, family) {
        (ipv4::PROTO_TCP, _) => {
            let (header, data) = tcp::parse(payload)?;
            Transport::Tcp {
                header,
                payload: data.to_vec(),
            }
        }
        (ipv4::PROTO_UDP, _) => {
            let (header, data) = udp::parse(payload)?;
            Transport::Udp {
                header,
                payload: data.to_vec(),
            }
        }
        (ipv4::PROTO_ICMP, Family::V4) | (ipv6::NEXT_ICMPV6, Family::V6) => {
            let message = icmp::parse(payload)?;
            Transport::Icmp {
                description: message.describe(family),
                len: payload.len(),
            }
        }
        (protocol, _) => Transport::Other { protocol },
    };
    Ok(Summary::Ip(IpPacket {
        src,
        dst,
        transport,
    }))
}

/// Which packets to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only TCP/UDP packets from or to this port.
    pub port: Option<u16>,
    /// Only this protocol: "tcp", "udp" or "icmp".
    pub protocol: Option<String>,
}

impl Filter {
    /// Whether `summary` passes.
    pub fn matches(&self, summary: &Summary) -> bool {
        let Summary::Ip(p) = summary else {
            return self.port.is_none() && self.protocol.is_none();
        };
        let (name, ports) = match &p.transport {
            Transport::Tcp { header, .. } => ("tcp", Some((header.src_port, header.dst_port))),
            Transport::Udp { header, .. } => ("udp", Some((header.src_port, header.dst_port))),
            Transport::Icmp { .. } => ("icmp", None),
            Transport::Other { .. } => ("other", None),
        };
        let port_ok = match (self.port, ports) {
            (None, _) => true,
            (Some(want), Some((s, d))) => s == want || d == want,
            (Some(_), None) => false,
        };
        port_ok && self.protocol.as_deref().is_none_or(|want| want == name)
    }
}

/// The sequence numbers of one segment, relative to each direction's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relative {
    /// `seq` minus this direction's initial sequence number.
    pub seq: u32,
    /// `ack` minus the other direction's initial sequence number.
    pub ack: u32,
}

/// Remembers initial sequence numbers per direction, from the SYNs seen.
#[derive(Debug, Default)]
pub struct Tracker {
    /// (src, src port, dst, dst port) -> initial sequence number of that direction.
    isn: HashMap<(IpAddr, u16, IpAddr, u16), u32>,
}

impl Tracker {
    /// The relative numbers of a TCP segment (absolute ones if its SYN was not seen).
    pub fn relative(&mut self, p: &IpPacket) -> Option<Relative> {
        let Transport::Tcp { header, .. } = &p.transport else {
            return None;
        };
        let here = (p.src, header.src_port, p.dst, header.dst_port);
        let back = (p.dst, header.dst_port, p.src, header.src_port);
        if header.flags.has(Flags::SYN) {
            self.isn.insert(here, header.seq);
        }
        let own = self.isn.get(&here).copied().unwrap_or(0);
        let other = self.isn.get(&back).copied().unwrap_or(0);
        Some(Relative {
            seq: header.seq.wrapping_sub(own),
            ack: header.ack.wrapping_sub(other),
        })
    }
}

/// `127.0.0.1.50001` (tcpdump joins address and port with a dot).
fn endpoint(ip: IpAddr, port: u16) -> String {
    format!("{ip}.{port}")
}

/// The line tcpdump prints for a packet, without the time in front.
pub fn line(summary: &Summary, relative: Option<Relative>) -> String {
    let p = match summary {
        Summary::Ip(p) => p,
        Summary::Other { ethertype, len } => {
            return format!("ethertype 0x{ethertype:04x}, length {len}");
        }
    };
    let ip = if p.src.is_ipv4() { "IP" } else { "IP6" };
    match &p.transport {
        Transport::Tcp { header, payload } => {
            let rel = relative.unwrap_or(Relative {
                seq: header.seq,
                ack: header.ack,
            });
            // SYNs show absolute numbers, as tcpdump does.
            let (seq, ack) = if header.flags.has(Flags::SYN) {
                (header.seq, header.ack)
            } else {
                (rel.seq, rel.ack)
            };
            let mut text = format!(
                "{ip} {} > {}: Flags [{}]",
                endpoint(p.src, header.src_port),
                endpoint(p.dst, header.dst_port),
                header.flags
            );
            let len = payload.len() as u32;
            if len > 0 {
                text.push_str(&format!(", seq {seq}:{}", seq.wrapping_add(len)));
            } else if header.flags.0 & (Flags::SYN | Flags::FIN | Flags::RST) != 0 {
                text.push_str(&format!(", seq {seq}"));
            }
            if header.flags.has(Flags::ACK) {
                text.push_str(&format!(", ack {ack}"));
            }
            text.push_str(&format!(", win {}, length {len}", header.window));
            text
        }
        Transport::Udp { header, payload } => format!(
            "{ip} {} > {}: UDP, length {}",
            endpoint(p.src, header.src_port),
            endpoint(p.dst, header.dst_port),
            payload.len()
        ),
        Transport::Icmp { description, len } => {
            let icmp = if p.src.is_ipv4() { "ICMP" } else { "ICMP6," };
            format!(
                "{ip} {} > {}: {icmp} {description}, length {len}",
                p.src, p.dst
            )
        }
        Transport::Other { protocol } => {
            format!("{ip} {} > {}: ip-proto-{protocol}", p.src, p.dst)
        }
    }
}

/// Up to `max` characters of `data`, escaped (`\n`, `\r`), for a label.
pub fn preview(data: &[u8], max: usize) -> String {
    let text: String = String::from_utf8_lossy(data)
        .chars()
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > max {
        format!("{}…", text.chars().take(max).collect::<String>())
    } else {
        text
    }
}

/// Flag names in a readable order: `SYN, ACK`.
pub fn flag_names(flags: Flags) -> String {
    let names: Vec<&str> = [
        (Flags::SYN, "SYN"),
        (Flags::FIN, "FIN"),
        (Flags::RST, "RST"),
        (Flags::PSH, "PSH"),
        (Flags::ACK, "ACK"),
    ]
    .iter()
    .filter(|(bit, _)| flags.has(*bit))
    .map(|(_, name)| *name)
    .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::checksum::Sum;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    /// An Ethernet frame with an IPv4 packet around `transport`.
    pub(crate) fn frame(protocol: u8, transport: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let fields = ipv4::Fields {
            identification: 1,
            ttl: 64,
            protocol,
            src: Ipv4Addr::LOCALHOST,
            dst: Ipv4Addr::LOCALHOST,
        };
        f.extend_from_slice(&ipv4::build(&fields, transport.len()).unwrap());
        f.extend_from_slice(transport);
        f
    }

    fn tcp(seq: u32, ack: u32, flags: u8, data: &[u8], from_client: bool) -> Vec<u8> {
        let (s, d) = if from_client {
            (50000u16, 9999u16)
        } else {
            (9999, 50000)
        };
        let mut t = vec![0u8; 20];
        t[0..2].copy_from_slice(&s.to_be_bytes());
        t[2..4].copy_from_slice(&d.to_be_bytes());
        t[4..8].copy_from_slice(&seq.to_be_bytes());
        t[8..12].copy_from_slice(&ack.to_be_bytes());
        t[12] = 5 << 4;
        t[13] = flags;
        t[14..16].copy_from_slice(&512u16.to_be_bytes());
        t.extend_from_slice(data);
        frame(ipv4::PROTO_TCP, &t)
    }

    fn lines(frames: &[Vec<u8>]) -> Vec<String> {
        let mut tracker = Tracker::default();
        frames
            .iter()
            .map(|f| {
                let s = summarize(f).unwrap();
                let rel = match &s {
                    Summary::Ip(p) => tracker.relative(p),
                    _ => None,
                };
                line(&s, rel)
            })
            .collect()
    }

    #[test]
    fn a_session_prints_as_tcpdump_prints_it() {
        let got = lines(&[
            tcp(1000, 0, Flags::SYN, b"", true),
            tcp(5000, 1001, Flags::SYN | Flags::ACK, b"", false),
            tcp(1001, 5001, Flags::ACK, b"", true),
            tcp(5001, 1001, Flags::PSH | Flags::ACK, b"Welcome!\n", false),
            tcp(1001, 5010, Flags::FIN | Flags::ACK, b"", true),
        ]);
        assert_eq!(
            got,
            [
                "IP 127.0.0.1.50000 > 127.0.0.1.9999: Flags [S], seq 1000, win 512, length 0",
                "IP 127.0.0.1.9999 > 127.0.0.1.50000: Flags [S.], seq 5000, ack 1001, win 512, length 0",
                "IP 127.0.0.1.50000 > 127.0.0.1.9999: Flags [.], ack 1, win 512, length 0",
                "IP 127.0.0.1.9999 > 127.0.0.1.50000: Flags [P.], seq 1:10, ack 1, win 512, length 9",
                "IP 127.0.0.1.50000 > 127.0.0.1.9999: Flags [F.], seq 1, ack 10, win 512, length 0",
            ]
        );
    }

    #[test]
    fn udp_and_icmp_lines() {
        let u = udp::build(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            40000,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            9999,
            b"Michael",
        )
        .unwrap();
        let i = icmp::encode_echo(icmp::V4_ECHO_REQUEST, 7, 1, &[0; 56], Sum::default());
        assert_eq!(
            lines(&[frame(ipv4::PROTO_UDP, &u), frame(ipv4::PROTO_ICMP, &i)]),
            [
                "IP 127.0.0.1.40000 > 127.0.0.1.9999: UDP, length 7",
                "IP 127.0.0.1 > 127.0.0.1: ICMP echo request, id 7, seq 1, length 64",
            ]
        );
    }

    #[test]
    fn the_filter_keeps_one_port_and_protocol() {
        let s = summarize(&tcp(1, 0, Flags::SYN, b"", true)).unwrap();
        let port = |p| Filter {
            port: Some(p),
            protocol: None,
        };
        assert!(port(9999).matches(&s) && port(50000).matches(&s) && !port(80).matches(&s));
        let udp_only = Filter {
            port: None,
            protocol: Some("udp".into()),
        };
        assert!(!udp_only.matches(&s));
    }

    #[test]
    fn previews_escape_and_cut() {
        assert_eq!(preview(b"Welcome!\n", 20), "Welcome!\\n");
        assert_eq!(preview(b"abcdef", 3), "abc…");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_frame(mut bytes in proptest::collection::vec(any::<u8>(), 0..120), kind in 0u8..3) {
            if bytes.len() > 14 {
                let ethertype: [u8; 2] = match kind { 0 => [0x08, 0], 1 => [0x86, 0xdd], _ => [0x08, 0x06] };
                bytes[12..14].copy_from_slice(&ethertype);
                if kind == 0 { bytes[14] = 0x45; }
            }
            let mut tracker = Tracker::default();
            if let Ok(s) = summarize(&bytes) {
                let rel = match &s { Summary::Ip(p) => tracker.relative(p), _ => None };
                let _ = line(&s, rel);
                let _ = Filter { port: Some(1), protocol: Some("tcp".into()) }.matches(&s);
            }
        }

        #[test]
        fn truncated_real_frames_are_errors_not_panics(cut in 0usize..60) {
            let f = tcp(1, 2, Flags::PSH | Flags::ACK, b"hello", true);
            let cut = cut.min(f.len() - 1);
            prop_assert!(summarize(&f[..cut]).is_err());
        }
    }
}
