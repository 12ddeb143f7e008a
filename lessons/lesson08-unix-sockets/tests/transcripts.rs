//! The sessions book/src/lesson08.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

use shared::testing::{book_dir, run, ServerProcess, Transcript};

const SERVER: &str = env!("CARGO_BIN_EXE_lesson08-unix-sockets");
const CLIENT: &str = env!("CARGO_BIN_EXE_lesson08-client");
const DGRAM_SERVER: &str = env!("CARGO_BIN_EXE_lesson08-datagram-server");
const DGRAM_CLIENT: &str = env!("CARGO_BIN_EXE_lesson08-datagram-client");

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // The book shows the default paths; the test uses a private directory.
    let shown = |text: &str| {
        text.replace(
            &dir.path().join("s.sock").display().to_string(),
            "/tmp/netlessons-lesson08.sock",
        )
        .replace(
            &dir.path().join("d.sock").display().to_string(),
            "/tmp/netlessons-lesson08-datagram.sock",
        )
    };
    let path = dir.path().join("s.sock");
    let p = path.to_str().unwrap();
    std::os::unix::net::UnixListener::bind(&path).unwrap(); // a stale file, dropped at once
    let server = ServerProcess::start(SERVER, &["--bind", p]);
    let mut t = Transcript::new("lesson08-stream");
    t.comment("terminal 1 (an earlier run was killed and left its socket file behind):");
    t.command("cargo run -p lesson08-unix-sockets");
    t.output(&shown(&format!("Listening on {}", server.listening_on)));
    t.output(&server.next_line());
    t.comment("terminal 2:");
    t.command("cargo run -p lesson08-unix-sockets --bin lesson08-client -- hello unix");
    t.output(&run(CLIENT, &["--connect", p, "hello", "unix"], "").both());
    t.comment("terminal 1:");
    t.output(&server.next_line());
    t.output(&server.next_line());
    t.finish(&book);

    let dpath = dir.path().join("d.sock");
    let dserver = ServerProcess::start(DGRAM_SERVER, &["--bind", dpath.to_str().unwrap()]);
    let mut d = Transcript::new("lesson08-datagram");
    d.command("cargo run -p lesson08-unix-sockets --bin lesson08-datagram-client -- Ann Bob");
    d.output(
        &run(
            DGRAM_CLIENT,
            &["--connect", dpath.to_str().unwrap(), "Ann", "Bob"],
            "",
        )
        .both(),
    );
    d.comment("the server's log:");
    d.output(&shown(&format!("Listening on {}", dserver.listening_on)));
    for _ in 0..2 {
        let line = dserver.next_line();
        // The client's own socket file has its process id in its name.
        let cut = line
            .find("netlessons-lesson08-client-")
            .map_or(line.len(), |i| i);
        d.output(&format!(
            "{}netlessons-lesson08-client-PID.sock",
            &line[..cut]
                .replace(&std::env::temp_dir().display().to_string(), "/tmp/")
                .replace("//", "/")
        ));
    }
    d.finish(&book);
}

#[cfg(target_os = "linux")]
#[test]
fn seqpacket_transcript() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sock");
    let p = path.to_str().unwrap();
    let shown = |text: &str| text.replace(p, "/tmp/netlessons-lesson08-seqpacket.sock");
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_lesson08-seqpacket"), &["--bind", p]);
    let client = env!("CARGO_BIN_EXE_lesson08-seqpacket-client");
    let mut t = Transcript::new("lesson08-seqpacket");
    t.comment(
        "terminal 1 runs the server: cargo run -p lesson08-unix-sockets --bin lesson08-seqpacket",
    );
    t.comment("terminal 2:");
    t.command(
        "cargo run -p lesson08-unix-sockets --bin lesson08-seqpacket-client -- hello '' seqpacket",
    );
    t.output(&run(client, &["--connect", p, "hello", "", "seqpacket"], "").both());
    // Read the server's lines for one client before starting the next, so that the
    // second client's "Accepted" cannot come before the first one's "left".
    let mut log: Vec<String> = (0..5).map(|_| server.next_line()).collect();
    t.command("cargo run -p lesson08-unix-sockets --bin lesson08-seqpacket-client -- --buffer 4 hello seqpacket");
    t.output(
        &run(
            client,
            &["--connect", p, "--buffer", "4", "hello", "seqpacket"],
            "",
        )
        .both(),
    );
    log.extend((0..4).map(|_| server.next_line()));
    t.comment("terminal 1:");
    t.output(&shown(&format!("Listening on {}", server.listening_on)));
    for line in log {
        t.output(&line);
    }
    t.finish(&book);
}
