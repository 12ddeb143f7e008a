//! Grader for exercise 11. Run: cargo test -p ex11-readiness-echo

use ex11_readiness_echo::serve;
use grading::{assert_bytes_eq, Conversation, Fault, Help, Relay};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

/// Printed with the exchange when a test that talks through a relay fails.
const HELP: Help = Help {
    server: "cargo run -p lesson02-blocking-server (an echo too, but upper-casing)",
    port: 8080,
    book: "book/src/lesson07.md, \"The event loop by hand\"",
};

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<std::io::Result<()>>,
}

fn start() -> Server {
    start_on(TcpListener::bind("127.0.0.1:0").unwrap())
}

/// Starts `serve` on a listener the test made (clients may already be waiting on it).
fn start_on(listener: TcpListener) -> Server {
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    Server {
        addr,
        stop,
        thread: thread::spawn(move || serve(listener, &flag)),
    }
}

impl Server {
    /// Sets `stop` and checks that serve returns Ok within two seconds.
    fn stop(self) {
        let asked = Instant::now();
        self.stop.store(true, Ordering::SeqCst);
        while !self.thread.is_finished() {
            assert!(
                asked.elapsed() < Duration::from_secs(10),
                "serve did not return within 10 s of `stop`"
            );
            thread::sleep(Duration::from_millis(5));
        }
        let took = asked.elapsed();
        let result = self.thread.join().expect("serve panicked");
        assert!(
            result.is_ok(),
            "serve should return Ok(()), returned {result:?}"
        );
        assert!(
            took < Duration::from_secs(2),
            "serve took {took:?} to notice `stop`: give poll a timeout"
        );
    }
}

fn client(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

fn read_exactly(stream: &mut TcpStream, len: usize, what: &str) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("{what}: expected {len} bytes back: {e}"));
    buf
}

#[test]
fn echoes_what_it_receives() {
    let server = start();
    let mut c = client(server.addr);
    c.write_all(b"hello, event loop\n").unwrap();
    assert_bytes_eq(
        &read_exactly(&mut c, 18, "the echo"),
        b"hello, event loop\n",
        "the echo",
    );
    c.write_all(b"again").unwrap();
    assert_bytes_eq(
        &read_exactly(&mut c, 5, "a second echo on the same connection"),
        b"again",
        "a second echo on the same connection",
    );
    drop(c);
    server.stop();
}

#[test]
fn many_clients_interleaved_each_get_their_own_bytes() {
    // The clients connect before the server starts: they all wait in the listen queue,
    // and the listener is reported ready once. Accept until WouldBlock, not one per event.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut clients: Vec<TcpStream> = (0..20).map(|_| client(addr)).collect();
    let server = start_on(listener);
    for round in 0..3 {
        for (i, c) in clients.iter_mut().enumerate() {
            c.write_all(format!("client {i:02} round {round}|").as_bytes())
                .unwrap();
        }
        for (i, c) in clients.iter_mut().enumerate() {
            let expected = format!("client {i:02} round {round}|");
            let got = read_exactly(
                c,
                expected.len(),
                &format!("client {i} of 20, which connected before the server started (was it ever accepted?)"),
            );
            assert_eq!(
                String::from_utf8_lossy(&got),
                expected,
                "client {i} got someone else's bytes"
            );
        }
    }
    drop(clients);
    server.stop();
}

