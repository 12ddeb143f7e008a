//! lesson05's UDP server and client as real processes, plus the library's pieces.

use assert_cmd::Command;
use lesson05_udp_pair::{recvfrom_like_the_tutorial, request, Outcome, TUTORIAL_BUFFER};
use shared::testing::{assert_udp_port_in_use_is_explained, run, tool, ServerProcess, PATIENCE};
use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson05-udp-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson05-udp-client");

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(SERVER, &args)
}

/// A client socket "connected" to `server`, as lesson05-udp-client makes one.
fn client_socket(server: SocketAddr) -> UdpSocket {
    let local = if server.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let socket = UdpSocket::bind(local).unwrap();
    socket.connect(server).unwrap();
    socket
}

/// Sends one datagram and returns the reply (loopback does not lose datagrams
/// unless buffers overflow, so a generous timeout and a few retries suffice).
fn ask(server: SocketAddr, message: &[u8]) -> String {
    match request(&client_socket(server), message, Duration::from_secs(2), 3).unwrap() {
        Outcome::Replied { reply, .. } => reply,
        other => panic!(
            "no reply to {:?}: {other:?}",
            String::from_utf8_lossy(message)
        ),
    }
}

#[test]
fn the_client_sends_the_tutorials_names_and_prints_the_replies() {
    let server = start(&[]);
    Command::new(CLIENT)
        .args(["--connect", &server.addr.to_string()])
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
    for _ in 0..3 {
        let line = server.next_line();
        assert!(line.starts_with("Received from 127.0.0.1:"), "{line}");
    }
}

shared::udp_greeting_tests!(start(&[]));

#[test]
fn the_tutorials_1024_byte_buffer_cuts_a_2000_byte_datagram() {
    // Our server with the tutorial's buffer: only the first 1024 bytes are seen.
    let server = start(&["--recv-buffer", "1024"]);
    let message: Vec<u8> = (0..2000).map(|i| b'a' + (i % 26) as u8).collect();
    let socket = client_socket(server.addr);
    socket.set_read_timeout(Some(PATIENCE)).unwrap();
    socket.send(&message).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    let expected = format!("Hello, {}!", String::from_utf8_lossy(&message[..1024]));
    assert_eq!(String::from_utf8_lossy(&buf[..n]), expected);
}

#[cfg(unix)] // Windows reports the truncation as an error instead
#[test]
fn recvfrom_1024_loses_the_rest_of_the_datagram_for_good() {
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver.set_read_timeout(Some(PATIENCE)).unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    sender
        .send_to(&[b'x'; 2000], receiver.local_addr().unwrap())
        .unwrap();
    sender
        .send_to(b"next", receiver.local_addr().unwrap())
        .unwrap();
    let (first, _) = recvfrom_like_the_tutorial(&receiver).unwrap();
    assert_eq!(first.len(), TUTORIAL_BUFFER, "cut to the buffer's size");
    let (second, _) = recvfrom_like_the_tutorial(&receiver).unwrap();
    assert_eq!(second, b"next", "the other 976 bytes are gone, not waiting");
}

#[test]
fn a_lost_datagram_is_resent_after_the_timeout() {
    // A test-side server that drops the first datagram, as a lossy network would.
    let lossy = UdpSocket::bind("127.0.0.1:0").unwrap();
    lossy.set_read_timeout(Some(PATIENCE)).unwrap();
    let addr = lossy.local_addr().unwrap();
    let server = thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (_, _) = lossy.recv_from(&mut buf).unwrap(); // dropped
        let (n, peer) = lossy.recv_from(&mut buf).unwrap();
        lossy
            .send_to(&lesson05_udp_pair::reply_to(&buf[..n]), peer)
            .unwrap();
    });
    let outcome = request(
        &client_socket(addr),
        b"Tracy",
        Duration::from_millis(200),
        3,
    )
    .unwrap();
    assert_eq!(
        outcome,
        Outcome::Replied {
            reply: "Hello, Tracy!".into(),
            attempts: 2
        }
    );
    server.join().unwrap();
}

#[test]
fn a_silent_server_makes_the_client_retry_then_fail_clearly() {
    // Bound but never answering: no "port unreachable" either, just silence.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let out = Command::new(CLIENT)
        .args([
            "--connect",
            &addr,
            "--timeout-ms",
            "100",
            "--retries",
            "2",
            "Michael",
            "Tracy",
        ])
        .timeout(PATIENCE)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "no reply to \"Michael\" after 3 attempts",
            "no reply to \"Tracy\" after 3 attempts",
            &format!(
                "error: 2 of 2 messages got no reply from {addr} (Michael, Tracy); \
                 is the server running, and is the address right?"
            )
        ]
    );
    // The silent socket saw every attempt: 2 messages x 3 sends.
    silent
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 64];
    let mut received = 0;
    while silent.recv_from(&mut buf).is_ok() {
        received += 1;
    }
    assert_eq!(received, 6);
}

