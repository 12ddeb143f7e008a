//! `cargo run -p lesson02-blocking-server --bin lesson02-client`: sends lines, prints the echoes.

use anyhow::{bail, Context};
use clap::Parser;
use shared::addr::{HostPort, BLOCKING_SERVER};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Sends each word (or each line of standard input) to the echo server and prints the reply.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, value_name = "HOST:PORT", default_value = BLOCKING_SERVER)]
    connect: HostPort,
    /// Messages to send; without any, lines are read from standard input (`quit` stops).
    words: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let start = "start it with `cargo run -p lesson02-blocking-server`";
    let mut stream = shared::client::connect(&args.connect, start)?;
    for line in shared::client::input_lines(args.words, Some("> ")) {
        let line = line.context("cannot read standard input")?;
        if line == "quit" {
            break;
        }
        let message = format!("{line}\n");
        stream
            .write_all(message.as_bytes())
            .context("cannot send")?;
        // The echo has exactly as many bytes as we sent: read exactly that many.
        let mut reply = vec![0u8; message.len()];
        if let Err(err) = stream.read_exact(&mut reply) {
            bail!("the server closed the connection before echoing everything ({err})");
        }
        print!("{}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}
