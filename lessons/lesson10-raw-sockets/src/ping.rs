//! `lesson10-ping`: ICMP echo requests, one per interval, and what came back.

use crate::headers::icmp::{self, Family};
use crate::icmp_socket::{self, Event, IcmpSocket};
use crate::stats::Stats;
use anyhow::Context;
use shared::error::NetError;
use shared::server::Shutdown;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

/// How to ping.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests to send; `None`: until Ctrl-C.
    pub count: Option<u32>,
    /// Time between requests.
    pub interval: Duration,
    /// How long to wait for a reply after the last request.
    pub timeout: Duration,
    /// Bytes of data in each request (ping's default: 56, so 64 with the header).
    pub size: usize,
}

/// Resolves `host` to one address, of the family asked for if any.
pub fn resolve(host: &str, want: Option<Family>) -> anyhow::Result<IpAddr> {
    let addrs: Vec<IpAddr> = (host, 0)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .map(|a| a.ip())
        .collect();
    addrs
        .iter()
        .copied()
        .find(|a| want.is_none_or(|f| icmp_socket::family_of(*a) == f))
        .with_context(|| format!("{host} has no address of the family asked for"))
}

/// The data each request carries: a recognisable pattern, like ping's.
pub fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 256) as u8).collect()
}

/// Turns a send error into one with a hint (no route is the usual one).
fn send_error(dst: IpAddr, err: io::Error) -> NetError {
    let hint = match err.raw_os_error() {
        Some(libc::ENETUNREACH) => {
            Some("no route to that network: see `ip route` for the routes this host has".into())
        }
        Some(libc::EHOSTUNREACH) => Some("no route to that host: see `ip route`".into()),
        _ => None,
    };
    NetError {
        action: format!("cannot send an echo request to {dst}"),
        hint,
        source: err,
    }
}

/// Describes an ICMP error as ping does.
pub fn describe_error(family: Family, kind: u8, code: u8) -> String {
    match (family, kind, code) {
        (Family::V4, icmp::V4_TIME_EXCEEDED, _) | (Family::V6, icmp::V6_TIME_EXCEEDED, _) => {
            "Time to live exceeded".into()
        }
        (Family::V4, icmp::V4_DEST_UNREACHABLE, 0) => "Destination Net Unreachable".into(),
        (Family::V4, icmp::V4_DEST_UNREACHABLE, 1) | (Family::V6, icmp::V6_DEST_UNREACHABLE, 3) => {
            "Destination Host Unreachable".into()
        }
        (Family::V6, icmp::V6_DEST_UNREACHABLE, 0) => "Destination unreachable: No route".into(),
        (Family::V4, icmp::V4_DEST_UNREACHABLE, c) | (Family::V6, icmp::V6_DEST_UNREACHABLE, c) => {
            format!("Destination Unreachable (code {c})")
        }
        (_, k, c) => format!("ICMP type {k} code {c}"),
    }
}

// ANCHOR: run
/// Pings `dst` (shown as `host`), printing as ping does, until the count is done or
/// `shutdown` is triggered. Returns the statistics (the summary is printed too).
pub fn run(
    host: &str,
    dst: IpAddr,
    options: &Options,
    shutdown: &Shutdown,
    out: &mut impl Write,
) -> anyhow::Result<Stats> {
    let family = icmp_socket::family_of(dst);
    let mut socket: IcmpSocket = icmp_socket::open(family)?;
    let ip_header = if family == Family::V4 { 20 } else { 40 };
    writeln!(
        out,
        "PING {host} ({dst}) {}({}) bytes of data.",
        options.size,
        options.size + icmp::HEADER + ip_header
    )?;
    out.flush()?;
    let data = payload(options.size);
    let mut stats = Stats::default();
    let mut sent_at: HashMap<u16, Instant> = HashMap::new();
    let mut answered: HashMap<u16, bool> = HashMap::new();
    let start = Instant::now();
    let mut next_send = start;
    let mut last_send = start;
    loop {
        let now = Instant::now();
        let all_sent = options.count.is_some_and(|c| stats.transmitted >= c);
        let settled = stats.received + stats.errors >= stats.transmitted;
        if shutdown.is_triggered() || (all_sent && (settled || now >= last_send + options.timeout))
        {
            break;
        }
        if !all_sent && now >= next_send {
            let seq = (stats.transmitted + 1) as u16; // ping counts from 1
            socket
                .send_echo(dst, seq, &data)
                .map_err(|e| send_error(dst, e))?;
            stats.transmitted += 1;
            sent_at.insert(seq, Instant::now());
            last_send = Instant::now();
            next_send += options.interval;
            continue;
        }
        // Wait for replies until the next send (or the end), waking to notice Ctrl-C.
        let until = if all_sent {
            last_send + options.timeout
        } else {
            next_send
        };
        let deadline = until.min(Instant::now() + Duration::from_millis(100));
        match socket.next_event(deadline)? {
            None => {}
            Some(Event::Reply {
                from,
                seq,
                bytes,
                ttl,
            }) => {
                let Some(sent) = sent_at.get(&seq) else {
                    continue;
                };
                let rtt = sent.elapsed();
                let dup = answered.insert(seq, true).is_some();
                if dup {
                    stats.duplicates += 1;
                } else {
                    stats.record(rtt);
                }
                let ttl = ttl.map(|t| format!(" ttl={t}")).unwrap_or_default();
                writeln!(
                    out,
                    "{bytes} bytes from {from}: icmp_seq={seq}{ttl} time={:.3} ms{}",
                    rtt.as_secs_f64() * 1000.0,
                    if dup { " (DUP!)" } else { "" }
                )?;
            }
            Some(Event::Error {
                from,
                seq,
                kind,
                code,
            }) if sent_at.contains_key(&seq) && answered.insert(seq, true).is_none() => {
                stats.errors += 1;
                let what = describe_error(family, kind, code);
                writeln!(out, "From {from} icmp_seq={seq} {what}")?;
            }
            Some(Event::Error { .. }) => {} // not ours, or already answered
        }
        out.flush()?;
    }
    writeln!(out, "\n{}", stats.summary(host, start.elapsed()))?;
    out.flush()?;
    Ok(stats)
}
// ANCHOR_END: run
