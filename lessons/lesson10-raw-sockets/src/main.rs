//! `cargo run -p lesson10-raw-sockets`: what the lesson's four tools are, and how to run them.

use clap::Parser;
use std::process::ExitCode;

/// Lesson 10: under the sockets (Linux only). Prints an overview of the lesson's tools.
#[derive(Parser)]
#[command(version)]
struct Args {}

/// The overview.
const OVERVIEW: &str = "\
Lesson 10: under the sockets (Linux only)

  lesson10-ping HOST         ICMP echo, v4 and v6: each reply, then loss and rtt
  lesson10-traceroute HOST   TTL 1, 2, 3...: the routers on the way, one line each
  lesson10-rawudp NAME...    IPv4 + UDP headers built by hand (IP_HDRINCL), sent to
                             lesson 5's server, whose `Hello, NAME!` proves them right
  lesson10-sniff             every packet on an interface (default lo), as tcpdump
                             prints it; --write FILE.pcap, --svg FILE.svg

Run one with: cargo run -p lesson10-raw-sockets --bin lesson10-ping -- 127.0.0.1

Privileges: ping and traceroute use a ping socket if net.ipv4.ping_group_range
includes your group, else a raw socket (root or CAP_NET_RAW); rawudp and sniff
always need root or CAP_NET_RAW. Each tool says so in one line if it cannot.";

fn main() -> ExitCode {
    let Args {} = shared::cli::parse_args::<Args>();
    println!("{OVERVIEW}");
    ExitCode::SUCCESS
}
