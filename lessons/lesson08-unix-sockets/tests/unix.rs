//! lesson08's servers and clients over real Unix socket files in a temporary directory.
#![cfg(unix)]

use shared::testing::{run, send_without_reading, tool, ServerProcess, PATIENCE};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson08-unix-sockets");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson08-client");
const DGRAM_SERVER: &str = env!("CARGO_BIN_EXE_lesson08-datagram-server");
const DGRAM_CLIENT: &str = env!("CARGO_BIN_EXE_lesson08-datagram-client");

fn start(path: &Path, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--bind", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let server = ServerProcess::start(SERVER, &args);
    assert_eq!(server.listening_on, path.display().to_string());
    server
}

#[test]
fn echoes_over_a_unix_socket_with_the_lesson02_handler() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    let server = start(&path, &[]);
    let ran = run(
        CLIENT,
        &["--connect", path.to_str().unwrap(), "hello", "unix"],
        "",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "HELLO\nUNIX\n"),
        "{ran:?}"
    );
    assert_eq!(server.next_line(), "Accepted a client");
    assert_eq!(server.next_line(), "Client closed after 11 bytes");
}

#[test]
fn the_socket_file_is_only_for_its_owner_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.sock");
    let _server = start(&path, &[]);
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let shared_path = dir.path().join("group.sock");
    let _group = start(&shared_path, &["--mode", "660"]);
    assert_eq!(
        std::fs::metadata(&shared_path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o660
    );
}

#[test]
fn a_stale_socket_file_is_removed_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.sock");
    drop(UnixListener::bind(&path).unwrap()); // a "crashed" server: the file stays
    assert!(path.exists());
    let server = ServerProcess::start(SERVER, &["--bind", path.to_str().unwrap()]);
    assert_eq!(server.listening_on, path.display().to_string());
    assert_eq!(server.next_line(), lesson08_unix_sockets::STALE_REMOVED);
    let mut stream = UnixStream::connect(&path).expect("the new server listens there");
    stream.write_all(b"x").unwrap();
    let mut reply = [0u8; 1];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"X");
}

#[test]
fn a_socket_file_in_use_is_not_stolen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.sock");
    let _first = start(&path, &[]);
    let ran = run(SERVER, &["--bind", path.to_str().unwrap()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("another server is using it"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_ordinary_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "precious").unwrap();
    let ran = run(SERVER, &["--bind", path.to_str().unwrap()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.contains("exists and is not a socket"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
}

#[test]
fn sigterm_exits_0_and_removes_the_socket_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bye.sock");
    let server = start(&path, &[]);
    let _client = UnixStream::connect(&path).unwrap();
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(!path.exists(), "the server must remove its socket file");
}

#[test]
fn the_client_explains_a_missing_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nobody.sock");
    let ran = run(CLIENT, &["--connect", path.to_str().unwrap(), "hi"], "");
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr
            .starts_with(&format!("error: cannot connect to {}", path.display())),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("is the server running?"),
        "{}",
        ran.stderr
    );
}

#[test]
fn datagrams_are_answered_like_lesson05() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dgram.sock");
    let server = ServerProcess::start(DGRAM_SERVER, &["--bind", path.to_str().unwrap()]);
    let ran = run(
        DGRAM_CLIENT,
        &["--connect", path.to_str().unwrap(), "Ann", ""],
        "",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "Hello, Ann!\nHello, !\n"),
        "{ran:?}"
    );
    assert!(server.next_line().starts_with("Received from "));
    let (status, _, _) = server.signal_and_wait("TERM");
    assert!(status.success());
    assert!(
        !path.exists(),
        "the datagram server removes its socket file too"
    );
}

#[test]
fn nc_can_connect_with_dash_u() {
    let Some(nc) = tool("nc") else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nc.sock");
    let _server = start(&path, &[]);
    let ran = run(nc, &["-N", "-U", path.to_str().unwrap()], "through nc\n");
    assert_eq!(ran.stdout, "THROUGH NC\n", "{ran:?}");
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(run(SERVER, &["--mode", "999"], "").code, 2);
    assert_eq!(run(SERVER, &["--help"], "").code, 0);
    assert_eq!(run(DGRAM_CLIENT, &["--help"], "").code, 0);
}

