//! Known-wrong solution to ex15-udp-pinger (a realistic beginner bug; see exercises/README.md).
//!
//! bug: a lost request is sent again under the same number, and counted again
//! catches: lost_requests_are_counted_and_not_resent

use std::io;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The request's number (1 for `ping 1`).
    pub seq: u32,
    /// How long the answer took.
    pub rtt: Duration,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Requests sent.
    pub sent: u32,
    /// The answered ones, in the order of their numbers.
    pub replies: Vec<Reply>,
}

/// Sends `count` requests and collects the replies.
pub fn ping(socket: &UdpSocket, count: u32, timeout: Duration) -> io::Result<Report> {
    let mut report = Report::default();
    let mut buf = [0u8; 2048];
    for seq in 1..=count {
        let expected = format!("PING {seq}");
        let sent = Instant::now();
        socket.send(format!("ping {seq}").as_bytes())?;
        report.sent += 1;
        let deadline = sent + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break; // lost
            }
            socket.set_read_timeout(Some(left))?;
            match socket.recv(&mut buf) {
                Ok(n) if buf[..n] == *expected.as_bytes() => {
                    report.replies.push(Reply {
                        seq,
                        rtt: sent.elapsed(),
                    });
                    break;
                }
                Ok(_) => continue, // a late reply, or noise
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    socket.send(format!("ping {seq}").as_bytes())?;
                    report.sent += 1;
                    break;
                }
                // "Port unreachable" from an earlier send: no reply, keep waiting.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

impl Report {
    /// The share of requests that got no reply, in percent (0 if none was sent).
    pub fn loss_percent(&self) -> f64 {
        if self.sent == 0 {
            return 0.0;
        }
        let lost = self.sent - self.replies.len() as u32;
        f64::from(lost) * 100.0 / f64::from(self.sent)
    }

    /// The smallest, average and largest round-trip time; `None` without replies.
    pub fn min_avg_max(&self) -> Option<(Duration, Duration, Duration)> {
        let rtts = self.replies.iter().map(|r| r.rtt);
        let min = rtts.clone().min()?;
        let max = rtts.clone().max()?;
        let avg = rtts.sum::<Duration>() / self.replies.len() as u32;
        Some((min, avg, max))
    }
}
