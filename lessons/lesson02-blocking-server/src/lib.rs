//! Lesson 2: a blocking server that serves one client at a time.
//!
//! This is the first server of the classic tutorials: bind, listen, then forever
//! `accept` one connection and answer each `recv` with `send(data.upper())` until the
//! client closes. It works, and it has a property you must see once: while it is
//! busy with one client, it does not call `accept`, so every other client waits.
//! Their TCP handshakes still complete (the kernel does that, up to the listen
//! backlog), which is why a second client seems connected but gets no answer.
//! Lesson 3 fixes this with a thread per connection.

use shared::conn::Connection;
use shared::error::is_timeout;
use shared::server::{incoming_until, log, Shutdown, POLL_INTERVAL};
use std::io::{self, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// How the server behaves; the command-line flags fill it in.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Pause before each reply (the tutorial's `time.sleep(1)`), to make waiting visible.
    pub delay: Duration,
    /// Disconnect a client that sends nothing for this long; `None` waits for ever, as
    /// the tutorial does (lesson 8, which serves many clients, sets one).
    pub idle_timeout: Option<Duration>,
}

// ANCHOR: serve
/// Accepts clients one after the other and echoes each in upper case, until shutdown.
pub fn serve(listener: &TcpListener, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    for (stream, peer) in incoming_until(listener, shutdown)? {
        log(format_args!("Accepted connection from {peer}"));
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
/// Sends every chunk received back in upper case, until the peer closes its side
/// or shutdown is asked. Returns the number of bytes echoed.
///
/// There is no framing here, and none is needed: the reply to each byte does not
/// depend on the bytes around it, so it does not matter how the stream is cut
/// into reads. ASCII upper-casing keeps the length, so the client knows how many
/// bytes to expect back.
///
/// A blocked `read` or `write` cannot see the shutdown flag, so both get a timeout
/// here: every [`POLL_INTERVAL`] the call gives up, the loop looks at the flag, and
/// carries on. The write needs it as much as the read: a client that sends and never
/// reads fills every buffer on the way back, and our `write` would wait for ever.
pub fn echo_upper(
    mut conn: impl Connection,
    config: &Config,
    shutdown: &Shutdown,
) -> io::Result<u64> {
    conn.set_read_timeout(Some(POLL_INTERVAL))?;
    conn.set_write_timeout(Some(POLL_INTERVAL))?;
    let mut buf = [0u8; 1024];
    let mut echoed = 0;
    let mut last_heard = Instant::now();
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => return Ok(echoed), // the client closed: end of stream
            Ok(n) => n,
            Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => {
                if shutdown.is_triggered() {
                    return Ok(echoed);
                }
                match config.idle_timeout {
                    Some(limit) if last_heard.elapsed() >= limit => return Err(idle(limit)),
                    _ => continue,
                }
            }
            Err(err) => return Err(err),
        };
        last_heard = Instant::now();
        let data = &mut buf[..n];
        data.make_ascii_uppercase(); // Python's bytes.upper(): ASCII letters only
        if !config.delay.is_zero() {
            shutdown.wait_timeout(config.delay);
        }
        if !send_all(&mut conn, data, shutdown)? {
            return Ok(echoed); // shutdown while the client was not reading
        }
        echoed += n as u64;
    }
}

/// Python's `sendall` (a write may take only part), giving up if shutdown is asked
/// while the client does not read. Returns whether everything was sent.
fn send_all(conn: &mut impl Write, mut data: &[u8], shutdown: &Shutdown) -> io::Result<bool> {
    while !data.is_empty() {
        match conn.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => {
                if shutdown.is_triggered() {
                    return Ok(false);
                }
            }
            Err(err) => return Err(err),
        }
    }
    Ok(true)
}
// ANCHOR_END: echo_upper

/// The error for a client that stayed silent longer than `limit`.
fn idle(limit: Duration) -> io::Error {
    let secs = limit.as_secs_f64();
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("nothing received for {secs} s"),
    )
}
