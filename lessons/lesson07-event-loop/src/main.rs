//! `cargo run -p lesson07-event-loop`: the lesson 3 server on tokio.

use clap::Parser;
use shared::addr::{HostPort, THREADED_SERVER};
use shared::server::{announce, bind_tcp, log};
use std::process::ExitCode;

/// Lesson 3's greeting server, as async tasks on tokio: thousands of clients, few threads.
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
    let limit = lesson07_event_loop::raise_open_files_limit()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    log(format_args!(
        "(up to {limit} open files: about that many connections)"
    ));
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        lesson07_event_loop::async_server::serve(
            listener,
            lesson07_event_loop::async_server::signals(),
        )
        .await
    })?;
    Ok(())
}
