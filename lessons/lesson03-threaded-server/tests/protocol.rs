//! lesson03-threaded-server as a real process: the protocol, framing, and each limit.

use assert_cmd::Command;
use shared::testing::{
    assert_port_in_use_is_explained, assert_refused_is_explained, tool, ServerProcess, PATIENCE,
};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson03-threaded-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson03-client");

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ServerProcess::start(SERVER, &args)
}

/// A line client: connects, checks the greeting, then sends and receives lines.
struct Client {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let mut client = Client::connect_raw(addr);
        assert_eq!(client.line(), "Welcome!");
        client
    }

    fn connect_raw(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next line from the server, without its newline.
    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).unwrap();
        assert!(
            n > 0,
            "the server closed the connection instead of replying"
        );
        assert!(
            line.ends_with('\n'),
            "every server message ends with a newline: {line:?}"
        );
        line.pop();
        line
    }

    fn ask(&mut self, name: &str) -> String {
        self.send(format!("{name}\n").as_bytes());
        self.line()
    }

    /// Asserts that the server closes the connection now (end of stream, no more bytes).
    fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => assert!(
                rest.is_empty(),
                "unexpected bytes {:?}",
                String::from_utf8_lossy(&rest)
            ),
            // A reset is also "closed": the server may close with our bytes unread.
            Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
        }
    }
}

#[test]
fn greets_answers_and_closes_on_exit() {
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
fn disconnect_is_exit_too() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    client.send(b"disconnect\r\n");
    client.expect_closed();
}

#[test]
fn several_lines_in_one_read_get_one_reply_each() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    client.send(b"Michael\nTracy\nSarah\n");
    assert_eq!(client.line(), "Hello, Michael!");
    assert_eq!(client.line(), "Hello, Tracy!");
    assert_eq!(client.line(), "Hello, Sarah!");
}

#[test]
fn a_line_sent_one_byte_at_a_time_is_one_message() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    for name in ["Michael", "Tracy"] {
        for byte in format!("{name}\n").bytes() {
            client.send(&[byte]);
        }
        assert_eq!(client.line(), format!("Hello, {name}!"));
    }
}

#[test]
fn the_tutorials_bare_words_are_answered_too() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    for name in ["Michael", "Tracy", "Sarah"] {
        client.send(name.as_bytes()); // no newline, as the Python tutorial sends
        assert_eq!(client.line(), format!("Hello, {name}!"));
    }
    client.send(b"exit");
    client.expect_closed();
}

#[test]
fn a_half_closed_client_still_gets_its_answer() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    client.send(b"Michael");
    client.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(client.line(), "Hello, Michael!");
    client.expect_closed();
}

#[test]
fn invalid_utf8_is_answered_with_replacement_characters() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    client.send(b"Mich\xffel\n");
    assert_eq!(client.line(), "Hello, Mich\u{fffd}el!");
}

#[test]
fn a_line_over_4096_bytes_is_refused_and_the_connection_closed() {
    let server = start(&[]);
    let mut client = Client::connect(server.addr);
    assert_eq!(client.ask(&"x".repeat(4096)).len(), "Hello, !".len() + 4096);
    // Far more than the limit, so unread bytes remain in the server's buffer when it
    // closes: a plain close would then send a reset and our copy of the error line
    // could be discarded before we read it. The server must close gracefully.
    client.send(&vec![b'y'; 100_000]);
    assert_eq!(client.line(), "error: message too long (limit 4096 bytes)");
    let mut rest = Vec::new();
    client
        .reader
        .read_to_end(&mut rest)
        .expect("a clean close (FIN), not a reset");
    assert!(rest.is_empty());
}

#[test]
fn fifty_concurrent_clients_all_get_their_own_answers() {
    let server = start(&[]);
    let addr = server.addr;
    let clients: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                for round in 0..3 {
                    let name = format!("client{i}-round{round}");
                    assert_eq!(client.ask(&name), format!("Hello, {name}!"));
                }
                client.send(b"exit\n");
                client.expect_closed();
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client thread failed");
    }
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
fn serves_ipv6_clients() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: no IPv6 loopback here; skipping");
        return;
    }
    let server = ServerProcess::start(SERVER, &["--bind", "[::1]:0"]);
    assert!(server.addr.is_ipv6());
    let mut client = Client::connect(server.addr);
    assert_eq!(client.ask("six"), "Hello, six!");
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
fn sigterm_says_goodbye_to_clients_and_exits_0_within_2_seconds() {
    let server = start(&[]);
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.addr)).collect();
    assert_eq!(clients[0].ask("before"), "Hello, before!");
    clients[1].send(b"half a li"); // a partial line must not delay the exit
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    for client in &mut clients {
        assert_eq!(client.line(), "server shutting down");
        client.expect_closed();
    }
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
