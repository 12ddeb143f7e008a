//! Grader for exercise 5. Run: cargo test -p ex05-length-prefix

use ex05_length_prefix::{read_frame, write_frame, FrameError};
use grading::assert_bytes_eq;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    write_frame(&mut wire, payload).expect("writing to a Vec cannot fail");
    wire
}

#[test]
fn the_header_is_a_big_endian_length() {
    assert_bytes_eq(
        &frame(b"hello"),
        b"\x00\x00\x00\x05hello",
        "4 bytes of length, most significant first, then the payload",
    );
    assert_bytes_eq(
        &frame(b""),
        b"\x00\x00\x00\x00",
        "an empty payload is a valid frame: just the header",
    );
    assert_bytes_eq(&frame(&[7; 300])[..4], &[0, 0, 1, 44], "300 = 0x0000012C");
}

#[test]
fn frames_round_trip_and_a_clean_end_is_none() {
    let mut wire = frame(b"first");
    wire.extend(frame(b""));
    wire.extend(frame(b"third"));
    let mut input = &wire[..];
    for expected in [&b"first"[..], b"", b"third"] {
        let got = read_frame(&mut input, 100)
            .expect("a valid frame")
            .expect("a frame, not the end");
        assert_bytes_eq(&got, expected, "frames must come out as they went in");
    }
    assert!(
        read_frame(&mut input, 100).expect("a clean end").is_none(),
        "the stream ended between frames: Ok(None)"
    );
}

/// Hands out its bytes one at a time, as a slow network might.
struct OneByOne<'a>(&'a [u8]);

impl Read for OneByOne<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

#[test]
fn one_byte_per_read_is_enough() {
    let wire = frame(b"patience");
    let got = read_frame(&mut OneByOne(&wire), 100)
        .expect("valid")
        .expect("a frame");
    assert_bytes_eq(
        &got,
        b"patience",
        "the header and payload may arrive one byte per read",
    );
}

#[test]
fn ending_inside_the_header_is_truncation() {
    match read_frame(&mut OneByOne(&[0, 0]), 100) {
        Err(FrameError::Truncated { expected: 4, received: 2 }) => {}
        other => panic!("2 of 4 header bytes then the end: expected Truncated {{ expected: 4, received: 2 }}, got {other:?}"),
    }
}

#[test]
fn ending_inside_the_payload_is_truncation() {
    match read_frame(&mut &b"\x00\x00\x00\x05hi"[..], 100) {
        Err(FrameError::Truncated { expected: 5, received: 2 }) => {}
        other => panic!("a 5-byte frame cut after 2: expected Truncated {{ expected: 5, received: 2 }}, got {other:?}"),
    }
}

/// Gives the header, then fails the test if anyone reads further.
struct HeaderOnly([u8; 4], usize);

impl Read for HeaderOnly {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(
            self.1 < 4,
            "the payload was read although the header already said it is too large"
        );
        let n = buf.len().min(4 - self.1);
        buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
        self.1 += n;
        Ok(n)
    }
}

#[test]
fn an_oversize_frame_is_refused_from_its_header_alone() {
    match read_frame(&mut HeaderOnly([0xff, 0xff, 0xff, 0xff], 0), 1 << 20) {
        Err(FrameError::TooLarge { len, max }) => {
            assert_eq!(
                (len, max),
                (u32::MAX, 1 << 20),
                "report the announced length and the limit"
            );
        }
        other => panic!("a 4 GiB header with max 1 MiB must be TooLarge, got {other:?}"),
    }
    match read_frame(&mut &b"\x00\x00\x00\x0bhello world"[..], 10) {
        Err(FrameError::TooLarge { len: 11, max: 10 }) => {}
        other => panic!("11 bytes with max 10 must be TooLarge, got {other:?}"),
    }
}

#[test]
fn a_frame_of_exactly_max_bytes_is_accepted() {
    let got = read_frame(&mut &frame(&[1; 10])[..], 10)
        .expect("valid")
        .expect("a frame");
    assert_eq!(got.len(), 10);
}

#[test]
fn write_frame_sends_everything_even_through_short_writes() {
    struct Slow(Vec<u8>);
    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(2);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut out = Slow(Vec::new());
    write_frame(&mut out, b"abcdef").expect("write_frame failed");
    assert_bytes_eq(
        &out.0,
        b"\x00\x00\x00\x06abcdef",
        "each write takes 2 bytes here: use write_all",
    );
}

#[test]
fn frames_cross_a_real_tcp_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    server
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let payloads: Vec<Vec<u8>> = (0..50).map(|i| vec![i as u8; i * 37]).collect();
    let sent = payloads.clone();
    let writer = std::thread::spawn(move || {
        for p in &sent {
            write_frame(&mut client, p).unwrap();
        }
    });
    for expected in &payloads {
        let got = read_frame(&mut server, 4096)
            .expect("valid frame")
            .expect("a frame");
        assert_bytes_eq(&got, expected, "frames must come out as they went in");
    }
    writer.join().unwrap();
    assert!(
        read_frame(&mut server, 4096).expect("clean end").is_none(),
        "the writer closed: Ok(None)"
    );
}
