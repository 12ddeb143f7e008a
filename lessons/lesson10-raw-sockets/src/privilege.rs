//! Who may open which ICMP socket, and what to tell someone who may not.
//!
//! Linux offers two ways to send ICMP echoes:
//! - a *ping socket* (`SOCK_DGRAM` + `IPPROTO_ICMP`): no privilege needed, but only
//!   for processes whose group is in the range `net.ipv4.ping_group_range` (the
//!   kernel's default, `1 0`, is an empty range: nobody). The kernel chooses the
//!   echo identifier and hands back only replies to this socket's own echoes;
//! - a *raw socket* (`SOCK_RAW`): sees every ICMP packet the host receives, may
//!   send anything, and so needs root or the capability `CAP_NET_RAW`.

use shared::error::NetError;
use std::io;

/// The sysctl's file.
const RANGE_FILE: &str = "/proc/sys/net/ipv4/ping_group_range";

/// `net.ipv4.ping_group_range` as the kernel has it now, e.g. `"1 0"`.
pub fn ping_group_range() -> Option<String> {
    let text = std::fs::read_to_string(RANGE_FILE).ok()?;
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// This process's effective group id, from `/proc/self/status`.
pub fn effective_gid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Gid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Is `err` the kernel saying "not allowed" (rather than "not supported")?
pub fn is_denied(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::PermissionDenied || err.raw_os_error() == Some(1)
}

/// The error for "neither a ping socket nor a raw socket": names both ways out.
pub fn icmp_denied(program: &str, raw_error: io::Error) -> NetError {
    let range = ping_group_range().unwrap_or_else(|| "unknown".into());
    let gid = effective_gid().map_or_else(|| "?".into(), |g| g.to_string());
    NetError {
        action: format!(
            "cannot open an ICMP socket: ping sockets are allowed only for groups in \
             net.ipv4.ping_group_range (now \"{range}\", your group is {gid}), \
             and a raw socket needs root or CAP_NET_RAW"
        ),
        hint: Some(format!(
            "allow ping sockets with `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`, \
             or run with sudo, or grant the capability once: `sudo setcap cap_net_raw+ep {program}`"
        )),
        source: raw_error,
    }
}

/// The error for tools that need a raw or packet socket and have no ping-socket way.
pub fn raw_denied(what: &str, program: &str, err: io::Error) -> NetError {
    NetError {
        action: format!("cannot open {what}: it needs root or the capability CAP_NET_RAW"),
        hint: Some(format!(
            "run with sudo, or grant the capability once: `sudo setcap cap_net_raw+ep {program}`"
        )),
        source: err,
    }
}

/// The path of the running program, for the `setcap` hint.
pub fn this_program() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "PROGRAM".into())
}
