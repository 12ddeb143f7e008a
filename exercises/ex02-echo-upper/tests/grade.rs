//! Grader for exercise 2. Run: cargo test -p ex02-echo-upper

use ex02_echo_upper::echo_upper;
use grading::{assert_bytes_eq, Conversation, Fault, Help, Relay};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Printed with the exchange when a test over TCP fails.
const HELP: Help = Help {
    server: "cargo run -p lesson02-blocking-server",
    port: 8080,
    book: "book/src/lesson02.md, \"The code\"",
};

/// An in-memory connection: reads come from `input`, `chunk` bytes at most per read.
struct Fake<'a> {
    input: &'a [u8],
    chunk: usize,
    output: Vec<u8>,
}

impl Read for Fake<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl Write for Fake<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Like a busy socket, accept at most 3 bytes per write: `write_all` copes.
        let n = buf.len().min(3);
        self.output.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn echo_in_memory(input: &[u8], chunk: usize) -> (u64, Vec<u8>) {
    let mut fake = Fake {
        input,
        chunk,
        output: Vec::new(),
    };
    let n = echo_upper(&mut fake).expect("echo_upper returned an error on a healthy stream");
    (n, fake.output)
}

#[test]
fn echoes_in_upper_case_until_the_end() {
    let (n, out) = echo_in_memory(b"hello, World 42!\n", 1024);
    assert_eq!(
        String::from_utf8_lossy(&out),
        "HELLO, WORLD 42!\n",
        "every ASCII letter upper-cased, nothing else changed"
    );
    assert_eq!(n, 17, "the return value is the number of bytes echoed");
}

#[test]
fn the_answer_does_not_depend_on_how_reads_are_cut() {
    let text = b"the quick brown fox jumps over the lazy dog\n".repeat(50);
    for chunk in [1, 7, 1024] {
        let (_, out) = echo_in_memory(&text, chunk);
        assert_bytes_eq(
            &out,
            &text.to_ascii_uppercase(),
            &format!("reads of {chunk} bytes gave a different echo"),
        );
    }
}

#[test]
fn short_writes_are_completed() {
    // The fake accepts 3 bytes per write: a bare `write` would lose the rest.
    let (_, out) = echo_in_memory(b"abcdefghij", 1024);
    assert_bytes_eq(
        &out,
        b"ABCDEFGHIJ",
        "use write_all: a write may take only part of the data",
    );
}

#[test]
fn non_ascii_bytes_pass_through_unchanged() {
    let (_, out) = echo_in_memory("grüß dich\n".as_bytes(), 1024);
    assert_eq!(
        String::from_utf8_lossy(&out),
        "GRüß DICH\n",
        "only ASCII letters change (like Python's bytes.upper())"
    );
}

#[test]
fn an_empty_stream_echoes_nothing() {
    let (n, out) = echo_in_memory(b"", 1024);
    assert_eq!(
        (n, out.len()),
        (0, 0),
        "a peer that closes at once gets nothing back"
    );
}

#[test]
fn works_over_a_real_tcp_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (conn, _) = listener.accept().unwrap();
    let server = std::thread::spawn(move || echo_upper(conn));
    let mut c = Conversation::new(client, HELP);
    c.send(b"over tcp");
    let first = c
        .read_exact(8)
        .unwrap_or_else(|e| panic!("no echo of 8 bytes while the connection stays open: {e}"));
    assert_bytes_eq(
        &first,
        b"OVER TCP",
        "the echo should arrive before we close",
    );
    c.send(b" again");
    c.finish_sending(); // "no more from me"
    let rest = c
        .read_to_end()
        .expect("the handler should close after our end of stream");
    assert_bytes_eq(
        &rest,
        b" AGAIN",
        "the rest of the echo, after our end of stream",
    );
    let n = server
        .join()
        .unwrap()
        .expect("echo_upper failed on a TCP stream");
    assert_eq!(n, 14, "14 bytes were echoed in all");
}

#[test]
fn a_slow_network_gets_each_echo_before_it_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay = Relay::start(
        listener.local_addr().unwrap(),
        Fault::Delay(Duration::from_millis(50)),
    );
    let client = TcpStream::connect(relay.addr).unwrap();
    let (conn, _) = listener.accept().unwrap();
    let server = std::thread::spawn(move || echo_upper(conn));
    let mut c = Conversation::new(client, HELP);
    for word in [&b"slow "[..], b"network\n"] {
        c.send(word);
        let echo = c.read_exact(word.len()).unwrap_or_else(|e| {
            panic!(
                "{}: no echo of {:?} while the connection stays open ({e}): echo each piece as it arrives",
                relay.describe(),
                grading::escape(word)
            )
        });
        assert_bytes_eq(&echo, &word.to_ascii_uppercase(), &relay.describe());
    }
    c.finish_sending();
    assert_bytes_eq(
        &c.read_to_end()
            .expect("the handler should close after our end of stream"),
        b"",
        "nothing after the echo",
    );
    let n = server
        .join()
        .unwrap()
        .expect("echo_upper failed on a TCP stream");
    assert_eq!(n, 13, "13 bytes were echoed in all");
}
