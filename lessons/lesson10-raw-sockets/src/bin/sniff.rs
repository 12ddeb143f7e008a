//! `cargo run -p lesson10-raw-sockets --bin lesson10-sniff`: packets on an interface.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Prints every packet on an interface as tcpdump does; can save them to a pcap file
/// and draw them as a sequence picture (Linux only: AF_PACKET, root or CAP_NET_RAW).
///
/// Times are UTC. On lo each packet is counted once, as tcpdump counts it.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The interface to listen on.
    #[arg(short = 'i', long, default_value = "lo")]
    interface: String,
    /// Only TCP and UDP packets from or to this port.
    #[arg(long)]
    port: Option<u16>,
    /// Only this protocol.
    #[arg(long, value_parser = ["tcp", "udp", "icmp"])]
    proto: Option<String>,
    /// Stop after COUNT packets.
    #[arg(short = 'c', long, value_parser = shared::cli::positive)]
    count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    duration: Option<u64>,
    /// Save the packets to a pcap file (tcpdump -r FILE, Wireshark).
    #[arg(long, value_name = "FILE.pcap")]
    write: Option<PathBuf>,
    /// Draw the exchange as an SVG sequence picture, written when the capture ends.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson10_raw_sockets::sniff::{self, decode::Filter};
    let options = sniff::Options {
        interface: args.interface,
        filter: Filter {
            port: args.port,
            protocol: args.proto,
        },
        count: args.count,
        duration: args.duration.map(std::time::Duration::from_secs),
        write: args.write,
        svg: args.svg,
    };
    let shutdown = shared::server::Shutdown::on_signals()?;
    sniff::run(&options, &shutdown, &mut std::io::stdout())?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!(lesson10_raw_sockets::LINUX_ONLY)
}
