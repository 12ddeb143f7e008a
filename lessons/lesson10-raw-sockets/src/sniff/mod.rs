//! `lesson10-sniff`: every packet on one interface, printed, saved and drawn.
//!
//! An `AF_PACKET` socket (Linux; root or `CAP_NET_RAW`) receives whole frames, link
//! header included, as they pass the interface in either direction. On `lo` each
//! packet passes twice, once as sent and once as received; like tcpdump (libpcap),
//! we keep only the received copy, so both tools count the same packets.

pub mod decode;
pub mod pcap;
pub mod svg;

#[cfg(target_os = "linux")]
pub use capture::{run, Options};

#[cfg(target_os = "linux")]
mod capture {
    use super::decode::{self, Filter, Relative, Summary, Tracker, Transport};
    use super::pcap::{self, PcapWriter};
    use super::svg::{self, Arrow};
    use crate::headers::tcp::Flags;
    use crate::privilege;
    use crate::sys;
    use anyhow::Context;
    use shared::server::Shutdown;
    use std::fs::File;
    use std::io::{self, BufWriter, Write};
    use std::net::IpAddr;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    /// What to capture and where to put it.
    #[derive(Debug, Clone)]
    pub struct Options {
        /// The interface, e.g. `lo` or `eth0`.
        pub interface: String,
        /// Which packets to keep.
        pub filter: Filter,
        /// Stop after this many packets.
        pub count: Option<u64>,
        /// Stop after this long.
        pub duration: Option<Duration>,
        /// Write a pcap file here.
        pub write: Option<PathBuf>,
        /// Draw an SVG sequence picture here.
        pub svg: Option<PathBuf>,
    }

    /// Whether `interface` is a loopback (ARPHRD_LOOPBACK, 772).
    fn is_loopback(interface: &str) -> bool {
        std::fs::read_to_string(format!("/sys/class/net/{interface}/type"))
            .is_ok_and(|t| t.trim() == "772")
    }

    /// `12:34:56.789012`: the time of day in UTC, as tcpdump prints local time.
    fn time_of_day(since_epoch: Duration) -> String {
        let secs = since_epoch.as_secs() % 86_400;
        format!(
            "{:02}:{:02}:{:02}.{:06}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            since_epoch.subsec_micros()
        )
    }

    /// `127.0.0.1:9999` or `[::1]:9999`; just the address for ICMP.
    fn end(ip: IpAddr, port: Option<u16>) -> String {
        match (ip, port) {
            (IpAddr::V6(v6), Some(p)) => format!("[{v6}]:{p}"),
            (ip, Some(p)) => format!("{ip}:{p}"),
            (ip, None) => ip.to_string(),
        }
    }

    /// The arrow for one packet of the picture: flags, relative sequence and
    /// acknowledgment numbers, and the start of the data.
    fn arrow(summary: &Summary, relative: Option<Relative>, at: f64) -> Option<Arrow> {
        let Summary::Ip(p) = summary else { return None };
        let data_label = |what: String, data: &[u8]| {
            if data.is_empty() {
                what
            } else {
                format!("{what} \"{}\"", decode::preview(data, 24))
            }
        };
        let tcp_label = |header: &crate::headers::tcp::Header, data: &[u8]| {
            let rel = relative.unwrap_or(Relative {
                seq: header.seq,
                ack: header.ack,
            });
            let mut label = decode::flag_names(header.flags);
            if !data.is_empty() {
                let end = rel.seq.wrapping_add(data.len() as u32);
                label.push_str(&format!(" seq {}:{end}", rel.seq));
            } else if header.flags.0 & (Flags::SYN | Flags::FIN | Flags::RST) != 0 {
                label.push_str(&format!(" seq {}", rel.seq));
            }
            if header.flags.has(Flags::ACK) {
                label.push_str(&format!(" ack {}", rel.ack));
            }
            data_label(label, data)
        };
        let (from, to, label) = match &p.transport {
            Transport::Tcp { header, payload } => (
                end(p.src, Some(header.src_port)),
                end(p.dst, Some(header.dst_port)),
                tcp_label(header, payload),
            ),
            Transport::Udp { header, payload } => (
                end(p.src, Some(header.src_port)),
                end(p.dst, Some(header.dst_port)),
                data_label(format!("UDP {} bytes", payload.len()), payload),
            ),
            Transport::Icmp { description, .. } => {
                (end(p.src, None), end(p.dst, None), description.clone())
            }
            Transport::Other { protocol } => (
                end(p.src, None),
                end(p.dst, None),
                format!("protocol {protocol}"),
            ),
        };
        Some(Arrow {
            from,
            to,
            label,
            at,
        })
    }