#[test]
fn a_megabyte_comes_back_whole_even_when_writes_are_partial() {
    let server = start();
    let mut c = client(server.addr);
    // Megabytes, and we do not read at first: the server's socket fills up, so its
    // writes become partial and then WouldBlock. It must keep what it could not write.
    let data: Vec<u8> = (0..16_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    let progress = Arc::new(AtomicUsize::new(0));
    let written = Arc::clone(&progress);
    let sender = thread::spawn(move || {
        for piece in sent.chunks(64 * 1024) {
            writer.write_all(piece).unwrap();
            written.fetch_add(piece.len(), Ordering::SeqCst);
        }
        writer.shutdown(Shutdown::Write).unwrap();
    });
    // Start reading once the sender is stuck (everything is full) or done.
    let mut last = usize::MAX;
    while !sender.is_finished() {
        let now = progress.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
        thread::sleep(Duration::from_millis(200));
    }
    let mut echoed = Vec::new();
    c.read_to_end(&mut echoed)
        .expect("the echo should end when we close and the server closes");
    sender.join().unwrap();
    assert_bytes_eq(
        &echoed,
        &data,
        "the bytes came back changed, out of order or incomplete: keep what a write \
         did not take, and write it when the socket is WRITABLE",
    );
    server.stop();
}

#[test]
fn a_client_that_never_reads_does_not_hold_up_the_others() {
    let server = start();
    // This one floods the server and never reads its echo: the server's writes to it
    // soon return WouldBlock. A server that waits on it would stop serving everyone.
    let mut greedy = client(server.addr);
    greedy
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let block = vec![b'g'; 64 * 1024];
    for _ in 0..1024 {
        if greedy.write_all(&block).is_err() {
            break; // our send buffer is full too: the server has stopped reading us, fine
        }
    }
    let mut polite = client(server.addr);
    let asked = Instant::now();
    polite.write_all(b"still there?").unwrap();
    assert_bytes_eq(
        &read_exactly(&mut polite, 12, "the polite client's echo"),
        b"still there?",
        "the polite client's echo",
    );
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "the polite client waited {:?}",
        asked.elapsed()
    );
    drop((greedy, polite));
    server.stop();
}

#[test]
fn an_idle_server_stops_within_two_seconds() {
    let server = start();
    // One round trip first, so that serve is surely in its loop; then silence: the
    // server waits in `poll`, and must still notice `stop` (give poll a timeout).
    let mut c = client(server.addr);
    c.write_all(b"ping").unwrap();
    assert_bytes_eq(&read_exactly(&mut c, 4, "the echo"), b"ping", "the echo");
    // Not for correctness (a correct server passes without it): a moment for the
    // server to get back into `poll`, so that a poll without timeout is caught there.
    thread::sleep(Duration::from_millis(300));
    server.stop();
    drop(c);
}

#[test]
fn bytes_arriving_one_at_a_time_come_back_whole_and_in_order() {
    let server = start();
    let relay = Relay::start(server.addr, Fault::OneByteSegments);
    let mut c = Conversation::new(TcpStream::connect(relay.addr).unwrap(), HELP);
    let text = b"every byte its own segment\n";
    c.send(text);
    let echo = c
        .read_exact(text.len())
        .unwrap_or_else(|e| panic!("{}: {e}", relay.describe()));
    assert_bytes_eq(&echo, text, &relay.describe());
    c.finish_sending();
    assert_bytes_eq(
        &c.read_to_end()
            .expect("the server should close after our end of stream"),
        b"",
        "nothing more after the echo",
    );
    drop(c);
    server.stop();
}

#[test]
fn a_half_closed_client_still_gets_its_whole_echo_then_the_close() {
    let server = start();
    let data: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let relay = Relay::start(server.addr, Fault::HalfCloseAfter(data.len()));
    let mut c = Conversation::new(TcpStream::connect(relay.addr).unwrap(), HELP);
    c.send(&data);
    // The relay said "no more" to the server after the data: the server must send
    // every byte back, and then close (read returning 0 is the client's end).
    let echoed = c.read_to_end().unwrap_or_else(|e| {
        panic!(
            "{}: the echo did not end ({e}): after read returns 0, write what is left and close",
            relay.describe()
        )
    });
    assert_bytes_eq(&echoed, &data, &relay.describe());
    drop(c);
    server.stop();
}

#[test]
fn a_client_that_resets_does_not_stop_the_server() {
    let server = start();
    let relay = Relay::start(server.addr, Fault::ResetAfter(3));
    let mut vanishing = TcpStream::connect(relay.addr).unwrap();
    vanishing.write_all(b"bye").unwrap();
    vanishing.set_read_timeout(Some(PATIENCE)).unwrap();
    let _ = vanishing.read_to_end(&mut Vec::new()); // the relay closes once it has reset
                                                    // An error on one connection (here, "connection reset by peer") concerns that
                                                    // client only: drop it and carry on serving the others.
    let mut c = Conversation::new(
        TcpStream::connect(server.addr)
            .expect("the server stopped listening after one client's connection was reset"),
        HELP,
    );
    c.send(b"still serving?");
    let echo = c
        .read_exact(14)
        .expect("no echo after another client's connection was reset: did serve return an error?");
    assert_bytes_eq(&echo, b"still serving?", "the echo after a reset");
    drop(c);
    server.stop();
}
