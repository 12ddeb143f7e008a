//! Lessons 2, 3 and 5 rebuilt on lesson 6's server, checked against their own behaviour.

use shared::testing::greeting::Client;
use shared::testing::{run, ServerProcess, PATIENCE};
use std::io::{ErrorKind, Read};
use std::time::Duration;

const GREETING: &str = env!("CARGO_BIN_EXE_lesson06-socketserver");
const ECHO: &str = env!("CARGO_BIN_EXE_lesson06-echo");
const UDP: &str = env!("CARGO_BIN_EXE_lesson06-udp");

fn greeting(strategy: &str, threads: &str) -> ServerProcess {
    ServerProcess::start(
        GREETING,
        &[
            "--bind",
            "127.0.0.1:0",
            "--strategy",
            strategy,
            "--threads",
            threads,
        ],
    )
}

// Lesson 3's conformance tests, once per strategy.
mod thread_per_connection {
    use super::*;
    shared::greeting_protocol_tests!(greeting("threads", "256"));
}

mod pool {
    use super::*;
    shared::greeting_protocol_tests!(greeting("pool", "64"));
}

mod sequential {
    use super::*;
    shared::greeting_protocol_tests!(greeting("sequential", "1"));
}

// Lesson 2's own server tests, against its rebuild.
mod echo {
    use super::*;
    shared::echo_server_tests!(ServerProcess::start(ECHO, &["--bind", "127.0.0.1:0"]));
    shared::echo_server_binary_tests!(ECHO);
}

// Lesson 3's tests of the server binary (IPv6, the SIGTERM goodbye, SIGTERM with a
// client that never reads), against the rebuild with its default strategy.
mod greeting_binary {
    use super::*;
    shared::greeting_server_binary_tests!(GREETING);
}

// Lesson 5's own server tests, against its rebuild.
mod udp {
    use super::*;
    shared::udp_greeting_tests!(ServerProcess::start(UDP, &["--bind", "127.0.0.1:0"]));
}

#[test]
fn a_full_pool_queues_then_refuses() {
    let server = greeting("pool", "1");
    let mut first = Client::connect(server.addr); // the only worker serves it
    let mut queued = Client::connect_raw(server.addr); // waits in the queue (1 place)
    let mut third = Client::connect_raw(server.addr); // queue full: refused
    assert_eq!(third.line(), "error: server busy, try again later");
    // The queued client has no greeting yet: its connection is accepted but not served.
    queued
        .stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let err = queued
        .stream
        .read(&mut byte)
        .expect_err("nothing yet for the queued client");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    queued.stream.set_read_timeout(Some(PATIENCE)).unwrap();
    first.send(b"exit\n");
    first.expect_closed();
    assert_eq!(
        queued.line(),
        "Welcome!",
        "the worker is free: the queued client is served"
    );
}

#[test]
fn thread_per_connection_refuses_over_its_limit() {
    let server = greeting("threads", "2");
    let _a = Client::connect(server.addr);
    let _b = Client::connect(server.addr);
    assert_eq!(
        Client::connect_raw(server.addr).line(),
        "error: server busy, try again later"
    );
}

#[cfg(unix)]
#[test]
fn every_server_stops_cleanly_on_sigterm() {
    for server in [
        greeting("threads", "8"),
        greeting("pool", "4"),
        greeting("sequential", "1"),
        ServerProcess::start(ECHO, &["--bind", "127.0.0.1:0"]),
        ServerProcess::start(UDP, &["--bind", "127.0.0.1:0"]),
    ] {
        let (status, took, _) = server.signal_and_wait("TERM");
        assert!(status.success(), "{status}");
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
}

#[test]
fn a_connected_client_is_told_goodbye_by_the_pool() {
    let server = greeting("pool", "2");
    let mut client = Client::connect(server.addr);
    #[cfg(unix)]
    {
        let (status, _, _) = server.signal_and_wait("TERM");
        assert!(status.success());
        assert_eq!(client.line(), "server shutting down");
    }
    #[cfg(not(unix))]
    {
        let _ = (&mut client, server);
    }
}

#[test]
fn bad_strategies_are_usage_errors() {
    assert_eq!(run(GREETING, &["--strategy", "forking"], "").code, 2);
    assert_eq!(run(GREETING, &["--help"], "").code, 0);
}

/// A thread that cannot start costs its client a refusal in words (it used to be a
/// silent close), and the server carries on. Provoked with RLIMIT_NPROC: the server
/// runs as `nobody`, allowed three threads (main, the Ctrl-C handler, one client).
#[cfg(target_os = "linux")]
#[test]
fn a_thread_that_cannot_start_costs_a_refusal_not_the_server() {
    let (Some(prlimit), Some(setpriv)) = (
        shared::testing::tool("prlimit"),
        shared::testing::tool("setpriv"),
    ) else {
        return;
    };
    if run("id", &["-u"], "").stdout.trim() != "0" {
        shared::testing::skip("only root can run the server as another user");
        return;
    }
    let server = ServerProcess::start(
        &prlimit,
        &[
            "--nproc=3:3",
            "--",
            setpriv.to_str().unwrap(),
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            GREETING,
            "--bind",
            "127.0.0.1:0",
            "--strategy",
            "threads",
        ],
    );
    let mut first = Client::connect(server.addr); // the one thread it may start
    let mut second = Client::connect_raw(server.addr);
    assert_eq!(second.line(), "error: server busy, try again later");
    server.expect_line("the failed spawn", |l| {
        l.starts_with("cannot start a thread for ")
    });
    assert_eq!(first.ask("still here"), "Hello, still here!");
}