    /// Writes `text` to `path` through a temporary file, so a reader never sees half.
    fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
        let tmp = path.with_extension("svg.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    // ANCHOR: run
    /// Captures until the count, the duration or `shutdown`; returns how many packets.
    pub fn run(
        options: &Options,
        shutdown: &Shutdown,
        out: &mut impl Write,
    ) -> anyhow::Result<u64> {
        let (socket, index) = sys::packet_socket(&options.interface).map_err(|e| {
            if privilege::is_denied(&e) {
                anyhow::Error::new(privilege::raw_denied(
                    "a packet socket (AF_PACKET)",
                    &privilege::this_program(),
                    e,
                ))
            } else {
                anyhow::Error::new(e).context(format!("cannot capture on {}", options.interface))
            }
        })?;
        // Wake up regularly to notice Ctrl-C and the end of --duration.
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let loopback = is_loopback(&options.interface);
        let mut pcap = match &options.write {
            Some(path) => Some(PcapWriter::new(BufWriter::new(
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
            ))?),
            None => None,
        };
        // Like tcpdump, on stderr: stdout is for the packets. A closed stderr is no
        // reason to stop (`eprintln!` would panic), hence `let _ =`.
        let _ = writeln!(
            io::stderr(),
            "listening on {}, link-type EN10MB (Ethernet), snapshot length {} bytes",
            options.interface,
            pcap::SNAPLEN
        );
        let started = Instant::now();
        let mut tracker = Tracker::default();
        let mut arrows = Vec::new();
        let mut first: Option<Duration> = None;
        let mut captured = 0u64;
        let mut buf = vec![0u8; pcap::SNAPLEN as usize];
        while !shutdown.is_triggered()
            && options.count.is_none_or(|c| captured < c)
            && options.duration.is_none_or(|d| started.elapsed() < d)
        {
            let frame = match sys::recv_frame(&socket, &mut buf) {
                Ok(frame) => frame,
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(err) => return Err(anyhow::Error::new(err).context("capture failed")),
            };
            // Frames that arrived before bind() may come from other interfaces.
            if frame.ifindex != index || (loopback && frame.outgoing) {
                continue;
            }
            let bytes = &buf[..frame.len];
            let summary = match decode::summarize(bytes) {
                Ok(summary) if options.filter.matches(&summary) => summary,
                Ok(_) => continue,
                Err(err) if options.filter.port.is_none() && options.filter.protocol.is_none() => {
                    writeln!(out, "malformed packet ({} bytes): {err}", frame.len)?;
                    continue;
                }
                Err(_) => continue,
            };
            let now = pcap::now();
            let relative = match &summary {
                Summary::Ip(p) => tracker.relative(p),
                Summary::Other { .. } => None,
            };
            writeln!(
                out,
                "{} {}",
                time_of_day(now),
                decode::line(&summary, relative)
            )?;
            out.flush()?;
            if let Some(pcap) = &mut pcap {
                pcap.write(now, bytes, frame.wire_len)?;
            }
            let since_first = now.saturating_sub(*first.get_or_insert(now));
            arrows.extend(arrow(&summary, relative, since_first.as_secs_f64()));
            captured += 1;
        }
        if let Some(path) = &options.svg {
            let title = format!("{} packets on {}", arrows.len(), options.interface);
            write_atomically(path, &svg::draw(&title, &arrows))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let _ = writeln!(io::stderr(), "{captured} packets captured");
        Ok(captured)
    }
    // ANCHOR_END: run

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times_of_day() {
            assert_eq!(
                time_of_day(Duration::new(86_400 + 3661, 42_000)),
                "01:01:01.000042"
            );
        }

        #[test]
        fn flags_make_labels() {
            assert_eq!(
                decode::flag_names(Flags(Flags::SYN | Flags::ACK)),
                "SYN, ACK"
            );
        }
    }
}
