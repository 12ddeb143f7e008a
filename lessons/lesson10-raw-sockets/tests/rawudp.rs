//! lesson10-rawudp's hand-built packets reach lesson 5's (unchanged) UDP server,
//! and its replies come back; a spoiled checksum makes the kernel drop the packet.
#![cfg(target_os = "linux")] // the tools are Linux-only: elsewhere they only say so

mod common;

use common::servers::Background;
use common::{can_use_raw_sockets, output};
use std::process::Command;

const RAWUDP: &str = env!("CARGO_BIN_EXE_lesson10-rawudp");

#[test]
fn hand_built_packets_reach_lesson5_and_the_replies_come_back() {
    if !can_use_raw_sockets("rawudp") {
        return;
    }
    let server = Background::lesson05();
    // A name that differs per run: no stored answer can pass.
    let name = format!("Ann{}", std::process::id());
    let (code, stdout, stderr) = output(Command::new(RAWUDP).args([
        "--connect",
        &server.addr.to_string(),
        "Michael",
        &name,
    ]));
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains(&format!("Reply from {}: Hello, Michael!", server.addr)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Reply from {}: Hello, {name}!", server.addr)),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("(correct").count(),
        4,
        "two IP and two UDP checksums: {stdout}"
    );
    assert!(
        stdout.contains("  IPv4 header  45 00 00 23 "),
        "35 bytes for Michael: {stdout}"
    );
}

#[test]
fn a_spoiled_udp_checksum_is_dropped_by_the_receiving_kernel() {
    if !can_use_raw_sockets("rawudp") {
        return;
    }
    let server = Background::lesson05();
    let addr = server.addr.to_string();
    let (code, stdout, stderr) = output(Command::new(RAWUDP).args([
        "--connect",
        &addr,
        "--bad-checksum",
        "--retries",
        "1",
        "--timeout-ms",
        "300",
        "Michael",
    ]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("(WRONG: pseudo-header"), "{stdout}");
    assert!(stdout.contains("No reply from"), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The silence is the lesson, not a server that is down.
    assert!(stderr.contains("expected with --bad-checksum"), "{stderr}");
    // The same server still answers a correct packet: the checksum made the difference.
    let (code, stdout, _) = output(Command::new(RAWUDP).args(["--connect", &addr, "Michael"]));
    assert_eq!(code, 0, "{stdout}");
}
