//! lesson03-threaded-server as a real process: the protocol, framing, and each limit.

use assert_cmd::Command;
use shared::testing::greeting::Client;
use shared::testing::{
    assert_port_in_use_is_explained, assert_refused_is_explained, tool, ServerProcess, PATIENCE,
};
use std::io::Write;

use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson03-threaded-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson03-client");

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(SERVER, &args)
}

shared::greeting_protocol_tests!(start(&[]));
shared::greeting_server_binary_tests!(SERVER);

#[test]
fn logs_each_connection_opening_and_closing() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    let me = client.stream.local_addr().unwrap();
    assert_eq!(client.ask("Michael"), "Hello, Michael!");
    assert_eq!(client.ask("Tracy"), "Hello, Tracy!");
    client.send(b"exit\n");
    client.expect_closed();
    assert_eq!(
        server.next_line(),
        format!("Accept new connection from {me}...")
    );
    assert_eq!(server.next_line(), format!("Connection from {me} closed."));
}

#[test]
fn clients_over_the_limit_are_told_the_server_is_busy() {
    let server = start(&["--max-connections", "2"]);
    let mut first = Client::connect(server.addr);
    let mut second = Client::connect(server.addr);
    let mut third = Client::connect_raw(server.addr);
    assert_eq!(third.line(), "error: server busy, try again later");
    third.expect_closed();
    // The two admitted clients are unaffected.
    assert_eq!(first.ask("one"), "Hello, one!");
    assert_eq!(second.ask("two"), "Hello, two!");
    // When one leaves, its place is free again.
    first.send(b"exit\n");
    first.expect_closed();
    server.expect_line("the first close", |l| l.ends_with("closed."));
    let mut fourth = Client::connect(server.addr);
    assert_eq!(fourth.ask("four"), "Hello, four!");
}

