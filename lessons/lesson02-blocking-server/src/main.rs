//! `cargo run -p lesson02-blocking-server`: the tutorial's first server.

use clap::Parser;
use shared::addr::{HostPort, BLOCKING_SERVER};
use shared::server::{announce, bind_tcp, Shutdown};
use std::process::ExitCode;
use std::time::Duration;

/// An upper-casing echo server that serves one client at a time.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = BLOCKING_SERVER)]
    bind: HostPort,
    /// Wait this many milliseconds before each reply, to make the queueing visible.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
}

fn main() -> ExitCode {
    let args = shared::cli::parse_args::<Args>();
    shared::cli::report(run(args))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    let config = lesson02_blocking_server::Config {
        delay: Duration::from_millis(args.delay_ms),
        idle_timeout: None, // as the tutorial: a client may stay as long as it likes
    };
    lesson02_blocking_server::serve(&listener, &config, &shutdown)?;
    Ok(())
}
