//! `cargo run -p lesson10-raw-sockets --bin lesson10-traceroute -- HOST`: the hops to HOST.

use clap::Parser;
use std::process::ExitCode;

/// Lists the routers on the way to HOST: echo requests with TTL 1, 2, 3..., each
/// answered by the router where the TTL ran out (Linux only).
///
/// Uses Linux's unprivileged ping socket when net.ipv4.ping_group_range includes
/// your group, else a raw socket (root or CAP_NET_RAW). No names are looked up.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Host name or IPv4/IPv6 address.
    host: String,
    /// Give up after this many hops.
    #[arg(short = 'm', long, default_value_t = 30, value_parser = clap::value_parser!(u8).range(1..=255))]
    max_hops: u8,
    /// Seconds to wait for each probe's answer.
    #[arg(short = 'w', long, default_value_t = 3.0)]
    wait: f64,
    /// Probes per hop.
    #[arg(short = 'q', long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=10))]
    queries: u8,
    /// Use IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6')]
    ipv6: bool,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson10_raw_sockets::headers::icmp::Family;
    use lesson10_raw_sockets::{ping, traceroute};
    if !(0.01..=60.0).contains(&args.wait) {
        anyhow::bail!("--wait must be between 0.01 and 60 seconds");
    }
    let family = match (args.ipv4, args.ipv6) {
        (true, _) => Some(Family::V4),
        (_, true) => Some(Family::V6),
        _ => None,
    };
    let dst = ping::resolve(&args.host, family)?;
    let options = traceroute::Options {
        max_hops: args.max_hops,
        wait: std::time::Duration::from_secs_f64(args.wait),
        probes: args.queries,
    };
    let shutdown = shared::server::Shutdown::on_signals()?;
    match traceroute::run(&args.host, dst, &options, &shutdown, &mut std::io::stdout())? {
        traceroute::Ending::Reached | traceroute::Ending::Interrupted => Ok(()),
        traceroute::Ending::Unreachable => anyhow::bail!("{} is unreachable", args.host),
        traceroute::Ending::TooFar => anyhow::bail!(
            "{} not reached in {} hops; hint: try a larger -m",
            args.host,
            args.max_hops
        ),
    }
}

#[cfg(not(target_os = "linux"))]
fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!(lesson10_raw_sockets::LINUX_ONLY)
}
