//! SOCK_SEQPACKET (Linux): whole messages in order, truncation reported, the server's conventions.
#![cfg(target_os = "linux")]

use lesson08_unix_sockets::seqpacket::{self, Received, Seqpacket, SeqpacketListener};
use shared::conn::Connection;
use shared::server::Shutdown;
use shared::testing::{run, ServerProcess, PATIENCE};
use std::path::Path;
use std::thread;
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson08-seqpacket");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson08-seqpacket-client");

/// A message of `len` bytes that names its place in the sequence (so a swap shows).
fn message(index: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz"[(i + index) % 26])
        .collect()
}

/// Sizes around every edge: empty, one byte, the tutorials' recv(1024), the client's
/// 64 KiB default buffer, and far beyond it.
const SIZES: [usize; 10] = [0, 1, 2, 1023, 1024, 1025, 65_535, 65_536, 65_537, 150_000];

fn in_process_server(path: &Path) -> (Shutdown, thread::JoinHandle<()>) {
    let listener = SeqpacketListener::bind(path).unwrap();
    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || seqpacket::serve(&listener, 4, &shutdown).unwrap())
    };
    (shutdown, server)
}

#[test]
fn messages_of_every_size_arrive_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seq.sock");
    let (shutdown, server) = in_process_server(&path);
    let conn = Seqpacket::connect(&path).unwrap();
    conn.set_read_timeout(Some(PATIENCE)).unwrap();
    // All messages go out before any reply is read: boundaries and order must hold
    // with several messages queued at once, not only in lock-step.
    let sender = {
        let conn = conn.try_clone().unwrap();
        thread::spawn(move || {
            for (i, len) in SIZES.iter().enumerate() {
                conn.send_message(&message(i, *len)).unwrap();
            }
        })
    };
    for (i, len) in SIZES.iter().enumerate() {
        let reply = conn.recv_whole().unwrap();
        assert_eq!(reply.len(), *len, "message {i} came back with another size");
        assert!(
            reply == message(i, *len).to_ascii_uppercase(),
            "message {i} ({len} bytes) came back altered or out of order"
        );
    }
    sender.join().unwrap();
    shutdown.trigger();
    server.join().unwrap();
}

#[test]
fn a_too_small_buffer_cuts_the_message_and_says_so() {
    let (a, b) = Seqpacket::pair().unwrap();
    a.send_message(&message(0, 100)).unwrap();
    a.send_message(b"next").unwrap();
    let mut small = [0u8; 10];
    let got = b.recv_message(&mut small).unwrap();
    assert_eq!(
        got,
        Received {
            kept: 10,
            len: 100,
            truncated: true
        }
    );
    assert_eq!(&small, &message(0, 10)[..]);
    // The other 90 bytes are gone: the next read is the next message (a stream would
    // have handed out the rest).
    let got = b.recv_message(&mut small).unwrap();
    assert_eq!(
        (got, &small[..4]),
        (
            Received {
                kept: 4,
                len: 4,
                truncated: false
            },
            &b"next"[..]
        )
    );
}

#[test]
fn an_empty_message_is_not_a_hang_up() {
    let (client, server_side) = Seqpacket::pair().unwrap();
    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || seqpacket::handle(server_side, &shutdown))
    };
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    for text in [&b""[..], b"", b"after two empty ones"] {
        client.send_message(text).unwrap();
        assert_eq!(client.recv_whole().unwrap(), text.to_ascii_uppercase());
    }
    drop(client);
    // The hang-up, unlike the empty messages, ends the handler (without a shutdown).
    let deadline = std::time::Instant::now() + PATIENCE;
    while !server.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the hang-up was taken for an empty message"
        );
        thread::sleep(Duration::from_millis(10));
    }
    server.join().unwrap().unwrap();
}

#[test]
fn the_binaries_follow_the_server_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seq.sock");
    // A stale socket file, left by a seqpacket server that is gone.
    drop(SeqpacketListener::bind(&path).unwrap());
    assert!(path.exists());
    let server = ServerProcess::start(SERVER, &["--bind", path.to_str().unwrap()]);
    assert_eq!(server.listening_on, path.display().to_string());
    assert_eq!(server.next_line(), lesson08_unix_sockets::STALE_REMOVED);

    let ran = run(
        CLIENT,
        &[
            "--connect",
            path.to_str().unwrap(),
            "--buffer",
            "4",
            "ab",
            "",
            "seqpacket",
        ],
        "",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "AB\n\ncut (MSG_TRUNC): kept 4 of 9 bytes: SEQP\n"),
        "{ran:?}"
    );
    // A second server on the same path is refused: the first answers there.
    let second = run(SERVER, &["--bind", path.to_str().unwrap()], "");
    assert_eq!(second.code, 1, "{second:?}");
    assert!(
        second.stderr.contains("another server is using it"),
        "{second:?}"
    );

    // A client still connected when SIGTERM comes does not keep the server up.
    let held = Seqpacket::connect(&path).unwrap();
    let (status, took, _) = server.signal_and_wait("TERM");
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(!path.exists(), "the server must remove its socket file");
    drop(held);
}
