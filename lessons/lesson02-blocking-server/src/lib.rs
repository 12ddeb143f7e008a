//! Lesson 2: a blocking server that serves one client at a time.
//!
//! This is the first server of the classic tutorials: bind, listen, then forever
//! `accept` one connection and answer each `recv` with `send(data.upper())` until the
//! client closes. It works, and it has a property you must see once: while it is
//! busy with one client, it does not call `accept`, so every other client waits.
//! Their TCP handshakes still complete (the kernel does that, up to the listen
//! backlog), which is why a second client seems connected but gets no answer.
//! Lesson 3 fixes this with a thread per connection.

use shared::error::is_timeout;
use shared::server::{incoming_until, log, Shutdown, POLL_INTERVAL};
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// How the server behaves; the command-line flags fill it in.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Pause before each reply (the tutorial's `time.sleep(1)`), to make waiting visible.
    pub delay: Duration,
}

// ANCHOR: serve
/// Accepts clients one after the other and echoes each in upper case, until shutdown.
pub fn serve(listener: &TcpListener, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    for (stream, peer) in incoming_until(listener, shutdown)? {
        log(format_args!("Accepted connection from {peer}"));
        // Only a timeout lets the read loop notice Ctrl-C while the client is quiet.
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        // While this runs, nobody calls accept(): the next client waits.
        match echo_upper(stream, config, shutdown) {
            Ok(_) => log(format_args!("Connection from {peer} closed")),
            Err(err) => log(format_args!("Connection from {peer} closed: {err}")),
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: echo_upper
/// Sends every chunk received back in upper case, until the peer closes its side.
///
/// There is no framing here, and none is needed: the reply to each byte does not
/// depend on the bytes around it, so it does not matter how the stream is cut
/// into reads. ASCII upper-casing keeps the length, so the client knows how many
/// bytes to expect back. Returns the number of bytes echoed.
pub fn echo_upper(
    mut conn: impl Read + Write,
    config: &Config,
    shutdown: &Shutdown,
) -> io::Result<u64> {
    let mut buf = [0u8; 1024];
    let mut echoed = 0;
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => return Ok(echoed), // the client closed: end of stream
            Ok(n) => n,
            Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => {
                if shutdown.is_triggered() {
                    return Ok(echoed);
                }
                continue;
            }
            Err(err) => return Err(err),
        };
        let data = &mut buf[..n];
        data.make_ascii_uppercase(); // Python's bytes.upper(): ASCII letters only
        if !config.delay.is_zero() {
            shutdown.wait_timeout(config.delay);
        }
        conn.write_all(data)?; // sendall, not send: a write may take only part
        echoed += n as u64;
    }
}
// ANCHOR_END: echo_upper
