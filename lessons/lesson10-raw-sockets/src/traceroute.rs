//! `lesson10-traceroute`: the routers between here and there, found with the TTL.
//!
//! Every router decrements a packet's TTL (IPv6: hop limit) and drops the packet when
//! it reaches zero, telling the sender with an ICMP "time exceeded" that comes *from
//! that router*. So an echo request sent with TTL 1 makes the first router answer,
//! TTL 2 the second, and so on, until the destination itself sends an echo reply.
//! Three probes per TTL show how steady each hop's time is; `*` is a probe nobody
//! answered (lost, or a router that stays silent).

use crate::headers::icmp::{self, Family};
use crate::icmp_socket::{self, Event};
use crate::ping::payload;
use shared::error::NetError;
use shared::server::Shutdown;
use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How to trace.
#[derive(Debug, Clone)]
pub struct Options {
    /// Give up after this many hops.
    pub max_hops: u8,
    /// How long to wait for each probe's answer.
    pub wait: Duration,
    /// Probes per hop.
    pub probes: u8,
}

/// How a trace ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The destination answered.
    Reached,
    /// A router said the destination is unreachable.
    Unreachable,
    /// `max_hops` went by without reaching it.
    TooFar,
    /// Ctrl-C.
    Interrupted,
}

/// The mark traceroute prints after an "unreachable" answer (`!H` host, `!N` net...).
fn unreachable_mark(family: Family, code: u8) -> String {
    match (family, code) {
        (Family::V4, 0) | (Family::V6, 0) => "!N".into(),
        (Family::V4, 1) | (Family::V6, 3) => "!H".into(),
        (Family::V4, 3) | (Family::V6, 4) => "!P".into(),
        (Family::V4, 13) | (Family::V6, 1) => "!X".into(),
        (_, c) => format!("!<{c}>"),
    }
}

// ANCHOR: run
/// Traces the route to `dst` (shown as `host`), printing one line per hop.
pub fn run(
    host: &str,
    dst: IpAddr,
    options: &Options,
    shutdown: &Shutdown,
    out: &mut impl Write,
) -> anyhow::Result<Ending> {
    let family = icmp_socket::family_of(dst);
    let mut socket = icmp_socket::open(family)?;
    let data = payload(32);
    writeln!(
        out,
        "traceroute to {host} ({dst}), {} hops max, {} byte packets",
        options.max_hops,
        icmp::HEADER + data.len()
    )?;
    let mut seq: u16 = 0;
    for ttl in 1..=options.max_hops {
        socket.set_ttl(ttl)?;
        write!(out, "{ttl:2} ")?;
        let mut last_from = None;
        let mut ending = None;
        for _ in 0..options.probes {
            if shutdown.is_triggered() {
                writeln!(out)?;
                return Ok(Ending::Interrupted);
            }
            seq = seq.wrapping_add(1);
            let sent = Instant::now();
            socket.send_echo(dst, seq, &data).map_err(|e| NetError {
                action: format!("cannot send a probe to {dst}"),
                hint: Some("is there a route to it? see `ip route`".into()),
                source: e,
            })?;
            let deadline = sent + options.wait;
            // Skip answers to earlier probes that arrive late: only `seq` counts.
            let answer = loop {
                match socket.next_event(deadline)? {
                    None => break None,
                    Some(event) => {
                        let (Event::Reply { seq: s, .. } | Event::Error { seq: s, .. }) = event;
                        if s == seq {
                            break Some(event);
                        }
                    }
                }
            };
            let Some(answer) = answer else {
                write!(out, " *")?;
                out.flush()?;
                continue;
            };
            let rtt = sent.elapsed().as_secs_f64() * 1000.0;
            let (from, mark) = match answer {
                Event::Reply { from, .. } => {
                    ending = Some(Ending::Reached);
                    (from, String::new())
                }
                Event::Error {
                    from, kind, code, ..
                } => {
                    let exceeded = matches!(
                        (family, kind),
                        (Family::V4, icmp::V4_TIME_EXCEEDED) | (Family::V6, icmp::V6_TIME_EXCEEDED)
                    );
                    if exceeded {
                        (from, String::new())
                    } else {
                        ending = Some(Ending::Unreachable);
                        (from, format!(" {}", unreachable_mark(family, code)))
                    }
                }
            };
            if last_from != Some(from) {
                write!(out, " {from}")?;
                last_from = Some(from);
            }
            write!(out, "  {rtt:.3} ms{mark}")?;
            out.flush()?;
        }
        writeln!(out)?;
        if let Some(ending) = ending {
            return Ok(ending);
        }
    }
    Ok(Ending::TooFar)
}
// ANCHOR_END: run
