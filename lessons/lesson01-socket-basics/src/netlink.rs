//! AF_NETLINK: asking the Linux kernel for its network interfaces and addresses, the messages built and read by hand.
//!
//! A netlink socket does not talk to another machine: its peer is the kernel. `ip addr`
//! itself is a netlink client: it sends two requests, "dump every link" (`RTM_GETLINK`)
//! and "dump every address" (`RTM_GETADDR`), and prints the answers. Each request and
//! each answer is a *message*: a 16-byte header (`nlmsghdr`: length, type, flags,
//! sequence number, sender's port id), a fixed struct for the message type, then
//! *attributes*, each a 4-byte header (length, type) and a value, padded to 4 bytes.
//! One datagram may carry many messages; a dump ends with an `NLMSG_DONE` message.
//!
//! Netlink messages are in the machine's own byte order (they never leave the machine),
//! unlike the big-endian headers of IP and TCP (lesson 10). The parser here runs (and is
//! tested) on every system; only [`interfaces`] needs Linux.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `sizeof(struct nlmsghdr)`: every netlink message starts with it.
pub const HEADER_LEN: usize = 16;
/// `NLMSG_ERROR`: an error (or, with error 0, an acknowledgement).
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: the end of a dump.
pub const NLMSG_DONE: u16 = 3;
/// `RTM_NEWLINK`: one network interface (the answer to `RTM_GETLINK`).
pub const RTM_NEWLINK: u16 = 16;
/// `RTM_GETLINK`: "tell me about links".
pub const RTM_GETLINK: u16 = 18;
/// `RTM_NEWADDR`: one address of one interface (the answer to `RTM_GETADDR`).
pub const RTM_NEWADDR: u16 = 20;
/// `RTM_GETADDR`: "tell me about addresses".
pub const RTM_GETADDR: u16 = 22;
/// `NLM_F_REQUEST`: this message is a request.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): answer with every object, not one.
pub const NLM_F_DUMP: u16 = 0x300;
/// `sizeof(struct ifinfomsg)`: family, type, index, flags, change mask.
const IFINFOMSG_LEN: usize = 16;
/// `sizeof(struct ifaddrmsg)`: family, prefix length, flags, scope, index.
const IFADDRMSG_LEN: usize = 8;
/// `IFLA_IFNAME`: the interface's name, NUL-terminated.
const IFLA_IFNAME: u16 = 3;
/// `IFA_ADDRESS`: the address (for point-to-point links: the peer's).
const IFA_ADDRESS: u16 = 1;
/// `IFA_LOCAL`: the local address (what `ip addr` prints when present).
const IFA_LOCAL: u16 = 2;
/// `IFF_UP`: the administrator has switched the interface on.
const IFF_UP: u32 = 0x1;
/// `AF_INET` and `AF_INET6` as Linux numbers them (the wire values, on every host).
const LINUX_AF_INET: u8 = 2;
const LINUX_AF_INET6: u8 = 10;

/// Netlink aligns messages and attributes to 4 bytes (`NLMSG_ALIGN`, `RTA_ALIGN`).
fn align(len: usize) -> usize {
    (len + 3) & !3
}

/// A dump request for `kind` (`RTM_GETLINK` or `RTM_GETADDR`), all families.
///
/// The header, then a zeroed `ifinfomsg` or `ifaddrmsg`: family 0 (`AF_UNSPEC`) and
/// index 0 mean "no filter". The sender's port id is 0: the kernel fills it in.
pub fn dump_request(kind: u16, seq: u32) -> Vec<u8> {
    let body = if kind == RTM_GETLINK {
        IFINFOMSG_LEN
    } else {
        IFADDRMSG_LEN
    };
    let len = HEADER_LEN + body;
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as u32).to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.resize(len, 0);
    msg
}

