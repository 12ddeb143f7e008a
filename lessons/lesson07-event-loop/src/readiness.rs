//! An event loop by hand: one thread, non-blocking sockets, a readiness API.
//!
//! The loop asks the operating system one question, over and over: "which of my
//! sockets can I read from or write to *without waiting*?" (`epoll` on Linux,
//! `kqueue` on macOS, wrapped by the `mio` crate as [`Poll`]). Then it reads or
//! writes exactly those sockets, never blocking, and asks again. A connection
//! that is silent costs a little memory and nothing else: no thread, no stack.
//!
//! Every socket is non-blocking, so a `read` or `write` that would wait returns
//! `WouldBlock` instead; that is the signal to stop and wait for the next event.

use crate::session::{shutting_down, welcome, Flow, Session};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use shared::server::{log, Shutdown};
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The listening socket's token.
const LISTENER: Token = Token(0);

/// The shutdown waker's token.
const WAKER: Token = Token(1);

/// The first connection's token; the next ones count up from it.
const FIRST_CONNECTION: usize = 2;

/// How long a closing connection may wait for the client to close too (see lesson 3).
const LINGER: Duration = Duration::from_millis(500);

/// Stop reading a connection while this many reply bytes wait for it (backpressure).
///
/// A client that sends and never reads would otherwise make us read everything it
/// sends and keep every reply in memory: 38 MB sent grew the server to 193 MB. With
/// a limit, its bytes stay in the kernel's buffers, which are bounded, and the
/// client's own writes stall: TCP's flow control does the rest.
const OUT_LIMIT: usize = 64 * 1024;

/// One client, as the loop remembers it between events.
struct Conn {
    /// The non-blocking socket.
    stream: TcpStream,
    /// Who it is, for the log.
    peer: SocketAddr,
    /// The conversation so far.
    session: Session,
    /// Replies not yet accepted by the socket (a write may take only part).
    out: Vec<u8>,
    /// Set once we decided to close: finish writing, then drain until this instant.
    closing: Option<Instant>,
    /// Registered for WRITABLE too (only while `out` has bytes the socket refused).
    wants_write: bool,
    /// Reading stopped at [`OUT_LIMIT`] with bytes perhaps still unread: resume once
    /// the output drains (readiness will not be announced again for those bytes).
    paused: bool,
    /// The deadline filed in [`Timers`] for this connection, if any.
    timer: Option<Instant>,
}

