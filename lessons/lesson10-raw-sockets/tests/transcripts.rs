//! The sessions and pictures book/src/lesson10.md shows, recorded from real runs
//! (see `shared::testing::Transcript`; `book/regenerate-transcripts.sh` re-records).
//!
//! Most need root (raw and packet sockets): without it they are skipped with a note.
//! The sniffer's pictures of lessons 2, 3 and 5 go to `book/src/images/`.
#![cfg(target_os = "linux")]

mod common;

use common::netns::{self, Network};
use common::servers::Background;
use common::sniffer::Sniffer;
use common::{can_make_namespaces, can_use_raw_sockets, output};
use shared::testing::{book_dir, mask_numbers, run, Transcript, PATIENCE};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;

const MAIN: &str = env!("CARGO_BIN_EXE_lesson10-raw-sockets");
const PING: &str = env!("CARGO_BIN_EXE_lesson10-ping");
const TRACEROUTE: &str = env!("CARGO_BIN_EXE_lesson10-traceroute");
const RAWUDP: &str = env!("CARGO_BIN_EXE_lesson10-rawudp");
const SNIFF: &str = env!("CARGO_BIN_EXE_lesson10-sniff");

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some()
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let mut t = Transcript::new("lesson10-overview");
    t.command("cargo run -p lesson10-raw-sockets");
    t.output(&run(MAIN, &[], "").both());
    t.finish(&book);

    if !can_use_raw_sockets("the book's recordings of lesson 10") {
        return;
    }
    let mut t = Transcript::new("lesson10-ping");
    t.command("cargo run -p lesson10-raw-sockets --bin lesson10-ping -- -c 3 127.0.0.1");
    t.output(&run(PING, &["-c", "3", "127.0.0.1"], "").both());
    t.finish(&book);

    rawudp(&book);
    sniff_lesson02(&book);
    sniff_lesson03(&book);
    sniff_lesson05(&book);

    if can_make_namespaces("the book's traceroute") {
        let net = Network::build();
        let mut t = Transcript::new("lesson10-traceroute");
        t.comment("on host A of the test network: A - R1 - R2 - B");
        t.command(&format!(
            "cargo run -p lesson10-raw-sockets --bin lesson10-traceroute -- {}",
            netns::B
        ));
        let (_, stdout, stderr) = output(&mut net.command(net.a(), TRACEROUTE, &[netns::B]));
        t.output(&format!("{stdout}{stderr}"));
        t.command(&format!(
            "cargo run -p lesson10-raw-sockets --bin lesson10-ping -- -c 2 {}",
            netns::UNROUTABLE
        ));
        let (_, stdout, stderr) =
            output(&mut net.command(net.a(), PING, &["-c", "2", netns::UNROUTABLE]));
        t.output(&format!("{stdout}{stderr}"));
        t.finish(&book);
    }
}

/// rawudp against lesson 5's server on its usual port, from a fixed source port, so
/// the hex dump (ports and checksums) is the same in every run.
fn rawudp(book: &Path) {
    let Ok(probe) = UdpSocket::bind("127.0.0.1:9999") else {
        common::note("UDP port 9999 is busy; not recording the rawudp transcript");
        return;
    };
    drop(probe);
    if UdpSocket::bind("0.0.0.0:30001").is_err() {
        common::note("UDP port 30001 is busy; not recording the rawudp transcript");
        return;
    }
    let server = Background::lesson05_on("127.0.0.1:9999");
    let mut t = Transcript::new("lesson10-rawudp");
    t.show_port(9999, 9999);
    t.show_port(30001, 30001);
    t.comment("lesson 5's server is running: cargo run -p lesson05-udp-pair");
    t.command(
        "cargo run -p lesson10-raw-sockets --bin lesson10-rawudp -- --source-port 30001 Michael",
    );
    t.output(&run(RAWUDP, &["--source-port", "30001", "Michael"], "").both());
    t.command("cargo run -p lesson10-raw-sockets --bin lesson10-rawudp -- --source-port 30001 --bad-checksum --retries 0 Michael");
    t.output(
        &run(
            RAWUDP,
            &[
                "--source-port",
                "30001",
                "--bad-checksum",
                "--retries",
                "0",
                "Michael",
            ],
            "",
        )
        .both(),
    );
    t.finish(book);
    drop(server);
}

/// Replaces `.PORT` and `:PORT` (followed by a non-digit) by the shown port.
fn renumber(text: &str, ports: &[(u16, u16)]) -> String {
    let mut text = text.to_string();
    for (real, shown) in ports {
        for sep in ['.', ':'] {
            let from = format!("{sep}{real}");
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(at) = rest.find(&from) {
                let after = &rest[at + from.len()..];
                out.push_str(&rest[..at]);
                if after.starts_with(|c: char| c.is_ascii_digit()) {
                    out.push_str(&from);
                } else {
                    out.push_str(&format!("{sep}{shown}"));
                }
                rest = after;
            }
            out.push_str(rest);
            text = out;
        }
    }
    text
}

/// The client's port in the first line of a capture (`IP 127.0.0.1.PORT > ...`).
fn client_port(first: &str) -> u16 {
    let from = first.split_whitespace().nth(2).unwrap();
    from.rsplit('.').next().unwrap().parse().unwrap()
}

