//! Lesson 6: Python's `socketserver`, rethought for Rust.
//!
//! Python builds a server from classes: `TCPServer` owns the socket,
//! `BaseRequestHandler.handle()` is your code, and *mixins* choose the concurrency:
//! `class Server(ThreadingMixIn, TCPServer)`. Rust has no class inheritance; it
//! combines *values*. Here a server is three values:
//!
//! - an **address**: a bound `TcpListener` (or `UdpSocket`);
//! - a **handler**: anything callable on one connection, a function or a closure;
//! - a **strategy**: how connections get a thread, as an `enum` chosen at run time.
//!
//! Lessons 2, 3 and 5 each wrote their own accept loop; on top of this module each
//! shrinks to a few lines (see `src/main.rs` and `src/bin/`), with the same behaviour,
//! checked by the same tests.

#[cfg(unix)]
pub mod fork;

use shared::conn::Listener;
use shared::server::{incoming_until, log, Shutdown, Slots, POLL_INTERVAL};
use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

/// What a client is told when no thread is free for it (lesson 3's words).
pub use lesson03_threaded_server::protocol::BUSY;

// ANCHOR: strategy
/// How connections are given a thread: the part Python's mixins decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// One connection at a time on the accepting thread (plain `TCPServer`, lesson 2).
    Sequential,
    /// A new thread per connection, at most `max` at once (`ThreadingMixIn`, lesson 3).
    ThreadPerConnection {
        /// Connections beyond this are refused.
        max: usize,
    },
    /// A fixed pool of `threads` workers; at most `threads` more connections wait
    /// in a queue, beyond that clients are refused.
    Pool {
        /// Worker threads, started once.
        threads: usize,
    },
}
// ANCHOR_END: strategy

// ANCHOR: handler
/// Code that serves one connection: Python's `BaseRequestHandler.handle()`.
///
/// Any function or closure with this shape is a handler, so lesson 3's `tcplink`
/// and lesson 2's `echo_upper` need no adapter classes. `C` is the connection
/// (`TcpStream`, `UnixStream`) and `P` who is at the other end.
pub trait Handler<C, P>: Send + Sync + 'static {
    /// Serves one client until it leaves or `shutdown` is triggered.
    fn handle(&self, conn: C, peer: P, shutdown: &Shutdown) -> io::Result<()>;
}

impl<F, C, P> Handler<C, P> for F
where
    F: Fn(C, P, &Shutdown) -> io::Result<()> + Send + Sync + 'static,
{
    fn handle(&self, conn: C, peer: P, shutdown: &Shutdown) -> io::Result<()> {
        self(conn, peer, shutdown)
    }
}
// ANCHOR_END: handler

/// Lesson 3's log lines around a handler: "Accept new connection from ...", and
/// "Connection from ... closed." (with the error, if any, before it).
pub fn logged<C: 'static, P: Display + Clone + 'static>(
    handler: impl Handler<C, P>,
) -> impl Handler<C, P> {
    move |conn: C, peer: P, shutdown: &Shutdown| {
        log(format_args!("Accept new connection from {peer}..."));
        if let Err(err) = handler.handle(conn, peer.clone(), shutdown) {
            log(format_args!("Connection from {peer} lost: {err}"));
        }
        log(format_args!("Connection from {peer} closed."));
        Ok(())
    }
}

/// Tells a TCP client it cannot be served now, in lesson 3's words ([`BUSY`]).
pub fn refuse_busy(stream: TcpStream, peer: &SocketAddr) {
    log(format_args!("Refused connection from {peer}: server busy"));
    shared::server::refuse(stream, BUSY);
}

/// [`serve`] for lessons 2 and 3's TCP protocols: a refused client is told [`BUSY`],
/// and each connection is logged as lesson 3 logs it.
pub fn serve_tcp(
    listener: &TcpListener,
    strategy: Strategy,
    handler: impl Handler<TcpStream, SocketAddr>,
    shutdown: &Shutdown,
) -> io::Result<()> {
    serve(listener, strategy, logged(handler), refuse_busy, shutdown)
}

