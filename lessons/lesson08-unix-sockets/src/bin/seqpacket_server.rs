//! `cargo run -p lesson08-unix-sockets --bin lesson08-seqpacket`: lesson 2's echo, one message at a time, over AF_UNIX SOCK_SEQPACKET (Linux).

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Answers each message on a Unix SOCK_SEQPACKET socket with the same message upper-cased.
///
/// Linux only: macOS has no SOCK_SEQPACKET for Unix sockets.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The socket file to create.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08-seqpacket.sock"
    )]
    bind: PathBuf,
    /// Who may connect, as a chmod mode: 600 = only you, 660 = you and your group.
    #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = mode)]
    mode: u32,
    /// Serve at most this many clients at once; others are told the server is busy.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_clients: u64,
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

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use lesson08_unix_sockets::{bind_path, seqpacket};
    let shutdown = shared::server::Shutdown::on_signals()?;
    let (listener, _cleanup) = bind_path(&args.bind, args.mode, |p| {
        seqpacket::SeqpacketListener::bind(p)
    })?;
    seqpacket::serve(&listener, args.max_clients as usize, &shutdown)?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!(
        "SOCK_SEQPACKET over Unix sockets is Linux only (macOS refuses it: protocol not supported)"
    )
}
