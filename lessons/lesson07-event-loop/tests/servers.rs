//! Both lesson 7 servers, as real processes: lesson 3's protocol tests (the very same,
//! from `shared::testing::greeting`), a clean shutdown, and 10,000 idle connections.

use shared::testing::greeting::Client;
use shared::testing::{
    assert_port_in_use_is_explained, run, send_without_reading, ServerProcess, PATIENCE,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;

/// The 10,000-connection tests hold 10,000 descriptors each in this process: one at a time.
static MANY: Mutex<()> = Mutex::new(());

/// How many idle connections each server must hold at once.
const IDLE_CONNECTIONS: usize = 10_000;

fn hold_many(server: &ServerProcess) {
    let _one_at_a_time = MANY.lock().unwrap_or_else(|e| e.into_inner());
    let limit = lesson07_event_loop::raise_open_files_limit().unwrap();
    if limit < IDLE_CONNECTIONS as u64 + 200 {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs an open-files hard limit over 10,200, has {limit}"
        );
        shared::testing::skip(&format!("this machine allows only {limit} open files"));
        return;
    }
    let mut clients = Vec::with_capacity(IDLE_CONNECTIONS);
    for i in 0..IDLE_CONNECTIONS {
        let mut stream = TcpStream::connect(server.addr)
            .unwrap_or_else(|e| panic!("connection {i} of {IDLE_CONNECTIONS} failed: {e}"));
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut welcome = [0u8; 9];
        stream
            .read_exact(&mut welcome)
            .unwrap_or_else(|e| panic!("connection {i} got no greeting: {e}"));
        assert_eq!(&welcome, b"Welcome!\n");
        clients.push(stream);
    }
    // All 10,000 are open and idle; every hundredth is still served promptly.
    for (i, stream) in clients.iter_mut().enumerate().step_by(100) {
        stream
            .write_all(format!("client {i}\n").as_bytes())
            .unwrap();
        let expected = format!("Hello, client {i}!\n");
        let mut reply = vec![0u8; expected.len()];
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(String::from_utf8_lossy(&reply), expected);
    }
    assert!(
        server.stderr().is_empty(),
        "the server reported: {}",
        server.stderr()
    );
}

macro_rules! server_tests {
    ($module:ident, $binary:expr) => {
        mod $module {
            use super::*;

            const SERVER: &str = $binary;

            fn start() -> ServerProcess {
                ServerProcess::start(SERVER, &["--bind", "127.0.0.1:0"])
            }

            shared::greeting_protocol_tests!(start());
            shared::greeting_server_binary_tests!(SERVER);

            #[test]
            fn holds_ten_thousand_idle_connections() {
                hold_many(&start());
            }

            #[test]
            fn logs_each_connection() {
                let server = start();
                let mut client = Client::connect(server.addr);
                let me = client.stream.local_addr().unwrap();
                client.send(b"exit\n");
                client.expect_closed();
                server.expect_line("the accept", |l| {
                    l == format!("Accept new connection from {me}...")
                });
                server.expect_line("the close", |l| {
                    l == format!("Connection from {me} closed.")
                });
            }

            #[test]
            fn a_port_in_use_and_bad_arguments_are_explained() {
                let server = start();
                assert_port_in_use_is_explained(SERVER, server.addr);
                assert_eq!(run(SERVER, &["--bind", "nowhere"], "").code, 2);
                assert_eq!(run(SERVER, &["--help"], "").code, 0);
            }
        }
    };
}

server_tests!(tokio_server, env!("CARGO_BIN_EXE_lesson07-event-loop"));
server_tests!(readiness_loop, env!("CARGO_BIN_EXE_lesson07-readiness"));

/// Backpressure: a client that sends lines and never reads the replies must stall once
/// a little output waits, instead of making the server read (and buffer replies for)
/// everything it sends. Before the fix, 38 MB sent took the server to 193 MB.
#[test]
fn the_readiness_loop_stops_reading_a_client_that_does_not_read() {
    const LIMIT: usize = 256 << 20;
    let server = ServerProcess::start(
        env!("CARGO_BIN_EXE_lesson07-readiness"),
        &["--bind", "127.0.0.1:0"],
    );
    let mut client = Client::connect(server.addr);
    let line = format!("{}\n", "x".repeat(1000));
    let sent = send_without_reading(&mut client.stream, line.repeat(64).as_bytes(), LIMIT);
    assert!(
        sent < LIMIT,
        "the server took all {sent} bytes though none of its replies were read"
    );
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
        let rss_kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status");
        assert!(
            rss_kb < 64 * 1024,
            "the server's memory grew to {rss_kb} kB after {sent} bytes sent"
        );
    }
    // Paused, not forgotten: once the client reads, every complete line is answered.
    let reply = format!("Hello, {}!\n", "x".repeat(1000));
    for i in 0..sent / line.len() {
        let mut got = vec![0u8; reply.len()];
        client
            .reader
            .read_exact(&mut got)
            .unwrap_or_else(|e| panic!("reply {i} never came: {e}"));
        assert!(got == reply.as_bytes(), "reply {i} is wrong");
    }
}
