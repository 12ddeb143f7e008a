//! `cargo run -p lesson10-raw-sockets --bin lesson10-ping -- HOST`: ICMP echo, as ping does it.

use clap::Parser;
use std::process::ExitCode;

/// Sends ICMP echo requests to HOST and prints each reply and a summary (Linux only).
///
/// Uses Linux's unprivileged ping socket when net.ipv4.ping_group_range includes
/// your group, else a raw socket (root or CAP_NET_RAW). Exits 1 when nothing answered.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Host name or IPv4/IPv6 address.
    host: String,
    /// Stop after COUNT requests (default: until Ctrl-C).
    #[arg(short = 'c', long, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    count: Option<u32>,
    /// Seconds between requests (at least 0.2, as ping allows ordinary users).
    #[arg(short = 'i', long, default_value_t = 1.0, value_parser = interval)]
    interval: f64,
    /// Seconds to wait for replies after the last request.
    #[arg(short = 'W', long, default_value_t = 2.0, value_parser = seconds)]
    timeout: f64,
    /// Bytes of data per request (64 with the ICMP header).
    #[arg(short = 's', long, default_value_t = 56, value_parser = clap::value_parser!(u16).range(0..=65_000))]
    size: u16,
    /// Use IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6')]
    ipv6: bool,
}

/// An interval: no faster than ping lets an ordinary user go (5 per second).
fn interval(text: &str) -> Result<f64, String> {
    match seconds(text)? {
        s if s >= 0.2 => Ok(s),
        _ => Err(format!(
            "{text:?}: intervals below 0.2 seconds would flood the network"
        )),
    }
}

/// A number of seconds between 0.001 and one hour.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.001..=3600.0).contains(&s) => Ok(s),
        _ => Err(format!(
            "{text:?} is not a number of seconds from 0.001 to 3600"
        )),
    }
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson10_raw_sockets::headers::icmp::Family;
    use lesson10_raw_sockets::ping;
    use std::time::Duration;
    let family = match (args.ipv4, args.ipv6) {
        (true, _) => Some(Family::V4),
        (_, true) => Some(Family::V6),
        _ => None,
    };
    let dst = ping::resolve(&args.host, family)?;
    let options = ping::Options {
        count: args.count,
        interval: Duration::from_secs_f64(args.interval),
        timeout: Duration::from_secs_f64(args.timeout),
        size: usize::from(args.size),
    };
    let shutdown = shared::server::Shutdown::on_signals()?;
    let stats = ping::run(&args.host, dst, &options, &shutdown, &mut std::io::stdout())?;
    if stats.received == 0 {
        anyhow::bail!(
            "no reply from {} ({} requests sent)",
            args.host,
            stats.transmitted
        );
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!(lesson10_raw_sockets::LINUX_ONLY)
}
