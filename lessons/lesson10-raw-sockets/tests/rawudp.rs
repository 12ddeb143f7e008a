//! lesson10-rawudp's hand-built packets reach lesson 5's (unchanged) UDP server,
//! and its replies come back; a spoiled checksum makes the kernel drop the packet.

mod common;

use common::{can_use_raw_sockets, output};
use shared::server::Shutdown;
use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::thread;

const RAWUDP: &str = env!("CARGO_BIN_EXE_lesson10-rawudp");

/// Lesson 5's server, in a thread; stopped when the guard is dropped.
struct Lesson5 {
    addr: SocketAddr,
    shutdown: Shutdown,
    thread: Option<thread::JoinHandle<()>>,
}

impl Lesson5 {
    fn start() -> Lesson5 {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let shutdown = Shutdown::new();
        let stop = shutdown.clone();
        let thread = thread::spawn(move || {
            lesson05_udp_pair::serve(&socket, 65_536, &stop).unwrap();
        });
        Lesson5 {
            addr,
            shutdown,
            thread: Some(thread),
        }
    }
}

impl Drop for Lesson5 {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn hand_built_packets_reach_lesson5_and_the_replies_come_back() {
    if !can_use_raw_sockets("rawudp") {
        return;
    }
    let server = Lesson5::start();
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
    let server = Lesson5::start();
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
    // The same server still answers a correct packet: the checksum made the difference.
    let (code, stdout, _) = output(Command::new(RAWUDP).args(["--connect", &addr, "Michael"]));
    assert_eq!(code, 0, "{stdout}");
}