/// Records (or checks) a capture's transcript and its picture.
///
/// How many bare ACKs TCP sends depends on timing (an ACK may ride on the next data
/// segment instead), so the check ignores lines that are only an ACK.
fn capture(
    book: &Path,
    name: &str,
    command: &str,
    lines: &[String],
    svg: &str,
    ports: &[(u16, u16)],
) {
    let mut text = format!(
        "$ {command}\nlistening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
    );
    for line in lines {
        text.push_str(&renumber(line, ports));
        text.push('\n');
    }
    text.push_str(&format!("^C\n{} packets captured\n", lines.len()));
    let transcript = book.join(format!("src/transcripts/{name}.txt"));
    let image = book.join(format!("src/images/{name}.svg"));
    if blessing() {
        std::fs::write(&transcript, &text).unwrap();
        std::fs::write(&image, renumber(svg, ports)).unwrap();
        return;
    }
    let significant = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.contains("Flags [.]"))
            .map(mask_numbers)
            .collect()
    };
    let stored = std::fs::read_to_string(&transcript).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run book/regenerate-transcripts.sh",
            transcript.display()
        )
    });
    assert_eq!(
        significant(&stored),
        significant(&text),
        "{} no longer matches a real capture; run book/regenerate-transcripts.sh\nnow:\n{text}",
        transcript.display()
    );
    let picture = std::fs::read_to_string(&image).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run book/regenerate-transcripts.sh",
            image.display()
        )
    });
    let stored_packets = stored.lines().filter(|l| l.contains(" IP ")).count();
    assert_eq!(
        picture.matches(r#"<g class="packet">"#).count(),
        stored_packets,
        "{} and {} disagree; run book/regenerate-transcripts.sh",
        image.display(),
        transcript.display()
    );
}

/// Starts the sniffer on `port`, drawing into a temporary SVG.
fn sniffer(port: u16, svg: &Path) -> Sniffer {
    Sniffer::start(
        SNIFF,
        &[
            "--port",
            &port.to_string(),
            "--duration",
            "60",
            "--svg",
            svg.to_str().unwrap(),
        ],
    )
}

/// Both FINs, then an ACK after the second: the TCP connection is over.
fn closed(seen: &[String]) -> bool {
    let fins: Vec<usize> = (0..seen.len())
        .filter(|&i| seen[i].contains("Flags [F"))
        .collect();
    fins.len() == 2 && seen[fins[1] + 1..].iter().any(|l| l.contains("Flags [.]"))
}

fn temp_svg(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{name}-{}.svg", std::process::id()))
}

fn sniff_lesson02(book: &Path) {
    let server = Background::lesson02();
    let svg = temp_svg("lesson10-lesson02");
    let s = sniffer(server.addr.port(), &svg);
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    (&stream).write_all(b"hello, world\n").unwrap();
    let mut reply = [0u8; 13];
    (&stream).read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HELLO, WORLD\n");
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    (&stream).read_to_end(&mut rest).unwrap();
    drop(stream);
    let lines = s.lines_until(closed);
    let (code, _) = s.interrupt();
    assert_eq!(code, 0);
    let picture = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    let ports = [(server.addr.port(), 8080), (client_port(&lines[0]), 50001)];
    capture(
        book,
        "lesson10-lesson02",
        "cargo run -p lesson10-raw-sockets --bin lesson10-sniff -- --port 8080 --svg lesson02.svg",
        &lines,
        &picture,
        &ports,
    );
}

fn sniff_lesson03(book: &Path) {
    let server = Background::lesson03();
    let svg = temp_svg("lesson10-lesson03");
    let s = sniffer(server.addr.port(), &svg);
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    (&stream).write_all(b"Michael\n").unwrap();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "Welcome!\nHello, Michael!\n");
    (&stream).write_all(b"exit\n").unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    drop((reader, stream));
    let lines = s.lines_until(closed);
    let (code, _) = s.interrupt();
    assert_eq!(code, 0);
    let picture = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    let ports = [(server.addr.port(), 9999), (client_port(&lines[0]), 50001)];
    capture(
        book,
        "lesson10-lesson03",
        "cargo run -p lesson10-raw-sockets --bin lesson10-sniff -- --port 9999 --svg lesson03.svg",
        &lines,
        &picture,
        &ports,
    );
}

fn sniff_lesson05(book: &Path) {
    let server = Background::lesson05();
    let svg = temp_svg("lesson10-lesson05");
    let s = sniffer(server.addr.port(), &svg);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    for name in ["Michael", "Tracy", "Sarah"] {
        client.send_to(name.as_bytes(), server.addr).unwrap();
        let mut buf = [0u8; 64];
        let (n, from): (usize, SocketAddr) = client.recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (format!("Hello, {name}!").as_bytes(), server.addr)
        );
    }
    let lines = s.lines_until(|seen| seen.len() == 6);
    let (code, _) = s.interrupt();
    assert_eq!(code, 0);
    let picture = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    let ports = [
        (server.addr.port(), 9999),
        (client.local_addr().unwrap().port(), 50001),
    ];
    capture(
        book,
        "lesson10-lesson05",
        "cargo run -p lesson10-raw-sockets --bin lesson10-sniff -- --port 9999 --svg lesson05.svg",
        &lines,
        &picture,
        &ports,
    );
}