// ANCHOR: serve
/// Accepts connections on `listener` and serves each with `handler`, as `strategy`
/// says, until `shutdown`; then waits for every running handler to finish.
///
/// Any listener will do (TCP, Unix). A client that cannot be served now is handed to
/// `refuse`, which tells it so in the protocol's own words. Whatever the strategy, a
/// handler that panics costs its own connection only (see [`serve_one`]).
pub fn serve<L, H, R>(
    listener: &L,
    strategy: Strategy,
    handler: H,
    refuse: R,
    shutdown: &Shutdown,
) -> io::Result<()>
where
    L: Listener,
    H: Handler<L::Stream, L::Peer>,
    R: Fn(L::Stream, &L::Peer),
{
    let handler = Arc::new(handler);
    match strategy {
        Strategy::Sequential => {
            for (conn, peer) in incoming_until(listener, shutdown)? {
                serve_one(&*handler, conn, peer, shutdown);
            }
        }
        Strategy::ThreadPerConnection { max } => {
            let slots = Slots::new(max);
            let mut workers = Vec::new();
            for (conn, peer) in incoming_until(listener, shutdown)? {
                workers.retain(|w: &thread::JoinHandle<()>| !w.is_finished());
                let Some(slot) = slots.take() else {
                    refuse(conn, &peer);
                    continue;
                };
                // The connection is handed over through a shared cell rather than moved
                // into the closure: if the thread cannot start, the closure is dropped,
                // and the connection can still be taken back and refused in words.
                let handoff = Arc::new(Mutex::new(Some((conn, slot))));
                let (handler, shutdown, theirs) =
                    (handler.clone(), shutdown.clone(), handoff.clone());
                let who = peer.clone();
                let spawned =
                    thread::Builder::new()
                        .name(format!("client {peer}"))
                        .spawn(move || {
                            let taken = theirs.lock().unwrap_or_else(|e| e.into_inner()).take();
                            if let Some((conn, _slot)) = taken {
                                // `_slot` is given back however this thread ends.
                                serve_one(&*handler, conn, who, &shutdown);
                            }
                        });
                match spawned {
                    Ok(worker) => workers.push(worker),
                    Err(err) => {
                        log(format_args!("cannot start a thread for {peer}: {err}"));
                        let taken = handoff.lock().unwrap_or_else(|e| e.into_inner()).take();
                        if let Some((conn, _slot)) = taken {
                            refuse(conn, &peer);
                        }
                    }
                }
            }
            workers.into_iter().for_each(|w| drop(w.join()));
        }
        Strategy::Pool { threads } => {
            // The queue holds at most `threads` waiting connections.
            let (queue, jobs) = sync_channel::<(L::Stream, L::Peer)>(threads);
            let jobs = Arc::new(Mutex::new(jobs));
            let mut workers = Vec::with_capacity(threads);
            for i in 0..threads {
                let (jobs, handler, shutdown) = (jobs.clone(), handler.clone(), shutdown.clone());
                workers.push(
                    thread::Builder::new()
                        .name(format!("pool worker {i}"))
                        .spawn(move || worker(&jobs, &*handler, &shutdown))?,
                );
            }
            for (conn, peer) in incoming_until(listener, shutdown)? {
                if let Err(TrySendError::Full((conn, peer))) = queue.try_send((conn, peer)) {
                    refuse(conn, &peer);
                }
            }
            drop(queue); // workers see the channel close and stop
            workers.into_iter().for_each(|w| drop(w.join()));
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: serve_one
/// Runs `handler` on one connection: the one panic policy for every strategy.
///
/// A panic in a handler is a bug in the code for *one* client, and must cost that
/// client only. Left alone, it unwinds the thread it happens on: on the accepting
/// thread (sequential) that is the whole server; on a pool worker it is the worker,
/// for good, and once every worker had died, clients waited in the queue for ever.
/// So the panic is caught here, logged (the panic message itself was printed on
/// stderr already), and the thread carries on with the next connection.
pub fn serve_one<C: 'static, P: Display + Clone + 'static>(
    handler: &dyn Handler<C, P>,
    conn: C,
    peer: P,
    shutdown: &Shutdown,
) {
    let who = peer.clone();
    match catch_unwind(AssertUnwindSafe(|| handler.handle(conn, peer, shutdown))) {
        Ok(Ok(())) => {}
        Ok(Err(err)) => log(format_args!("Connection from {who} lost: {err}")),
        Err(_) => log(format_args!(
            "Connection from {who} closed: its handler panicked (the server carries on)"
        )),
    }
}
// ANCHOR_END: serve_one

// ANCHOR: worker
/// A pool thread: takes the next connection from the queue and serves it.
///
/// The lock is held only to *take* a job, never while running it: `recv()` inside
/// a `let` releases the guard at the end of the statement. Holding it during
/// `handle()` (say, `while let Ok(job) = jobs.lock().unwrap().recv()`, where the
/// guard lives for the whole loop body) would let only one worker run at a time.
fn worker<C: 'static, P: Display + Clone + 'static>(
    jobs: &Mutex<Receiver<(C, P)>>,
    handler: &dyn Handler<C, P>,
    shutdown: &Shutdown,
) {
    loop {
        let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            Ok((conn, peer)) => serve_one(handler, conn, peer, shutdown),
            Err(_) => return, // the queue is closed: shutdown
        }
    }
}
// ANCHOR_END: worker

// ANCHOR: udp
/// Python's `UDPServer` + `DatagramRequestHandler`: each datagram is one request,
/// `handler` returns the reply (or `None` for no reply).
pub fn serve_udp(
    socket: &UdpSocket,
    handler: impl Fn(&[u8], SocketAddr) -> Option<Vec<u8>>,
    shutdown: &Shutdown,
) -> io::Result<()> {
    socket.set_read_timeout(Some(POLL_INTERVAL))?; // to notice shutdown
    let mut buf = vec![0u8; 65_536];
    while !shutdown.is_triggered() {
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                if let Some(reply) = handler(&buf[..n], peer) {
                    if let Err(err) = socket.send_to(&reply, peer) {
                        log(format_args!("cannot reply to {peer}: {err}"));
                    }
                }
            }
            Err(err)
                if shared::error::is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => log(format_args!("receive failed: {err}")),
        }
    }
    Ok(())
}
// ANCHOR_END: udp
