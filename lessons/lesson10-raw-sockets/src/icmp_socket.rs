//! An ICMP socket for echoes: a ping socket where allowed, else a raw one.
//!
//! Both kinds send the same bytes (an ICMP echo request), but receive differently:
//!
//! | | ping socket (`SOCK_DGRAM`) | raw socket (`SOCK_RAW`) |
//! |---|---|---|
//! | privilege | group in `net.ipv4.ping_group_range` | root or `CAP_NET_RAW` |
//! | identifier | set by the kernel (the socket's "port") | ours: the process id |
//! | IPv4 receive | the ICMP message | the IP header, then the message |
//! | whose replies | only this socket's | every ICMP packet the host gets |
//! | ICMP errors | on the error queue (`IP_RECVERR`) | as ordinary ICMP messages |
//!
//! [`IcmpSocket::next_event`] hides these differences from ping and traceroute.

use crate::headers::checksum::Sum;
use crate::headers::icmp::{self, Family};
use crate::headers::ipv4;
use crate::privilege;
use crate::sys;
use anyhow::Context;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Instant;

/// Which kind of socket we got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Linux's unprivileged ping socket.
    Ping,
    /// A raw socket (root or CAP_NET_RAW).
    Raw,
}

/// An open ICMP socket.
pub struct IcmpSocket {
    /// The socket itself, non-blocking: [`IcmpSocket::next_event`] waits with poll.
    socket: Socket,
    /// Ping or raw.
    pub kind: Kind,
    /// ICMP or ICMPv6.
    pub family: Family,
    /// Our echo identifier (for a ping socket, known after the first send).
    ident: u16,
    /// Our own address towards the destination (IPv6 replies' checksums cover it).
    local: Option<IpAddr>,
}

/// Something that arrived for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An echo reply to one of our requests, checksum checked.
    Reply {
        /// Who answered.
        from: IpAddr,
        /// The request's sequence number.
        seq: u16,
        /// Bytes of ICMP message (header + data), as ping reports them.
        bytes: usize,
        /// The reply's TTL on arrival, when known.
        ttl: Option<u8>,
    },
    /// An ICMP error about one of our requests: time exceeded, unreachable.
    Error {
        /// The router or host that sent it.
        from: IpAddr,
        /// The failed request's sequence number.
        seq: u16,
        /// ICMP type.
        kind: u8,
        /// ICMP code.
        code: u8,
    },
}

// ANCHOR: open
/// Opens an ICMP socket for `family`: a ping socket, else a raw one, else an error
/// that says how to get either.
pub fn open(family: Family) -> anyhow::Result<IcmpSocket> {
    let (domain, protocol) = match family {
        Family::V4 => (Domain::IPV4, Protocol::ICMPV4),
        Family::V6 => (Domain::IPV6, Protocol::ICMPV6),
    };
    let v6 = family == Family::V6;
    let (socket, kind) = match Socket::new(domain, Type::DGRAM, Some(protocol)) {
        Ok(socket) => {
            sys::ask_for_errors(&socket, v6).context("cannot ask for ICMP errors")?;
            (socket, Kind::Ping)
        }
        Err(ping_err) => match Socket::new(domain, Type::RAW, Some(protocol)) {
            Ok(socket) => (socket, Kind::Raw),
            Err(raw_err) if privilege::is_denied(&raw_err) => {
                return Err(privilege::icmp_denied(&privilege::this_program(), raw_err).into())
            }
            Err(raw_err) => {
                return Err(anyhow::Error::new(raw_err).context(format!(
                    "cannot open an ICMP socket (ping socket: {ping_err})"
                )))
            }
        },
    };
    // A raw IPv4 socket delivers the IP header, TTL included; the others need asking.
    if kind == Kind::Ping || v6 {
        sys::ask_for_ttl(&socket, v6).context("cannot ask for the TTL of replies")?;
    }
    socket.set_nonblocking(true)?;
    Ok(IcmpSocket {
        socket,
        kind,
        family,
        ident: std::process::id() as u16,
        local: None,
    })
}
// ANCHOR_END: open

/// The family of `addr`.
pub fn family_of(addr: IpAddr) -> Family {
    if addr.is_ipv4() {
        Family::V4
    } else {
        Family::V6
    }
}

/// The source address the system would use to reach `dst` (no packet is sent:
/// connecting a UDP socket only asks the routing table).
pub fn source_for(dst: IpAddr) -> io::Result<IpAddr> {
    let any = if dst.is_ipv4() {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
    };
    let probe = UdpSocket::bind(any)?;
    probe.connect(SocketAddr::new(dst, 9))?;
    Ok(probe.local_addr()?.ip())
}

impl IcmpSocket {
    /// Our echo identifier: replies carrying another one are someone else's.
    pub fn ident(&self) -> u16 {
        self.ident
    }

