//! Grader for exercise 8. Run: cargo test -p ex08-chunked

use ex08_chunked::{decode_chunked, ChunkError};
use grading::assert_bytes_eq;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn decode(wire: &[u8]) -> Result<Vec<u8>, ChunkError> {
    let mut out = Vec::new();
    decode_chunked(&mut &wire[..], &mut out)?;
    Ok(out)
}

fn ok(wire: &[u8]) -> Vec<u8> {
    decode(wire).unwrap_or_else(|e| {
        panic!(
            "{:?} should decode, got {e:?}",
            String::from_utf8_lossy(wire)
        )
    })
}

#[test]
fn decodes_plain_chunks() {
    assert_bytes_eq(
        &ok(b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
        b"hello, world",
        "two chunks, then the last",
    );
    assert_bytes_eq(
        &ok(b"0\r\n\r\n"),
        b"",
        "a body of just the last chunk is empty",
    );
}

#[test]
fn sizes_are_hexadecimal() {
    let data = [b'x'; 26];
    let mut wire = b"1A\r\n".to_vec();
    wire.extend_from_slice(&data);
    wire.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(ok(&wire).len(), 26, "1A is 26 in hexadecimal");
    let mut wire = b"1a\r\n".to_vec();
    wire.extend_from_slice(&data);
    wire.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(ok(&wire).len(), 26, "lower case hex digits too");
}

#[test]
fn extensions_are_ignored_and_trailers_dropped() {
    let wire = b"5;name=value\r\nhello\r\n0;last\r\nExpires: never\r\nX-Checksum: 42\r\n\r\n";
    assert_bytes_eq(
        &ok(wire),
        b"hello",
        "`;extensions` after a size, and trailer headers, are not body",
    );
}

#[test]
fn the_length_is_returned() {
    let mut out = Vec::new();
    let n = decode_chunked(&mut &b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"[..], &mut out)
        .expect("valid body");
    assert_eq!(n, 5, "return the number of body bytes");
}

#[test]
fn stops_after_the_body_and_leaves_the_rest_unread() {
    let mut input: &[u8] = b"2\r\nhi\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
    let mut out = Vec::new();
    decode_chunked(&mut input, &mut out).expect("valid body");
    assert_bytes_eq(
        input,
        b"HTTP/1.1 200 OK\r\n",
        "bytes after the body belong to the next response: don't read them",
    );
}

#[test]
fn a_cut_body_is_truncated() {
    for wire in [
        &b"5\r\nhel"[..],
        b"5\r\nhello\r\n",
        b"5\r\nhello\r\n0\r\n",
        b"",
    ] {
        assert!(
            matches!(decode(wire), Err(ChunkError::Truncated)),
            "{:?} ends before the last chunk's empty line: Truncated",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn a_bad_size_is_reported_with_its_line() {
    match decode(b"xyz\r\nhello\r\n0\r\n\r\n") {
        Err(ChunkError::BadSize(line)) => {
            assert_eq!(line, "xyz", "hold the size line, without CRLF")
        }
        other => panic!("`xyz` is not hexadecimal: expected BadSize, got {other:?}"),
    }
    assert!(
        matches!(decode(b"\r\n"), Err(ChunkError::BadSize(_))),
        "an empty size line is bad too"
    );
}

/// What the grader's server sends, piece by piece.
const PIECES: [&[u8]; 4] = [b"4\r\nWi", b"ki\r\n5\r\npedia\r", b"\n0\r\n", b"\r\n"];

#[test]
fn works_on_a_socket_left_open_by_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        for piece in PIECES {
            conn.write_all(piece).unwrap();
        }
        // Keep the connection open until the client is done: no end of stream to rely on.
        let _ = done_rx.recv_timeout(Duration::from_secs(10));
    });
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut out = Vec::new();
    let result = decode_chunked(&mut BufReader::new(stream), &mut out);
    let _ = done_tx.send(());
    server.join().unwrap();
    match result {
        Ok(_) => assert_bytes_eq(&out, b"Wikipedia", "the body sent in pieces"),
        Err(e) => panic!(
            "decoding over a socket failed: {e:?}\nthe server sent {}, then kept the connection open: \
             the body ends at the last chunk's empty line, not at the end of the stream (did you wait for the server to close?)\n\
             by hand: `curl --raw URL` prints a chunked body as it crosses the wire\n\
             read: book/src/lesson04.md, \"Where the body ends\"",
            PIECES
                .iter()
                .map(|p| format!("\"{}\"", grading::escape(p)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}
