//! The sessions book/src/lesson06.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, tool, ServerProcess, Transcript};

const GREETING: &str = env!("CARGO_BIN_EXE_lesson06-socketserver");

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let Some(nc) = tool("nc") else { return };
    let server = ServerProcess::start(
        GREETING,
        &[
            "--bind",
            "127.0.0.1:0",
            "--strategy",
            "pool",
            "--threads",
            "4",
        ],
    );
    let port = server.addr.port().to_string();
    let mut t = Transcript::new("lesson06-pool");
    t.show_port(server.addr.port(), 9999);
    t.comment("terminal 1:");
    t.command("cargo run -p lesson06-socketserver -- --strategy pool --threads 4");
    t.output(&format!("Listening on {}", server.addr));
    t.comment("terminal 2:");
    t.command("printf 'Ann\\nBob\\nexit\\n' | nc 127.0.0.1 9999");
    t.output(&run(&nc, &["127.0.0.1", &port], "Ann\nBob\nexit\n").both());
    t.comment("terminal 1:");
    t.output(&server.next_line());
    t.output(&server.next_line());
    t.finish(&book);
}
