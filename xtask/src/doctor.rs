//! `cargo xtask doctor`: what this machine has, and therefore which lessons, tests
//! and exercises will run, skip, or need something first. Checks only; changes nothing.

use crate::meta::Exercise;
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Stdio};

/// One check's verdict.
enum Verdict {
    /// Present / allowed.
    Ok(String),
    /// Missing: what it affects and how to get it.
    Missing(String),
}

/// Runs `program args` quietly; its first output line if it ran at all.
fn probe(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    )
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn rust() -> Verdict {
    let Some(version) = probe("rustc", &["--version"]) else {
        return Verdict::Missing(
            "rustc not found: install Rust with rustup (https://rustup.rs)".into(),
        );
    };
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) if m >= 88 => Verdict::Ok(version),
        _ => Verdict::Missing(format!(
            "{version}: the course needs Rust 1.88 or newer (rustup update stable)"
        )),
    }
}

fn tool(name: &str, args: &[&str], needed_by: &str, install: &str) -> Verdict {
    match probe(name, args) {
        Some(v) => Verdict::Ok(if v.is_empty() { name.to_string() } else { v }),
        None => Verdict::Missing(format!(
            "{name} not found: {needed_by} skip (with a note) without it; install: {install}"
        )),
    }
}

fn python_module(module: &str, needed_by: &str) -> Verdict {
    if succeeds("python3", &["-c", &format!("import {module}")]) {
        Verdict::Ok(format!("python3 can import {module}"))
    } else {
        Verdict::Missing(format!(
            "python3 cannot import {module}: {needed_by} skip; install: pip install {module} (CI puts it in a venv)"
        ))
    }
}

fn ping_sockets() -> Verdict {
    if !cfg!(target_os = "linux") {
        return Verdict::Ok("not Linux: ping sockets follow the system's own rules".into());
    }
    let Ok(range) = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range") else {
        return Verdict::Missing("cannot read /proc/sys/net/ipv4/ping_group_range".into());
    };
    let bounds: Vec<u64> = range
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let gid = probe("id", &["-g"]).and_then(|g| g.parse::<u64>().ok());
    match (bounds.as_slice(), gid) {
        ([low, high], Some(gid)) if (*low..=*high).contains(&gid) => Verdict::Ok(format!(
            "net.ipv4.ping_group_range = {low} {high} includes your group {gid}"
        )),
        _ => Verdict::Missing(format!(
            "net.ipv4.ping_group_range = \"{}\": unprivileged ping sockets are not allowed for your group; lesson 10's ping without root needs `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`",
            range.split_whitespace().collect::<Vec<_>>().join(" ")
        )),
    }
}

fn raw_sockets() -> Verdict {
    use socket2::{Domain, Protocol, Socket, Type};
    match Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)) {
        Ok(_) => Verdict::Ok("raw sockets can be opened (root or CAP_NET_RAW)".into()),
        Err(e) => Verdict::Missing(format!(
            "raw sockets: {e}; lesson 10's raw-socket parts and their tests need root or CAP_NET_RAW (sudo, or setcap cap_net_raw+ep on the binary)"
        )),
    }
}

fn namespaces() -> Verdict {
    if !cfg!(target_os = "linux") {
        return Verdict::Missing(
            "network namespaces exist only on Linux: tests that build a private network skip"
                .into(),
        );
    }
    if succeeds("unshare", &["--net", "true"]) {
        Verdict::Ok("network namespaces can be created (unshare --net)".into())
    } else {
        Verdict::Missing("cannot create a network namespace (needs root or CAP_SYS_ADMIN, and `unshare` from util-linux): tests that build a private network skip".into())
    }
}

