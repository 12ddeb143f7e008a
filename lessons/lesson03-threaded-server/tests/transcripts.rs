//! The sessions book/src/lesson03.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, tool, ServerProcess, Transcript};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson03-threaded-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson03-client");

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let Some(nc) = tool("nc") else { return };
    let server = ServerProcess::start(
        SERVER,
        &[
            "--bind",
            "127.0.0.1:0",
            "--max-connections",
            "2",
            "--idle-timeout",
            "2",
        ],
    );
    let (addr, port) = (server.addr.to_string(), server.addr.port().to_string());

    let mut clients = Transcript::new("lesson03-client");
    clients.show_port(server.addr.port(), 9999);
    clients.command(
        "cargo run -p lesson03-threaded-server --bin lesson03-client -- Michael Tracy Sarah",
    );
    clients.output(
        &run(
            CLIENT,
            &["--connect", &addr, "Michael", "Tracy", "Sarah"],
            "",
        )
        .both(),
    );
    clients.command("printf 'Ann\\nBob\\nexit\\n' | nc 127.0.0.1 9999");
    clients.output(&run(&nc, &["127.0.0.1", &port], "Ann\nBob\nexit\n").both());
    clients.finish(&book);

    let mut limits = Transcript::new("lesson03-limits");
    limits.show_port(server.addr.port(), 9999);
    limits.comment("a line over 4096 bytes:");
    limits.command("head -c 5000 /dev/zero | tr '\\0' x | nc 127.0.0.1 9999");
    limits.output(&run(&nc, &["127.0.0.1", &port], &"x".repeat(5000)).both());
    limits.comment("a client that sends nothing (this server runs with --idle-timeout 2):");
    limits.command("nc 127.0.0.1 9999");
    limits.output(&run(&nc, &["127.0.0.1", &port], "").both());
    // Hold both places (this server runs with --max-connections 2).
    let occupy = || {
        let stream = TcpStream::connect(server.addr).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        reader.read_line(&mut String::new()).unwrap();
        stream
    };
    let held = [occupy(), occupy()];
    limits.comment("a third client while two are connected (--max-connections 2):");
    limits.command("cargo run -p lesson03-threaded-server --bin lesson03-client -- Michael");
    limits.output(&run(CLIENT, &["--connect", &addr, "Michael"], "").both());
    limits.finish(&book);

    let mut log = Transcript::new("lesson03-server");
    log.show_port(server.addr.port(), 9999);
    log.command("cargo run -p lesson03-threaded-server -- --max-connections 2 --idle-timeout 2");
    log.output(&format!("Listening on {addr}"));
    // client, nc, too long, idle: 4 x (accept, closed); then 2 held and 1 refused.
    for _ in 0..11 {
        log.output(&server.next_line());
    }
    log.output("^C");
    let (status, _, rest) = server.signal_and_wait("INT");
    assert!(status.success());
    let mut rest = rest;
    rest.sort(); // the two held connections close in either order
    for line in rest {
        log.output(&line);
    }
    drop(held);
    log.finish(&book);
}
