//! `cargo run -p lesson10-raw-sockets --bin lesson10-rawudp -- NAME...`: a hand-built packet.

use clap::Parser;
use shared::addr::{HostPort, UDP_SERVER};
use std::process::ExitCode;

/// Builds IPv4 and UDP headers by hand, sends each NAME with IP_HDRINCL to a UDP
/// server (lesson 5's answers `Hello, NAME!`) and prints the reply (Linux only).
///
/// Needs root or CAP_NET_RAW (a raw socket); IPv4 only.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The UDP server (start lesson 5's: `cargo run -p lesson05-udp-pair`).
    #[arg(long, value_name = "HOST:PORT", default_value = UDP_SERVER)]
    connect: HostPort,
    /// Milliseconds to wait for each reply.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout_ms: u64,
    /// Extra attempts after a timeout.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    /// The source port to write in the UDP header (default: one the system picks).
    #[arg(long, default_value_t = 0)]
    source_port: u16,
    /// Spoil the UDP checksum on purpose, to see the receiver drop the datagram.
    #[arg(long)]
    bad_checksum: bool,
    /// What to send, one datagram each.
    #[arg(default_values_t = ["Michael".to_string()])]
    names: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use std::net::SocketAddr;
    let server = args
        .connect
        .resolve()?
        .into_iter()
        .find_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no IPv4 address (IP_HDRINCL is IPv4 only)",
                args.connect
            )
        })?;
    let options = lesson10_raw_sockets::rawudp::Options {
        timeout: std::time::Duration::from_millis(args.timeout_ms),
        retries: args.retries,
        bad_checksum: args.bad_checksum,
        source_port: args.source_port,
    };
    let answered =
        lesson10_raw_sockets::rawudp::run(server, &args.names, &options, &mut std::io::stdout())?;
    if answered < args.names.len() {
        let hint = if args.bad_checksum {
            // The lesson's point, not a fault: no need to send anyone to the server.
            "expected with --bad-checksum: the receiving kernel drops a datagram whose \
             checksum is wrong and tells nobody; run without it to see the reply"
        } else {
            "is the server running? lesson 5's starts with `cargo run -p lesson05-udp-pair`"
        };
        anyhow::bail!(
            "{} of {} datagrams got no reply from {server}; hint: {hint}",
            args.names.len() - answered,
            args.names.len()
        );
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!(lesson10_raw_sockets::LINUX_ONLY)
}
