//! The server's library called directly, for what a binary cannot show.

use lesson03_threaded_server::naive::tcplink_naive;
use lesson03_threaded_server::{serve, serve_with, tcplink, Config};
use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

/// Runs a server on a port the OS chooses; returns its address and how to stop it.
fn spawn_server(
    run: impl FnOnce(&TcpListener, &Shutdown) + Send + 'static,
) -> (SocketAddr, Shutdown, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let stop = shutdown.clone();
    let handle = thread::spawn(move || run(&listener, &stop));
    (addr, shutdown, handle)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

#[test]
fn the_classic_bug_two_messages_in_one_read_get_one_reply() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = connect(listener.local_addr().unwrap());
    // Both names go out in one write, as two quick sends often do.
    client.write_all(b"Michael\nTracy\n").unwrap();
    let (conn, _) = listener.accept().unwrap();
    let server = thread::spawn(move || tcplink_naive(conn));
    // Both names were waiting before the server's first read, so it reads them
    // together: one reply for two messages, with the newline inside the name.
    let expected = "Welcome!Hello, Michael\nTracy\n!";
    let mut got = vec![0u8; expected.len()];
    client.read_exact(&mut got).unwrap();
    assert_eq!(String::from_utf8(got).unwrap(), expected);
    client.write_all(b"exit").unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn our_server_does_not_have_the_bug() {
    let (addr, shutdown, server) = spawn_server(|l, s| serve(l, &Config::default(), s).unwrap());
    let mut client = connect(addr);
    client.write_all(b"Michael\nTracy\n").unwrap();
    let mut reader = BufReader::new(client);
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        lines.push(line);
    }
    assert_eq!(
        lines,
        ["Welcome!\n", "Hello, Michael!\n", "Hello, Tracy!\n"]
    );
    shutdown.trigger();
    server.join().unwrap();
}

fn panics_on_the_first_connection(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Config,
    shutdown: &Shutdown,
) -> std::io::Result<()> {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
        panic!("a bug in one handler");
    }
    tcplink(stream, peer, config, shutdown)
}

#[test]
fn a_panicking_handler_does_not_take_the_server_down() {
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    let (addr, shutdown, server) = spawn_server(move |l, s| {
        serve_with(l, &config, s, panics_on_the_first_connection).unwrap()
    });
    // The first connection's thread panics: its socket is dropped, we see end of stream.
    let mut first = connect(addr);
    let mut rest = Vec::new();
    first.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    // With max_connections = 1, this also proves the panicked thread gave its place
    // back. The place is freed while the thread unwinds, which may be just after we
    // saw the end of stream, so a "busy" answer in that instant is retried.
    let deadline = std::time::Instant::now() + PATIENCE;
    let greeting = loop {
        let mut second = BufReader::new(connect(addr));
        let mut line = String::new();
        second.read_line(&mut line).unwrap();
        if line != "error: server busy, try again later\n" || std::time::Instant::now() > deadline {
            break line;
        }
    };
    assert_eq!(greeting, "Welcome!\n");
    shutdown.trigger();
    server.join().expect("the server itself must not panic");
}
