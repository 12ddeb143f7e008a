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
    /// fork: how many worker processes serve clients, one client at a time each.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    workers: u64,
    /// Set by `--strategy fork` on the worker processes it starts (not for you).
    #[arg(long = "fork-worker", hide = true)]
    fork_worker: bool,
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
    /// Worker processes (Unix only): Python's ForkingMixIn, as a pre-forked pool.
    Fork,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let config = lesson03_threaded_server::Config::default();
    let handler = move |stream, peer, shutdown: &Shutdown| {
        lesson03_threaded_server::tcplink(stream, peer, &config, shutdown)
    };
    if args.fork_worker {
        return fork_worker(handler, &shutdown);
    }
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    if let Kind::Fork = args.strategy {
        return fork(&listener, &args, &shutdown);
    }
    // ANCHOR: greeting
    let n = args.threads as usize;
    let strategy = match args.strategy {
        Kind::Sequential => Strategy::Sequential,
        Kind::Threads => Strategy::ThreadPerConnection { max: n },
        Kind::Pool => Strategy::Pool { threads: n },
        Kind::Fork => unreachable!("served above"),
    };
    serve_tcp(&listener, strategy, handler, &shutdown)?;
    // ANCHOR_END: greeting
    Ok(())
}

/// `--strategy fork`: this process supervises worker copies of itself.
#[cfg(unix)]
fn fork(listener: &std::net::TcpListener, args: &Args, shutdown: &Shutdown) -> anyhow::Result<()> {
    // The workers get our own arguments (they ignore --bind: the socket is theirs).
    let own: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    lesson06_socketserver::fork::supervise(listener, args.workers as usize, &own, shutdown)?;
    Ok(())
}

/// A worker process of `--strategy fork`: serves the socket its supervisor passed.
#[cfg(unix)]
fn fork_worker(
    handler: impl lesson06_socketserver::Handler<std::net::TcpStream, std::net::SocketAddr>,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let listener = lesson06_socketserver::fork::inherited_listener()?;
    lesson06_socketserver::fork::work(&listener, handler, shutdown)?;
    Ok(())
}

#[cfg(not(unix))]
fn fork_worker<H>(_: H, _: &Shutdown) -> anyhow::Result<()> {
    anyhow::bail!("--fork-worker needs Unix")
}

#[cfg(not(unix))]
fn fork(_: &std::net::TcpListener, _: &Args, _: &Shutdown) -> anyhow::Result<()> {
    anyhow::bail!("--strategy fork needs Unix (fork and exec); use threads or pool here")
}
