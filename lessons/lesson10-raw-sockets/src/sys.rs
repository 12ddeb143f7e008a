//! The system calls socket2 does not wrap safely: the crate's only `unsafe` code.
//!
//! - [`recv_msg`]: `recvmsg(2)` with *control messages*, the side channel through
//!   which the kernel hands over a reply's TTL (`IP_RECVTTL`, `IPV6_RECVHOPLIMIT`) and
//!   the ICMP errors queued for a ping socket (`IP_RECVERR`, read with `MSG_ERRQUEUE`).
//! - [`set_int_option`]: `setsockopt(2)` for the options socket2 has no method for.
//! - [`packet_socket`] and [`recv_frame`]: an AF_PACKET socket bound to one
//!   interface, and the link-level address (`sockaddr_ll`) each frame comes with.
//!
//! Each `unsafe` block passes pointers to memory this function owns, with the
//! lengths the kernel needs, and reads back only what the kernel says it wrote.

use socket2::{Domain, Protocol, Socket, Type};
use std::ffi::CString;
use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;

/// What `recvmsg` returned besides the bytes.
#[derive(Debug, Default)]
pub struct Received {
    /// How many bytes were written into the buffer.
    pub len: usize,
    /// The sender's address (for the error queue: the original destination).
    pub from: Option<SocketAddr>,
    /// The packet's TTL or hop limit on arrival, if the kernel was asked for it.
    pub ttl: Option<u8>,
    /// An ICMP error about a packet we sent (error queue only).
    pub icmp_error: Option<QueuedError>,
}

/// An ICMP error the kernel queued for the socket (`struct sock_extended_err`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedError {
    /// ICMP type, e.g. 11 (time exceeded) or, for ICMPv6, 3.
    pub kind: u8,
    /// ICMP code.
    pub code: u8,
    /// Who sent the ICMP error: the router whose TTL check failed.
    pub offender: Option<IpAddr>,
}

/// Sets an integer socket option: `setsockopt(fd, level, name, &value, 4)`.
pub fn set_int_option(socket: &Socket, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: `value` lives across the call and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Asks the kernel to report each packet's TTL (IPv4) or hop limit (IPv6) to [`recv_msg`].
pub fn ask_for_ttl(socket: &Socket, v6: bool) -> io::Result<()> {
    if v6 {
        set_int_option(socket, libc::SOL_IPV6, libc::IPV6_RECVHOPLIMIT, 1)
    } else {
        set_int_option(socket, libc::SOL_IP, libc::IP_RECVTTL, 1)
    }
}

/// Asks the kernel to queue ICMP errors for this socket (read with `errqueue`).
pub fn ask_for_errors(socket: &Socket, v6: bool) -> io::Result<()> {
    if v6 {
        set_int_option(socket, libc::SOL_IPV6, libc::IPV6_RECVERR, 1)
    } else {
        set_int_option(socket, libc::SOL_IP, libc::IP_RECVERR, 1)
    }
}

/// Receives one datagram into `buf` with its control messages; with `errqueue`,
/// reads the socket's error queue instead (never blocks then).
pub fn recv_msg(socket: &Socket, buf: &mut [u8], errqueue: bool) -> io::Result<Received> {
    let mut name = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    // u64s, so the buffer is aligned as `struct cmsghdr` needs.
    let mut control = [0u64; 64];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is valid (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { MaybeUninit::zeroed().assume_init() };
    msg.msg_name = name.as_mut_ptr().cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; 64]>() as _;
    let flags = if errqueue { libc::MSG_ERRQUEUE } else { 0 };
    // SAFETY: every pointer in `msg` points to a live buffer of the stated length.
    let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut received = Received {
        len: n as usize,
        // SAFETY: the storage was zeroed and the kernel wrote at most its size.
        from: unsafe { socket_addr(name.as_ptr(), msg.msg_namelen) },
        ..Received::default()
    };
    // SAFETY: CMSG_FIRSTHDR/NXTHDR walk the control buffer within msg_controllen,
    // which the kernel set to what it wrote; each header's data is read unaligned.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let (level, kind) = ((*cmsg).cmsg_level, (*cmsg).cmsg_type);
            let data = libc::CMSG_DATA(cmsg);
            match (level, kind) {
                (libc::SOL_IP, libc::IP_TTL) | (libc::SOL_IPV6, libc::IPV6_HOPLIMIT) => {
                    let ttl = std::ptr::read_unaligned(data.cast::<i32>());
                    received.ttl = u8::try_from(ttl).ok();
                }
                (libc::SOL_IP, libc::IP_RECVERR) | (libc::SOL_IPV6, libc::IPV6_RECVERR) => {
                    let ee = std::ptr::read_unaligned(data.cast::<libc::sock_extended_err>());
                    if ee.ee_origin == libc::SO_EE_ORIGIN_ICMP
                        || ee.ee_origin == libc::SO_EE_ORIGIN_ICMP6
                    {
                        let offender = libc::SO_EE_OFFENDER(data.cast());
                        received.icmp_error = Some(QueuedError {
                            kind: ee.ee_type,
                            code: ee.ee_code,
                            offender: socket_addr(offender.cast(), 28).map(|a| a.ip()),
                        });
                    }
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(received)
}

/// Reads an IPv4 or IPv6 socket address; `None` for other families.
///
/// # Safety
/// `addr` must point to at least `len` readable bytes holding a socket address.
unsafe fn socket_addr(
    addr: *const libc::sockaddr_storage,
    len: libc::socklen_t,
) -> Option<SocketAddr> {
    let len = len as usize;
    match i32::from((*addr).ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            let sin = std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in>());
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::new(IpAddr::V4(ip), u16::from_be(sin.sin_port)))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            let sin6 = std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in6>());
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::new(
                IpAddr::V6(ip),
                u16::from_be(sin6.sin6_port),
            ))
        }
        _ => None,
    }
}

