//! Lesson 3: a thread per connection, the tutorials' `tcplink` server.
//!
//! Lesson 2's server could talk to one client at a time, because the thread that
//! calls `accept` was busy talking. The tutorials' fix: after each `accept`, start a
//! new thread to talk to that client, and go straight back to `accept`. Each
//! thread may block on its own client as long as it likes; the others don't notice.
//!
//! The protocol is the tutorials' own, so their Python clients work unchanged:
//! the server greets with `Welcome!`, answers each message `NAME` with
//! `Hello, NAME!`, and closes the connection on `exit` (or `disconnect`).
//!
//! A real server needs more than the tutorial shows, and this one has it:
//! message framing ([`session`]), a limit on threads, an idle timeout, a line
//! length limit, survival of a panicking handler, and a clean Ctrl-C.

pub mod naive;
pub mod protocol;
pub mod session;

use session::{Event, Session};
use shared::framing::write_line;
use shared::server::{close_gracefully, incoming_until, log, Shutdown, Slots};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use protocol::{is_exit, BUSY, MAX_LINE};

/// How long a reply may wait for a client that does not read; after that the
/// connection is given up (a client that never reads must not pin a thread).
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a closing connection waits for the client to close too (see
/// [`close_gracefully`]); short, so that Ctrl-C still ends the server within 2 s.
const LINGER: Duration = Duration::from_millis(500);

/// How the server behaves; the command-line flags fill it in.
#[derive(Clone, Debug)]
pub struct Config {
    /// Pause before each reply (the tutorial's `time.sleep(1)`), to make concurrency visible.
    pub delay: Duration,
    /// At most this many clients are served at once; more are told the server is busy.
    pub max_connections: usize,
    /// A client that sends nothing for this long is disconnected.
    pub idle_timeout: Duration,
    /// The longest message accepted, in bytes.
    pub max_line: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            delay: Duration::ZERO,
            max_connections: 256,
            idle_timeout: Duration::from_secs(60),
            max_line: MAX_LINE,
        }
    }
}

/// The code that talks to one client; [`tcplink`] in this lesson.
pub type Handler = fn(TcpStream, SocketAddr, &Config, &Shutdown) -> io::Result<()>;

/// Serves the greeting protocol until `shutdown`, one thread per client.
pub fn serve(listener: &TcpListener, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    serve_with(listener, config, shutdown, tcplink)
}

// ANCHOR: serve
/// Accepts clients and runs `handler` for each on a thread of its own, until `shutdown`.
///
/// At most `config.max_connections` handlers run at once: each thread costs memory
/// (its stack) and the system limits threads per process, so an unbounded server can
/// be knocked over by simply opening connections. On shutdown, stops accepting and
/// waits for every handler to finish; handlers see the same signal and say goodbye.
pub fn serve_with(
    listener: &TcpListener,
    config: &Config,
    shutdown: &Shutdown,
    handler: Handler,
) -> io::Result<()> {
    let slots = Slots::new(config.max_connections);
    let mut workers: Vec<(SocketAddr, JoinHandle<()>)> = Vec::new();
    for (stream, peer) in incoming_until(listener, shutdown)? {
        reap_finished(&mut workers);
        let Some(slot) = slots.take() else {
            refuse_busy(stream, peer);
            continue;
        };
        log(format_args!("Accept new connection from {peer}..."));
        let (config, shutdown) = (config.clone(), shutdown.clone());
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || {
                let slot = slot; // owned by the thread: freed even if the handler panics
                let result = handler(stream, peer, &config, &shutdown);
                drop(slot); // free the place *before* saying so in the log
                if let Err(err) = result {
                    log(format_args!("Connection from {peer} lost: {err}"));
                }
                log(format_args!("Connection from {peer} closed."));
            });
        match spawned {
            Ok(worker) => workers.push((peer, worker)),
            // The stream and slot went into the closure and were dropped with it.
            Err(err) => log(format_args!("cannot start a thread for {peer}: {err}")),
        }
    }
    for (peer, worker) in workers {
        join_worker(peer, worker);
    }
    Ok(())
}
// ANCHOR_END: serve

/// Joins the workers that have finished, reporting any that panicked.
fn reap_finished(workers: &mut Vec<(SocketAddr, JoinHandle<()>)>) {
    let (finished, running) = std::mem::take(workers)
        .into_iter()
        .partition(|(_, worker)| worker.is_finished());
    *workers = running;
    for (peer, worker) in finished {
        join_worker(peer, worker);
    }
}

fn join_worker(peer: SocketAddr, worker: JoinHandle<()>) {
    if worker.join().is_err() {
        // The panic message itself was printed on stderr by the panic hook.
        log(format_args!(
            "Connection from {peer} closed: its handler panicked (the server carries on)"
        ));
    }
}

/// Tells a client over the limit that the server is busy, and closes.
fn refuse_busy(stream: TcpStream, peer: SocketAddr) {
    log(format_args!("Refused connection from {peer}: server busy"));
    shared::server::refuse(stream, BUSY);
}

// ANCHOR: tcplink
/// Talks to one client: the tutorials' `tcplink`, with limits and a goodbye.
pub fn tcplink(
    stream: TcpStream,
    _peer: SocketAddr,
    config: &Config,
    shutdown: &Shutdown,
) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut conn = Session::new(stream, config.max_line, config.idle_timeout);
    let result = converse(&mut conn, config, shutdown).map_err(in_words);
    close_gracefully(conn.stream(), LINGER);
    result
}

/// The conversation itself: greeting, replies, and a last word if we end it.
fn converse(conn: &mut Session, config: &Config, shutdown: &Shutdown) -> io::Result<()> {
    write_line(conn.stream(), protocol::WELCOME)?;
    let goodbye = loop {
        match conn.next(shutdown)? {
            Event::Message(text) if is_exit(&text) => return Ok(()),
            Event::Message(name) => {
                if !config.delay.is_zero() {
                    shutdown.wait_timeout(config.delay); // the tutorial's time.sleep(1)
                }
                write_line(conn.stream(), &protocol::greeting(&name))?;
            }
            Event::End => return Ok(()),
            Event::TooLong { limit } => break protocol::too_long(limit),
            Event::Idle => break protocol::idle(config.idle_timeout),
            Event::Unfinished => break protocol::unfinished(config.idle_timeout),
            Event::Shutdown => break protocol::SHUTTING_DOWN.to_string(),
        }
    };
    write_line(conn.stream(), &goodbye)
}
// ANCHOR_END: tcplink

/// Says what a timed-out write means. Reads never fail with a timeout here (the
/// [`Session`] reader turns them into events), so a timeout is a reply that the
/// client left unread until [`WRITE_TIMEOUT`] ran out; the system's own words for it,
/// "Resource temporarily unavailable (os error 11)", explain nothing.
fn in_words(err: io::Error) -> io::Error {
    if !shared::error::is_timeout(&err) {
        return err;
    }
    let secs = WRITE_TIMEOUT.as_secs_f64();
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the client stopped reading: a reply could not be sent for {secs} s"),
    )
}
