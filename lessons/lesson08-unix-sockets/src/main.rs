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
    stream::serve(&listener, &shutdown)?;
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!(
        "Unix domain sockets are a Linux and macOS lesson; on Windows, follow it in the book"
    )
}
