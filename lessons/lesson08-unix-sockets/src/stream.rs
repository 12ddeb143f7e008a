//! The stream server: lesson 2's echo handler, a thread per client, over a Unix socket.

use lesson06_socketserver::Strategy;
use shared::conn::UnixPeer;
use shared::server::{log, Shutdown};
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

/// What a client over the limit is told before the server hangs up (lesson 3's words).
pub use lesson06_socketserver::BUSY;

/// How the server behaves; the command-line flags fill it in.
#[derive(Clone, Debug)]
pub struct Config {
    /// At most this many clients at once (see lesson 3 for why there must be a limit).
    pub max_clients: usize,
    /// A client that sends nothing for this long is disconnected, so that idle
    /// clients cannot hold every place for ever.
    pub idle_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_clients: 64,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

// ANCHOR: serve
/// Serves each client on its own thread with lesson 2's `echo_upper`, until shutdown.
///
/// `echo_upper` takes any stream socket: a `UnixStream` is one, just like a
/// `TcpStream`. Nothing in it knows which kind of socket it talks to. Nor does lesson
/// 6's general server, which takes any listener: this lesson brings only the
/// handler and the words for a refused client.
pub fn serve(listener: &UnixListener, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    let echo = lesson02_blocking_server::Config {
        idle_timeout: Some(config.idle_timeout),
        ..Default::default()
    };
    let handler = move |stream: UnixStream, _: UnixPeer, shutdown: &Shutdown| {
        // Unix socket clients have no address worth printing; the kernel can tell
        // who they are (their user id: `SO_PEERCRED`), which TCP cannot.
        log(format_args!("Accepted a client"));
        match lesson02_blocking_server::echo_upper(stream, &echo, shutdown) {
            Ok(n) => log(format_args!("Client closed after {n} bytes")),
            Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                log(format_args!("Client disconnected: {err}"))
            }
            Err(err) => log(format_args!("Client lost: {err}")),
        }
        Ok(())
    };
    let max = config.max_clients;
    let refuse = move |stream: UnixStream, _: &UnixPeer| {
        log(format_args!("Refused a client: {max} already connected"));
        shared::server::refuse(stream, BUSY); // in words: a silent close looks like a crash
    };
    let strategy = Strategy::ThreadPerConnection { max };
    lesson06_socketserver::serve(listener, strategy, handler, refuse, shutdown)
}
// ANCHOR_END: serve
