//! Lesson 10: under the sockets. Raw sockets, the packets every earlier lesson sent,
//! and four tools built on them: ping, traceroute, a hand-built UDP packet, a sniffer.
//!
//! - [`headers`]: IPv4, IPv6, TCP, UDP, ICMP and Ethernet headers, parsed and built
//!   by hand, with the Internet checksum.
//! - [`icmp_socket`]: opening an ICMP socket: Linux's unprivileged ping socket where
//!   `net.ipv4.ping_group_range` allows, else a raw socket, else a clear explanation.
//! - [`ping`], [`traceroute`], [`rawudp`], [`sniff`]: the tools.
//! - [`sys`]: the few system calls socket2 does not wrap; the crate's only `unsafe`.
//!
//! Raw sockets differ from one system to the next: the tools are for Linux, and on
//! other systems they say so in one `error:` line.

pub mod headers;
#[cfg(target_os = "linux")]
pub mod icmp_socket;
#[cfg(target_os = "linux")]
pub mod ping;
pub mod privilege;
#[cfg(target_os = "linux")]
pub mod rawudp;
pub mod sniff;
pub mod stats;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub mod sys;
#[cfg(target_os = "linux")]
pub mod traceroute;

/// What every tool says on systems other than Linux.
pub const LINUX_ONLY: &str = "this tool uses Linux's raw sockets (and AF_PACKET); \
     it is not available on this system; hint: run it on Linux, e.g. in a VM or container";
