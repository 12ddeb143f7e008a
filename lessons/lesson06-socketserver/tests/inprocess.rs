//! The conformance suite of lesson 6's general server, in this process: every
//! strategy, over TCP and over Unix sockets, with handlers written for the test.
//! A handler that panics, a refusal when full, and shutdown, the same for all.
//!
//! (A failed thread spawn cannot be provoked inside the test process; the test
//! `a_thread_that_cannot_start_costs_a_refusal_not_the_server` in `servers.rs`
//! provokes it in the server binary with a limit on threads.)

use lesson06_socketserver::{serve, Strategy};
use shared::conn::Listener;
use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Reads one line and acts on it: `boom` panics (a handler's bug), `wait` says
/// `waiting` and holds the connection until shutdown, then says `bye`; anything
/// else is answered `ok`.
fn fragile<C: Read + Write, P>(mut conn: C, _: P, shutdown: &Shutdown) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while conn.read(&mut byte)? == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    match &line[..] {
        b"boom" => panic!("a handler bug, provoked by the test"),
        b"wait" => {
            conn.write_all(b"waiting\n")?;
            shutdown.wait_timeout(PATIENCE * 3);
            conn.write_all(b"bye\n")
        }
        _ => conn.write_all(b"ok\n"),
    }
}

/// The refusal, in this test protocol's words.
fn full<C: Write, P>(mut conn: C, _: &P) {
    let _ = conn.write_all(b"full\n");
}

/// A connection of either kind.
trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

/// A server on a fresh address, in a thread; stopped and joined when dropped.
struct Running {
    connect: Box<dyn Fn() -> Box<dyn Conn>>,
    shutdown: Shutdown,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// The kinds of listener the general server is run over.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Tcp,
    #[cfg(unix)]
    Unix,
}

const KINDS: &[Kind] = &[
    Kind::Tcp,
    #[cfg(unix)]
    Kind::Unix,
];

const STRATEGIES: [Strategy; 3] = [
    Strategy::Pool { threads: 1 },
    Strategy::ThreadPerConnection { max: 1 },
    Strategy::Sequential,
];

fn spawn<L: Listener + Send + 'static>(
    listener: L,
    strategy: Strategy,
    shutdown: &Shutdown,
) -> JoinHandle<std::io::Result<()>>
where
    L::Stream: Read + Write,
{
    let stop = shutdown.clone();
    thread::spawn(move || {
        serve(
            &listener,
            strategy,
            fragile::<L::Stream, L::Peer>,
            full::<L::Stream, L::Peer>,
            &stop,
        )
    })
}

impl Running {
    fn start(kind: Kind, strategy: Strategy) -> Running {
        let shutdown = Shutdown::new();
        match kind {
            Kind::Tcp => {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                Running {
                    thread: Some(spawn(listener, strategy, &shutdown)),
                    connect: Box::new(move || {
                        let stream = TcpStream::connect(addr).unwrap();
                        stream.set_read_timeout(Some(PATIENCE)).unwrap();
                        Box::new(stream)
                    }),
                    shutdown,
                    _dir: None,
                }
            }
            #[cfg(unix)]
            Kind::Unix => {
                use std::os::unix::net::{UnixListener, UnixStream};
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("conformance.sock");
                let listener = UnixListener::bind(&path).unwrap();
                Running {
                    thread: Some(spawn(listener, strategy, &shutdown)),
                    connect: Box::new(move || {
                        let stream = UnixStream::connect(&path).unwrap();
                        stream.set_read_timeout(Some(PATIENCE)).unwrap();
                        Box::new(stream)
                    }),
                    shutdown,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// Connects and sends `line`.
    fn send(&self, line: &str) -> BufReader<Box<dyn Conn>> {
        let mut conn = (self.connect)();
        // A refused client may find the connection closed already: that is fine.
        let _ = conn.write_all(format!("{line}\n").as_bytes());
        BufReader::new(conn)
    }

    /// Sends `line`, returns everything the server says before closing.
    fn ask(&self, line: &str) -> String {
        let mut answer = String::new();
        let _ = self.send(line).read_to_string(&mut answer); // a reset after a panic is fine
        answer
    }

    /// Stops the server; returns how long `serve` took to return.
    fn stop(mut self) -> Duration {
        let asked = Instant::now();
        self.shutdown.trigger();
        let result = self.thread.take().unwrap().join().expect("serve panicked");
        result.expect("serve returned an error");
        asked.elapsed()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn line(reader: &mut BufReader<Box<dyn Conn>>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

/// A panicking handler must cost one connection, never the server. Before the one
/// panic policy, two panics killed a pool of two for good (every later client
/// waited for ever), and one panic ended the sequential server.
#[test]
fn handlers_that_panic_do_not_stop_any_strategy() {
    for &kind in KINDS {
        // Room for all four clients: a panicking thread frees its place a moment
        // after its client sees the connection close.
        for strategy in [
            Strategy::Pool { threads: 1 },
            Strategy::ThreadPerConnection { max: 4 },
            Strategy::Sequential,
        ] {
            let server = Running::start(kind, strategy);
            for _ in 0..3 {
                assert_eq!(server.ask("boom"), "", "{kind:?} {strategy:?}");
            }
            assert_eq!(server.ask("hello"), "ok\n", "{kind:?} {strategy:?}");
        }
    }
}

/// Over the limit, a client hears the refusal callback's words; the held client is
/// unaffected, and once it leaves there is room again.
#[test]
fn a_full_server_refuses_in_the_protocols_words() {
    for &kind in KINDS {
        for strategy in [
            Strategy::Pool { threads: 1 },
            Strategy::ThreadPerConnection { max: 1 },
        ] {
            let server = Running::start(kind, strategy);
            let mut held = server.send("wait");
            assert_eq!(line(&mut held), "waiting\n", "{kind:?} {strategy:?}");
            // A pool of one also has one place in its queue.
            let queued = matches!(strategy, Strategy::Pool { .. }).then(|| server.send("queued"));
            assert_eq!(server.ask("extra"), "full\n", "{kind:?} {strategy:?}");
            drop(queued);
            let took = server.stop();
            assert!(
                took < Duration::from_secs(2),
                "{kind:?} {strategy:?}: {took:?}"
            );
            assert_eq!(line(&mut held), "bye\n", "{kind:?} {strategy:?}");
        }
    }
}

/// Shutdown ends `serve` promptly for every strategy, with a client still connected
/// (which hears its handler's goodbye) and an idle accept loop.
#[test]
fn shutdown_ends_every_strategy_promptly() {
    for &kind in KINDS {
        for strategy in STRATEGIES {
            let server = Running::start(kind, strategy);
            let mut held = server.send("wait");
            assert_eq!(line(&mut held), "waiting\n", "{kind:?} {strategy:?}");
            let took = server.stop();
            assert!(
                took < Duration::from_secs(2),
                "{kind:?} {strategy:?}: {took:?}"
            );
            assert_eq!(line(&mut held), "bye\n", "{kind:?} {strategy:?}");
            let idle = Running::start(kind, strategy);
            let took = idle.stop();
            assert!(
                took < Duration::from_secs(2),
                "{kind:?} {strategy:?}: {took:?}"
            );
        }
    }
}
