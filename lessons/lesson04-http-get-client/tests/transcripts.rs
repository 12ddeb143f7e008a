//! The sessions book/src/lesson04.md shows, replayed (see `shared::testing::Transcript`).
#![cfg(unix)]

mod common;

use common::{chunked, response, Reply, Server};
use shared::testing::{book_dir, run_in, Transcript, PATIENCE};

const CLIENT: &str = env!("CARGO_BIN_EXE_lesson04-http-get-client");

fn fetch(dir: &std::path::Path, args: &[&str]) -> String {
    run_in(Some(dir), CLIENT, args, "", PATIENCE).both()
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    // A stand-in for a real site: a chunked page, as sina's front page is served.
    let site = Server::start(|path| {
        match path {
        "/" => Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\nTransfer-Encoding: chunked\nConnection: close\n",
            &chunked(&[b"<!DOCTYPE html>\n<title>netlessons</title>\n", b"<p>Hello from a chunked page.</p>\n"]),
        )),
        "/old" => Reply::Close(response("HTTP/1.1 301 Moved Permanently\nLocation: /\nContent-Length: 0\n", b"")),
        _ => Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 1000\n", b"only part of it")),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let url = site.url("/");

    let mut t = Transcript::new("lesson04-get");
    t.show_port(site.addr.port(), 8000);
    t.command("cargo run -p lesson04-http-get-client -- http://127.0.0.1:8000/");
    t.output(&fetch(dir.path(), &[&url]));
    t.command("cat sina.html");
    t.output(&std::fs::read_to_string(dir.path().join("sina.html")).unwrap());
    t.command("cargo run -p lesson04-http-get-client -- -L http://127.0.0.1:8000/old -o page.html");
    t.output(&fetch(
        dir.path(),
        &["-L", &site.url("/old"), "-o", "page.html"],
    ));
    t.finish(&book);

    let mut e = Transcript::new("lesson04-errors");
    e.show_port(site.addr.port(), 8000);
    e.command("cargo run -p lesson04-http-get-client -- http://127.0.0.1:8000/cut");
    e.output(&fetch(dir.path(), &[&site.url("/cut")]));
    e.command("cargo run -p lesson04-http-get-client -- https://www.sina.com.cn/");
    e.output(&fetch(dir.path(), &["https://www.sina.com.cn/"]));
    e.finish(&book);
}
