//! Grader for exercise 1. Run: cargo test -p ex01-addresses

use ex01_addresses::{parse, resolve, AddrError, HostPort};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

fn ok(input: &str) -> HostPort {
    match parse(input) {
        Ok(hp) => hp,
        Err(e) => panic!("parse({input:?}) should succeed, but returned the error {e:?}"),
    }
}

fn hp(host: &str, port: u16) -> HostPort {
    HostPort {
        host: host.to_string(),
        port,
    }
}

#[test]
fn parses_ipv4_and_names() {
    assert_eq!(
        ok("127.0.0.1:9999"),
        hp("127.0.0.1", 9999),
        "an IPv4 address and a port"
    );
    assert_eq!(ok("localhost:80"), hp("localhost", 80), "a name and a port");
    assert_eq!(
        ok("www.sina.com.cn:0"),
        hp("www.sina.com.cn", 0),
        "port 0 is valid (it means 'any')"
    );
    assert_eq!(ok("h:65535"), hp("h", 65535), "65535 is the largest port");
}

#[test]
fn parses_bracketed_ipv6_without_the_brackets() {
    assert_eq!(
        ok("[::1]:9999"),
        hp("::1", 9999),
        "the host is `::1`, brackets removed"
    );
    assert_eq!(ok("[fe80::1]:80"), hp("fe80::1", 80));
}

#[test]
fn each_mistake_has_its_own_error() {
    let cases = [
        (
            "localhost",
            AddrError::MissingPort("localhost".into()),
            "no ':PORT' at all",
        ),
        (
            "[::1]",
            AddrError::MissingPort("[::1]".into()),
            "brackets but no ':PORT' after them",
        ),
        (
            ":80",
            AddrError::EmptyHost(":80".into()),
            "nothing before the colon",
        ),
        (
            "[]:80",
            AddrError::EmptyHost("[]:80".into()),
            "empty brackets",
        ),
        (
            "host:http",
            AddrError::BadPort("host:http".into()),
            "a port that is not a number",
        ),
        (
            "host:65536",
            AddrError::BadPort("host:65536".into()),
            "a port over 65535",
        ),
        ("host:", AddrError::BadPort("host:".into()), "an empty port"),
        (
            "::1:80",
            AddrError::NeedsBrackets("::1:80".into()),
            "IPv6 without brackets",
        ),
    ];
    for (input, expected, why) in cases {
        assert_eq!(parse(input), Err(expected), "parse({input:?}): {why}");
    }
}

#[test]
fn literals_resolve_to_themselves() {
    let addrs = resolve(&hp("127.0.0.1", 9999)).expect("127.0.0.1 always resolves");
    let expected: SocketAddr = "127.0.0.1:9999".parse().unwrap();
    assert_eq!(
        addrs,
        vec![expected],
        "an IP literal resolves to exactly itself"
    );
    let addrs = resolve(&hp("::1", 80)).expect("::1 always resolves");
    assert_eq!(
        addrs,
        vec!["[::1]:80".parse::<SocketAddr>().unwrap()],
        "note: no brackets in HostPort.host"
    );
}

#[test]
fn a_parsed_and_resolved_address_reaches_a_real_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"hi").unwrap();
    });
    let text = format!("127.0.0.1:{port}");
    let addrs = resolve(&ok(&text)).expect("resolving a literal cannot fail");
    let mut stream = TcpStream::connect(&addrs[..])
        .unwrap_or_else(|e| panic!("connecting to {addrs:?} (from {text:?}) failed: {e}"));
    let mut got = String::new();
    stream.read_to_string(&mut got).unwrap();
    assert_eq!(got, "hi", "we should have reached the test's server");
    server.join().unwrap();
}

#[test]
fn localhost_resolves_to_a_loopback_address() {
    let addrs = resolve(&ok("localhost:8080")).expect("localhost is in every hosts file");
    assert!(
        !addrs.is_empty(),
        "localhost should have at least one address"
    );
    for addr in &addrs {
        assert!(addr.ip().is_loopback(), "{addr} is not a loopback address");
        assert_eq!(addr.port(), 8080, "the port must be kept: {addr}");
    }
}
