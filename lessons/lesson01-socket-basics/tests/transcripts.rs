//! The sessions book/src/lesson01.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)] // the book shows a Unix run (step 14 differs on Windows)

use assert_cmd::Command;
use shared::testing::{book_dir, Transcript};

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lesson01-socket-basics"))
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        shared::testing::skip("no IPv6 here, so step 13 differs from the book");
        return;
    }
    let mut tour = Transcript::new("lesson01-tour");
    tour.command("cargo run -p lesson01-socket-basics");
    tour.output(&run(&[]));
    tour.finish(&book);

    let mut list = Transcript::new("lesson01-list");
    list.command("cargo run -p lesson01-socket-basics -- --list");
    list.output(&run(&["--list"]));
    list.finish(&book);
}
