//! The stream server: lesson 2's echo handler, a thread per client, over a Unix socket.

use shared::server::{incoming_until, log, refuse, Shutdown, Slots};
use std::io;
use std::os::unix::net::UnixListener;
use std::thread;
use std::time::Duration;

/// What a client over the limit is told before the server hangs up (lesson 3's words).
pub const BUSY: &str = "error: server busy, try again later";

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
/// `TcpStream`. Nothing in it knows which kind of socket it talks to. The accept
/// loop is the one lessons 2 and 3 use for TCP (`incoming_until`), since it too
/// takes any listener; only the way to wake it at shutdown differs (see
/// `shared::conn`).
pub fn serve(listener: &UnixListener, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    let slots = Slots::new(config.max_clients);
    let echo = lesson02_blocking_server::Config {
        idle_timeout: Some(config.idle_timeout),
        ..Default::default()
    };
    let mut workers = Vec::new();
    for (stream, _) in incoming_until(listener, shutdown)? {
        workers.retain(|w: &thread::JoinHandle<()>| !w.is_finished());
        let Some(slot) = slots.take() else {
            log(format_args!(
                "Refused a client: {} already connected",
                slots.max()
            ));
            refuse(stream, BUSY); // in words: a silent close looks like a crash
            continue;
        };
        // Unix socket clients have no address worth printing; the kernel can tell
        // who they are (their user id: `SO_PEERCRED`), which TCP cannot.
        log(format_args!("Accepted a client"));
        let (echo, shutdown) = (echo.clone(), shutdown.clone());
        let spawned = thread::Builder::new()
            .name("unix client".into())
            .spawn(move || {
                let result = lesson02_blocking_server::echo_upper(stream, &echo, &shutdown);
                drop(slot); // free the place *before* saying so in the log
                match result {
                    Ok(n) => log(format_args!("Client closed after {n} bytes")),
                    Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                        log(format_args!("Client disconnected: {err}"))
                    }
                    Err(err) => log(format_args!("Client lost: {err}")),
                }
            });
        match spawned {
            Ok(worker) => workers.push(worker),
            // The stream and the slot went into the closure and were dropped with it.
            Err(err) => log(format_args!("cannot start a thread for a client: {err}")),
        }
    }
    for worker in workers {
        if worker.join().is_err() {
            log("a client's thread panicked (the server carried on)");
        }
    }
    Ok(())
}
// ANCHOR_END: serve
