//! The lesson 3 protocol's conformance tests, shared by every server that speaks it
//! (lesson 3's threads, lesson 7's event loop and tokio server), so "the same
//! behaviour" is checked by the very same tests. Use [`crate::greeting_protocol_tests`].

use super::{ServerProcess, PATIENCE};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// A line client: connects, checks the greeting, sends and receives lines.
pub struct Client {
    /// Reads the server's lines.
    pub reader: BufReader<TcpStream>,
    /// Writes to the server.
    pub stream: TcpStream,
}

impl Client {
    /// Connects and reads `Welcome!`.
    pub fn connect(addr: SocketAddr) -> Client {
        let mut client = Client::connect_raw(addr);
        assert_eq!(client.line(), "Welcome!");
        client
    }

    /// Connects without reading anything.
    pub fn connect_raw(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next line from the server, without its newline.
    pub fn line(&mut self) -> String {
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

    /// Sends `name` and a newline, returns the reply.
    pub fn ask(&mut self, name: &str) -> String {
        self.send(format!("{name}\n").as_bytes());
        self.line()
    }

    /// Asserts that the server closes the connection now.
    pub fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => assert!(
                rest.is_empty(),
                "unexpected bytes {:?}",
                String::from_utf8_lossy(&rest)
            ),
            Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
        }
    }
}

/// `Welcome!`, `Hello, NAME!` for each line, and `exit` closes.
pub fn greets_answers_and_closes_on_exit(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    assert_eq!(client.ask("Michael"), "Hello, Michael!");
    assert_eq!(client.ask("Tracy"), "Hello, Tracy!");
    client.send(b"exit\n");
    client.expect_closed();
}

/// `disconnect` (the other tutorial's word) ends the session too, with CRLF.
pub fn disconnect_is_exit_too(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    client.send(b"disconnect\r\n");
    client.expect_closed();
}

/// Three lines in one write: three replies, not one.
pub fn several_lines_in_one_read_get_one_reply_each(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    client.send(b"Michael\nTracy\nSarah\n");
    assert_eq!(client.line(), "Hello, Michael!");
    assert_eq!(client.line(), "Hello, Tracy!");
    assert_eq!(client.line(), "Hello, Sarah!");
}

/// A line sent one byte per write is still one message.
pub fn a_line_sent_one_byte_at_a_time_is_one_message(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    for name in ["Michael", "Tracy"] {
        for byte in format!("{name}\n").bytes() {
            client.send(&[byte]);
        }
        assert_eq!(client.line(), format!("Hello, {name}!"));
    }
}

/// The tutorials' clients send bare words, no newline, and wait: they are answered.
pub fn the_tutorials_bare_words_are_answered_too(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    for name in ["Michael", "Tracy", "Sarah"] {
        client.send(name.as_bytes());
        assert_eq!(client.line(), format!("Hello, {name}!"));
    }
    client.send(b"exit");
    client.expect_closed();
}

/// A client that sends a word and half-closes still gets its answer.
pub fn a_half_closed_client_still_gets_its_answer(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    client.send(b"Michael");
    client.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(client.line(), "Hello, Michael!");
    client.expect_closed();
}

/// Invalid UTF-8 is answered with replacement characters.
pub fn invalid_utf8_is_answered_with_replacement_characters(addr: SocketAddr) {
    let mut client = Client::connect(addr);
    client.send(b"Mich\xffel\n");
    assert_eq!(client.line(), "Hello, Mich\u{fffd}el!");
}

/// A line over 4096 bytes is refused, and the refusal survives unread client data.
pub fn a_line_over_4096_bytes_is_refused_and_the_connection_closed(addr: SocketAddr) {
    let mut client = Client::connect(addr);
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

/// 50 clients at once, three exchanges each, every reply to the right client.
pub fn fifty_concurrent_clients_all_get_their_own_answers(addr: SocketAddr) {
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

/// The server binary `program` listens on IPv6 too (skipped where there is no `::1`).
pub fn serves_ipv6_clients(program: &str) {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        super::skip("no IPv6 loopback here");
        return;
    }
    let server = ServerProcess::start(program, &["--bind", "[::1]:0"]);
    assert!(server.addr.is_ipv6());
    assert_eq!(Client::connect(server.addr).ask("six"), "Hello, six!");
}

/// SIGTERM: every client is told `server shutting down`, and the process exits 0
/// within two seconds, even with a partial line pending.
#[cfg(unix)]
pub fn sigterm_says_goodbye_to_clients_and_exits_0_within_2_seconds(program: &str) {
    let server = ServerProcess::start(program, &["--bind", "127.0.0.1:0"]);
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.addr)).collect();
    assert_eq!(clients[0].ask("before"), "Hello, before!");
    // A line client (it sent a newline) with a partial line pending: that must not
    // delay the exit. (A bare word would be answered after the pause, and on a busy
    // machine the signal may come later than that.)
    assert_eq!(clients[1].ask("first"), "Hello, first!");
    clients[1].send(b"half a li");
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    for client in &mut clients {
        assert_eq!(client.line(), "server shutting down");
        client.expect_closed();
    }
}

/// SIGTERM ends the server within two seconds even while a client sends lines and
/// never reads the replies (the server's writes are blocked: every buffer is full).
#[cfg(unix)]
pub fn sigterm_stops_the_server_while_a_client_sends_and_never_reads(program: &str) {
    let server = ServerProcess::start(program, &["--bind", "127.0.0.1:0"]);
    let mut client = Client::connect(server.addr);
    let lines = "Michael\n".repeat(8192);
    // Bounded: a server without backpressure would take all of it (and grow).
    super::send_without_reading(&mut client.stream, lines.as_bytes(), 64 << 20);
    let (status, took, _) = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
}

/// Generates the tests that need the server *binary* (its own `--bind`, a signal):
/// IPv6, the SIGTERM goodbye, and SIGTERM with a client that never reads.
#[macro_export]
macro_rules! greeting_server_binary_tests {
    ($program:expr) => {
        #[cfg(unix)]
        #[test]
        fn sigterm_stops_the_server_while_a_client_sends_and_never_reads() {
            $crate::testing::greeting::sigterm_stops_the_server_while_a_client_sends_and_never_reads(
                $program,
            );
        }

        #[test]
        fn serves_ipv6_clients() {
            $crate::testing::greeting::serves_ipv6_clients($program);
        }

        #[cfg(unix)]
        #[test]
        fn sigterm_says_goodbye_to_clients_and_exits_0_within_2_seconds() {
            $crate::testing::greeting::sigterm_says_goodbye_to_clients_and_exits_0_within_2_seconds(
                $program,
            );
        }
    };
}

/// Generates one `#[test]` per conformance test, each against a fresh server from `$start`
/// (an expression giving a value with an `addr: SocketAddr` field, kept alive for the test).
#[macro_export]
macro_rules! greeting_protocol_tests {
    ($start:expr) => {
        $crate::greeting_protocol_tests!(@each $start;
            greets_answers_and_closes_on_exit,
            disconnect_is_exit_too,
            several_lines_in_one_read_get_one_reply_each,
            a_line_sent_one_byte_at_a_time_is_one_message,
            the_tutorials_bare_words_are_answered_too,
            a_half_closed_client_still_gets_its_answer,
            invalid_utf8_is_answered_with_replacement_characters,
            a_line_over_4096_bytes_is_refused_and_the_connection_closed,
            fifty_concurrent_clients_all_get_their_own_answers,
        );
    };
    (@each $start:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let server = $start;
                $crate::testing::greeting::$name(server.addr);
            }
        )*
    };
}
