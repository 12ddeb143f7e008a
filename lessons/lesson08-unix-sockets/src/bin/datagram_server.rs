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
    use anyhow::Context;
    use lesson08_unix_sockets::{datagram, prepare_path, RemoveOnDrop};
    let shutdown = shared::server::Shutdown::on_signals()?;
    let removed_stale = prepare_path(&args.bind)?;
    let socket = std::os::unix::net::UnixDatagram::bind(&args.bind)
        .with_context(|| format!("cannot listen on {}", args.bind.display()))?;
    let _cleanup = RemoveOnDrop(&args.bind);
    shared::server::log(format_args!("Listening on {}", args.bind.display()));
    if removed_stale {
        shared::server::log(lesson08_unix_sockets::STALE_REMOVED);
    }
    datagram::serve(&socket, &shutdown)?;
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!("Unix domain sockets are a Linux and macOS lesson")
}
