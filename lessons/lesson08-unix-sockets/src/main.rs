//! `cargo run -p lesson08-unix-sockets`: lesson 2's echo over a Unix stream socket.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Upper-casing echo server on a Unix domain socket (a path, not an IP address and port).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The socket file to create.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08.sock"
    )]
    bind: PathBuf,
    /// Who may connect, as a chmod mode: 600 = only you, 660 = you and your group.
    #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = mode)]
    mode: u32,
    /// Serve at most this many clients at once; others are told the server is busy.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_clients: u64,
    /// Disconnect a client that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = shared::cli::positive)]
    idle_timeout: u64,
}

fn mode(text: &str) -> Result<u32, String> {
    #[cfg(unix)]
    return lesson08_unix_sockets::parse_mode(text);
    #[cfg(not(unix))]
    return Ok(text.len() as u32);
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(unix)]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson08_unix_sockets::{bind_path, stream};
    let shutdown = shared::server::Shutdown::on_signals()?;
    let (listener, _cleanup) = bind_path(&args.bind, args.mode, |p| {
        std::os::unix::net::UnixListener::bind(p)
    })?;
    let config = stream::Config {
        max_clients: args.max_clients as usize,
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
    };
    stream::serve(&listener, &config, &shutdown)?;
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!(
        "Unix domain sockets are a Linux and macOS lesson; on Windows, follow it in the book"
    )
}
