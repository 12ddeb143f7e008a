//! What every lesson server does besides its protocol: bind, announce, log, shut down.

use crate::addr::HostPort;
use crate::conn::{Connection, Listener};
use crate::error::NetError;
use std::fmt::Display;
use std::io::{self, Read, Write};
use std::net::{Shutdown as Direction, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::shutdown::Shutdown;

/// How often a waiting server checks for shutdown when it cannot be woken directly
/// (a `read` with a timeout, a UDP `recv_from`). Small enough to stop well within
/// two seconds, large enough to cost next to nothing while idle.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How many finished handshakes may wait for `accept` (the `listen` backlog).
/// `std`'s `TcpListener::bind` uses 128; a burst of 1,000 clients connecting at once
/// overflows that, and the extra clients' connection attempts are dropped and retried
/// a second or more later. Linux caps the value at `net.core.somaxconn` (4096).
pub const LISTEN_BACKLOG: i32 = 1024;

// ANCHOR: bind
/// Binds a TCP listener to `addr`, explaining the usual failures.
///
/// Like `std`, it sets `SO_REUSEADDR` on Unix before binding, so a restarted server
/// can bind again at once even while old connections linger in `TIME_WAIT`; unlike
/// `std`, it listens with a backlog of [`LISTEN_BACKLOG`].
pub fn bind_tcp(addr: &HostPort) -> anyhow::Result<TcpListener> {
    let mut last_err = None;
    for candidate in addr.resolve()? {
        match listen(candidate) {
            Ok(listener) => return Ok(listener),
            Err(err) => last_err = Some(err),
        }
    }
    let err = last_err.unwrap_or_else(|| io::Error::other("no addresses to try"));
    Err(bind_error(addr, err).into())
}
// ANCHOR_END: bind

/// `socket`, `SO_REUSEADDR` (Unix), `bind`, `listen(LISTEN_BACKLOG)`: lesson 1's steps.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Binds a UDP socket to `addr`; the same errors as [`bind_tcp`].
pub fn bind_udp(addr: &HostPort) -> anyhow::Result<UdpSocket> {
    let mut last_err = None;
    for candidate in addr.resolve()? {
        match UdpSocket::bind(candidate) {
            Ok(socket) => return Ok(socket),
            Err(err) => last_err = Some(err),
        }
    }
    let err = last_err.unwrap_or_else(|| io::Error::other("no addresses to try"));
    // UDP has no `listen`: the failing call, and so the message, is `bind`.
    Err(explain_bind(format!("cannot bind {addr}"), addr, err).into())
}

/// Wraps a failed TCP `bind`/`listen` in a [`NetError`] with a hint for the usual causes.
pub fn bind_error(addr: &HostPort, err: io::Error) -> NetError {
    explain_bind(format!("cannot listen on {addr}"), addr, err)
}

/// [`bind_error`] with the action said in words of the caller's choosing.
fn explain_bind(action: String, addr: &HostPort, err: io::Error) -> NetError {
    let hint = match err.kind() {
        io::ErrorKind::AddrInUse => Some(format!(
            "another program (an earlier run of this server?) is using port {}; stop it, \
             or choose another port, e.g. --bind {}:0 for any free one",
            addr.port,
            addr.host_for_display()
        )),
        io::ErrorKind::AddrNotAvailable => Some(
            "that IP address is not one of this machine's; use 127.0.0.1 (this machine only) \
             or 0.0.0.0 (every interface)"
                .into(),
        ),
        io::ErrorKind::PermissionDenied if addr.port < 1024 => Some(
            "ports below 1024 are reserved for system services and need administrator \
             rights; use a port from 1024 to 65535"
                .into(),
        ),
        _ => None,
    };
    NetError {
        action,
        hint,
        source: err,
    }
}

// ANCHOR: announce
/// Prints `Listening on IP:PORT`, the first line of every server, and flushes it.
///
/// The address is the one the OS actually bound: with `--bind 127.0.0.1:0` the OS
/// picks a free port, and this line is how a person, or a test, learns which.
pub fn announce(local: SocketAddr) {
    log(format_args!("Listening on {local}"));
}
// ANCHOR_END: announce

/// Prints one log line on stdout and flushes it.
///
/// `println!` panics if stdout is gone (a closed pipe); a server must not crash
/// because nobody reads its log, so errors are ignored here.
pub fn log(line: impl Display) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

// ANCHOR: close_gracefully
/// Closes a connection so that the peer surely receives what we sent last.
///
/// Closing a socket while the peer's bytes still sit unread in our receive buffer
/// makes TCP send a reset (RST) instead of a normal close (FIN), and on receiving
/// the reset the peer's system may discard data it has not yet handed to the
/// program: our last message, typically an error explaining why we close. So we
/// first send FIN (`shutdown(Write)`: "nothing more from us"), then read and discard
/// whatever still comes, until the peer closes too or `limit` has passed.
pub fn close_gracefully(stream: &TcpStream, limit: Duration) {
    if stream.shutdown(Direction::Write).is_err() {
        return; // already gone
    }
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&mut &*stream).read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
// ANCHOR_END: close_gracefully

/// Tells a client why it is turned away (e.g. "server busy") and closes, without
/// holding up the accept loop that calls it.
///
/// As in [`close_gracefully`], closing while the client's bytes sit unread would turn
/// the close into a reset that can destroy our message on its way. We cannot linger
/// here, so we discard what has *already* arrived (most clients send at once after
/// connecting); bytes arriving later can still cause a reset.
pub fn refuse(stream: impl Connection, message: &str) {
    refuse_with(stream, format!("{message}\n").as_bytes());
}

/// [`refuse`] with the exact bytes to send, for protocols whose lines end in `\r\n`.
pub fn refuse_with(mut stream: impl Connection, reply: &[u8]) {
    let _ = stream.write_all(reply);
    let _ = stream.shutdown(Direction::Write);
    if stream.set_nonblocking(true).is_ok() {
        let mut buf = [0u8; 4096];
        while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    }
}

// ANCHOR: slots
/// A limit on how many connections are served at once.
///
/// Each connection served holds a [`Slot`]; dropping it gives the place back. Because
/// the place is freed by `Drop`, it is freed on *every* path out of a handler: a
/// normal end, an early `return` with an error, and a panic (which unwinds and drops
/// the thread's values). A counter decremented by hand at the end of the handler
/// would leak a place each time the handler panics, until nobody can get in.
#[derive(Clone, Debug)]
pub struct Slots {
    /// How many places are taken now.
    taken: Arc<AtomicUsize>,
    /// How many places there are.
    max: usize,
}

/// One taken place of [`Slots`]; given back when dropped.
#[derive(Debug)]
pub struct Slot(Arc<AtomicUsize>);

impl Slots {
    /// `max` places, all free.
    pub fn new(max: usize) -> Slots {
        Slots {
            taken: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// Takes a place, or `None` if all `max` are taken.
    pub fn take(&self) -> Option<Slot> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(&self.taken)))
    }

    /// How many places there are.
    pub fn max(&self) -> usize {
        self.max
    }

    /// How many are taken now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
// ANCHOR_END: slots

// ANCHOR: incoming
/// Accepts connections until `shutdown` is triggered; yields each stream and its peer.
///
/// `accept()` blocks until a client arrives, and no flag can interrupt it. So when
/// shutdown is triggered, the listener's waker ([`Listener::waker`]) makes `accept`
/// return: for TCP we *become* a client, connecting to the listener itself; then the
/// loop sees the flag and stops. (Polling instead,
/// with a non-blocking `accept` and a sleep, would delay every new client by up to
/// the sleep: 50 ms per connection was measured with a 50 ms poll.)
///
/// `accept` can also fail for reasons that do not stop a server: a client that gave
/// up before being accepted, or "too many open files" while every descriptor is in
/// use. Those are logged and the loop carries on, pausing after a real error so
/// that a persistent one does not become a busy loop.
pub fn incoming_until<'a, L: Listener>(
    listener: &'a L,
    shutdown: &'a Shutdown,
) -> io::Result<Incoming<'a, L>> {
    listener.set_nonblocking(false)?;
    shutdown.on_trigger(listener.waker()?);
    Ok(Incoming { listener, shutdown })
}

