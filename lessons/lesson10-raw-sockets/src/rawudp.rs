//! `lesson10-rawudp`: an IPv4 + UDP packet written byte by byte, sent with `IP_HDRINCL`.
//!
//! An ordinary UDP socket writes both headers for us. Here a raw socket with the
//! option `IP_HDRINCL` ("header included") sends exactly the bytes we give it, IP
//! header first. To show that the hand-made packet is a real one, it goes to an
//! ordinary UDP server (lesson 5's), and the reply comes back to an ordinary UDP
//! socket: the kernel delivers it by the source port *we* wrote in the UDP header.

use crate::headers::{ipv4, udp};
use crate::privilege;
use anyhow::Context;
use shared::error::{is_timeout, NetError};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::fmt::Write as _;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::Duration;

/// How to send.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// Extra attempts after a timeout (UDP may lose a datagram: lesson 5).
    pub retries: u32,
    /// Spoil the UDP checksum on purpose: the receiver's kernel must drop the datagram.
    pub bad_checksum: bool,
    /// The source port to write in the UDP header (0: one the system picks).
    pub source_port: u16,
}

// ANCHOR: packet
/// The whole packet, IPv4 header + UDP header + data, for `data` from `src` to `dst`.
pub fn packet(
    src: SocketAddrV4,
    dst: SocketAddrV4,
    ident: u16,
    data: &[u8],
) -> anyhow::Result<Vec<u8>> {
    let datagram = udp::build(
        IpAddr::V4(*src.ip()),
        src.port(),
        IpAddr::V4(*dst.ip()),
        dst.port(),
        data,
    )?;
    let header = ipv4::build(
        &ipv4::Fields {
            identification: ident,
            ttl: 64,
            protocol: ipv4::PROTO_UDP,
            src: *src.ip(),
            dst: *dst.ip(),
        },
        datagram.len(),
    )?;
    let mut packet = header.to_vec();
    packet.extend_from_slice(&datagram);
    Ok(packet)
}
// ANCHOR_END: packet

/// Bytes as hex pairs: `45 00 00 23`.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The packet explained field by field, as `lesson10-rawudp` prints it.
pub fn explain(packet: &[u8]) -> String {
    let mut text = String::new();
    let Ok((ip, datagram)) = ipv4::parse(packet) else {
        return "not an IPv4 packet".into();
    };
    let _ = writeln!(text, "  IPv4 header  {}", hex(&packet[..ip.header_len]));
    let _ = writeln!(
        text,
        "    version 4, header {} bytes, total length {}, id {}, flags DF, ttl {}, protocol {} (UDP),\n    \
         header checksum 0x{:04x} ({}), {} -> {}",
        ip.header_len,
        ip.total_len,
        ip.identification,
        ip.ttl,
        ip.protocol,
        ip.checksum,
        if ip.checksum_ok { "correct" } else { "WRONG" },
        ip.src,
        ip.dst
    );
    let Ok((u, data)) = udp::parse(datagram) else {
        return text;
    };
    let ok = udp::checksum_ok(IpAddr::V4(ip.src), IpAddr::V4(ip.dst), datagram);
    let _ = writeln!(text, "  UDP header   {}", hex(&datagram[..udp::HEADER]));
    let _ = writeln!(
        text,
        "    port {} -> {}, length {}, checksum 0x{:04x} ({}: pseudo-header + header + data)",
        u.src_port,
        u.dst_port,
        u.length,
        u.checksum,
        if ok { "correct" } else { "WRONG" }
    );
    let _ = write!(text, "  data         {:?}", String::from_utf8_lossy(data));
    text
}

/// Opens the raw socket: protocol UDP, and `IP_HDRINCL` so the IP header is ours.
fn raw_socket() -> anyhow::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::UDP)).map_err(|e| {
        if privilege::is_denied(&e) {
            anyhow::Error::new(privilege::raw_denied(
                "a raw IPv4 socket",
                &privilege::this_program(),
                e,
            ))
        } else {
            anyhow::Error::new(e).context("cannot open a raw IPv4 socket")
        }
    })?;
    socket
        .set_header_included_v4(true)
        .context("cannot set IP_HDRINCL")?;
    Ok(socket)
}

// ANCHOR: send
/// Sends each name to `server` in a hand-built packet and prints the replies.
/// Returns how many names were answered.
pub fn run(
    server: SocketAddrV4,
    names: &[String],
    options: &Options,
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    let raw = raw_socket()?;
    // An ordinary UDP socket receives the replies. Connecting it asks the routing
    // table which source address to use and reserves a source port for us.
    let receiver = UdpSocket::bind(("0.0.0.0", options.source_port))
        .with_context(|| format!("cannot bind UDP port {}", options.source_port))?;
    receiver
        .connect(server)
        .with_context(|| format!("no route to {server}"))?;
    receiver.set_read_timeout(Some(options.timeout))?;
    let src = match receiver.local_addr()? {
        SocketAddr::V4(src) => src,
        SocketAddr::V6(_) => anyhow::bail!("IP_HDRINCL is IPv4 only"),
    };
    let mut answered = 0;
    for (i, name) in names.iter().enumerate() {
        // Identification 1, 2, 3...: with Don't Fragment set it is never needed to
        // reassemble fragments, so any value does.
        let mut bytes = packet(src, server, i as u16 + 1, name.as_bytes())?;
        if options.bad_checksum {
            bytes[ipv4::MIN_HEADER + 6] ^= 0xff; // the UDP checksum's first byte
        }
        writeln!(
            out,
            "Sending {} bytes from {src} to {server}, headers built by hand:",
            bytes.len()
        )?;
        writeln!(out, "{}", explain(&bytes))?;
        let mut reply = None;
        for _ in 0..=options.retries {
            // The port in the address is ignored: the destination port is in our UDP header.
            raw.send_to(&bytes, &SockAddr::from(SocketAddrV4::new(*server.ip(), 0)))
                .map_err(|e| NetError {
                    action: format!("cannot send to {server}"),
                    hint: None,
                    source: e,
                })?;
            let mut buf = [0u8; 2048];
            match receiver.recv(&mut buf) {
                Ok(n) => {
                    reply = Some(String::from_utf8_lossy(&buf[..n]).into_owned());
                    break;
                }
                Err(err) if is_timeout(&err) => {
                    writeln!(out, "  (no reply within {:?})", options.timeout)?
                }
                Err(err) => {
                    writeln!(out, "  (receive failed: {err}; is the server running?)")?;
                    break;
                }
            }
        }
        match reply {
            Some(reply) => {
                answered += 1;
                writeln!(out, "Reply from {server}: {reply}")?;
            }
            None => writeln!(out, "No reply from {server}")?,
        }
    }
    Ok(answered)
}
// ANCHOR_END: send
