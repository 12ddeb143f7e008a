//! `cargo run -p lesson06-socketserver`: lesson 3's server in a few lines, any strategy.

use clap::{Parser, ValueEnum};
use lesson06_socketserver::{serve_tcp, Strategy};
use shared::addr::{HostPort, THREADED_SERVER};
use shared::server::{announce, bind_tcp, Shutdown};
use std::process::ExitCode;

/// Lesson 3's greeting server, built from an address, a handler and a strategy.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    bind: HostPort,
    /// How connections get a thread.
    #[arg(long, value_enum, default_value_t = Kind::Threads)]
    strategy: Kind,
    /// Threads: the most clients at once (threads), or the pool's size (pool).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    threads: u64,
}

/// The strategies, as command-line words.
#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// One client at a time.
    Sequential,
    /// A thread per client.
    Threads,
    /// A fixed pool of threads.
    Pool,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    // ANCHOR: greeting
    let n = args.threads as usize;
    let strategy = match args.strategy {
        Kind::Sequential => Strategy::Sequential,
        Kind::Threads => Strategy::ThreadPerConnection { max: n },
        Kind::Pool => Strategy::Pool { threads: n },
    };
    let config = lesson03_threaded_server::Config::default();
    let handler = move |stream, peer, shutdown: &Shutdown| {
        lesson03_threaded_server::tcplink(stream, peer, &config, shutdown)
    };
    serve_tcp(&listener, strategy, handler, &shutdown)?;
    // ANCHOR_END: greeting
    Ok(())
}
