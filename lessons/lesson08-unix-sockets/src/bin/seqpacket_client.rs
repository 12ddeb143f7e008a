//! `cargo run -p lesson08-unix-sockets --bin lesson08-seqpacket-client -- MESSAGE...`: sends each message, prints each reply or how it was cut.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sends each MESSAGE as one SOCK_SEQPACKET message and prints the reply (Linux only).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's socket file.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08-seqpacket.sock"
    )]
    connect: PathBuf,
    /// Receive each reply into a buffer of this many bytes; a longer reply is cut
    /// (MSG_TRUNC) and its rest is lost.
    #[arg(long, value_name = "BYTES", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    buffer: u64,
    /// Give up on a reply after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = shared::cli::positive)]
    timeout: u64,
    /// The messages (an empty argument "" is an empty message).
    #[arg(required = true)]
    messages: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(target_os = "linux")]
fn run(args: Args) -> anyhow::Result<()> {
    use anyhow::Context;
    use lesson08_unix_sockets::seqpacket::Seqpacket;
    use shared::conn::Connection;
    let conn = Seqpacket::connect(&args.connect).map_err(|err| shared::error::NetError {
        action: format!("cannot connect to {}", args.connect.display()),
        hint: Some("is lesson08-seqpacket running with that --bind path?".to_string()),
        source: err,
    })?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(args.timeout)))?;
    let mut buf = vec![0u8; args.buffer as usize];
    for message in &args.messages {
        conn.send_message(message.as_bytes())
            .with_context(|| format!("cannot send a message of {} bytes", message.len()))?;
        let got = conn.recv_message(&mut buf).context("no reply")?;
        let text = String::from_utf8_lossy(&buf[..got.kept]);
        if got.truncated {
            println!(
                "cut (MSG_TRUNC): kept {} of {} bytes: {text}",
                got.kept, got.len
            );
        } else {
            println!("{text}");
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!(
        "SOCK_SEQPACKET over Unix sockets is Linux only (macOS refuses it: protocol not supported)"
    )
}
