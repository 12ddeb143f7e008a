//! Lessons 2, 3 and 5 rebuilt on lesson 6's server, checked against their own behaviour.

use shared::testing::greeting::Client;
use shared::testing::{read_exactly, run, ServerProcess, PATIENCE};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

const GREETING: &str = env!("CARGO_BIN_EXE_lesson06-socketserver");
const ECHO: &str = env!("CARGO_BIN_EXE_lesson06-echo");
const UDP: &str = env!("CARGO_BIN_EXE_lesson06-udp");

fn greeting(strategy: &str, threads: &str) -> ServerProcess {
    ServerProcess::start(
        GREETING,
        &[
            "--bind",
            "127.0.0.1:0",
            "--strategy",
            strategy,
            "--threads",
            threads,
        ],
    )
}

// Lesson 3's conformance tests, once per strategy.
mod thread_per_connection {
    use super::*;
    shared::greeting_protocol_tests!(greeting("threads", "256"));
}

mod pool {
    use super::*;
    shared::greeting_protocol_tests!(greeting("pool", "64"));
}

mod sequential {
    use super::*;
    shared::greeting_protocol_tests!(greeting("sequential", "1"));
}

#[test]
fn a_full_pool_queues_then_refuses() {
    let server = greeting("pool", "1");
    let mut first = Client::connect(server.addr); // the only worker serves it
    let mut queued = Client::connect_raw(server.addr); // waits in the queue (1 place)
    let mut third = Client::connect_raw(server.addr); // queue full: refused
    assert_eq!(third.line(), "error: server busy, try again later");
    // The queued client has no greeting yet: its connection is accepted but not served.
    queued
        .stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let err = queued
        .stream
        .read(&mut byte)
        .expect_err("nothing yet for the queued client");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    queued.stream.set_read_timeout(Some(PATIENCE)).unwrap();
    first.send(b"exit\n");
    first.expect_closed();
    assert_eq!(
        queued.line(),
        "Welcome!",
        "the worker is free: the queued client is served"
    );
}

#[test]
fn thread_per_connection_refuses_over_its_limit() {
    let server = greeting("threads", "2");
    let _a = Client::connect(server.addr);
    let _b = Client::connect(server.addr);
    assert_eq!(
        Client::connect_raw(server.addr).line(),
        "error: server busy, try again later"
    );
}

#[test]
fn the_echo_server_is_lesson_02_one_client_at_a_time() {
    let server = ServerProcess::start(ECHO, &["--bind", "127.0.0.1:0"]);
    let mut first = TcpStream::connect(server.addr).unwrap();
    first.set_read_timeout(Some(PATIENCE)).unwrap();
    first.write_all(b"hello").unwrap();
    assert_eq!(read_exactly(&mut first, 5), b"HELLO");
    let mut second = TcpStream::connect(server.addr).unwrap();
    second.write_all(b"wait").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(
        second.read(&mut [0u8; 4]).is_err(),
        "the second client must wait for the first"
    );
    drop(first);
    second.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(read_exactly(&mut second, 4), b"WAIT");
}

#[test]
fn the_udp_server_is_lesson_05() {
    let server = ServerProcess::start(UDP, &["--bind", "127.0.0.1:0"]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(server.addr).unwrap();
    let reply = lesson05_like_request(&client, b"Sarah");
    assert_eq!(reply, "Hello, Sarah!");
    assert!(server.next_line().starts_with("Received from 127.0.0.1:"));
}

fn lesson05_like_request(socket: &UdpSocket, message: &[u8]) -> String {
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 1024];
    for _ in 0..5 {
        socket.send(message).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            return String::from_utf8_lossy(&buf[..n]).into_owned();
        }
    }
    panic!("no reply after 5 attempts");
}

#[cfg(unix)]
#[test]
fn every_server_stops_cleanly_on_sigterm() {
    for server in [
        greeting("threads", "8"),
        greeting("pool", "4"),
        greeting("sequential", "1"),
        ServerProcess::start(ECHO, &["--bind", "127.0.0.1:0"]),
        ServerProcess::start(UDP, &["--bind", "127.0.0.1:0"]),
    ] {
        let (status, took, _) = server.signal_and_wait("TERM");
        assert!(status.success(), "{status}");
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
}

#[test]
fn a_connected_client_is_told_goodbye_by_the_pool() {
    let server = greeting("pool", "2");
    let mut client = Client::connect(server.addr);
    #[cfg(unix)]
    {
        let (status, _, _) = server.signal_and_wait("TERM");
        assert!(status.success());
        assert_eq!(client.line(), "server shutting down");
    }
    #[cfg(not(unix))]
    {
        let _ = (&mut client, server);
    }
}

#[test]
fn bad_strategies_are_usage_errors() {
    assert_eq!(run(GREETING, &["--strategy", "forking"], "").code, 2);
    assert_eq!(run(GREETING, &["--help"], "").code, 0);
}
