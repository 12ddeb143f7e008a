//! lesson02-blocking-server, run as a real process on a port the OS chooses.

use assert_cmd::Command;
use shared::testing::{
    assert_port_in_use_is_explained, assert_refused_is_explained, read_exactly, tool,
    ServerProcess, PATIENCE,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson02-blocking-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson02-client");

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(SERVER, &args)
}

fn connect(server: &ServerProcess) -> TcpStream {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

#[test]
fn echoes_each_chunk_in_upper_case_and_logs_the_connection() {
    let server = start(&[]);
    let mut client = connect(&server);
    client.write_all(b"hello, World 42\n").unwrap();
    assert_eq!(read_exactly(&mut client, 16), b"HELLO, WORLD 42\n");
    let me = client.local_addr().unwrap();
    assert_eq!(server.next_line(), format!("Accepted connection from {me}"));
    drop(client);
    assert_eq!(server.next_line(), format!("Connection from {me} closed"));
}

shared::echo_server_tests!(start(&[]));
shared::echo_server_binary_tests!(SERVER);

#[test]
fn the_log_shows_the_second_client_accepted_only_after_the_first_closed() {
    let server = start(&[]);
    let mut first = connect(&server);
    first.write_all(b"one").unwrap();
    assert_eq!(read_exactly(&mut first, 3), b"ONE");
    let mut second = connect(&server);
    second.write_all(b"two").unwrap();
    drop(first);
    assert_eq!(read_exactly(&mut second, 3), b"TWO");
    let first_closed = server.expect_line("the first close", |l| l.ends_with("closed"));
    let second_accepted = server.next_line();
    assert!(
        first_closed.starts_with("Connection from"),
        "{first_closed}"
    );
    assert!(
        second_accepted.starts_with("Accepted connection from"),
        "{second_accepted}"
    );
}

#[test]
fn the_client_sends_its_words_and_prints_the_echoes() {
    let server = start(&[]);
    Command::new(CLIENT)
        .args(["--connect", &server.addr.to_string(), "Michael", "Tracy"])
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("MICHAEL\nTRACY\n");
}

#[test]
fn the_client_reads_standard_input_until_quit() {
    let server = start(&[]);
    Command::new(CLIENT)
        .args(["--connect", &server.addr.to_string()])
        .write_stdin("one\ntwo\nquit\nnever sent\n")
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("ONE\nTWO\n");
}

/// A server that accepted and never answers must not hang the client.
#[test]
fn the_client_gives_up_on_a_silent_server_and_says_so() {
    shared::testing::assert_silent_server_is_given_up_on(
        CLIENT,
        &["hello"],
        "error: no echo within 1 s",
    );
}

#[test]
fn version_names_the_client_not_its_package() {
    let out = Command::new(CLIENT).arg("--version").assert().success();
    let version = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(version.starts_with("lesson02-client "), "{version}");
}

#[test]
fn nc_is_answered_like_our_client() {
    let Some(nc) = tool("nc") else { return };
    let server = start(&[]);
    let port = server.addr.port().to_string();
    // -N: close our sending side at the end of input, so the server sees end of stream.
    Command::new(nc)
        .args(["-N", "127.0.0.1", &port])
        .write_stdin("hello from nc\n")
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("HELLO FROM NC\n");
}

#[test]
fn the_client_explains_a_refused_connection() {
    assert_refused_is_explained(CLIENT, &["hi"], "lesson02-blocking-server");
}

#[test]
fn a_port_in_use_is_one_clear_error() {
    let server = start(&[]);
    assert_port_in_use_is_explained(SERVER, server.addr);
}

#[test]
fn help_and_usage_errors() {
    for bin in [SERVER, CLIENT] {
        Command::new(bin).arg("--help").assert().success();
        Command::new(bin)
            .args(["--bind", "nonsense"])
            .assert()
            .code(2);
    }
    let out = Command::new(SERVER)
        .args(["--bind", "localhost"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        err.contains("missing ':PORT'") && err.contains("Usage:"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly_while_a_client_is_connected() {
    let server = start(&["--delay-ms", "0"]);
    let mut client = connect(&server);
    client.write_all(b"x").unwrap();
    assert_eq!(read_exactly(&mut client, 1), b"X");
    server.expect_line("the accept", |l| l.starts_with("Accepted"));
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // The server closed our connection: end of stream.
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_an_idle_server() {
    let server = start(&[]);
    let (status, took, rest) = server.signal_and_wait("INT");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn delay_ms_holds_each_echo_back() {
    let server = start(&["--delay-ms", "300"]);
    let mut client = connect(&server);
    let asked = std::time::Instant::now();
    client.write_all(b"slow").unwrap();
    assert_eq!(read_exactly(&mut client, 4), b"SLOW");
    // A lower bound only: the delay guarantees it, however busy the machine.
    assert!(
        asked.elapsed() >= Duration::from_millis(300),
        "{:?}",
        asked.elapsed()
    );
}