/// Why a buffer is not a valid sequence of netlink messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer bytes than the part being read needs.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes it needs.
        need: usize,
        /// Bytes there are.
        have: usize,
    },
    /// A length field smaller than its own header.
    BadLength {
        /// What carries the length.
        what: &'static str,
        /// The length it claims.
        len: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Truncated { what, need, have } => {
                write!(f, "truncated {what}: needs {need} bytes, {have} left")
            }
            ParseError::BadLength { what, len } => {
                write!(
                    f,
                    "{what} claims a length of {len} bytes, less than its header"
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// One network interface, from an `RTM_NEWLINK` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The interface index (`ip` prints it before the name).
    pub index: u32,
    /// The name (`IFLA_IFNAME`), e.g. `lo`.
    pub name: String,
    /// `IFF_UP`: switched on by the administrator.
    pub up: bool,
}

/// One address of one interface, from an `RTM_NEWADDR` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The index of the interface that has it.
    pub index: u32,
    /// The address (`IFA_LOCAL` if present, else `IFA_ADDRESS`).
    pub addr: IpAddr,
    /// The prefix length: how many leading bits name the network (`/8`, `/64`).
    pub prefix_len: u8,
}

/// One parsed netlink message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An interface.
    Link(Link),
    /// An address.
    Address(Address),
    /// The end of a dump.
    Done,
    /// `NLMSG_ERROR`: 0 is an acknowledgement, otherwise a negated `errno`.
    Error(i32),
    /// Anything else (type kept), including addresses of other families.
    Other(u16),
}

/// A message's header fields this module uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The whole message's length, header included.
    pub len: usize,
    /// Its type (`RTM_NEWLINK`, `NLMSG_DONE`, ...).
    pub kind: u16,
    /// The request's sequence number, echoed by the kernel.
    pub seq: u32,
}

fn u16_at(buf: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([buf[at], buf[at + 1]])
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn need(what: &'static str, buf: &[u8], need: usize) -> Result<(), ParseError> {
    if buf.len() < need {
        return Err(ParseError::Truncated {
            what,
            need,
            have: buf.len(),
        });
    }
    Ok(())
}

/// Splits one received datagram into its messages, each with its header.
///
/// Never panics: a length that runs past the end, or is smaller than a header, is an
/// error, so a hostile or cut-off buffer cannot make the loop read out of bounds or
/// spin on a zero length.
pub fn parse(mut buf: &[u8]) -> Result<Vec<(Header, Message)>, ParseError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        need("message header", buf, HEADER_LEN)?;
        let len = u32_at(buf, 0) as usize;
        if len < HEADER_LEN {
            return Err(ParseError::BadLength {
                what: "message",
                len,
            });
        }
        need("message", buf, len)?;
        let header = Header {
            len,
            kind: u16_at(buf, 4),
            seq: u32_at(buf, 8),
        };
        let body = &buf[HEADER_LEN..len];
        out.push((header, message(header.kind, body)?));
        // The last message's padding may be missing from the datagram.
        buf = &buf[align(len).min(buf.len())..];
    }
    Ok(out)
}

/// Reads the body of one message of type `kind`.
fn message(kind: u16, body: &[u8]) -> Result<Message, ParseError> {
    Ok(match kind {
        NLMSG_DONE => Message::Done,
        NLMSG_ERROR => {
            need("error message", body, 4)?;
            Message::Error(u32_at(body, 0) as i32)
        }
        RTM_NEWLINK => {
            need("ifinfomsg", body, IFINFOMSG_LEN)?;
            let index = u32_at(body, 4);
            let up = u32_at(body, 8) & IFF_UP != 0;
            let mut name = None;
            for (kind, value) in attributes(&body[IFINFOMSG_LEN..])? {
                if kind == IFLA_IFNAME {
                    let text = value.split(|&b| b == 0).next().unwrap_or_default();
                    name = Some(String::from_utf8_lossy(text).into_owned());
                }
            }
            Message::Link(Link {
                index,
                name: name.unwrap_or_else(|| format!("if{index}")),
                up,
            })
        }
        RTM_NEWADDR => {
            need("ifaddrmsg", body, IFADDRMSG_LEN)?;
            let (family, prefix_len, index) = (body[0], body[1], u32_at(body, 4));
            let (mut local, mut address) = (None, None);
            for (kind, value) in attributes(&body[IFADDRMSG_LEN..])? {
                let addr = match (family, value.len()) {
                    (LINUX_AF_INET, 4) => {
                        IpAddr::V4(Ipv4Addr::new(value[0], value[1], value[2], value[3]))
                    }
                    (LINUX_AF_INET6, 16) => {
                        let mut octets = [0u8; 16];
                        octets.copy_from_slice(value);
                        IpAddr::V6(Ipv6Addr::from(octets))
                    }
                    _ => continue,
                };
                match kind {
                    IFA_LOCAL => local = Some(addr),
                    IFA_ADDRESS => address = Some(addr),
                    _ => {}
                }
            }
            match local.or(address) {
                Some(addr) => Message::Address(Address {
                    index,
                    addr,
                    prefix_len,
                }),
                None => Message::Other(kind),
            }
        }
        other => Message::Other(other),
    })
}

