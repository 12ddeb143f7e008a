//! The sessions book/src/lesson02.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, run_in, ServerProcess, Transcript};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson02-blocking-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson02-client");

fn client(addr: &str, args: &[&str], stdin: &str) -> String {
    let mut all = vec!["--connect", addr];
    all.extend_from_slice(args);
    run(CLIENT, &all, stdin).both()
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let server = ServerProcess::start(SERVER, &["--bind", "127.0.0.1:0"]);
    let addr = server.addr.to_string();

    let mut clients = Transcript::new("lesson02-client");
    clients.show_port(server.addr.port(), 8080);
    clients.command("cargo run -p lesson02-blocking-server --bin lesson02-client -- hello world");
    clients.output(&client(&addr, &["hello", "world"], ""));
    clients.command(
        "printf 'Ünïcode stays as it is\\nquit\\n' | cargo run -p lesson02-blocking-server --bin lesson02-client",
    );
    clients.output(&client(&addr, &[], "Ünïcode stays as it is\nquit\n"));

    // A second client while a first one is connected: it waits.
    let mut first = TcpStream::connect(server.addr).unwrap();
    first.write_all(b"x").unwrap();
    first.read_exact(&mut [0u8; 1]).unwrap();
    let patience = Duration::from_millis(700);
    let blocked = run_in(None, CLIENT, &["--connect", &addr, "waiting"], "", patience);
    assert_eq!(
        blocked.code, -1,
        "the second client must still be waiting: {blocked:?}"
    );
    clients.comment("while another client is connected, a second one gets no answer:");
    clients.command("cargo run -p lesson02-blocking-server --bin lesson02-client -- waiting");
    clients.output("^C");
    drop(first);
    clients.finish(&book);

    let mut log = Transcript::new("lesson02-server");
    log.show_port(server.addr.port(), 8080);
    log.command("cargo run -p lesson02-blocking-server");
    log.output(&format!("Listening on {addr}"));
    // Two sessions, the held connection, the impatient client: 4 connections.
    for _ in 0..8 {
        log.output(&server.next_line());
    }
    log.output("^C");
    let (status, _, _) = server.signal_and_wait("INT");
    assert!(status.success());
    log.finish(&book);

    let mut in_use = Transcript::new("lesson02-port-in-use");
    let taken = ServerProcess::start(SERVER, &["--bind", "127.0.0.1:0"]);
    in_use.show_port(taken.addr.port(), 8080);
    in_use.command("cargo run -p lesson02-blocking-server   # while another copy is running");
    in_use.output(&run(SERVER, &["--bind", &taken.addr.to_string()], "").stderr);
    in_use.finish(&book);
}
