//! Grader for exercise 3. Run: cargo test -p ex03-greeting
//! Every test runs `greet` on the server side of a real loopback TCP connection.

use ex03_greeting::greet;
use grading::{assert_bytes_eq, Conversation, Fault, Help, Pieces, Relay};
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};

/// Printed with the exchange when a test fails.
const HELP: Help = Help {
    server: "cargo run -p lesson03-threaded-server",
    port: 9999,
    book: "book/src/lesson03.md, \"Where does a message end?\"",
};

struct Session {
    conn: Conversation,
    server: JoinHandle<std::io::Result<()>>,
}

/// Connects to a fresh `greet` and reads its greeting.
fn session() -> Session {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (conn, _) = listener.accept().unwrap();
    let server = thread::spawn(move || greet(conn));
    let mut s = Session {
        conn: Conversation::new(client, HELP),
        server,
    };
    assert_eq!(
        s.line(),
        "Welcome!",
        "the first thing a client receives is the greeting"
    );
    s
}

impl Session {
    fn send(&mut self, bytes: &[u8]) {
        self.conn.send(bytes);
    }

    fn line(&mut self) -> String {
        let line = match self.conn.read_line() {
            Ok(line) if line.is_empty() => {
                panic!("the server closed the connection instead of answering")
            }
            Ok(line) => String::from_utf8_lossy(&line).into_owned(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "no answer within 10 s (is your server waiting for more bytes than it needs?)"
                )
            }
            Err(e) => panic!("reading the answer failed: {e}"),
        };
        assert!(
            line.ends_with('\n'),
            "every message must end with a newline, got {line:?}"
        );
        line.trim_end_matches('\n').to_string()
    }

    /// The server must have closed the connection and `greet` returned Ok.
    fn finished(mut self) {
        let rest = self
            .conn
            .read_to_end()
            .expect("the server should close the connection");
        assert_bytes_eq(&rest, b"", "nothing more was expected before the close");
        let result = self.server.join().expect("greet panicked");
        assert!(
            result.is_ok(),
            "greet should return Ok(()), returned {result:?}"
        );
    }
}

#[test]
fn greets_answers_and_stops_on_exit() {
    let mut s = session();
    s.send(b"Michael\n");
    assert_eq!(s.line(), "Hello, Michael!");
    s.send(b"Tracy\n");
    assert_eq!(s.line(), "Hello, Tracy!");
    s.send(b"exit\n");
    s.finished();
}

#[test]
fn disconnect_and_crlf_are_understood() {
    let mut s = session();
    s.send(b"Sarah\r\n");
    assert_eq!(
        s.line(),
        "Hello, Sarah!",
        "\\r\\n ends a line too (telnet sends it): strip the \\r"
    );
    s.send(b"disconnect\r\n");
    s.finished();
}

#[test]
fn two_names_in_one_read_get_two_answers() {
    let mut s = session();
    s.send(b"Michael\nTracy\n");
    assert_eq!(
        s.line(),
        "Hello, Michael!",
        "the first of two lines sent together"
    );
    assert_eq!(
        s.line(),
        "Hello, Tracy!",
        "the second of two lines sent together"
    );
    s.send(b"exit\n");
    s.finished();
}

#[test]
fn a_name_split_across_reads_is_one_name() {
    // In memory, so that the reads are cut exactly here every time.
    let mut conn = Pieces::new(&[b"Mich", b"ael\n", b"Tra", b"cy", b"\nexit\n"]);
    greet(&mut conn).expect("greet returned an error on a healthy stream");
    assert_bytes_eq(
        &conn.written,
        b"Welcome!\nHello, Michael!\nHello, Tracy!\n",
        "reads of 'Mich' then 'ael\\n' are one name, not two: keep the bytes until the newline arrives",
    );
}

#[test]
fn one_byte_at_a_time_still_works() {
    let mut s = session();
    for byte in b"Sarah\nexit\n" {
        s.send(&[*byte]);
    }
    assert_eq!(s.line(), "Hello, Sarah!", "a line sent byte by byte");
    s.finished();
}

#[test]
fn end_of_stream_ends_the_session_after_answering_a_last_unterminated_line() {
    let mut s = session();
    s.send(b"Tracy");
    s.conn.finish_sending();
    assert_eq!(
        s.line(),
        "Hello, Tracy!",
        "the last line had no newline, but it is still a name"
    );
    s.finished();
}

#[test]
fn a_client_that_just_leaves_ends_the_session() {
    let mut s = session();
    s.conn.finish_sending();
    s.finished();
}

#[test]
fn names_through_a_network_that_delivers_one_byte_at_a_time_then_half_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay = Relay::start(listener.local_addr().unwrap(), Fault::OneByteSegments);
    let client = TcpStream::connect(relay.addr).unwrap();
    let (conn, _) = listener.accept().unwrap();
    let server = thread::spawn(move || greet(conn));
    let mut c = Conversation::new(client, HELP);
    c.send(b"Michael\r\nTracy");
    c.finish_sending(); // the relay passes the half-close on after the last byte
    let all = c
        .read_to_end()
        .unwrap_or_else(|e| panic!("{}: {e}", relay.describe()));
    assert_bytes_eq(
        &all,
        b"Welcome!\nHello, Michael!\nHello, Tracy!\n",
        &relay.describe(),
    );
    let result = server.join().expect("greet panicked");
    assert!(
        result.is_ok(),
        "greet should return Ok(()) at the end of the stream, returned {result:?}"
    );
}
