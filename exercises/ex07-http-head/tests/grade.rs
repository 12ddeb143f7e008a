//! Grader for exercise 7. Run: cargo test -p ex07-http-head

use ex07_http_head::{get_request, parse_head, Head, HeadError};
use grading::{assert_bytes_eq, escape};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("the request should be text")
}

#[test]
fn the_request_line_and_headers() {
    let request = text(get_request("www.sina.com.cn", "/"));
    assert!(
        request.starts_with("GET / HTTP/1.1\r\n"),
        "the first line is `GET PATH HTTP/1.1` and CRLF, got {request:?}"
    );
    assert!(
        request.contains("\r\nHost: www.sina.com.cn\r\n"),
        "a Host header is required in HTTP/1.1: {request:?}"
    );
    assert!(
        request.contains("\r\nConnection: close\r\n"),
        "ask the server to close after answering: {request:?}"
    );
    assert!(
        request.ends_with("\r\n\r\n"),
        "an empty line ends the head: {request:?}"
    );
    assert_eq!(
        request.matches("\r\n\r\n").count(),
        1,
        "exactly one empty line, at the end: {request:?}"
    );
    assert!(
        !request.replace("\r\n", "").contains('\n'),
        "every line ends with \\r\\n, not a bare \\n: {request:?}"
    );
}

#[test]
fn the_path_goes_into_the_request_line() {
    let request = text(get_request("127.0.0.1:8080", "/a/b?q=1"));
    assert!(
        request.starts_with("GET /a/b?q=1 HTTP/1.1\r\n"),
        "{request:?}"
    );
    assert!(
        request.contains("\r\nHost: 127.0.0.1:8080\r\n"),
        "{request:?}"
    );
}

fn parsed(bytes: &[u8]) -> (Head, usize) {
    parse_head(bytes).unwrap_or_else(|e| {
        panic!(
            "{:?} should parse, got {e:?}",
            String::from_utf8_lossy(bytes)
        )
    })
}

#[test]
fn parses_the_status_line_and_headers() {
    let bytes = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length:  9 \r\n\r\nnot here!";
    let (head, len) = parsed(bytes);
    assert_eq!(
        (head.version.as_str(), head.status, head.reason.as_str()),
        ("HTTP/1.1", 404, "Not Found")
    );
    assert_eq!(
        head.headers,
        vec![
            ("Content-Type".to_string(), "text/html".to_string()),
            ("Content-Length".to_string(), "9".to_string())
        ],
        "headers in order, names as sent, values trimmed"
    );
    assert_bytes_eq(
        &bytes[len..],
        b"not here!",
        "the returned length must point at the start of the body",
    );
}

#[test]
fn header_names_are_case_insensitive() {
    let (head, _) =
        parsed(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nX-Thing: a\r\nx-thing: b\r\n\r\n");
    assert_eq!(
        head.header("Content-Length"),
        Some("5"),
        "`content-length` was sent; `Content-Length` was asked"
    );
    assert_eq!(head.header("CONTENT-LENGTH"), Some("5"));
    assert_eq!(
        head.header("X-THING"),
        Some("a"),
        "the first of two headers with the same name"
    );
    assert_eq!(head.header("Location"), None, "a missing header is None");
}

#[test]
fn a_head_without_its_empty_line_is_incomplete() {
    assert_eq!(
        parse_head(b"HTTP/1.1 200 OK\r\nContent-Le"),
        Err(HeadError::Incomplete),
        "the head goes on: read more"
    );
    assert_eq!(
        parse_head(b""),
        Err(HeadError::Incomplete),
        "nothing yet: read more"
    );
}

#[test]
fn garbage_is_a_bad_status_line() {
    match parse_head(b"SSH-2.0-OpenSSH_9.6\r\n\r\n") {
        Err(HeadError::BadStatusLine(line)) => {
            assert_eq!(line, "SSH-2.0-OpenSSH_9.6", "hold the offending line")
        }
        other => panic!("an SSH banner is not HTTP: expected BadStatusLine, got {other:?}"),
    }
    for bad in [
        &b"HTTP/1.1 OK\r\n\r\n"[..],
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
    ] {
        assert!(
            matches!(parse_head(bad), Err(HeadError::BadStatusLine(_))),
            "{:?} must be a BadStatusLine",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn a_header_without_a_colon_is_bad() {
    assert_eq!(
        parse_head(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"),
        Err(HeadError::BadHeader("no colon here".to_string()))
    );
}

#[test]
fn a_real_exchange_over_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    const RESPONSE: [&[u8]; 2] = [b"HTTP/1.1 200 OK\r\nContent-Le", b"ngth: 5\r\n\r\nhello"];
    // The grader's server: reads the request head, answers in two pieces (as networks
    // do), and says what went wrong in words.
    let server = std::thread::spawn(move || -> Result<Vec<u8>, String> {
        let (mut conn, _) = listener.accept().map_err(|e| e.to_string())?;
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 512];
        while !request.ends_with(b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) => return Err(format!("the client closed before ending its request with an empty line; it sent \"{}\"", escape(&request))),
                Ok(n) => request.extend_from_slice(&buf[..n]),
                Err(_) => return Err(format!("no empty line (\\r\\n\\r\\n) ended the request within 10 s; it sent \"{}\"", escape(&request))),
            }
        }
        for piece in RESPONSE {
            conn.write_all(piece).map_err(|e| e.to_string())?;
        }
        Ok(request)
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    client
        .write_all(&get_request(&addr.to_string(), "/index.html"))
        .unwrap();
    let mut response = Vec::new();
    let _ = client.read_to_end(&mut response);
    let by_hand =
        "compare: `curl -v http://127.0.0.1:8080/index.html` prints the request curl sends \
                   (lines starting with >) to any server, e.g. `python3 -m http.server 8080`; \
                   read: book/src/lesson04.md, \"The code\"";
    let request = match server.join().unwrap() {
        Ok(request) => request,
        Err(problem) => panic!("the grader's server: {problem}\n{by_hand}"),
    };
    assert!(
        request.starts_with(b"GET /index.html HTTP/1.1\r\n"),
        "the server received \"{}\"\n{by_hand}",
        escape(&request)
    );
    let (head, len) = parsed(&response);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("5"));
    assert_bytes_eq(
        &response[len..],
        b"hello",
        "the body starts where the head ends",
    );
}
