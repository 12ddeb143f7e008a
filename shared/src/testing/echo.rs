//! Lesson 2's server tests, shared by every server that speaks its upper-casing echo
//! (lesson 2 itself, and lesson 6's rebuild of it). Use [`crate::echo_server_tests`].

use super::{read_exactly, PATIENCE};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// ASCII letters come back upper-cased, everything else unchanged.
pub fn echoes_in_upper_case(addr: SocketAddr) {
    let mut client = connect(addr);
    client.write_all(b"hello, World 42\n").unwrap();
    assert_eq!(read_exactly(&mut client, 16), b"HELLO, WORLD 42\n");
}

/// Bytes that are not ASCII letters pass through untouched (like Python's `bytes.upper()`).
pub fn non_ascii_bytes_pass_through_unchanged(addr: SocketAddr) {
    let mut client = connect(addr);
    client.write_all("grüß\n".as_bytes()).unwrap();
    assert_eq!(read_exactly(&mut client, 7), "GRüß\n".as_bytes());
}

/// One client at a time: a second one is connected but not answered until the first leaves.
pub fn a_second_client_waits_until_the_first_leaves(addr: SocketAddr) {
    let mut first = connect(addr);
    first.write_all(b"one").unwrap();
    assert_eq!(read_exactly(&mut first, 3), b"ONE");
    let mut second = connect(addr);
    second.write_all(b"two").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let err = second
        .read(&mut [0u8; 3])
        .expect_err("the second client must not be served yet");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    first.write_all(b"again").unwrap();
    assert_eq!(read_exactly(&mut first, 5), b"AGAIN");
    drop(first);
    second.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(read_exactly(&mut second, 3), b"TWO");
}

/// SIGTERM ends the server binary `program` within two seconds even while a client
/// sends and never reads (the echo has nowhere to go: the server's write is blocked).
#[cfg(unix)]
pub fn sigterm_stops_the_server_while_a_client_sends_and_never_reads(program: &str) {
    let server = super::ServerProcess::start(program, &["--bind", "127.0.0.1:0"]);
    let mut client = connect(server.addr);
    let sent = super::send_without_reading(&mut client, &[b'x'; 65_536], 256 << 20);
    assert!(
        sent < 256 << 20,
        "the server kept taking bytes it cannot echo"
    );
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// Generates the echo tests that need the server *binary* (a signal).
#[macro_export]
macro_rules! echo_server_binary_tests {
    ($program:expr) => {
        #[cfg(unix)]
        #[test]
        fn sigterm_stops_the_server_while_a_client_sends_and_never_reads() {
            $crate::testing::echo::sigterm_stops_the_server_while_a_client_sends_and_never_reads(
                $program,
            );
        }
    };
}

/// Generates one `#[test]` per echo-server test against a fresh server from `$start`.
#[macro_export]
macro_rules! echo_server_tests {
    ($start:expr) => {
        $crate::echo_server_tests!(@each $start;
            echoes_in_upper_case,
            non_ascii_bytes_pass_through_unchanged,
            a_second_client_waits_until_the_first_leaves,
        );
    };
    (@each $start:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let server = $start;
                $crate::testing::echo::$name(server.addr);
            }
        )*
    };
}
