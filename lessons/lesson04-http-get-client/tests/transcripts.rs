//! The sessions book/src/lesson04.md shows, replayed (see `shared::testing::Transcript`).
//! Every server here is local: a plain stand-in for a real site on 127.0.0.1, and a
//! TLS one with certificates made by the test (`common::pki`).
#![cfg(unix)]

mod common;

use common::pki::Ca;
use common::{chunked, response, Reply, Server};
use shared::testing::{book_dir, PATIENCE};
use shared::testing::{run_in, Transcript};
use std::net::TcpListener;

const CLIENT: &str = env!("CARGO_BIN_EXE_lesson04-http-get-client");

fn fetch(dir: &std::path::Path, args: &[&str]) -> String {
    run_in(Some(dir), CLIENT, args, "", PATIENCE).both()
}

fn page() -> Reply {
    Reply::KeepOpen(response(
        "HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\nTransfer-Encoding: chunked\nConnection: close\n",
        &chunked(&[b"<!DOCTYPE html>\n<title>netlessons</title>\n", b"<p>Hello from a chunked page.</p>\n"]),
    ))
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    // A stand-in for a real site: a chunked page, as sina's front page is served.
    let site = Server::start(|path| match path {
        "/" => page(),
        "/old" => Reply::Close(response(
            "HTTP/1.1 301 Moved Permanently\nLocation: /\nContent-Length: 0\n",
            b"",
        )),
        _ => Reply::Close(response(
            "HTTP/1.1 200 OK\nContent-Length: 1000\n",
            b"only part of it",
        )),
    });
    let dir = tempfile::tempdir().unwrap();
    let url = site.url("/");

    let mut t = Transcript::new("lesson04-get");
    t.show_port(site.addr.port(), 8000);
    t.command("cargo run -p lesson04-http-get-client -- http://127.0.0.1:8000/");
    t.output(&fetch(dir.path(), &[&url]));
    t.command("cat sina.html");
    t.output(&std::fs::read_to_string(dir.path().join("sina.html")).unwrap());
    t.command("cargo run -p lesson04-http-get-client -- http://127.0.0.1:8000/old -o page.html");
    t.output(&fetch(dir.path(), &[&site.url("/old"), "-o", "page.html"]));
    t.command(
        "cargo run -p lesson04-http-get-client -- --no-follow -v http://127.0.0.1:8000/old -o page.html",
    );
    t.output(&fetch(
        dir.path(),
        &["--no-follow", "-v", &site.url("/old"), "-o", "page.html"],
    ));
    t.finish(&book);

    let mut e = Transcript::new("lesson04-errors");
    e.show_port(site.addr.port(), 8000);
    e.command("cargo run -p lesson04-http-get-client -- http://127.0.0.1:8000/cut");
    e.output(&fetch(dir.path(), &[&site.url("/cut")]));
    e.command("cargo run -p lesson04-http-get-client -- ftp://www.sina.com.cn/");
    e.output(&fetch(dir.path(), &["ftp://www.sina.com.cn/"]));
    e.finish(&book);
}

/// The TLS sessions: sina's redirect played by two local servers, then each failure.
#[test]
fn book_transcripts_tls() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    ca.write_pem(dir.path());
    let secure = Server::start_tls(
        ca.leaf(&["localhost", "127.0.0.1"]).server_config(),
        |path| match path {
            "/" => page(),
            _ => Reply::CloseWithoutNotify(response(
                "HTTP/1.0 200 OK\nContent-Type: text/html\n",
                b"<p>no length, no close_notify",
            )),
        },
    );
    let location = format!("https://localhost:{}/", secure.addr.port());
    let plain = Server::start(move |_| {
        Reply::Close(response(
            &format!("HTTP/1.1 302 Found\nLocation: {location}\nContent-Length: 0\n"),
            b"",
        ))
    });
    let wrong_name = Server::start_tls(ca.leaf(&["www.example.com"]).server_config(), |_| page());
    let expired = Server::start_tls(ca.expired_leaf(&["127.0.0.1"]).server_config(), |_| page());
    let plain_http = TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_http_port = plain_http.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in plain_http.incoming().take(1) {
            let Ok(mut stream) = stream else { return };
            let _ = stream.read(&mut [0; 512]);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    // A server that accepts and reads but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = silent.accept() {
            stream.set_read_timeout(Some(PATIENCE)).unwrap();
            let _ = std::io::copy(&mut stream, &mut std::io::sink());
        }
    });

    let mut t = Transcript::new("lesson04-tls");
    t.show_port(plain.addr.port(), 8000);
    t.show_port(secure.addr.port(), 8443);
    t.comment("http://127.0.0.1:8000/ answers as www.sina.com.cn does: go to https");
    t.command("cargo run -p lesson04-http-get-client -- --cacert ca.pem http://127.0.0.1:8000/");
    t.output(&fetch(dir.path(), &["--cacert", "ca.pem", &plain.url("/")]));
    t.finish(&book);

    let mut e = Transcript::new("lesson04-tls-errors");
    e.show_port(secure.addr.port(), 8443);
    e.show_port(wrong_name.addr.port(), 8444);
    e.show_port(expired.addr.port(), 8445);
    e.show_port(plain_http_port, 8000);
    e.show_port(silent_port, 2525);
    let run = |e: &mut Transcript, shown: &str, args: &[&str]| {
        e.command(&format!("cargo run -p lesson04-http-get-client -- {shown}"));
        e.output(&fetch(dir.path(), args));
    };
    let url = secure.url("/");
    run(&mut e, "https://127.0.0.1:8443/", &[&url]);
    run(
        &mut e,
        "--cacert ca.pem https://127.0.0.1:8444/",
        &["--cacert", "ca.pem", &wrong_name.url("/")],
    );
    run(
        &mut e,
        "--cacert ca.pem https://127.0.0.1:8445/",
        &["--cacert", "ca.pem", &expired.url("/")],
    );
    run(
        &mut e,
        "--cacert ca.pem https://127.0.0.1:8000/",
        &[
            "--cacert",
            "ca.pem",
            &format!("https://127.0.0.1:{plain_http_port}/"),
        ],
    );
    run(
        &mut e,
        "--cacert ca.pem --timeout 1 https://127.0.0.1:2525/",
        &[
            "--cacert",
            "ca.pem",
            "--timeout",
            "1",
            &format!("https://127.0.0.1:{silent_port}/"),
        ],
    );
    run(
        &mut e,
        "--cacert ca.pem https://127.0.0.1:8443/no-length",
        &["--cacert", "ca.pem", &secure.url("/no-length")],
    );
    run(
        &mut e,
        "--insecure https://127.0.0.1:8444/",
        &["--insecure", &wrong_name.url("/")],
    );
    e.finish(&book);
}
