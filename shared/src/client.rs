//! Connecting to a server, with errors that say which address failed and why.

use crate::addr::HostPort;
use crate::error::NetError;
use std::io;
use std::net::TcpStream;
use std::time::Duration;

/// How long a client waits for a TCP handshake before giving up on one address.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: connect
/// Resolves `addr` and connects to the first of its addresses that answers.
///
/// `localhost` may resolve to `::1` *and* `127.0.0.1`; a server listening on only one
/// of them refuses the other, so we try each in turn, like Python's
/// `socket.create_connection`. `start_hint` tells the user how to start the server
/// if nothing is listening, e.g. "start it with `cargo run -p lesson03-threaded-server`".
pub fn connect(addr: &HostPort, start_hint: &str) -> anyhow::Result<TcpStream> {
    connect_timeout(addr, CONNECT_TIMEOUT, start_hint)
}
// ANCHOR_END: connect

/// [`connect`], giving up on each address after `timeout`.
pub fn connect_timeout(
    addr: &HostPort,
    timeout: Duration,
    start_hint: &str,
) -> anyhow::Result<TcpStream> {
    let mut last_err = None;
    for candidate in addr.resolve()? {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(err) => last_err = Some(err),
        }
    }
    let err = last_err.unwrap_or_else(|| io::Error::other("no addresses to try"));
    Err(connect_error(addr, err, start_hint).into())
}

/// Wraps a failed `connect` in a [`NetError`] with a hint for the usual causes.
pub fn connect_error(addr: &HostPort, err: io::Error, start_hint: &str) -> NetError {
    let hint = match err.kind() {
        io::ErrorKind::ConnectionRefused => Some(format!(
            "nothing is listening on {addr}: is the server running? ({start_hint})"
        )),
        io::ErrorKind::TimedOut => {
            Some("no answer: check the address, and that no firewall drops the packets".into())
        }
        io::ErrorKind::AddrNotAvailable => {
            Some("that address cannot be reached from this machine".into())
        }
        _ => None,
    };
    NetError {
        action: format!("cannot connect to {addr}"),
        hint,
        source: err,
    }
}

/// The messages a lesson client sends: the words given as arguments, or else the lines
/// of standard input, prompting with `prompt` when a person is typing at a terminal.
pub fn input_lines(
    words: Vec<String>,
    prompt: Option<&'static str>,
) -> Box<dyn Iterator<Item = io::Result<String>>> {
    use std::io::{BufRead, IsTerminal, Write};
    if !words.is_empty() {
        return Box::new(words.into_iter().map(Ok));
    }
    let stdin = io::stdin();
    let prompt = prompt.filter(|_| stdin.is_terminal());
    let mut lines = stdin.lock().lines();
    Box::new(std::iter::from_fn(move || {
        if let Some(prompt) = prompt {
            print!("{prompt}");
            let _ = io::stdout().flush();
        }
        lines.next()
    }))
}
