//! `cargo run -p lesson08-unix-sockets --bin lesson08-datagram-server`: lesson 5's greeting over AF_UNIX datagrams.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Answers each datagram on a Unix socket file with `Hello, DATA!`.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The socket file to create.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08-datagram.sock"
    )]
    bind: PathBuf,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(unix)]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson08_unix_sockets::{bind_path, datagram};
    let shutdown = shared::server::Shutdown::on_signals()?;
    let (socket, _cleanup) = bind_path(&args.bind, 0o600, |p| {
        std::os::unix::net::UnixDatagram::bind(p)
    })?;
    datagram::serve(&socket, &shutdown)?;
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!("Unix domain sockets are a Linux and macOS lesson")
}
