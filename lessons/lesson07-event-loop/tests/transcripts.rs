//! The sessions book/src/lesson07.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, tool, ServerProcess, Transcript};

const TOKIO: &str = env!("CARGO_BIN_EXE_lesson07-event-loop");
const READINESS: &str = env!("CARGO_BIN_EXE_lesson07-readiness");

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let Some(nc) = tool("nc") else { return };
    for (name, binary, command) in [
        ("lesson07-tokio", TOKIO, "cargo run -p lesson07-event-loop"),
        (
            "lesson07-readiness",
            READINESS,
            "cargo run -p lesson07-event-loop --bin lesson07-readiness",
        ),
    ] {
        let server = ServerProcess::start(binary, &["--bind", "127.0.0.1:0"]);
        let port = server.addr.port().to_string();
        let mut t = Transcript::new(name);
        t.show_port(server.addr.port(), 9999);
        t.comment("terminal 1:");
        t.command(command);
        t.output(&format!("Listening on {}", server.addr));
        t.output(&server.next_line()); // the open-files limit: differs between machines
        t.comment("terminal 2:");
        t.command("printf 'Ann\\nBob\\nexit\\n' | nc 127.0.0.1 9999");
        t.output(&run(&nc, &["127.0.0.1", &port], "Ann\nBob\nexit\n").both());
        t.comment("terminal 1 again:");
        t.output(&server.next_line());
        t.output(&server.next_line());
        t.finish(&book);
    }
}
