//! `cargo run -p lesson06-socketserver --bin lesson06-udp`: lesson 5's server in a few lines.

use clap::Parser;
use shared::addr::{HostPort, UDP_SERVER};
use shared::server::{announce, bind_udp, log, Shutdown};
use std::process::ExitCode;

/// Lesson 5's UDP greeting, built on lesson 6's `serve_udp`.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = UDP_SERVER)]
    bind: HostPort,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let socket = bind_udp(&args.bind)?;
    announce(socket.local_addr()?);
    // ANCHOR: udp
    let greet = |data: &[u8], peer| {
        log(format_args!("Received from {peer}"));
        Some(lesson05_udp_pair::respond(data, &peer))
    };
    lesson06_socketserver::serve_udp(&socket, greet, &shutdown)?;
    // ANCHOR_END: udp
    Ok(())
}
