//! lesson10-sniff watches a lesson 3 session on loopback; tcpdump reads its pcap file
//! and counts the same packets; its SVG is well-formed XML with an arrow per packet.
#![cfg(target_os = "linux")] // the tools are Linux-only: elsewhere they only say so

mod common;

use common::servers::Background;
use common::sniffer::Sniffer;
use common::{can_use_raw_sockets, output};
use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

const SNIFF: &str = env!("CARGO_BIN_EXE_lesson10-sniff");

/// A lesson 3 session by hand: greeting, one name, `exit`, close.
fn session(addr: SocketAddr, name: &str) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "Welcome!\n");
    (&stream).write_all(format!("{name}\n").as_bytes()).unwrap();
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, format!("Hello, {name}!\n"));
    (&stream).write_all(b"exit\n").unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap(); // the server closes: its FIN
    assert!(rest.is_empty());
}

/// The text after the timestamp, up to and including `Flags [..]`.
fn head(line: &str) -> &str {
    let line = line.split_once(' ').unwrap().1;
    &line[..line.find(']').map_or(line.len(), |i| i + 1)]
}

#[test]
fn captures_a_lesson3_session_that_tcpdump_reads_back_and_draws_it() {
    if !can_use_raw_sockets("the sniffer test") {
        return;
    }
    let server = Background::lesson03();
    let port = server.addr.port();
    let dir = std::env::temp_dir().join(format!("lesson10-sniff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pcap, svg) = (dir.join("session.pcap"), dir.join("session.svg"));
    let sniffer = Sniffer::start(
        SNIFF,
        &[
            "--port",
            &port.to_string(),
            "--duration",
            "60",
            "--write",
            pcap.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    let name = format!("Tracy{}", std::process::id() % 1000);
    session(server.addr, &name);
    // Both FINs, then the ACK of the second: the whole session has been seen.
    let lines = sniffer.lines_until(|seen| {
        let fins: Vec<usize> = (0..seen.len())
            .filter(|&i| seen[i].contains("Flags [F"))
            .collect();
        fins.len() == 2 && seen[fins[1] + 1..].iter().any(|l| l.contains("Flags [.]"))
    });
    let (code, rest) = sniffer.interrupt();
    assert_eq!(code, 0, "Ctrl-C ends the capture cleanly");
    assert!(rest.is_empty(), "nothing else on this port: {rest:#?}");

    let client = format!("127.0.0.1.{}", {
        let first = head(&lines[0]);
        first
            .split(' ')
            .nth(1)
            .unwrap()
            .rsplit('.')
            .next()
            .unwrap()
            .to_string()
    });
    let srv = format!("127.0.0.1.{port}");
    let to_server = format!("IP {client} > {srv}:");
    let to_client = format!("IP {srv} > {client}:");
    // The handshake.
    assert_eq!(
        head(&lines[0]),
        format!("{to_server} Flags [S]"),
        "{lines:#?}"
    );
    assert_eq!(
        head(&lines[1]),
        format!("{to_client} Flags [S.]"),
        "{lines:#?}"
    );
    assert_eq!(
        head(&lines[2]),
        format!("{to_server} Flags [.]"),
        "{lines:#?}"
    );
    // The data, in order: Welcome!\n (9), NAME\n, Hello, NAME!\n, exit\n (5).
    let data: Vec<(bool, usize)> = lines
        .iter()
        .filter_map(|l| {
            let len: usize = l.rsplit("length ").next()?.parse().ok()?;
            (len > 0).then(|| (l.contains(&to_client), len))
        })
        .collect();
    assert_eq!(
        data,
        [
            (true, 9),
            (false, name.len() + 1),
            (true, name.len() + 9),
            (false, 5)
        ],
        "{lines:#?}"
    );
    // The close: the client's FIN, the server's FIN, the last ACK.
    let fins: Vec<&String> = lines.iter().filter(|l| l.contains("Flags [F")).collect();
    assert!(
        fins[0].contains(&to_server) || fins[1].contains(&to_server),
        "{lines:#?}"
    );
    assert!(lines.last().unwrap().contains("Flags [.]"), "{lines:#?}");

    // tcpdump reads the file and sees the same packets, in the same order.
    if let Some(tcpdump) = shared::testing::tool("tcpdump") {
        let (code, stdout, stderr) =
            output(Command::new(tcpdump).args(["-nn", "-r", pcap.to_str().unwrap()]));
        assert_eq!(code, 0, "{stderr}");
        let theirs: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            theirs.len(),
            lines.len(),
            "tcpdump: {stdout}\nours: {lines:#?}"
        );
        for (ours, theirs) in lines.iter().zip(&theirs) {
            assert_eq!(head(ours), head(theirs));
            assert_eq!(
                ours.rsplit("length ").next(),
                theirs.rsplit("length ").next()
            );
        }
    }

    // The picture: XML that Python's parser accepts, one arrow group per packet.
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(
        picture.matches(r#"<g class="packet">"#).count(),
        lines.len()
    );
    assert!(picture.contains("Welcome!\\n"), "the greeting is labelled");
    if let Some(python) = shared::testing::tool("python3") {
        let script = "import sys, xml.etree.ElementTree as E\n\
            root = E.parse(sys.argv[1]).getroot()\n\
            ns = '{http://www.w3.org/2000/svg}'\n\
            print(sum(1 for g in root.iter(ns + 'g') if g.get('class') == 'packet' and g.find(ns + 'line') is not None))";
        let (code, stdout, stderr) =
            output(Command::new(python).args(["-c", script, svg.to_str().unwrap()]));
        assert_eq!(code, 0, "not well-formed XML: {stderr}");
        assert_eq!(stdout.trim(), lines.len().to_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_count_stops_the_capture_with_complete_files() {
    if !can_use_raw_sockets("the sniffer test") {
        return;
    }
    let server = Background::lesson03();
    let dir = std::env::temp_dir().join(format!("lesson10-sniff-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("three.pcap");
    let svg = dir.join("three.svg");
    let port = server.addr.port().to_string();
    let mut sniffer = Sniffer::start(
        SNIFF,
        &[
            "--port",
            &port,
            "-c",
            "3",
            "--duration",
            "60",
            "--write",
            pcap.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    session(server.addr, "Sarah");
    let lines = sniffer.lines_until(|seen| seen.len() == 3);
    assert!(
        lines[0].contains("Flags [S]"),
        "the handshake comes first: {lines:#?}"
    );
    let status = sniffer.child.wait().unwrap();
    assert!(status.success());
    // The reader thread sees the end of the output once the sniffer has exited.
    let after: Vec<String> = sniffer.lines.iter().collect();
    assert!(after.is_empty(), "-c 3 means three: {after:#?}");
    let bytes = std::fs::read(&pcap).unwrap();
    let mut records = 0;
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let len = u32::from_ne_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + len;
        records += 1;
    }
    assert_eq!((records, at), (3, bytes.len()), "three whole records");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(picture.matches(r#"<g class="packet">"#).count(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ipv6_echoes_print_as_tcpdump_prints_them() {
    // In a namespace of its own: no other program's ICMP on this `lo`.
    if !common::can_make_namespaces("the ICMPv6 sniffer test") {
        return;
    }
    let scratch = common::netns::Scratch::new();
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        common::note("no IPv6 loopback here; skipping");
        return;
    }
    let dir = std::env::temp_dir().join(format!("lesson10-sniff-6-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("six.pcap");
    let mut sniffer = Sniffer::start(
        "ip",
        &scratch.exec_args(
            SNIFF,
            &[
                "--proto",
                "icmp",
                "-c",
                "4",
                "--duration",
                "60",
                "--write",
                pcap.to_str().unwrap(),
            ],
        ),
    );
    let ping = env!("CARGO_BIN_EXE_lesson10-ping");
    let (code, stdout, stderr) =
        output(Command::new("ip").args(scratch.exec_args(ping, &["-c", "2", "-i", "0.2", "::1"])));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines = sniffer.lines_until(|seen| seen.len() == 4);
    assert!(sniffer.child.wait().unwrap().success());
    let what: Vec<String> = lines
        .iter()
        .map(|l| {
            let text = l.split_once(' ').unwrap().1;
            let (before, after) = text.split_once(", id ").unwrap();
            let seq = after.split(", ").nth(1).unwrap();
            format!("{before}, {seq}")
        })
        .collect();
    assert_eq!(
        what,
        [
            "IP6 ::1 > ::1: ICMP6, echo request, seq 1",
            "IP6 ::1 > ::1: ICMP6, echo reply, seq 1",
            "IP6 ::1 > ::1: ICMP6, echo request, seq 2",
            "IP6 ::1 > ::1: ICMP6, echo reply, seq 2",
        ],
        "{lines:#?}"
    );
    if let Some(tcpdump) = shared::testing::tool("tcpdump") {
        let (code, stdout, stderr) =
            output(Command::new(tcpdump).args(["-nn", "-r", pcap.to_str().unwrap()]));
        assert_eq!(code, 0, "{stderr}");
        let theirs: Vec<&str> = stdout
            .lines()
            .map(|l| l.split_once(' ').unwrap().1)
            .collect();
        let ours: Vec<&str> = lines.iter().map(|l| l.split_once(' ').unwrap().1).collect();
        assert_eq!(ours, theirs, "the same lines as tcpdump's");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_duration_ends_a_quiet_capture_with_complete_empty_files() {
    if !can_use_raw_sockets("the sniffer test") {
        return;
    }
    // A port nobody uses now: bound and kept, so no one else gets it meanwhile.
    let quiet = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = quiet.local_addr().unwrap().port().to_string();
    let dir = std::env::temp_dir().join(format!("lesson10-sniff-d-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pcap, svg) = (dir.join("quiet.pcap"), dir.join("quiet.svg"));
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = output(Command::new(SNIFF).args([
        "--port",
        &port,
        "--duration",
        "1",
        "--write",
        pcap.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(stdout, "", "no packet on that port");
    assert!(stderr.ends_with("0 packets captured\n"), "{stderr}");
    assert_eq!(
        std::fs::read(&pcap).unwrap().len(),
        24,
        "just the file header"
    );
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg") && picture.ends_with("</svg>\n"));
    assert_eq!(picture.matches(r#"<g class="packet">"#).count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
