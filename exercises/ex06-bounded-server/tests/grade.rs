//! Grader for exercise 6. Run: cargo test -p ex06-bounded-server
//! Opens real loopback connections, more than the limit.

use ex06_bounded_server::{serve, BUSY};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

/// Counters for one test's handlers (tests run in parallel, so each has its own).
struct Counters {
    running: AtomicUsize,
    most_at_once: AtomicUsize,
}

/// The grader's handler: says hello, then holds the connection until the client leaves.
fn hold(mut stream: TcpStream, counters: &Counters) {
    let now = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_at_once.fetch_max(now, Ordering::SeqCst);
    let _ = stream.write_all(b"hello\n");
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let _ = stream.read_to_end(&mut Vec::new());
    counters.running.fetch_sub(1, Ordering::SeqCst);
}

macro_rules! handler_with_counters {
    ($handler:ident, $counters:ident) => {
        static $counters: Counters = Counters {
            running: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
        };
        fn $handler(stream: TcpStream) {
            hold(stream, &$counters)
        }
    };
}
handler_with_counters!(hold_limit, LIMIT);
handler_with_counters!(hold_turns, TURNS);
handler_with_counters!(hold_stop, STOP);

/// Calls of [`explode_every_other`] so far.
static EXPLODE_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A handler that panics on every other call (the 1st, 3rd...) and otherwise says
/// hello and holds the connection: the server must survive the panics and give the
/// place back each time.
fn explode_every_other(stream: TcpStream) {
    static COUNTERS: Counters = Counters {
        running: AtomicUsize::new(0),
        most_at_once: AtomicUsize::new(0),
    };
    if EXPLODE_CALLS
        .fetch_add(1, Ordering::SeqCst)
        .is_multiple_of(2)
    {
        drop(stream);
        panic!("this handler panics on purpose (the test expects it)");
    }
    hold(stream, &COUNTERS)
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<std::io::Result<()>>,
}

fn start(max: usize, handler: fn(TcpStream)) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = thread::spawn(move || serve(&listener, max, &flag, handler));
    Server { addr, stop, thread }
}

impl Server {
    fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + PATIENCE;
        while !self.thread.is_finished() {
            assert!(
                Instant::now() < deadline,
                "serve did not return within 10 s of `stop` being set"
            );
            thread::sleep(Duration::from_millis(10));
        }
        let result = self.thread.join().expect("serve itself panicked");
        assert!(
            result.is_ok(),
            "serve should return Ok(()), returned {result:?}"
        );
    }
}

/// Connects and returns the first line the server sends, and the stream.
fn first_line(addr: SocketAddr) -> (String, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("no first line within 10 s: {e}"));
    (line, reader)
}

/// Connects until the server says hello (a place frees a moment after a client leaves).
fn welcomed(addr: SocketAddr) -> BufReader<TcpStream> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (line, reader) = first_line(addr);
        if line == "hello\n" {
            return reader;
        }
        assert_eq!(
            line,
            format!("{BUSY}\n"),
            "expected hello or the busy message"
        );
        assert!(
            Instant::now() < deadline,
            "a place was freed but new clients are still refused after 10 s"
        );
    }
}

#[test]
fn clients_over_the_limit_are_told_busy_and_the_others_are_served() {
    let server = start(3, hold_limit);
    let held: Vec<_> = (0..3)
        .map(|i| {
            let (line, reader) = first_line(server.addr);
            assert_eq!(
                line,
                "hello\n",
                "client {} of 3 (limit 3) must be served",
                i + 1
            );
            reader
        })
        .collect();
    for extra in 0..2 {
        let (line, mut reader) = first_line(server.addr);
        assert_eq!(
            line,
            format!("{BUSY}\n"),
            "client {} (over the limit of 3) must be told busy",
            4 + extra
        );
        let mut rest = Vec::new();
        reader
            .read_to_end(&mut rest)
            .expect("the busy client's connection should be closed");
        assert!(rest.is_empty(), "nothing after the busy message");
    }
    assert!(
        LIMIT.most_at_once.load(Ordering::SeqCst) <= 3,
        "more than 3 handlers ran at once"
    );
    // One leaves: its place is free for the next.
    let mut held = held;
    drop(held.remove(0));
    let fourth = welcomed(server.addr);
    drop((fourth, held)); // everyone leaves, so the handlers can finish
    server.finish();
}

#[test]
fn places_are_given_back_so_many_clients_in_turn_are_served() {
    let server = start(1, hold_turns);
    for _ in 0..5 {
        drop(welcomed(server.addr)); // one at a time, each leaves before the next
    }
    server.finish();
}

#[test]
fn a_panicking_handler_frees_its_place_and_the_server_carries_on() {
    // One place only: if a panic leaks it, every later client is told busy.
    let server = start(1, explode_every_other);
    for round in 1..=2 {
        // A client whose handler panics: the connection just closes.
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (line, _) = first_line(server.addr);
            if line.is_empty() {
                break;
            }
            assert_eq!(
                line,
                format!("{BUSY}\n"),
                "round {round}: expected the connection to close (its handler panics) or busy"
            );
            assert!(
                Instant::now() < deadline,
                "round {round}: still busy after 10 s although the only client had left"
            );
        }
        // The next client must be served: the panicked handler's place is free again.
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (line, reader) = first_line(server.addr);
            if line == "hello\n" {
                drop(reader);
                break;
            }
            assert_eq!(
                line,
                format!("{BUSY}\n"),
                "expected hello or the busy message"
            );
            assert!(
                Instant::now() < deadline,
                "round {round}: after a handler panicked, clients were still told busy 10 s later: \
                 its place was never given back (free it in a guard's Drop, which runs during a panic)"
            );
        }
    }
    assert!(
        !server.thread.is_finished(),
        "serve must not stop because a handler panicked"
    );
    server.finish();
}

#[test]
fn stop_ends_serve_after_joining_the_handlers() {
    let server = start(2, hold_stop);
    let client = welcomed(server.addr);
    // The client leaves a little after `stop` is set: a serve that joins its handlers
    // returns only after that; one that does not join returns before.
    let leaver = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        drop(client);
    });
    server.finish();
    assert_eq!(
        STOP.running.load(Ordering::SeqCst),
        0,
        "serve returned while a handler was still running: join your threads before returning"
    );
    leaver.join().unwrap();
}
