//! `cargo run -p lesson05-udp-pair --bin lesson05-udp-client`: sends names, prints replies.

use anyhow::{bail, Context};
use clap::Parser;
use lesson05_udp_pair::{answer, max_payload, request, Outcome};
use shared::addr::{HostPort, UDP_SERVER};
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

/// Sends each name as one UDP datagram and prints the server's reply.
///
/// UDP may lose a datagram or its reply: each is resent after --timeout-ms, up to
/// --retries times. Exits 1 if any message got no reply.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, value_name = "HOST:PORT", default_value = UDP_SERVER)]
    connect: HostPort,
    /// How long to wait for each reply, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = shared::cli::positive)]
    timeout_ms: u64,
    /// How many times to resend a message that got no reply.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: u32,
    /// Messages to send.
    #[arg(default_values_t = ["Michael".to_string(), "Tracy".to_string(), "Sarah".to_string()])]
    names: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let server = *args.connect.resolve()?.first().context("no address")?;
    let local = if server.is_ipv6() {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let socket = UdpSocket::bind(local).context("cannot create a UDP socket")?;
    // "Connecting" a UDP socket sends nothing: it fixes the peer, so send() needs no
    // address and the system drops datagrams from anybody else.
    socket
        .connect(server)
        .with_context(|| format!("cannot reach {server}"))?;
    // Check every message before sending any: a reply must fit in one datagram.
    let limit = max_payload(&server);
    for name in &args.names {
        if let Err(too_long) = answer(name.as_bytes(), limit) {
            bail!("cannot send {:?}: {too_long}", shorten(name));
        }
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut unanswered = Vec::new();
    let mut refused = false;
    for name in &args.names {
        match request(&socket, name.as_bytes(), timeout, args.retries)? {
            Outcome::Replied { reply, attempts } => {
                println!("{reply}");
                if attempts > 1 {
                    eprintln!("note: {:?} needed {attempts} attempts", shorten(name));
                }
            }
            Outcome::Refused { error } => {
                bail!("the server refused {:?}: {error}", shorten(name));
            }
            Outcome::NoReply {
                attempts,
                last_error,
            } => {
                eprintln!("no reply to {:?} after {attempts} attempts", shorten(name));
                refused |= last_error.is_some();
                unanswered.push(shorten(name));
            }
        }
    }
    if !unanswered.is_empty() {
        let hint = if refused {
            "nothing is listening there: is the server running? (start it with \
             `cargo run -p lesson05-udp-pair`)"
        } else {
            "is the server running, and is the address right?"
        };
        bail!(
            "{} of {} messages got no reply from {} ({}); {hint}",
            unanswered.len(),
            args.names.len(),
            args.connect,
            unanswered.join(", ")
        );
    }
    Ok(())
}

/// A message as an error line shows it: quoted, and cut short if long (a 64 KiB
/// message printed whole would bury the error).
fn shorten(message: &str) -> String {
    const SHOWN: usize = 40;
    if message.chars().count() <= SHOWN {
        return message.to_string();
    }
    let start: String = message.chars().take(SHOWN).collect();
    format!("{start}... ({} bytes)", message.len())
}
