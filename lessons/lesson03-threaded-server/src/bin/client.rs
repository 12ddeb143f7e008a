//! `cargo run -p lesson03-threaded-server --bin lesson03-client`: the tutorials' clients in one.

use anyhow::{bail, Context};
use clap::Parser;
use lesson03_threaded_server::is_exit;
use shared::addr::{HostPort, THREADED_SERVER};
use shared::error::{is_timeout, NetError};
use shared::framing::{write_line, FrameError, LineReader};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// Talks to lesson03-threaded-server: prints the greeting, sends each name, prints each reply.
///
/// With names as arguments, sends them in turn and exits (the tutorial's scripted client).
/// Without, prompts `Your input:`; `quit`, `exit`, an empty line or end of input (Ctrl-D)
/// ends the session.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, value_name = "HOST:PORT", default_value = THREADED_SERVER)]
    connect: HostPort,
    /// Give up when the server does not answer within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = shared::cli::positive)]
    timeout: u64,
    /// Names to send; without any, lines are read from standard input.
    names: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let start = "start it with `cargo run -p lesson03-threaded-server`";
    let stream = shared::client::connect(&args.connect, start)?;
    // A server that accepts and then says nothing must not hang us for ever.
    stream.set_read_timeout(Some(Duration::from_secs(args.timeout)))?;
    let mut writer = stream.try_clone()?;
    let mut replies = Replies {
        lines: LineReader::new(stream, 64 * 1024),
        timeout: args.timeout,
    };
    println!("{}", replies.next()?);
    let prompt = "Your input (quit or Ctrl-D to end): ";
    for line in shared::client::input_lines(args.names, Some(prompt)) {
        let line = line.context("cannot read standard input")?;
        if line.is_empty() || line == "quit" {
            break;
        }
        write_line(&mut writer, &line).context("cannot send")?;
        if is_exit(&line) {
            // The server's word for goodbye is closing the connection: a normal end.
            return replies.closed();
        }
        println!("{}", replies.next()?);
    }
    // Tell the server we are done; it closes its side, and we close ours.
    let _ = write_line(&mut writer, "exit");
    Ok(())
}

/// The server's replies, one line each, with what we make of a silence.
struct Replies {
    lines: LineReader<TcpStream>,
    timeout: u64,
}

impl Replies {
    /// The server's next line; its own `error: ...` lines become our error.
    fn next(&mut self) -> anyhow::Result<String> {
        let line = match self.lines.read_line() {
            Err(FrameError::Io(err)) if is_timeout(&err) => return Err(self.silent(err)),
            read => read.context("cannot read the server's reply")?,
        };
        let line = line.context("the server closed the connection")?;
        let line = String::from_utf8_lossy(&line).into_owned();
        if let Some(reason) = line.strip_prefix("error: ") {
            bail!("the server said: {reason}");
        }
        if line == "server shutting down" {
            bail!("the server is shutting down");
        }
        Ok(line)
    }

    /// After `exit`: the server closes the connection, and that is all we wait for.
    fn closed(&mut self) -> anyhow::Result<()> {
        match self.lines.read_line() {
            Ok(None) => Ok(()),
            Ok(Some(line)) => bail!(
                "the server answered `exit` with {:?} instead of closing the connection",
                String::from_utf8_lossy(&line)
            ),
            Err(FrameError::Io(err)) if is_timeout(&err) => Err(self.silent(err)),
            Err(err) => Err(err).context("cannot read the server's reply"),
        }
    }

    fn silent(&self, err: std::io::Error) -> anyhow::Error {
        NetError {
            action: format!("no reply within {} s", self.timeout),
            hint: Some(
                "the server accepted the connection but did not answer: is it a lesson 3 \
                 server, and not busy with a long --delay-ms? (--timeout SECS waits longer)"
                    .into(),
            ),
            // Not `err`: its text is the system's name for any expired wait
            // ("Resource temporarily unavailable"), which says nothing here.
            source: std::io::Error::new(err.kind(), "the server sent nothing"),
        }
        .into()
    }
}