// ANCHOR: serve
/// Serves the lesson 3 protocol on one thread until `shutdown`.
pub fn serve(listener: std::net::TcpListener, shutdown: &Shutdown) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    // Shutdown is an event like any other: the waker makes `poll` return at once.
    // This function keeps its own handle on the waker: were the closure's the only
    // one, it would drop the waker right after waking, closing the waker's
    // descriptor, and an event not yet collected by `poll` would vanish with it.
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let wake = Arc::clone(&waker);
    shutdown.on_trigger(move || {
        let _ = wake.wake();
    });
    let mut events = Events::with_capacity(1024);
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut timers = Timers::default();
    let mut touched = Vec::new();
    let mut next_token = FIRST_CONNECTION;

    while !shutdown.is_triggered() {
        // Sleep until an event or the earliest deadline. With no deadline at all
        // (every connection silent), sleep until something happens.
        let timeout = timers
            .next()
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(err) = poll.poll(&mut events, timeout) {
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        let now = Instant::now();
        for event in events.iter() {
            match event.token() {
                LISTENER => accept_all(&listener, &poll, &mut conns, &mut next_token, &mut touched),
                WAKER => {} // shutdown: the loop's condition sees it
                token => {
                    if let Some(conn) = conns.get_mut(&token) {
                        if conn.on_event(event.is_readable(), now).is_err() {
                            conn.closing = Some(now); // a broken connection: drop it
                            conn.out.clear();
                        }
                        touched.push(token);
                    }
                }
            }
        }
        // Only connections with an event or a deadline now due get any more work.
        touched.extend(timers.due(now));
        for token in touched.drain(..) {
            settle(&poll, &mut conns, &mut timers, token, now);
        }
    }
    drop(waker);
    // Say goodbye: one best-effort write each (the buffers are nearly always empty).
    for conn in conns.values_mut() {
        conn.out.extend_from_slice(&shutting_down());
        let _ = conn.flush();
        let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        log(format_args!("Connection from {} closed.", conn.peer));
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: settle
/// After an event or a deadline: run the timers, write, close what is done, and
/// file the connection's next deadline.
fn settle(
    poll: &Poll,
    conns: &mut HashMap<Token, Conn>,
    timers: &mut Timers,
    token: Token,
    now: Instant,
) {
    let Some(conn) = conns.get_mut(&token) else {
        return; // touched twice, and already closed
    };
    if conn.closing.is_none() && conn.session.on_timer(now, &mut conn.out) == Flow::Close {
        conn.start_closing(now);
    }
    // Output drained, or a paused reader may resume: one more turn.
    if (!conn.out.is_empty() || conn.paused) && conn.on_event(false, now).is_err() {
        conn.out.clear();
        conn.closing = Some(now);
    }
    if conn.is_finished(now) {
        timers.set(token, &mut conn.timer, None);
        // Dropping the socket closes it, which also removes it from the poll.
        log(format_args!("Connection from {} closed.", conn.peer));
        conns.remove(&token);
        return;
    }
    // Ask for WRITABLE only while output waits, or every idle socket would wake us.
    let wants_write = !conn.out.is_empty();
    if wants_write != conn.wants_write {
        let interest = if wants_write {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let _ = poll
            .registry()
            .reregister(&mut conn.stream, token, interest);
        conn.wants_write = wants_write;
    }
    let next = conn.deadline();
    timers.set(token, &mut conn.timer, next);
}
// ANCHOR_END: settle

// ANCHOR: timers
/// Every connection's next deadline, in order: the earliest is the first.
///
/// The loop must know when to wake for a bare word's pause or a lingering close.
/// Scanning every connection for its deadline on each wake-up would make a
/// silent connection cost time on every event of every other one; in an ordered
/// set, finding the earliest deadline and the ones now due costs a few steps, and
/// a connection without a deadline is not in the set at all.
#[derive(Default)]
struct Timers(BTreeSet<(Instant, Token)>);

impl Timers {
    /// The earliest deadline, if any.
    fn next(&self) -> Option<Instant> {
        self.0.first().map(|&(at, _)| at)
    }

    /// Removes and returns the connections whose deadline is `now` or earlier.
    fn due(&mut self, now: Instant) -> Vec<Token> {
        let mut due = Vec::new();
        while let Some(&(at, token)) = self.0.first() {
            if at > now {
                break;
            }
            self.0.pop_first();
            due.push(token);
        }
        due
    }

    /// Files `token`'s deadline as `next`; `current` is the one filed before.
    fn set(&mut self, token: Token, current: &mut Option<Instant>, next: Option<Instant>) {
        // Even when unchanged: `due` may have taken the old one out already.
        if let Some(at) = current.take() {
            self.0.remove(&(at, token));
        }
        if let Some(at) = next {
            self.0.insert((at, token));
        }
        *current = next;
    }
}
// ANCHOR_END: timers

/// Accepts every waiting connection (readiness says "at least one", not how many).
fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    conns: &mut HashMap<Token, Conn>,
    next_token: &mut usize,
    touched: &mut Vec<Token>,
) {
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
            Err(err) => {
                // e.g. too many open files: report it; the next event retries.
                log(format_args!("accept failed: {err}"));
                return;
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        if let Err(err) = poll
            .registry()
            .register(&mut stream, token, Interest::READABLE)
        {
            log(format_args!("cannot watch connection from {peer}: {err}"));
            continue;
        }
        log(format_args!("Accept new connection from {peer}..."));
        let mut conn = Conn {
            stream,
            peer,
            session: Session::new(Instant::now()),
            out: welcome(),
            closing: None,
            wants_write: false,
            paused: false,
            timer: None,
        };
        let _ = conn.flush();
        conns.insert(token, conn);
        touched.push(token); // to ask for WRITABLE if the greeting did not fit
    }
}

impl Conn {
    // ANCHOR: on_event
    /// The socket is ready: write what waits, read what we have room to answer,
    /// answer, write again.
    fn on_event(&mut self, readable: bool, now: Instant) -> io::Result<()> {
        self.flush()?;
        if !readable && !self.paused {
            return Ok(());
        }
        // A few rounds at most, so that one fast client cannot starve the others.
        for _ in 0..16 {
            self.read_available(now)?;
            self.flush()?;
            // Paused, yet the socket took every reply: no event will come for the
            // bytes still unread, so read on (or, after the last round, soon: see
            // `deadline`).
            if !(self.paused && self.out.is_empty()) {
                break;
            }
        }
        Ok(())
    }
    // ANCHOR_END: on_event

    // ANCHOR: read_available
    /// Reads until `WouldBlock` (readiness is announced once per change, not per
    /// byte), or until [`OUT_LIMIT`] bytes of replies wait: then the client must read
    /// before we read more.
    fn read_available(&mut self, now: Instant) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        loop {
            self.paused = self.out.len() >= OUT_LIMIT && self.closing.is_none();
            if self.paused {
                return Ok(());
            }
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    if self.closing.is_none() {
                        self.session.end_of_stream(&mut self.out);
                        self.start_closing(now);
                    }
                    self.closing = Some(now); // the client is gone: no need to linger
                    return Ok(());
                }
                Ok(n) if self.closing.is_some() => {
                    let _ = n; // draining before close: discard
                }
                Ok(n) => {
                    if self.session.receive(&buf[..n], now, &mut self.out) == Flow::Close {
                        self.start_closing(now);
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    // ANCHOR_END: read_available

    /// Writes as much of `out` as the socket takes now; keeps the rest for later.
    fn flush(&mut self) -> io::Result<()> {
        while !self.out.is_empty() {
            match self.stream.write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        if self.closing.is_some() {
            // Everything is sent: tell the client "no more" (FIN), then drain.
            let _ = self.stream.shutdown(std::net::Shutdown::Write);
        }
        Ok(())
    }

    /// Decides to close: the remaining output is sent first, then we linger.
    fn start_closing(&mut self, now: Instant) {
        self.closing = Some(now + LINGER);
    }

    /// Done: closing, everything sent, and the linger time over (or the client gone).
    fn is_finished(&self, now: Instant) -> bool {
        match self.closing {
            Some(until) if self.out.is_empty() => now >= until,
            // A client that does not read our last words gets one more LINGER.
            Some(until) => now >= until + LINGER,
            None => false,
        }
    }

    /// When this connection needs the loop next without any event: the end of a
    /// bare word's pause, or of a lingering close (or at once, to read on).
    fn deadline(&self) -> Option<Instant> {
        if self.paused && self.out.is_empty() {
            return Some(Instant::now()); // more to read, and no event will say so
        }
        match self.closing {
            Some(until) if self.out.is_empty() => Some(until),
            Some(until) => Some(until + LINGER),
            None => self.session.deadline(),
        }
    }
}
