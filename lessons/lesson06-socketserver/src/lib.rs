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

use shared::server::{incoming_until, log, Shutdown, POLL_INTERVAL};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

/// What a client is told when no thread is free for it.
pub const BUSY: &str = "error: server busy, try again later";

// ANCHOR: strategy
/// How connections are given a thread: the part Python's mixins decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// One connection at a time on the accepting thread (plain `TCPServer`, lesson 2).
    Sequential,
    /// A new thread per connection, at most `max` at once (`ThreadingMixIn`, lesson 3).
    ThreadPerConnection {
        /// Connections beyond this are told [`BUSY`].
        max: usize,
    },
    /// A fixed pool of `threads` workers; at most `threads` more connections wait
    /// in a queue, beyond that clients are told [`BUSY`].
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
/// and lesson 2's `echo_upper` need no adapter classes.
pub trait Handler: Send + Sync + 'static {
    /// Serves one client until it leaves or `shutdown` is triggered.
    fn handle(&self, stream: TcpStream, peer: SocketAddr, shutdown: &Shutdown) -> io::Result<()>;
}

impl<F> Handler for F
where
    F: Fn(TcpStream, SocketAddr, &Shutdown) -> io::Result<()> + Send + Sync + 'static,
{
    fn handle(&self, stream: TcpStream, peer: SocketAddr, shutdown: &Shutdown) -> io::Result<()> {
        self(stream, peer, shutdown)
    }
}
// ANCHOR_END: handler

// ANCHOR: serve
/// Accepts connections on `listener` and serves each with `handler`, as `strategy`
/// says, until `shutdown`; then waits for every running handler to finish.
pub fn serve_tcp(
    listener: &TcpListener,
    strategy: Strategy,
    handler: impl Handler,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let handler = Arc::new(handler);
    match strategy {
        Strategy::Sequential => {
            for (stream, peer) in incoming_until(listener, shutdown)? {
                run(&*handler, stream, peer, shutdown);
            }
        }
        Strategy::ThreadPerConnection { max } => {
            let active = Arc::new(AtomicUsize::new(0));
            let mut workers = Vec::new();
            for (stream, peer) in incoming_until(listener, shutdown)? {
                if active.fetch_add(1, Ordering::SeqCst) >= max {
                    active.fetch_sub(1, Ordering::SeqCst);
                    refuse(stream, peer);
                    continue;
                }
                let (handler, active, shutdown) =
                    (handler.clone(), active.clone(), shutdown.clone());
                workers.retain(|w: &thread::JoinHandle<()>| !w.is_finished());
                workers.push(thread::spawn(move || {
                    let _done = Decrement(active);
                    run(&*handler, stream, peer, &shutdown);
                }));
            }
            workers.into_iter().for_each(|w| drop(w.join()));
        }
        Strategy::Pool { threads } => {
            // The queue holds at most `threads` waiting connections.
            let (queue, jobs) = sync_channel::<(TcpStream, SocketAddr)>(threads);
            let jobs = Arc::new(Mutex::new(jobs));
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (jobs, handler, shutdown) =
                        (jobs.clone(), handler.clone(), shutdown.clone());
                    thread::spawn(move || worker(&jobs, &*handler, &shutdown))
                })
                .collect();
            for (stream, peer) in incoming_until(listener, shutdown)? {
                if let Err(TrySendError::Full((stream, peer))) = queue.try_send((stream, peer)) {
                    refuse(stream, peer);
                }
            }
            drop(queue); // workers see the channel close and stop
            workers.into_iter().for_each(|w| drop(w.join()));
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: worker
/// A pool thread: takes the next connection from the queue and serves it.
///
/// The lock is held only to *take* a job, never while running it: `recv()` inside
/// a `let` releases the guard at the end of the statement. Holding it during
/// `handle()` (say, `while let Ok(job) = jobs.lock().unwrap().recv()`, where the
/// guard lives for the whole loop body) would let only one worker run at a time.
fn worker(
    jobs: &Mutex<Receiver<(TcpStream, SocketAddr)>>,
    handler: &dyn Handler,
    shutdown: &Shutdown,
) {
    loop {
        let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            Ok((stream, peer)) => run(handler, stream, peer, shutdown),
            Err(_) => return, // the queue is closed: shutdown
        }
    }
}
// ANCHOR_END: worker

/// Runs a handler on one connection, with lesson 3's log lines.
fn run(handler: &dyn Handler, stream: TcpStream, peer: SocketAddr, shutdown: &Shutdown) {
    log(format_args!("Accept new connection from {peer}..."));
    if let Err(err) = handler.handle(stream, peer, shutdown) {
        log(format_args!("Connection from {peer} lost: {err}"));
    }
    log(format_args!("Connection from {peer} closed."));
}

fn refuse(stream: TcpStream, peer: SocketAddr) {
    log(format_args!("Refused connection from {peer}: server busy"));
    shared::server::refuse(stream, BUSY);
}

/// Gives back a place when dropped, even if the handler panicked.
struct Decrement(Arc<AtomicUsize>);

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

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
