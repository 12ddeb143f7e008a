//! The sessions book/src/lesson05.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, ServerProcess, Transcript};
use std::net::UdpSocket;

const SERVER: &str = env!("CARGO_BIN_EXE_lesson05-udp-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson05-udp-client");

fn client(args: &[&str]) -> String {
    run(CLIENT, args, "").both()
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let server = ServerProcess::start(SERVER, &["--bind", "127.0.0.1:0"]);
    let addr = server.addr.to_string();

    let mut t = Transcript::new("lesson05-client");
    t.show_port(server.addr.port(), 9999);
    t.command("cargo run -p lesson05-udp-pair --bin lesson05-udp-client");
    t.output(&client(&["--connect", &addr]));
    t.command("cargo run -p lesson05-udp-pair --bin lesson05-udp-client -- Ann Bob");
    t.output(&client(&["--connect", &addr, "Ann", "Bob"]));
    t.finish(&book);

    let mut log = Transcript::new("lesson05-server");
    log.show_port(server.addr.port(), 9999);
    log.command("cargo run -p lesson05-udp-pair");
    log.output(&format!("Listening on {addr}"));
    for _ in 0..5 {
        log.output(&server.next_line());
    }
    log.output("^C");
    let (status, _, _) = server.signal_and_wait("INT");
    assert!(status.success());
    log.finish(&book);

    // A UDP socket that is bound but never answers: the client retries, then gives up.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut lost = Transcript::new("lesson05-no-reply");
    lost.show_port(silent.local_addr().unwrap().port(), 9999);
    lost.comment("a server that receives but never answers:");
    lost.command("cargo run -p lesson05-udp-pair --bin lesson05-udp-client -- --timeout-ms 300 --retries 2 Michael");
    lost.output(&client(&[
        "--connect",
        &silent.local_addr().unwrap().to_string(),
        "--timeout-ms",
        "300",
        "--retries",
        "2",
        "Michael",
    ]));
    lost.finish(&book);
}
