//! `cargo run -p lesson07-event-loop --bin lesson07-readiness`: the event loop by hand.

use clap::Parser;
use shared::addr::{HostPort, THREADED_SERVER};
use shared::server::{announce, bind_tcp, log, Shutdown};
use std::process::ExitCode;

/// Lesson 3's greeting server on one thread: non-blocking sockets and a readiness loop (mio).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    bind: HostPort,
}

fn main() -> ExitCode {
    let args = shared::cli::parse_args::<Args>();
    shared::cli::report(run(args))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let limit = lesson07_event_loop::raise_open_files_limit()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    log(format_args!(
        "(up to {limit} open files: about that many connections)"
    ));
    lesson07_event_loop::readiness::serve(listener, &shutdown)?;
    Ok(())
}