/// One byte every 300 ms resets any "nothing received" timer, yet no line ever ends:
/// five such clients used to hold five places for ever. A line must end in time.
#[test]
fn a_line_dripped_byte_by_byte_must_still_end_within_the_idle_timeout() {
    let server = start(&["--idle-timeout", "1"]);
    let mut client = Client::connect(server.addr);
    assert_eq!(client.ask("first"), "Hello, first!"); // a line client from now on
    let mut dripper = client.stream.try_clone().unwrap();
    let drip = std::thread::spawn(move || {
        // 40 bytes over 12 s: longer than the test waits for the answer (PATIENCE).
        for _ in 0..40 {
            if dripper.write_all(b"x").is_err() {
                return; // the server hung up: what we want
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    });
    assert_eq!(
        client.line(),
        "error: line not finished within 1 s, closing the connection"
    );
    client.expect_closed();
    drip.join().unwrap();
}

/// A client that sends and never reads: after the write timeout the server gives up,
/// and its log says what happened in words, not "os error 11".
#[test]
fn a_client_that_never_reads_is_dropped_and_the_log_says_why() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    let me = client.stream.local_addr().unwrap();
    let lines = "Michael\n".repeat(8192);
    shared::testing::send_without_reading(&mut client.stream, lines.as_bytes(), 64 << 20);
    let lost = server.expect_line("the lost connection", |l| {
        l.starts_with(&format!("Connection from {me} lost:"))
    });
    assert!(
        lost.ends_with("the client stopped reading: a reply could not be sent for 1 s"),
        "{lost}"
    );
}

#[test]
fn an_idle_client_is_told_and_disconnected() {
    let server = start(&["--idle-timeout", "1"]);
    let mut idle = Client::connect(server.addr);
    assert_eq!(
        idle.line(),
        "error: nothing received for 1 s, closing the connection"
    );
    idle.expect_closed();
}

#[test]
fn a_client_vanishing_mid_line_is_logged_and_others_carry_on() {
    let server = start(&[]);
    let client = Client::connect(server.addr);
    let me = client.stream.local_addr().unwrap();
    let mut stream = client.stream;
    stream.write_all(b"Mich").unwrap();
    // SO_LINGER 0 makes close() send a reset (RST) instead of a polite FIN.
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(client.reader);
    drop(stream);
    server.expect_line("the closed line", |l| {
        l == format!("Connection from {me} closed.")
    });
    let mut other = Client::connect(server.addr);
    assert_eq!(other.ask("still here"), "Hello, still here!");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn the_tutorials_python_client_works_unchanged() {
    let Some(python) = tool("python3") else {
        return;
    };
    let server = start(&[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/tutorial_client.py");
    let out = Command::new(python)
        .args([script, "127.0.0.1", &server.addr.port().to_string()])
        .timeout(PATIENCE)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(
        lines,
        [
            "Welcome!",
            "Hello, Michael!",
            "Hello, Tracy!",
            "Hello, Sarah!"
        ]
    );
}

#[test]
fn nc_can_talk_to_it() {
    let Some(nc) = tool("nc") else { return };
    let server = start(&[]);
    Command::new(nc)
        .args(["127.0.0.1", &server.addr.port().to_string()])
        .write_stdin("Michael\nexit\n")
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("Welcome!\nHello, Michael!\n");
}

#[test]
fn the_client_sends_its_arguments_like_the_scripted_tutorial_client() {
    let server = start(&[]);
    Command::new(CLIENT)
        .args([
            "--connect",
            &server.addr.to_string(),
            "Michael",
            "Tracy",
            "Sarah",
        ])
        .timeout(PATIENCE)
        .assert()
        .success()
        .stdout("Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
    server.expect_line("the client's exit", |l| l.ends_with("closed."));
}

#[test]
fn the_client_reads_input_until_quit_or_an_empty_line() {
    let server = start(&[]);
    for input in [
        "Ann\nBob\nquit\nnot sent\n",
        "Ann\nBob\n\nnot sent\n",
        "Ann\nBob",
    ] {
        Command::new(CLIENT)
            .args(["--connect", &server.addr.to_string()])
            .write_stdin(input)
            .timeout(PATIENCE)
            .assert()
            .success()
            .stdout("Welcome!\nHello, Ann!\nHello, Bob!\n");
    }
}

/// `exit` (or the other tutorial's `disconnect`) is how the README says to end a
/// session: the server closes the connection, and that is a normal end, not an error.
#[test]
fn the_client_ends_normally_after_exit_typed_or_given() {
    let server = start(&[]);
    let addr = server.addr.to_string();
    for word in ["exit", "disconnect"] {
        Command::new(CLIENT)
            .args(["--connect", &addr, "Michael", word])
            .timeout(PATIENCE)
            .assert()
            .success()
            .stdout("Welcome!\nHello, Michael!\n");
        Command::new(CLIENT)
            .args(["--connect", &addr])
            .write_stdin(format!("Ann\n{word}\nnot sent\n"))
            .timeout(PATIENCE)
            .assert()
            .success()
            .stdout("Welcome!\nHello, Ann!\n");
    }
}

/// A server that accepted and never answers must not hang the client.
#[test]
fn the_client_gives_up_on_a_silent_server_and_says_so() {
    shared::testing::assert_silent_server_is_given_up_on(
        CLIENT,
        &["Michael"],
        "error: no reply within 1 s",
    );
}

#[test]
fn the_client_reports_a_busy_server_as_an_error() {
    let server = start(&["--max-connections", "1"]);
    let _occupant = Client::connect(server.addr);
    let out = Command::new(CLIENT)
        .args(["--connect", &server.addr.to_string(), "Michael"])
        .timeout(PATIENCE)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "error: the server said: server busy, try again later\n"
    );
}

#[test]
fn the_client_explains_a_refused_connection() {
    assert_refused_is_explained(CLIENT, &[], "lesson03-threaded-server");
}

#[test]
fn a_port_in_use_is_one_clear_error() {
    let server = start(&[]);
    assert_port_in_use_is_explained(SERVER, server.addr);
}

/// `0 is not in 1..18446744073709551615` was clap's word for it: say it for people.
#[test]
fn a_zero_timeout_is_refused_in_words() {
    for bin in [SERVER, CLIENT] {
        let flag = if bin == SERVER {
            "--idle-timeout"
        } else {
            "--timeout"
        };
        let out = Command::new(bin).args([flag, "0"]).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains("must be 1 or more"), "{err}");
        assert!(!err.contains("18446744073709551615"), "{err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--max-connections", "0"][..],
        &["--idle-timeout", "soon"],
        &["--bind", "[::1"],
    ] {
        let out = Command::new(SERVER)
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        assert!(String::from_utf8_lossy(&out).contains("Usage:"), "{args:?}");
    }
    Command::new(CLIENT).arg("--help").assert().success();
    Command::new(SERVER).arg("--help").assert().success();
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_it_too() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    let (status, _, _) = server.signal_and_wait("INT");
    assert!(status.success(), "exit status {status}");
    assert_eq!(client.line(), "server shutting down");
}

#[test]
fn delay_ms_holds_each_reply_back() {
    let server = start(&["--delay-ms", "300"]);
    let mut client = Client::connect(server.addr);
    let asked = std::time::Instant::now();
    assert_eq!(client.ask("slow"), "Hello, slow!");
    // A lower bound only: the delay guarantees it, however busy the machine.
    assert!(
        asked.elapsed() >= Duration::from_millis(300),
        "{:?}",
        asked.elapsed()
    );
}
