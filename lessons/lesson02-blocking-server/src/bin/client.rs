//! `cargo run -p lesson02-blocking-server --bin lesson02-client`: sends lines, prints the echoes.

use anyhow::{bail, Context};
use clap::Parser;
use shared::addr::{HostPort, BLOCKING_SERVER};
use shared::error::{is_timeout, NetError};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Sends each word (or each line of standard input) to the echo server and prints the reply.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, value_name = "HOST:PORT", default_value = BLOCKING_SERVER)]
    connect: HostPort,
    /// Give up when the server does not answer within this many seconds (lesson 2's
    /// server serves one client at a time: behind another client, you wait).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = shared::cli::positive)]
    timeout: u64,
    /// Messages to send; without any, lines are read from standard input (`quit` stops).
    words: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let start = "start it with `cargo run -p lesson02-blocking-server`";
    let mut stream = shared::client::connect(&args.connect, start)?;
    // A server that accepts and then says nothing must not hang us for ever.
    stream.set_read_timeout(Some(Duration::from_secs(args.timeout)))?;
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
        match stream.read_exact(&mut reply) {
            Ok(()) => {}
            Err(err) if is_timeout(&err) => {
                return Err(NetError {
                    action: format!("no echo within {} s", args.timeout),
                    hint: Some(
                        "the server accepted the connection but did not answer: it serves one \
                         client at a time, so another client may be holding it \
                         (--timeout SECS waits longer)"
                            .into(),
                    ),
                    // Not `err`: its text is the system's name for any expired wait
                    // ("Resource temporarily unavailable"), which says nothing here.
                    source: std::io::Error::new(err.kind(), "the server sent nothing"),
                }
                .into());
            }
            Err(err) => {
                bail!("the server closed the connection before echoing everything ({err})")
            }
        }
        print!("{}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}
