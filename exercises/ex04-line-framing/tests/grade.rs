//! Grader for exercise 4. Run: cargo test -p ex04-line-framing

use ex04_line_framing::{LineError, LineReader};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Hands out `data` in reads of the sizes in `sizes` (cycling), and records the
/// largest buffer it was offered and how many bytes were taken in all.
struct Trickle {
    data: Vec<u8>,
    sizes: Vec<usize>,
    calls: usize,
    largest_request: usize,
    taken: usize,
}

impl Trickle {
    fn new(data: &[u8], sizes: &[usize]) -> Trickle {
        Trickle {
            data: data.to_vec(),
            sizes: sizes.to_vec(),
            calls: 0,
            largest_request: 0,
            taken: 0,
        }
    }
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.largest_request = self.largest_request.max(buf.len());
        let size = self.sizes[self.calls % self.sizes.len()];
        self.calls += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.taken);
        buf[..n].copy_from_slice(&self.data[self.taken..self.taken + n]);
        self.taken += n;
        Ok(n)
    }
}

fn all_lines(reader: &mut LineReader<impl Read>) -> Vec<String> {
    let mut lines = Vec::new();
    for _ in 0..1000 {
        match reader.read_line() {
            Ok(Some(line)) => lines.push(String::from_utf8(line).expect("test lines are UTF-8")),
            Ok(None) => return lines,
            Err(LineError::TooLong { limit }) => {
                panic!("a line was refused as too long (limit {limit}) after {lines:?}")
            }
            Err(LineError::Io(e)) => panic!("read_line failed: {e}"),
        }
    }
    panic!("read_line never returned Ok(None) at the end of the stream");
}

#[test]
fn lines_come_out_whole_however_the_stream_is_cut() {
    let text = b"Michael\nTracy\nSarah\n";
    for sizes in [&[100][..], &[1], &[3, 5], &[7, 1, 2]] {
        let mut reader = LineReader::new(Trickle::new(text, sizes), 100);
        assert_eq!(
            all_lines(&mut reader),
            ["Michael", "Tracy", "Sarah"],
            "with reads of {sizes:?} bytes"
        );
    }
}

#[test]
fn crlf_is_stripped_and_empty_lines_are_lines() {
    let mut reader = LineReader::new(Trickle::new(b"a\r\n\nb\r\n", &[100]), 10);
    assert_eq!(
        all_lines(&mut reader),
        ["a", "", "b"],
        "\\r\\n and \\n both end a line; an empty line is a line"
    );
}

#[test]
fn a_last_line_without_newline_still_counts() {
    let mut reader = LineReader::new(Trickle::new(b"one\ntwo", &[2]), 10);
    assert_eq!(
        all_lines(&mut reader),
        ["one", "two"],
        "\"two\" ended with the stream, not a newline"
    );
}

#[test]
fn end_of_stream_is_none_and_stays_none() {
    let mut reader = LineReader::new(Trickle::new(b"x\n", &[100]), 10);
    assert_eq!(reader.read_line().unwrap(), Some(b"x".to_vec()));
    assert!(
        reader.read_line().unwrap().is_none(),
        "after the last line: None"
    );
    assert!(
        reader.read_line().unwrap().is_none(),
        "and None again if asked again"
    );
}

#[test]
fn a_line_of_exactly_the_limit_is_accepted() {
    let mut reader = LineReader::new(Trickle::new(b"12345\r\n12345\n", &[100]), 5);
    assert_eq!(
        all_lines(&mut reader),
        ["12345", "12345"],
        "the limit counts the line without its terminator"
    );
}

#[test]
fn a_line_one_byte_over_the_limit_is_refused() {
    let mut reader = LineReader::new(Trickle::new(b"123456\n", &[100]), 5);
    match reader.read_line() {
        Err(LineError::TooLong { limit }) => assert_eq!(limit, 5, "report the limit"),
        other => panic!("a 6-byte line with limit 5 must be TooLong, got {other:?}"),
    }
}

#[test]
fn an_endless_line_is_refused_without_reading_it_all() {
    let endless = vec![b'x'; 10_000_000];
    let mut trickle = Trickle::new(&endless, &[usize::MAX]);
    let result = LineReader::new(&mut trickle, 4096).read_line();
    match result {
        Err(LineError::TooLong { limit: 4096 }) => {}
        other => panic!("an endless line must be TooLong {{ limit: 4096 }}, got {other:?}"),
    }
    assert!(
        trickle.taken <= 4096 + 2,
        "you read {} bytes to refuse a line over 4096: never take more than limit + 2",
        trickle.taken
    );
    assert!(
        trickle.largest_request <= 4096 + 2,
        "you asked for {} bytes in one read: ask only for what fits under the limit",
        trickle.largest_request
    );
}

#[test]
fn read_errors_are_reported() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "reset by the test",
            ))
        }
    }
    match LineReader::new(Broken, 10).read_line() {
        Err(LineError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        other => panic!("an I/O error must come back as LineError::Io, got {other:?}"),
    }
}

#[test]
fn works_on_a_real_tcp_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_nodelay(true).unwrap();
    let (server, _) = listener.accept().unwrap();
    server
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let writer = std::thread::spawn(move || {
        for piece in [
            &b"GET / HT"[..],
            b"TP/1.1\r\nHost: x\r",
            b"\n\r\n",
            b"body without newline",
        ] {
            client.write_all(piece).unwrap();
        }
    });
    let mut reader = LineReader::new(server, 100);
    assert_eq!(
        all_lines(&mut reader),
        ["GET / HTTP/1.1", "Host: x", "", "body without newline"]
    );
    writer.join().unwrap();
}
