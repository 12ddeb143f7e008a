//! The course's conventions, as assertions every lesson's tests share: how a server
//! reports a taken port, how a client reports a server that is not there, and the
//! clients that misbehave on purpose.

use super::run;
use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

/// Plays a client that sends and never reads: writes `chunk` again and again until
/// the peer stops taking bytes (a write stalls for a whole second: every buffer on
/// the way is full), the server hangs up, or `limit` bytes went. Returns how many
/// bytes were taken.
///
/// A server that stops reading while its replies are backed up (backpressure) stalls
/// this client after a few megabytes of socket buffers; one that keeps reading lets
/// all of `limit` through.
pub fn send_without_reading(
    stream: &mut impl crate::conn::Connection,
    chunk: &[u8],
    limit: usize,
) -> usize {
    stream
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut sent = 0;
    while sent < limit {
        // The bytes sent are `chunk` repeated, however the writes were cut.
        match stream.write(&chunk[sent % chunk.len()..]) {
            Ok(n) => sent += n,
            // Stalled; or the server gave up on us (reset, broken pipe): either way, done.
            Err(_) => break,
        }
    }
    sent
}

/// Reads from `stream` until `len` bytes have arrived (or its read timeout runs out).
pub fn read_exactly(stream: &mut impl Read, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("expected {len} bytes: {e}"));
    buf
}

/// The course's convention for servers: binding an address that is taken fails with one
/// `error: cannot listen on ADDR: ...` line that suggests a free port, and exit code 1.
pub fn assert_port_in_use_is_explained(server: &str, taken: SocketAddr) {
    assert_bind_failure_is_explained(server, taken, "cannot listen on");
}

/// [`assert_port_in_use_is_explained`] for a UDP server, which binds but does not
/// listen: `error: cannot bind ADDR: ...`.
pub fn assert_udp_port_in_use_is_explained(server: &str, taken: SocketAddr) {
    assert_bind_failure_is_explained(server, taken, "cannot bind");
}

fn assert_bind_failure_is_explained(server: &str, taken: SocketAddr, action: &str) {
    let ran = run(server, &["--bind", &taken.to_string()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stdout.is_empty(),
        "nothing was bound, so no Listening line: {ran:?}"
    );
    assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with(&format!("error: {action} {taken}: ")),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("--bind 127.0.0.1:0"), "{}", ran.stderr);
}

/// The course's convention for clients: a server that is not running is one
/// `error: cannot connect to ADDR: ...` line saying how to start it, and exit code 1.
pub fn assert_refused_is_explained(client: &str, args: &[&str], server_package: &str) {
    // Bind a port and close it again: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut all_args = vec!["--connect", addr.as_str()];
    all_args.extend_from_slice(args);
    let ran = run(client, &all_args, "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with(&format!("error: cannot connect to {addr}: ")),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("is the server running?"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains(&format!("cargo run -p {server_package}")),
        "{}",
        ran.stderr
    );
}

/// The course's convention for clients: a server that accepts the connection and
/// never answers is given up on after `--timeout`, with one error line starting
/// `expected_start` that says how to wait longer, and exit code 1.
///
/// Nobody calls `accept` here at all: the kernel completes the handshake for a
/// listening socket anyway, which is exactly what a hung server looks like.
pub fn assert_silent_server_is_given_up_on(client: &str, args: &[&str], expected_start: &str) {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let mut all_args = vec!["--connect", addr.as_str(), "--timeout", "1"];
    all_args.extend_from_slice(args);
    let ran = run(client, &all_args, "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.starts_with(expected_start), "{}", ran.stderr);
    assert!(ran.stderr.contains("--timeout SECS"), "{}", ran.stderr);
    // "Resource temporarily unavailable (os error 11)" is how EAGAIN reads: words
    // about any expired wait, not about this one.
    assert!(!ran.stderr.contains("os error"), "{}", ran.stderr);
}