/// Splits a run of attributes into (type, value) pairs.
fn attributes(mut buf: &[u8]) -> Result<Vec<(u16, &[u8])>, ParseError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        need("attribute header", buf, 4)?;
        let len = usize::from(u16_at(buf, 0));
        if len < 4 {
            return Err(ParseError::BadLength {
                what: "attribute",
                len,
            });
        }
        need("attribute", buf, len)?;
        // The top bits of the type are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER).
        out.push((u16_at(buf, 2) & 0x3fff, &buf[4..len]));
        buf = &buf[align(len).min(buf.len())..];
    }
    Ok(out)
}

/// An interface with its addresses, as `ip addr` groups them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The interface index.
    pub index: u32,
    /// Its name.
    pub name: String,
    /// Switched on (`IFF_UP`).
    pub up: bool,
    /// Its addresses, as `ADDR/PREFIX`, in the kernel's order.
    pub addresses: Vec<String>,
}

/// Groups the links and addresses of two dumps by interface, in index order.
pub fn group(links: &[Link], addresses: &[Address]) -> Vec<Interface> {
    let mut out: Vec<Interface> = links
        .iter()
        .map(|link| Interface {
            index: link.index,
            name: link.name.clone(),
            up: link.up,
            addresses: addresses
                .iter()
                .filter(|a| a.index == link.index)
                .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                .collect(),
        })
        .collect();
    out.sort_by_key(|i| i.index);
    out
}

/// Asks the kernel for every interface and address over an `AF_NETLINK` socket.
#[cfg(target_os = "linux")]
pub fn interfaces() -> std::io::Result<Vec<Interface>> {
    let socket = open()?;
    let links = dump(&socket, RTM_GETLINK, 1)?
        .into_iter()
        .filter_map(|m| match m {
            Message::Link(link) => Some(link),
            _ => None,
        })
        .collect::<Vec<_>>();
    let addresses = dump(&socket, RTM_GETADDR, 2)?
        .into_iter()
        .filter_map(|m| match m {
            Message::Address(addr) => Some(addr),
            _ => None,
        })
        .collect::<Vec<_>>();
    Ok(group(&links, &addresses))
}

/// A netlink socket to the kernel's routing subsystem (`NETLINK_ROUTE`).
#[cfg(target_os = "linux")]
fn open() -> std::io::Result<socket2::Socket> {
    use socket2::{Domain, Protocol, Socket, Type};
    // ANCHOR: netlink_socket
    // socket2 has no constant for AF_NETLINK; any family number will do.
    let socket = Socket::new(
        Domain::from(libc::AF_NETLINK),
        Type::RAW,
        Some(Protocol::from(libc::NETLINK_ROUTE)),
    )?;
    // ANCHOR_END: netlink_socket
    socket.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    Ok(socket)
}