#[test]
fn nothing_listening_is_explained() {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(CLIENT)
        .args([
            "--connect",
            &format!("127.0.0.1:{port}"),
            "--timeout-ms",
            "50",
            "--retries",
            "1",
            "x",
        ])
        .timeout(PATIENCE)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("error: 1 of 1 messages got no reply"), "{err}");
    if cfg!(target_os = "linux") {
        // Linux reports the ICMP "port unreachable" to a connected UDP socket.
        assert!(err.contains("cargo run -p lesson05-udp-pair"), "{err}");
    }
}

#[test]
fn serves_ipv6_clients() {
    if UdpSocket::bind("[::1]:0").is_err() {
        shared::testing::skip("no IPv6 loopback here");
        return;
    }
    let server = ServerProcess::start(SERVER, &["--bind", "[::1]:0"]);
    assert!(server.addr.is_ipv6());
    assert_eq!(ask(server.addr, b"six"), "Hello, six!");
}

#[test]
fn the_tutorials_python_client_works_unchanged() {
    let Some(python) = tool("python3") else {
        return;
    };
    let server = start(&[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/tutorial_client.py");
    Command::new(python)
        .args([script, "127.0.0.1", &server.addr.port().to_string()])
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
}

#[test]
fn nc_can_send_a_datagram() {
    let Some(nc) = tool("nc") else { return };
    let server = start(&[]);
    // -u: UDP; -w 1: quit one second after the last activity. nc sends stdin as one datagram.
    Command::new(nc)
        .args([
            "-u",
            "-w",
            "1",
            "127.0.0.1",
            &server.addr.port().to_string(),
        ])
        .write_stdin("Sarah\n") // as typed: the newline is not part of the name
        .timeout(PATIENCE)
        .assert()
        .stdout("Hello, Sarah!");
}

#[test]
fn a_udp_port_in_use_is_one_clear_error() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_udp_port_in_use_is_explained(SERVER, taken.local_addr().unwrap());
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["--recv-buffer", "0"][..], &["--bind", "9999"]] {
        Command::new(SERVER).args(args).assert().code(2);
    }
    Command::new(CLIENT)
        .args(["--timeout-ms", "0"])
        .assert()
        .code(2);
    Command::new(CLIENT).arg("--help").assert().success();
}

#[cfg(unix)]
#[test]
fn sigterm_exits_0_within_2_seconds() {
    let server = start(&[]);
    assert_eq!(ask(server.addr, b"x"), "Hello, x!");
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// The client knows the limit too: it refuses a message whose reply could not come
/// back in one datagram, says which limit, and does not print the message whole.
#[test]
fn the_client_refuses_a_message_whose_reply_cannot_fit_and_names_the_limit() {
    let server = start(&[]);
    let long = "a".repeat(65_500);
    let ran = run(CLIENT, &["--connect", &server.addr.to_string(), &long], "");
    let stderr: String = ran.stderr.chars().take(2000).collect();
    assert_eq!(ran.code, 1, "{stderr}");
    assert_eq!(ran.stderr.lines().count(), 1, "{stderr}");
    assert!(ran.stderr.contains("65507 bytes"), "{stderr}");
    assert!(
        ran.stderr.len() < 1000,
        "the message is printed whole: {stderr}"
    );
}

/// Over IPv6 a datagram may carry 65,527 bytes (no IPv4 header to pay for): a reply
/// larger than IPv4 allows must still be received whole, not taken for a stale one.
#[test]
fn over_ipv6_a_reply_larger_than_ipv4_allows_still_arrives() {
    if UdpSocket::bind("[::1]:0").is_err() {
        shared::testing::skip("no IPv6 loopback here");
        return;
    }
    let server = ServerProcess::start(SERVER, &["--bind", "[::1]:0"]);
    let name = "b".repeat(65_510);
    let ran = run(
        CLIENT,
        &[
            "--connect",
            &server.addr.to_string(),
            "--retries",
            "1",
            &name,
        ],
        "",
    );
    let stderr: String = ran.stderr.chars().take(2000).collect();
    assert_eq!(ran.code, 0, "{stderr}");
    assert_eq!(ran.stdout, format!("Hello, {name}!\n"));
}
