//! `cargo run -p lesson05-udp-pair`: the tutorials' UDP server.

use clap::Parser;
use lesson05_udp_pair::serve;
use shared::addr::{HostPort, UDP_SERVER};
use shared::server::{announce, bind_udp, Shutdown};
use std::process::ExitCode;

/// Answers every UDP datagram `NAME` with `Hello, NAME!`.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = UDP_SERVER)]
    bind: HostPort,
    /// Receive buffer in bytes; longer datagrams are cut short (the tutorials use 1024).
    #[arg(long, value_name = "BYTES", default_value_t = 65_536,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    recv_buffer: u32,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let socket = bind_udp(&args.bind)?;
    announce(socket.local_addr()?);
    serve(&socket, args.recv_buffer as usize, &shutdown)?;
    Ok(())
}