/// The iterator returned by [`incoming_until`].
pub struct Incoming<'a, L: Listener = TcpListener> {
    /// The listener, in blocking mode.
    listener: &'a L,
    /// Ends the iteration when set.
    shutdown: &'a Shutdown,
}

impl<L: Listener> Iterator for Incoming<'_, L> {
    type Item = (L::Stream, L::Peer);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.shutdown.is_triggered() {
                return None;
            }
            match self.listener.accept() {
                // The waker's connection (or a client arriving just as we stop).
                Ok(_) if self.shutdown.is_triggered() => return None,
                Ok((stream, peer)) => return Some((stream, peer)),
                // The client gave up before we accepted it: not our problem.
                Err(err) if is_transient_accept_error(&err) => {}
                // The waker shut the listener down (Unix sockets): we are stopping.
                Err(_) if self.shutdown.is_triggered() => return None,
                Err(err) => {
                    log(format_args!("accept failed: {err}"));
                    self.shutdown.wait_timeout(POLL_INTERVAL);
                }
            }
        }
    }
}
// ANCHOR_END: incoming

fn is_transient_accept_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;
    use std::time::Instant;

    #[test]
    fn incoming_yields_connections_then_stops_on_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = Shutdown::new();
        let client = TcpStream::connect(addr).unwrap();
        let mut incoming = incoming_until(&listener, &shutdown).unwrap();
        let (accepted, peer) = incoming.next().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(accepted.peer_addr().unwrap(), client.local_addr().unwrap());

        let stopper = {
            let shutdown = shutdown.clone();
            thread::spawn(move || shutdown.trigger())
        };
        let started = Instant::now();
        assert!(incoming.next().is_none(), "shutdown must end the iteration");
        stopper.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_slot_is_given_back_even_when_its_holder_panics() {
        let slots = Slots::new(2);
        let first = slots.take().expect("a free place");
        let holder = {
            let second = slots.take().expect("another free place");
            thread::spawn(move || {
                let _mine = second;
                panic!("a handler's bug");
            })
        };
        assert!(holder.join().is_err());
        assert_eq!(
            slots.taken(),
            1,
            "the panicking thread's place is free again"
        );
        assert!(slots.take().is_some());
        drop(first);
    }

    #[test]
    fn no_more_slots_than_max() {
        let slots = Slots::new(1);
        let held = slots.take();
        assert!(held.is_some());
        assert!(slots.take().is_none());
        drop(held);
        assert!(slots.take().is_some());
    }

    #[test]
    fn port_in_use_is_explained() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = HostPort::parse(&taken.local_addr().unwrap().to_string()).unwrap();
        let err = bind_tcp(&addr).unwrap_err();
        let net = err.downcast_ref::<NetError>().expect("a NetError");
        assert_eq!(net.kind(), io::ErrorKind::AddrInUse);
        let line = crate::cli::error_line(&err);
        assert!(
            line.starts_with(&format!("error: cannot listen on {addr}: ")),
            "{line}"
        );
        assert!(line.contains("--bind 127.0.0.1:0"), "{line}");
    }

    #[test]
    fn a_udp_port_in_use_says_bind_not_listen() {
        let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = HostPort::parse(&taken.local_addr().unwrap().to_string()).unwrap();
        let line = crate::cli::error_line(&bind_udp(&addr).unwrap_err());
        assert!(
            line.starts_with(&format!("error: cannot bind {addr}: ")),
            "{line}"
        );
    }

    #[test]
    fn refused_connection_is_explained() {
        // Bind, note the port, close: now nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = HostPort::parse(&format!("127.0.0.1:{port}")).unwrap();
        let err = crate::client::connect(&addr, "start it with `cargo run -p x`").unwrap_err();
        let line = crate::cli::error_line(&err);
        assert!(
            line.contains(&format!("cannot connect to {addr}")),
            "{line}"
        );
        assert!(line.contains("is the server running?"), "{line}");
        assert!(line.contains("cargo run -p x"), "{line}");
    }
}
