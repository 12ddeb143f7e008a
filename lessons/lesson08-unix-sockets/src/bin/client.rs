//! `cargo run -p lesson08-unix-sockets --bin lesson08-client -- WORDS`: talks to the stream server.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sends each word (or line of standard input) over a Unix socket and prints the echo.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's socket file.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08.sock"
    )]
    connect: PathBuf,
    /// Messages to send; without any, lines are read from standard input.
    words: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(unix)]
fn run(args: Args) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(&args.connect).map_err(|err| {
        let hint = match err.kind() {
            std::io::ErrorKind::NotFound => "; hint: no such socket file: is the server running? (cargo run -p lesson08-unix-sockets)",
            std::io::ErrorKind::ConnectionRefused => "; hint: the file exists but nobody listens: a stale socket file from a server that died",
            std::io::ErrorKind::PermissionDenied => "; hint: the socket file's permissions do not let you connect (see the server's --mode)",
            _ => "",
        };
        anyhow::anyhow!("cannot connect to {}: {err}{hint}", args.connect.display())
    })?;
    for line in shared::client::input_lines(args.words, Some("> ")) {
        let line = line.context("cannot read standard input")?;
        let message = format!("{line}\n");
        stream.write_all(message.as_bytes())?;
        let mut reply = vec![0u8; message.len()];
        stream
            .read_exact(&mut reply)
            .context("the server closed the connection")?;
        print!("{}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!("Unix domain sockets are a Linux and macOS lesson")
}
