//! Grader for exercise 10. Run: cargo test -p ex10-graceful-shutdown

use ex10_graceful_shutdown::serve;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The grader's handler: greets, then waits (checking `stop` every 20 ms) and says
/// goodbye when the server stops. With `linger`, it then waits for its client to
/// leave before finishing, so that the test decides when handlers end. Counts
/// finished handlers in `finished`.
fn polite(mut stream: TcpStream, stop: Arc<AtomicBool>, finished: &AtomicUsize, linger: bool) {
    let _ = stream.write_all(b"hello\n");
    let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = [0u8; 64];
    let mut left = false;
    while !stop.load(Ordering::SeqCst) {
        if let Ok(0) = stream.read(&mut buf) {
            left = true; // the client left
            break;
        }
    }
    let _ = stream.write_all(b"bye\n");
    if linger && !left {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.read(&mut buf);
    }
    finished.fetch_add(1, Ordering::SeqCst);
}

// Tests run in parallel: each gets a handler with a counter of its own.
macro_rules! polite_with_counter {
    ($handler:ident, $counter:ident, $linger:expr) => {
        static $counter: AtomicUsize = AtomicUsize::new(0);
        fn $handler(stream: TcpStream, stop: Arc<AtomicBool>) {
            polite(stream, stop, &$counter, $linger)
        }
    };
}
polite_with_counter!(polite_idle, IDLE, false);
polite_with_counter!(polite_served, SERVED, false);
polite_with_counter!(polite_joined, JOINED, true);
polite_with_counter!(polite_after, AFTER, false);

type Handler = fn(TcpStream, Arc<AtomicBool>);

fn start(handler: Handler) -> (SocketAddr, Arc<AtomicBool>, JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    (
        addr,
        stop,
        thread::spawn(move || serve(listener, flag, handler)),
    )
}

/// Sets `stop` and waits for `serve` to return; returns how long it took.
fn stop_and_wait(stop: &AtomicBool, server: JoinHandle<std::io::Result<()>>) -> Duration {
    let asked = Instant::now();
    stop.store(true, Ordering::SeqCst);
    while !server.is_finished() {
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "serve did not return within 10 s of `stop`"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let took = asked.elapsed();
    let result = server.join().expect("serve panicked");
    assert!(
        result.is_ok(),
        "serve should return Ok(()), returned {result:?}"
    );
    took
}

fn greeted(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("no greeting within 10 s: is each client served on its own thread?");
    assert_eq!(line, "hello\n");
    reader
}

#[test]
fn an_idle_server_stops_within_two_seconds() {
    let (_, stop, server) = start(polite_idle);
    let took = stop_and_wait(&stop, server);
    assert!(
        took < Duration::from_secs(2),
        "serve took {took:?} to notice `stop`: a blocking accept never notices it"
    );
}

#[test]
fn clients_are_served_at_the_same_time_until_stop() {
    let (addr, stop, server) = start(polite_served);
    let clients: Vec<_> = (0..3).map(|_| greeted(addr)).collect();
    assert!(
        !server.is_finished(),
        "serve returned before being asked to stop"
    );
    stop_and_wait(&stop, server);
    drop(clients);
}

#[test]
fn every_handler_has_finished_when_serve_returns() {
    let (addr, stop, server) = start(polite_joined);
    let mut clients: Vec<_> = (0..3).map(|_| greeted(addr)).collect();
    // Ask for the stop from another thread: these handlers say bye, then wait for
    // their client to leave, so a serve that joins them cannot return before we do.
    let flag = Arc::clone(&stop);
    let stopper = thread::spawn(move || stop_and_wait(&flag, server));
    for client in &mut clients {
        let mut line = String::new();
        client.read_line(&mut line).unwrap();
        assert_eq!(
            line, "bye\n",
            "each client is told goodbye once `stop` is set"
        );
    }
    // The handlers are now waiting for us; give a serve that does not join them time
    // to return (one that joins them cannot, whatever the time).
    let waited = Instant::now();
    while !stopper.is_finished() && waited.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(20));
    }
    let returned_early = stopper.is_finished();
    drop(clients); // now the handlers can finish
    stopper.join().expect("serve did not stop cleanly");
    assert!(
        !returned_early,
        "serve returned while its handlers were still running (they were waiting for their clients): join every handler thread"
    );
    assert_eq!(
        JOINED.load(Ordering::SeqCst),
        3,
        "serve returned before its 3 handlers finished: join every handler thread"
    );
}

#[test]
fn nobody_is_accepted_after_stop() {
    let (addr, stop, server) = start(polite_after);
    // One client, served and gone: now serve is surely waiting in accept.
    let mut first = greeted(addr);
    first.get_mut().shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = String::new();
    let _ = first.read_to_string(&mut rest);
    stop_and_wait(&stop, server);
    assert_eq!(
        AFTER.load(Ordering::SeqCst),
        1,
        "one client connected before `stop`; a connection that arrived after `stop` was served \
         (check the flag after accept returns, too: the waker's own connection must not be served)"
    );
    match TcpStream::connect(addr) {
        Err(_) => {}
        Ok(stream) => {
            // The port may still accept a handshake if the listener lives on; it must not be served.
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut buf = [0u8; 8];
            let got = (&stream).read(&mut buf);
            assert!(
                !matches!(got, Ok(n) if n > 0),
                "a client connecting after stop was served"
            );
        }
    }
}