fn ports() -> Vec<Verdict> {
    let tcp = [
        ("127.0.0.1:8080", "lesson 2's server"),
        ("127.0.0.1:9999", "lessons 3, 6 and 7's servers"),
        ("127.0.0.1:2525", "lesson 9's SMTP server"),
        ("127.0.0.1:1100", "lesson 9's POP3 server"),
        ("127.0.0.1:1143", "lesson 9's IMAP server"),
    ];
    let mut verdicts: Vec<Verdict> = tcp
        .iter()
        .map(|(addr, who)| match TcpListener::bind(addr) {
            Ok(_) => Verdict::Ok(format!("TCP {addr} is free ({who})")),
            Err(e) => Verdict::Missing(format!(
                "TCP {addr} is taken ({e}): give {who} another port with --bind while it is (tests use port 0 and are not affected)"
            )),
        })
        .collect();
    verdicts.push(match UdpSocket::bind("127.0.0.1:9999") {
        Ok(_) => Verdict::Ok("UDP 127.0.0.1:9999 is free (lesson 5's server)".into()),
        Err(e) => Verdict::Missing(format!(
            "UDP 127.0.0.1:9999 is taken ({e}): lesson 5's server needs --bind another port"
        )),
    });
    verdicts
}

/// The `doctor` task: prints every check; `Ok(true)` when nothing is missing.
pub fn doctor(exercises: &[Exercise]) -> anyhow::Result<bool> {
    let checks: Vec<(&str, Verdict)> = vec![
        ("rust", rust()),
        (
            "cargo fmt",
            tool(
                "cargo",
                &["fmt", "--version"],
                "nothing students run; CI and `cargo xtask verify`",
                "rustup component add rustfmt",
            ),
        ),
        (
            "clippy",
            tool(
                "cargo",
                &["clippy", "--version"],
                "nothing students run; CI",
                "rustup component add clippy",
            ),
        ),
        (
            "nc",
            tool(
                "nc",
                &["-h"],
                "the tests that talk to a real netcat (lessons 2, 3, 5, 9)",
                "apt-get install netcat-openbsd / brew install netcat",
            ),
        ),
        (
            "curl",
            tool(
                "curl",
                &["--version"],
                "the tests that use curl as a peer (lessons 4 and 9)",
                "apt-get install curl",
            ),
        ),
        (
            "python3",
            tool(
                "python3",
                &["--version"],
                "the tutorial's Python peers (lessons 2-5, 9)",
                "apt-get install python3",
            ),
        ),
        (
            "aiosmtpd",
            python_module(
                "aiosmtpd",
                "lesson 9's tests against an independent SMTP server",
            ),
        ),
        (
            "mdbook",
            tool(
                "mdbook",
                &["--version"],
                "building the book (nothing is graded)",
                "cargo install mdbook --locked",
            ),
        ),
        ("ping sockets", ping_sockets()),
        ("raw sockets", raw_sockets()),
        ("namespaces", namespaces()),
    ];
    let mut missing = 0;
    for (name, verdict) in &checks {
        match verdict {
            Verdict::Ok(text) => println!("  ok       {name:13} {text}"),
            Verdict::Missing(text) => {
                missing += 1;
                println!("  MISSING  {name:13} {text}");
            }
        }
    }
    for verdict in ports() {
        match verdict {
            Verdict::Ok(text) => println!("  ok       {:13} {text}", "port"),
            Verdict::Missing(text) => {
                missing += 1;
                println!("  BUSY     {:13} {text}", "port");
            }
        }
    }
    // Every grader, lesson 10's included (a checksum, a UDP pinger), binds port 0
    // on loopback and needs no privilege.
    println!(
        "\nexercises: all {} graders need only Rust and loopback (127.0.0.1, ::1), bind port 0 and need no privilege: they run on any machine with Rust 1.88+.",
        exercises.len()
    );
    if missing == 0 {
        println!("everything the course uses is here: every lesson and test will run.");
    } else {
        println!("{missing} thing(s) missing or busy: the lessons and tests named above skip or need them; everything else runs.");
    }
    Ok(missing == 0 || matches!(checks[0].1, Verdict::Ok(_)))
}
