//! `cargo run -p lesson03-threaded-server`: the tutorials' thread-per-connection server.

use clap::Parser;
use lesson03_threaded_server::{serve, Config, MAX_LINE};
use shared::addr::{HostPort, THREADED_SERVER};
use shared::server::{announce, bind_tcp, Shutdown};
use std::process::ExitCode;
use std::time::Duration;

/// Greets each client with `Welcome!` and answers `NAME` with `Hello, NAME!`; `exit` ends a session.
///
/// Messages end with a newline (nc, telnet, lesson03-client) or, for clients that never
/// send one (the Python tutorials' clients), with a short pause.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    bind: HostPort,
    /// Wait this many milliseconds before each reply (the tutorial's `time.sleep(1)`).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Serve at most this many clients at once; others are told the server is busy.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections: u64,
    /// Disconnect a client that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = shared::cli::positive)]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    let config = Config {
        delay: Duration::from_millis(args.delay_ms),
        max_connections: args.max_connections as usize,
        idle_timeout: Duration::from_secs(args.idle_timeout),
        max_line: MAX_LINE,
    };
    serve(&listener, &config, &shutdown)?;
    Ok(())
}
