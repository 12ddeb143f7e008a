//! Round-trip statistics as ping prints them: loss, and min/avg/max/mdev.

use std::time::Duration;

/// What a ping run counted.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Echo requests sent.
    pub transmitted: u32,
    /// Distinct requests answered (duplicates not counted).
    pub received: u32,
    /// Replies to requests already answered.
    pub duplicates: u32,
    /// ICMP errors (unreachable, time exceeded) about our requests.
    pub errors: u32,
    /// The round-trip time of each answered request.
    pub rtts: Vec<Duration>,
}

/// Minimum, average, maximum and mean deviation, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rtt {
    /// Fastest.
    pub min: f64,
    /// Mean.
    pub avg: f64,
    /// Slowest.
    pub max: f64,
    /// ping's "mdev": the standard deviation, sqrt(mean(x²) − mean(x)²).
    pub mdev: f64,
}

impl Stats {
    /// Records an answer that took `rtt`.
    pub fn record(&mut self, rtt: Duration) {
        self.received += 1;
        self.rtts.push(rtt);
    }

    /// The share of requests never answered, in percent.
    pub fn loss_percent(&self) -> f64 {
        if self.transmitted == 0 {
            return 0.0;
        }
        f64::from(self.transmitted - self.received.min(self.transmitted)) * 100.0
            / f64::from(self.transmitted)
    }

    /// The round-trip figures, if anything was answered.
    pub fn rtt(&self) -> Option<Rtt> {
        if self.rtts.is_empty() {
            return None;
        }
        let ms: Vec<f64> = self.rtts.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        let n = ms.len() as f64;
        let avg = ms.iter().sum::<f64>() / n;
        let mean_square = ms.iter().map(|x| x * x).sum::<f64>() / n;
        Some(Rtt {
            min: ms.iter().copied().fold(f64::INFINITY, f64::min),
            avg,
            max: ms.iter().copied().fold(0.0, f64::max),
            mdev: (mean_square - avg * avg).max(0.0).sqrt(),
        })
    }

    /// The summary ping prints at the end (without a trailing newline).
    pub fn summary(&self, host: &str, elapsed: Duration) -> String {
        let mut text = format!(
            "--- {host} ping statistics ---\n{} packets transmitted, {} received",
            self.transmitted, self.received
        );
        if self.duplicates > 0 {
            text.push_str(&format!(", +{} duplicates", self.duplicates));
        }
        if self.errors > 0 {
            text.push_str(&format!(", +{} errors", self.errors));
        }
        text.push_str(&format!(
            ", {}% packet loss, time {}ms",
            short(self.loss_percent()),
            elapsed.as_millis()
        ));
        if let Some(r) = self.rtt() {
            text.push_str(&format!(
                "\nrtt min/avg/max/mdev = {:.3}/{:.3}/{:.3}/{:.3} ms",
                r.min, r.avg, r.max, r.mdev
            ));
        }
        text
    }
}

/// A number as C's `%g` would print a percentage: `0`, `25`, `33.3333`.
fn short(x: f64) -> String {
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> Duration {
        Duration::from_millis(x)
    }

    #[test]
    fn figures_for_known_times() {
        let mut s = Stats {
            transmitted: 4,
            ..Stats::default()
        };
        for t in [10, 20, 30] {
            s.record(ms(t));
        }
        let r = s.rtt().unwrap();
        assert_eq!((r.min, r.avg, r.max), (10.0, 20.0, 30.0));
        assert!((r.mdev - 8.165).abs() < 0.001, "{}", r.mdev);
        assert_eq!(s.loss_percent(), 25.0);
        assert_eq!(
            s.summary("h", ms(3005)),
            "--- h ping statistics ---\n4 packets transmitted, 3 received, 25% packet loss, time 3005ms\n\
             rtt min/avg/max/mdev = 10.000/20.000/30.000/8.165 ms"
        );
    }

    #[test]
    fn nothing_answered_has_no_rtt_line() {
        let s = Stats {
            transmitted: 3,
            ..Stats::default()
        };
        assert_eq!(s.loss_percent(), 100.0);
        assert!(!s.summary("h", ms(1)).contains("rtt"));
        assert_eq!(short(100.0 / 3.0), "33.3333");
    }
}
