//! `cargo run --release -p loadgen -- --connect 127.0.0.1:9999 --connections 100 --requests 100`

use clap::Parser;
use shared::addr::{HostPort, THREADED_SERVER};
use std::process::ExitCode;
use std::time::Duration;

/// Load for lesson 3's protocol: C connections x M exchanges; prints throughput and latency.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server (any lesson 3 protocol server: lessons 3, 6 and 7).
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    connect: HostPort,
    /// Connections open at once.
    #[arg(long, short = 'c', default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=20_000))]
    connections: u64,
    /// Request/reply exchanges per connection.
    #[arg(long, short = 'm', default_value_t = 100, value_parser = shared::cli::positive)]
    requests: u64,
    /// The server's protocol: lesson 3's greeting, or lesson 2's echo.
    #[arg(long, value_enum, default_value_t = Kind::Greeting)]
    protocol: Kind,
    /// Give up on a connection after this many seconds without an answer.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// Protocols, as command-line words.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    /// Lessons 3, 6 and 7.
    Greeting,
    /// Lesson 2.
    Echo,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let addr = *args
        .connect
        .resolve()?
        .first()
        .ok_or_else(|| anyhow::anyhow!("no address"))?;
    let protocol = match args.protocol {
        Kind::Greeting => loadgen::Protocol::Greeting,
        Kind::Echo => loadgen::Protocol::Echo,
    };
    let (c, m) = (args.connections as usize, args.requests as usize);
    let r = loadgen::run(addr, protocol, c, m, Duration::from_secs(args.timeout));
    println!(
        "connections={} requests={} ok_connections={} errors={} seconds={:.3} throughput={:.0} p50_us={} p99_us={}",
        args.connections,
        r.requests,
        r.ok_connections,
        r.errors,
        r.elapsed.as_secs_f64(),
        r.throughput(),
        r.p50.as_micros(),
        r.p99.as_micros()
    );
    if r.errors > 0 {
        anyhow::bail!("{} of {} connections failed", r.errors, args.connections);
    }
    Ok(())
}
