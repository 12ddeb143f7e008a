//! Grader for exercise 9. Run: cargo test -p ex09-udp-retry
//! The grader plays the server, on loopback, and decides which datagrams to "lose".

use ex09_udp_retry::request;
use grading::escape;

/// Where to look when a test fails.
const BY_HAND: &str = "by hand: `nc -u -l 127.0.0.1 9999` is a server that prints what arrives and \
                       never answers unless you type; read: book/src/lesson05.md, \"What goes wrong\"";
use std::net::UdpSocket;
use std::thread;
use std::time::{Duration, Instant};

/// A grader-side server that ignores the first `drop` datagrams and answers the rest
/// with `Hello, DATA!`. Returns its socket address and a handle giving how many
/// datagrams it received before going quiet for a second.
fn server(drop: usize) -> (UdpSocket, thread::JoinHandle<usize>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(socket.local_addr().unwrap()).unwrap();
    let handle = thread::spawn(move || {
        socket
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let mut received = 0;
        while let Ok((n, peer)) = socket.recv_from(&mut buf) {
            received += 1;
            if received > drop {
                let reply = format!("Hello, {}!", String::from_utf8_lossy(&buf[..n]));
                socket.send_to(reply.as_bytes(), peer).unwrap();
            }
        }
        received
    });
    (client, handle)
}

#[test]
fn an_answered_message_is_sent_once() {
    let (client, server) = server(0);
    let reply =
        request(&client, b"Michael", Duration::from_millis(500), 3).expect("request failed");
    assert_eq!(
        reply.as_deref().map(escape).as_deref(),
        Some("Hello, Michael!"),
        "the server answered the first send"
    );
    assert_eq!(
        server.join().unwrap(),
        1,
        "no reason to send again after a reply\n{BY_HAND}"
    );
}

#[test]
fn a_lost_datagram_is_sent_again() {
    let (client, server) = server(1); // the first datagram is "lost"
    let reply = request(&client, b"Tracy", Duration::from_millis(200), 3).expect("request failed");
    assert_eq!(
        reply.as_deref().map(escape).as_deref(),
        Some("Hello, Tracy!"),
        "the second send should be answered"
    );
    assert_eq!(
        server.join().unwrap(),
        2,
        "one send, one resend after the timeout\n{BY_HAND}"
    );
}

#[test]
fn two_losses_need_two_retries() {
    let (client, server) = server(2);
    let reply = request(&client, b"Sarah", Duration::from_millis(150), 2).expect("request failed");
    assert_eq!(
        reply.as_deref().map(escape).as_deref(),
        Some("Hello, Sarah!"),
        "the third send (second retry) is answered"
    );
    assert_eq!(server.join().unwrap(), 3);
}

#[test]
fn a_silent_server_gets_retries_plus_one_sends_then_none() {
    let (client, server) = server(usize::MAX); // never answers
    let started = Instant::now();
    let reply = request(&client, b"anyone?", Duration::from_millis(100), 2)
        .expect("silence is not an error");
    assert_eq!(reply, None, "no reply at all: Ok(None)");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "3 attempts x 100 ms: you gave up after {:?}",
        started.elapsed()
    );
    assert_eq!(
        server.join().unwrap(),
        3,
        "retries = 2 means 3 sends in all\n{BY_HAND}"
    );
}

#[test]
fn nothing_listening_is_no_reply_not_an_error() {
    // Bind a port and close it again: nothing listens there now.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let reply = request(&client, b"hello?", Duration::from_millis(100), 1);
    match reply {
        Ok(None) => {}
        other => panic!("with nothing listening, expect Ok(None) (ConnectionRefused counts as no reply), got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "2 attempts x 100 ms: wait out the timeout even when refused (took {:?})",
        started.elapsed()
    );
}