/// `PACKET_OUTGOING`: a frame this host sent (see [`Frame::outgoing`]).
const PACKET_OUTGOING: u8 = 4;

/// An AF_PACKET socket that receives every frame (any EtherType) on `interface`.
///
/// Returns the socket and the interface's index.
pub fn packet_socket(interface: &str) -> io::Result<(Socket, i32)> {
    let name = CString::new(interface)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name has a NUL"))?;
    // SAFETY: `name` is a valid C string for the duration of the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no interface named {interface:?} (see `ip link`)"),
        ));
    }
    let all = i32::from((libc::ETH_P_ALL as u16).to_be());
    let socket = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(all)))?;
    // SAFETY: an all-zero sockaddr_ll is valid; we fill in family, protocol, index.
    let mut sll: libc::sockaddr_ll = unsafe { MaybeUninit::zeroed().assume_init() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    sll.sll_ifindex = index as i32;
    // SAFETY: `sll` lives across the call and its size is passed with it.
    let rc = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((socket, index as i32))
}

/// One frame's link-level facts, from the `sockaddr_ll` that comes with it.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Bytes written into the buffer.
    pub len: usize,
    /// The frame's real length (more than `len` if the buffer was too small).
    pub wire_len: usize,
    /// The interface it was seen on.
    pub ifindex: i32,
    /// Sent by this host (on `lo` each packet is seen twice: going out, coming in).
    pub outgoing: bool,
}

/// Receives one frame from a packet socket (`MSG_TRUNC`: learn its full length too).
pub fn recv_frame(socket: &Socket, buf: &mut [u8]) -> io::Result<Frame> {
    // SAFETY: an all-zero sockaddr_ll is valid.
    let mut sll: libc::sockaddr_ll = unsafe { MaybeUninit::zeroed().assume_init() };
    let mut len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: `buf` and `sll` are live for the call, with their lengths.
    let n = unsafe {
        libc::recvfrom(
            socket.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
            (&mut sll as *mut libc::sockaddr_ll).cast(),
            &mut len,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Frame {
        len: (n as usize).min(buf.len()),
        wire_len: n as usize,
        ifindex: sll.sll_ifindex,
        outgoing: sll.sll_pkttype == PACKET_OUTGOING,
    })
}

/// Waits until `socket` has something to read (or an error queued), at most `timeout`.
/// Returns whether it has.
pub fn wait_readable(socket: &Socket, timeout: std::time::Duration) -> io::Result<bool> {
    let mut fd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one live pollfd, count 1.
    let rc = unsafe { libc::poll(&mut fd, 1, ms) };
    match rc {
        -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => Ok(false),
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(false),
        _ => Ok(true),
    }
}
