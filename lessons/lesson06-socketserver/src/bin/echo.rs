//! `cargo run -p lesson06-socketserver --bin lesson06-echo`: lesson 2's server in a few lines.

use clap::Parser;
use lesson06_socketserver::{serve_tcp, Strategy};
use shared::addr::{HostPort, BLOCKING_SERVER};
use shared::server::{announce, bind_tcp, Shutdown};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;

/// Lesson 2's upper-casing echo, one client at a time, built on lesson 6's server.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = BLOCKING_SERVER)]
    bind: HostPort,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    // ANCHOR: echo
    let echo = |stream: TcpStream, _: SocketAddr, shutdown: &Shutdown| {
        let config = lesson02_blocking_server::Config::default();
        lesson02_blocking_server::echo_upper(stream, &config, shutdown).map(drop)
    };
    serve_tcp(&listener, Strategy::Sequential, echo, &shutdown)?;
    // ANCHOR_END: echo
    Ok(())
}
