//! Lesson 2 versus lesson 3: what a thread per connection buys.
//!
//! Both servers wait `DELAY` before each reply (the tutorial's `time.sleep`). With
//! `CLIENTS` clients at once, the blocking server answers them one after another
//! (about CLIENTS x DELAY in all); the threaded one answers them together (about
//! DELAY). The test compares the two times measured in the same run, so a slow or
//! busy machine slows both alike: a ratio, not a wall-clock bound.

use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

const CLIENTS: usize = 6;
const DELAY: Duration = Duration::from_millis(200);

/// Starts `serve` on a free port, runs `CLIENTS` clients at once, returns how long they took.
fn time_clients(
    serve: impl FnOnce(&TcpListener, &Shutdown) + Send + 'static,
    exchange: fn(SocketAddr),
) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let stop = shutdown.clone();
    let server = thread::spawn(move || serve(&listener, &stop));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| thread::spawn(move || exchange(addr)))
        .collect();
    for client in clients {
        client.join().expect("a client failed");
    }
    let took = started.elapsed();
    shutdown.trigger();
    server.join().unwrap();
    took
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE * 2)).unwrap();
    stream
}

fn echo_once(addr: SocketAddr) {
    let mut stream = connect(addr);
    stream.write_all(b"hi").unwrap();
    let mut reply = [0u8; 2];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HI");
}

fn greet_once(addr: SocketAddr) {
    let mut stream = connect(addr);
    stream.write_all(b"Ann\nexit\n").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "Welcome!\nHello, Ann!\n");
}

#[test]
fn threads_serve_delayed_clients_together_the_blocking_server_one_by_one() {
    let blocking = time_clients(
        |l, s| {
            let config = lesson02_blocking_server::Config {
                delay: DELAY,
                ..Default::default()
            };
            lesson02_blocking_server::serve(l, &config, s).unwrap()
        },
        echo_once,
    );
    let threaded = time_clients(
        |l, s| {
            let config = lesson03_threaded_server::Config {
                delay: DELAY,
                ..Default::default()
            };
            lesson03_threaded_server::serve(l, &config, s).unwrap()
        },
        greet_once,
    );
    let ratio = blocking.as_secs_f64() / threaded.as_secs_f64();
    eprintln!(
        "{CLIENTS} clients, {DELAY:?} per reply: blocking {blocking:?}, threaded {threaded:?}, ratio {ratio:.1}"
    );
    // The blocking server cannot be faster than its delays added up.
    assert!(
        blocking >= DELAY * CLIENTS as u32,
        "blocking took only {blocking:?}"
    );
    assert!(
        ratio > 2.5,
        "threaded should be several times faster: ratio {ratio:.1}"
    );
}