#[test]
fn sigterm_still_stops_the_server_after_its_socket_file_was_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("removed.sock");
    let server = start(&path, &[]);
    std::fs::remove_file(&path).unwrap(); // a learner's `rm`, a cleaner of /tmp
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn sigterm_stops_the_server_while_a_client_sends_and_never_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.sock");
    let server = start(&path, &[]);
    let mut client = UnixStream::connect(&path).unwrap();
    let sent = send_without_reading(&mut client, &[b'x'; 65_536], 256 << 20);
    assert!(
        sent < 256 << 20,
        "the server kept taking bytes it cannot echo"
    );
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_silent_client_is_disconnected_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idle.sock");
    let server = start(&path, &["--idle-timeout", "1"]);
    let mut client = UnixStream::connect(&path).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut rest = Vec::new();
    client
        .read_to_end(&mut rest)
        .expect("the server closes a silent client");
    assert!(rest.is_empty(), "{rest:?}");
    server.expect_line("the idle disconnect", |l| {
        l == "Client disconnected: nothing received for 1 s"
    });
}

#[test]
fn a_client_over_the_limit_is_told_the_server_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sock");
    let server = start(&path, &[]);
    // 64 clients, each served (its echo proves it has a place)...
    let _served: Vec<UnixStream> = (0..64)
        .map(|i| {
            let mut client = UnixStream::connect(&path).unwrap();
            client.set_read_timeout(Some(PATIENCE)).unwrap();
            client.write_all(b"x").unwrap();
            let mut echo = [0u8; 1];
            client
                .read_exact(&mut echo)
                .unwrap_or_else(|e| panic!("client {i} was not served: {e}"));
            client
        })
        .collect();
    // ...so the 65th hears why it is turned away, instead of a silent close.
    let mut extra = UnixStream::connect(&path).unwrap();
    extra.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut words = String::new();
    extra.read_to_string(&mut words).unwrap();
    assert_eq!(words, "error: server busy, try again later\n");
    server.expect_line("the refusal", |l| {
        l == "Refused a client: 64 already connected"
    });
}

/// A live socket whose type is not ours (SOCK_SEQPACKET) answers a stream connect
/// with "wrong type", not "refused": it is in use, and must not be deleted.
#[cfg(target_os = "linux")]
#[test]
fn a_live_socket_of_another_type_is_not_deleted() {
    use socket2::{Domain, SockAddr, Socket, Type};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seqpacket.sock");
    let live = Socket::new(Domain::UNIX, Type::SEQPACKET, None).unwrap();
    live.bind(&SockAddr::unix(&path).unwrap()).unwrap();
    live.listen(5).unwrap();
    let ran = run(SERVER, &["--bind", path.to_str().unwrap()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&path.display().to_string()),
        "the error names the path: {}",
        ran.stderr
    );
    assert!(path.exists(), "a socket that is not stale was deleted");
    let probe = Socket::new(Domain::UNIX, Type::SEQPACKET, None).unwrap();
    probe
        .connect(&SockAddr::unix(&path).unwrap())
        .expect("the live listener still answers");
}

#[test]
fn a_path_too_long_for_a_socket_address_gets_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join(format!("{}.sock", "x".repeat(120)));
    let ran = run(SERVER, &["--bind", long.to_str().unwrap()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shorter or relative path"),
        "{}",
        ran.stderr
    );
}

/// A Unix datagram socket has flow control: `send_to` waits while the receiver's
/// queue is full. A client that sends and never reads its replies must not keep the
/// datagram server from stopping.
#[test]
fn sigterm_stops_the_datagram_server_while_a_client_never_reads() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dgram-flood.sock");
    let server = ServerProcess::start(DGRAM_SERVER, &["--bind", path.to_str().unwrap()]);
    let client = UnixDatagram::bind(dir.path().join("client.sock")).unwrap();
    client
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    // More than both directions hold (a datagram in flight is charged to its sender's
    // send buffer, 208 KiB by default on Linux: some 45 of these each way): our
    // replies fill up, so the server's reply waits; then its queue fills behind it.
    for _ in 0..150 {
        if client.send_to(&[b'x'; 4000], &path).is_err() {
            break; // stalled for a second: the server is stuck
        }
    }
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}