/// Sends one dump request and collects the messages answering it, up to `NLMSG_DONE`.
#[cfg(target_os = "linux")]
fn dump(socket: &socket2::Socket, kind: u16, seq: u32) -> std::io::Result<Vec<Message>> {
    use std::io::{Error, Read};
    use std::mem::MaybeUninit;
    // ANCHOR: netlink_dump
    // No address: an unconnected netlink socket sends to port 0, the kernel.
    socket.send(&dump_request(kind, seq))?;
    let mut messages = Vec::new();
    // Bounded: a dump of even thousands of interfaces takes far fewer datagrams.
    for _ in 0..10_000 {
        // MSG_PEEK | MSG_TRUNC: "how long is the next datagram?" (Linux), so the
        // buffer always fits it: a datagram read into too small a buffer is cut.
        let len = socket.recv_with_flags(
            &mut [] as &mut [MaybeUninit<u8>],
            libc::MSG_PEEK | libc::MSG_TRUNC,
        )?;
        let mut datagram = vec![0u8; len];
        let n = (&*socket).read(&mut datagram)?;
        for (header, message) in parse(&datagram[..n]).map_err(Error::other)? {
            if header.seq != seq {
                continue; // an answer to some other request
            }
            match message {
                Message::Done => return Ok(messages),
                Message::Error(0) => {}
                Message::Error(errno) => return Err(Error::from_raw_os_error(-errno)),
                other => messages.push(other),
            }
        }
    }
    // ANCHOR_END: netlink_dump
    Err(Error::other("the kernel's dump did not end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message of type `kind` with `body`, as the kernel would send it.
    fn msg(kind: u16, seq: u32, body: &[u8]) -> Vec<u8> {
        let len = HEADER_LEN + body.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&2u16.to_ne_bytes()); // NLM_F_MULTI
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&1234u32.to_ne_bytes());
        m.extend_from_slice(body);
        m.resize(align(len), 0);
        m
    }

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let len = 4 + value.len();
        let mut a = Vec::new();
        a.extend_from_slice(&(len as u16).to_ne_bytes());
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(value);
        a.resize(align(len), 0);
        a
    }

    fn link(index: u32, flags: u32, name: &str) -> Vec<u8> {
        let mut body = vec![0u8, 0, 0, 0];
        body.extend_from_slice(&index.to_ne_bytes());
        body.extend_from_slice(&flags.to_ne_bytes());
        body.extend_from_slice(&0u32.to_ne_bytes());
        body.extend(attr(4, &1500u32.to_ne_bytes())); // IFLA_MTU, ignored
        body.extend(attr(IFLA_IFNAME, format!("{name}\0").as_bytes()));
        msg(RTM_NEWLINK, 1, &body)
    }

    fn address(family: u8, prefix: u8, index: u32, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = vec![family, prefix, 0, 0];
        body.extend_from_slice(&index.to_ne_bytes());
        for (kind, value) in attrs {
            body.extend(attr(*kind, value));
        }
        msg(RTM_NEWADDR, 2, &body)
    }

    #[test]
    fn a_dump_request_is_header_and_zeroed_struct() {
        let req = dump_request(RTM_GETADDR, 7);
        assert_eq!(req.len(), 24);
        assert_eq!(u32_at(&req, 0), 24, "the length counts the header");
        assert_eq!(u16_at(&req, 4), RTM_GETADDR);
        assert_eq!(u16_at(&req, 6), 0x301, "NLM_F_REQUEST | NLM_F_DUMP");
        assert_eq!(u32_at(&req, 8), 7);
        assert!(req[12..].iter().all(|&b| b == 0));
        assert_eq!(dump_request(RTM_GETLINK, 1).len(), 32);
    }

    #[test]
    fn several_messages_in_one_datagram() {
        let mut buf = link(1, IFF_UP, "lo");
        buf.extend(link(4, 0, "eth0"));
        buf.extend(msg(NLMSG_DONE, 1, &0i32.to_ne_bytes()));
        let got: Vec<_> = parse(&buf).unwrap().into_iter().map(|(_, m)| m).collect();
        assert_eq!(
            got,
            [
                Message::Link(Link {
                    index: 1,
                    name: "lo".into(),
                    up: true
                }),
                Message::Link(Link {
                    index: 4,
                    name: "eth0".into(),
                    up: false
                }),
                Message::Done,
            ]
        );
    }

    #[test]
    fn ipv4_prefers_local_ipv6_takes_address() {
        // A point-to-point link: IFA_ADDRESS is the peer, IFA_LOCAL our end.
        let mut buf = address(
            LINUX_AF_INET,
            32,
            3,
            &[(IFA_ADDRESS, &[192, 0, 2, 9]), (IFA_LOCAL, &[192, 0, 2, 1])],
        );
        let v6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        buf.extend(address(
            LINUX_AF_INET6,
            64,
            3,
            &[(IFA_ADDRESS, &v6.octets())],
        ));
        let got: Vec<_> = parse(&buf).unwrap().into_iter().map(|(_, m)| m).collect();
        let addrs: Vec<_> = got
            .iter()
            .map(|m| match m {
                Message::Address(a) => format!("{}/{} on {}", a.addr, a.prefix_len, a.index),
                other => panic!("expected an address, got {other:?}"),
            })
            .collect();
        assert_eq!(addrs, ["192.0.2.1/32 on 3", "2001:db8::1/64 on 3"]);
    }

    #[test]
    fn an_error_message_carries_a_negated_errno() {
        let buf = msg(NLMSG_ERROR, 5, &(-1i32).to_ne_bytes());
        assert_eq!(parse(&buf).unwrap()[0].1, Message::Error(-1));
    }

    /// An RTM_NEWADDR for 127.0.0.1/8 on `lo`, as a Linux kernel sent it (x86-64).
    #[cfg(target_endian = "little")]
    const CAPTURED_LO: &str = "4c0000001400020001000000c04a0000020880fe01000000080001007f000001\
                               080002007f000001070003006c6f0000080008008000000014000600ffffffff\
                               ffffffff1300000013000000";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn a_captured_loopback_address() {
        let buf = unhex(CAPTURED_LO);
        let got = parse(&buf).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.kind, RTM_NEWADDR);
        assert_eq!(
            got[0].1,
            Message::Address(Address {
                index: 1,
                addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
                prefix_len: 8,
            })
        );
    }

    #[test]
    fn every_truncation_is_an_error_never_a_panic() {
        let mut buf = link(1, IFF_UP, "lo");
        buf.extend(address(
            LINUX_AF_INET,
            8,
            1,
            &[(IFA_LOCAL, &[127, 0, 0, 1])],
        ));
        assert!(parse(&buf).is_ok());
        for cut in 1..buf.len() {
            // Cut inside padding the result may still be whole; anything else must fail.
            let _ = parse(&buf[..cut]);
        }
        for cut in [1, 15, 20, 31, 40] {
            assert!(
                matches!(parse(&buf[..cut]), Err(ParseError::Truncated { .. })),
                "cut at {cut}: {:?}",
                parse(&buf[..cut])
            );
        }
    }

    #[test]
    fn lengths_too_small_or_too_large_are_errors() {
        let mut zero = link(1, IFF_UP, "lo");
        zero[..4].copy_from_slice(&0u32.to_ne_bytes());
        assert_eq!(
            parse(&zero),
            Err(ParseError::BadLength {
                what: "message",
                len: 0
            })
        );
        let mut huge = link(1, IFF_UP, "lo");
        huge[..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(matches!(parse(&huge), Err(ParseError::Truncated { .. })));
        // An attribute claiming 2 bytes (less than its own header).
        let mut bad_attr = link(1, IFF_UP, "lo");
        let at = HEADER_LEN + IFINFOMSG_LEN;
        bad_attr[at..at + 2].copy_from_slice(&2u16.to_ne_bytes());
        assert!(matches!(
            parse(&bad_attr),
            Err(ParseError::BadLength {
                what: "attribute",
                ..
            })
        ));
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small deterministic generator: every run covers the same 20,000 buffers.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut buf = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 96) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                buf.push(state as u8);
            }
            // Small plausible lengths make the parser go deeper than pure noise would.
            if buf.len() >= 4 {
                let claimed = (state as u32 >> 8) % 100;
                buf[..4].copy_from_slice(&claimed.to_ne_bytes());
            }
            let _ = parse(&buf);
        }
    }

    #[test]
    fn group_puts_addresses_under_their_interface() {
        let links = [
            Link {
                index: 2,
                name: "eth0".into(),
                up: true,
            },
            Link {
                index: 1,
                name: "lo".into(),
                up: true,
            },
        ];
        let addrs = [
            Address {
                index: 1,
                addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
                prefix_len: 8,
            },
            Address {
                index: 2,
                addr: "192.0.2.2".parse().unwrap(),
                prefix_len: 24,
            },
        ];
        let got = group(&links, &addrs);
        assert_eq!(got[0].name, "lo");
        assert_eq!(got[0].addresses, ["127.0.0.1/8"]);
        assert_eq!(got[1].addresses, ["192.0.2.2/24"]);
    }
}