    /// Sets the TTL (hop limit) of the next requests.
    pub fn set_ttl(&self, ttl: u8) -> io::Result<()> {
        match self.family {
            Family::V4 => self.socket.set_ttl_v4(u32::from(ttl)),
            Family::V6 => self.socket.set_unicast_hops_v6(u32::from(ttl)),
        }
    }

    // ANCHOR: send_echo
    /// Sends echo request `seq` with `payload` to `dst`.
    pub fn send_echo(&mut self, dst: IpAddr, seq: u16, payload: &[u8]) -> io::Result<()> {
        let len = icmp::HEADER + payload.len();
        let (kind, pseudo) = match (self.family, dst) {
            (Family::V6, IpAddr::V6(d)) => {
                let local = match self.local {
                    Some(local) => local,
                    None => *self.local.insert(source_for(dst)?),
                };
                let src = match local {
                    IpAddr::V6(s) => s,
                    IpAddr::V4(_) => d,
                };
                (icmp::V6_ECHO_REQUEST, icmp::pseudo_v6(src, d, len))
            }
            _ => (icmp::V4_ECHO_REQUEST, Sum::default()),
        };
        // A ping socket replaces the identifier (and so the checksum) with its own.
        let message = icmp::encode_echo(kind, self.ident, seq, payload, pseudo);
        self.socket
            .send_to(&message, &SockAddr::from(SocketAddr::new(dst, 0)))?;
        if self.kind == Kind::Ping {
            // The kernel's identifier is the socket's local "port", bound on first send.
            if let Some(local) = self.socket.local_addr()?.as_socket() {
                self.ident = local.port();
            }
        }
        Ok(())
    }
    // ANCHOR_END: send_echo

    /// Waits until `deadline` for a reply or error about one of our echoes.
    /// `Ok(None)`: nothing came in time. Packets that are not ours, or fail their
    /// checksum, are skipped.
    pub fn next_event(&self, deadline: Instant) -> io::Result<Option<Event>> {
        let mut buf = vec![0u8; 65_536];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !sys::wait_readable(&self.socket, left)? {
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                continue;
            }
            if self.kind == Kind::Ping {
                match sys::recv_msg(&self.socket, &mut buf, true) {
                    Ok(got) => {
                        if let Some(event) = self.queued_error(&got, &buf[..got.len]) {
                            return Ok(Some(event));
                        }
                        continue;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Err(err),
                }
            }
            match sys::recv_msg(&self.socket, &mut buf, false) {
                Ok(got) => {
                    if let Some(event) = self.incoming(&got, &buf[..got.len]) {
                        return Ok(Some(event));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                // A ping socket may report an ICMP error this way too: read the queue.
                Err(err) if self.kind == Kind::Ping && err.raw_os_error().is_some() => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// An ICMP error from a ping socket's error queue: the data is our own request.
    fn queued_error(&self, got: &sys::Received, data: &[u8]) -> Option<Event> {
        let error = got.icmp_error.as_ref()?;
        let echo = icmp::parse(data).ok()?;
        let echo = echo.echo(self.family)?;
        Some(Event::Error {
            from: error.offender.or(got.from.map(|a| a.ip()))?,
            seq: echo.seq,
            kind: error.kind,
            code: error.code,
        })
    }

    // ANCHOR: incoming
    /// Makes sense of one received packet: ours or not, reply or error.
    fn incoming(&self, got: &sys::Received, data: &[u8]) -> Option<Event> {
        let mut from = got.from?.ip();
        let mut ttl = got.ttl;
        // A raw IPv4 socket hands us the IP header too: the TTL is in it.
        let message = if self.kind == Kind::Raw && self.family == Family::V4 {
            let (ip, payload) = ipv4::parse(data).ok()?;
            if ip.protocol != ipv4::PROTO_ICMP || !ip.checksum_ok {
                return None;
            }
            (from, ttl) = (IpAddr::V4(ip.src), Some(ip.ttl));
            payload
        } else {
            data
        };
        let checksum_ok = match (self.family, from) {
            (Family::V4, _) => icmp::checksum_ok_v4(message),
            (Family::V6, IpAddr::V6(src)) => match self.local {
                Some(IpAddr::V6(local)) => icmp::checksum_ok_v6(src, local, message),
                _ => true, // cannot tell our own address: the kernel checked it already
            },
            _ => false,
        };
        if !checksum_ok {
            return None;
        }
        let parsed = icmp::parse(message).ok()?;
        if parsed.is_echo_reply(self.family) {
            let echo = parsed.echo(self.family)?;
            return (echo.ident == self.ident).then_some(Event::Reply {
                from,
                seq: echo.seq,
                bytes: message.len(),
                ttl,
            });
        }
        // An error quoting one of our requests (raw sockets see these directly).
        let quoted = parsed.quoted(self.family)?;
        let inner = icmp::parse(&quoted.transport).ok()?;
        let echo = inner.echo(self.family)?;
        (echo.ident == self.ident).then_some(Event::Error {
            from,
            seq: echo.seq,
            kind: parsed.kind,
            code: parsed.code,
        })
    }
    // ANCHOR_END: incoming
}
