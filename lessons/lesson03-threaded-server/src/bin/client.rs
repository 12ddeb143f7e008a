//! `cargo run -p lesson03-threaded-server --bin lesson03-client`: the tutorials' clients in one.

use anyhow::{bail, Context};
use clap::Parser;
use shared::addr::{HostPort, THREADED_SERVER};
use shared::framing::{write_line, LineReader};
use std::net::TcpStream;
use std::process::ExitCode;

/// Talks to lesson03-threaded-server: prints the greeting, sends each name, prints each reply.
///
/// With names as arguments, sends them in turn and exits (the tutorial's scripted client).
/// Without, prompts `Your input:`; `quit`, an empty line or end of input ends the session.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    connect: HostPort,
    /// Names to send; without any, lines are read from standard input.
    names: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let start = "start it with `cargo run -p lesson03-threaded-server`";
    let stream = shared::client::connect(&args.connect, start)?;
    let mut writer = stream.try_clone()?;
    let mut replies = LineReader::new(stream, 64 * 1024);
    println!("{}", next_reply(&mut replies)?);
    for line in shared::client::input_lines(args.names, Some("Your input: ")) {
        let line = line.context("cannot read standard input")?;
        if line.is_empty() || line == "quit" {
            break;
        }
        write_line(&mut writer, &line).context("cannot send")?;
        println!("{}", next_reply(&mut replies)?);
    }
    // Tell the server we are done; it closes its side, and we close ours.
    let _ = write_line(&mut writer, "exit");
    Ok(())
}

/// The server's next line; its own `error: ...` lines become our error.
fn next_reply(replies: &mut LineReader<TcpStream>) -> anyhow::Result<String> {
    let line = replies
        .read_line()
        .context("cannot read the server's reply")?
        .context("the server closed the connection")?;
    let line = String::from_utf8_lossy(&line).into_owned();
    if let Some(reason) = line.strip_prefix("error: ") {
        bail!("the server said: {reason}");
    }
    if line == "server shutting down" {
        bail!("the server is shutting down");
    }
    Ok(line)
}
