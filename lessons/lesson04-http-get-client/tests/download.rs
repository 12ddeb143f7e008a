//! lesson04-http-get-client against local HTTP servers written here with std.
//! Nothing leaves the machine: every server is on 127.0.0.1, on a port the OS picks.

use assert_cmd::Command;
use lesson04_http_get_client::naive::naive_get;
use shared::testing::{run_in, PATIENCE, UNRESOLVABLE_HOST};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

const CLIENT: &str = env!("CARGO_BIN_EXE_lesson04-http-get-client");

mod common;
use common::{chunked, response, Reply, Server};

/// Runs the client in `dir`, returning (exit code, stdout, stderr).
fn fetch(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let ran = run_in(Some(dir), CLIENT, args, "", PATIENCE);
    (ran.code, ran.stdout, ran.stderr)
}

fn saved(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name} should exist: {e}"))
}

/// The directory holds exactly these file names (no leftover temporary files).
fn assert_files(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

#[test]
fn content_length_body_is_saved_to_sina_html_by_default() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nContent-Length: 12\nContent-Type: text/html\n",
            b"<h1>hi</h1>\n",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"<h1>hi</h1>\n");
    assert_eq!(
        stdout,
        format!(
            "GET {}\nHTTP/1.1 200 OK\nContent-Length: 12\nContent-Type: text/html\n",
            server.url("/")
        )
    );
    assert_eq!(stderr, "Saved 12 bytes to sina.html (200 OK)\n");
    let request = &server.requests()[0];
    assert!(request.starts_with("GET / HTTP/1.1\r\n"), "{request}");
    assert!(
        request.contains(&format!("\r\nHost: {}\r\n", server.addr)),
        "{request}"
    );
    assert!(request.contains("\r\nConnection: close\r\n"), "{request}");
    assert_files(dir.path(), &["sina.html"]);
}

#[test]
fn chunked_with_extensions_and_trailers_ends_at_the_last_chunk() {
    // The server keeps the connection open: only the last chunk says we are done.
    let server = Server::start(|_| {
        let body = chunked(&[b"Hello, ", b"chunked ", b"world!"]);
        Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &body,
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/page"), "-o", "page.html"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "page.html"), b"Hello, chunked world!");
}

#[test]
fn chunked_wins_over_content_length() {
    let server = Server::start(|_| {
        let body = chunked(&[b"right"]);
        Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nContent-Length: 3\nTransfer-Encoding: chunked\n",
            &body,
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"right");
}

#[test]
fn an_http_1_0_body_ends_when_the_server_closes() {
    let server = Server::start(|_| Reply::Close(response("HTTP/1.0 200 OK\n", b"until close")));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"until close");
}

#[test]
fn no_body_for_204_and_304_even_on_an_open_connection() {
    for status in ["204 No Content", "304 Not Modified"] {
        let server = Server::start(move |_| {
            Reply::KeepOpen(response(
                &format!("HTTP/1.1 {status}\nContent-Length: 99\n"),
                b"",
            ))
        });
        let dir = tempfile::tempdir().unwrap();
        let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
        assert_eq!(code, 0, "{status}: {stderr}");
        assert_eq!(saved(dir.path(), "sina.html"), b"", "{status}");
    }
}

#[test]
fn interim_1xx_responses_are_skipped() {
    let server = Server::start(|_| {
        let mut bytes = response("HTTP/1.1 103 Early Hints\nLink: </style.css>\n", b"");
        bytes.extend(response("HTTP/1.1 200 OK\nContent-Length: 4\n", b"real"));
        Reply::Close(bytes)
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"real");
}

#[test]
fn a_binary_body_is_saved_byte_for_byte() {
    let body: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let expected = body.clone();
    let server = Server::start(move |_| {
        Reply::Close(response(
            &format!("HTTP/1.1 200 OK\nContent-Length: {}\n", body.len()),
            &body,
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/bin"), "-o", "data.bin"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        saved(dir.path(), "data.bin") == expected,
        "the bytes differ"
    );
}

#[test]
fn redirects_are_followed_and_shown_unless_no_follow() {
    let server = Server::start(|path| match path {
        "/old" => Reply::Close(response(
            "HTTP/1.1 301 Moved Permanently\nLocation: /new\nContent-Length: 5\n",
            b"moved",
        )),
        "/new" => Reply::Close(response(
            "HTTP/1.1 302 Found\nLocation: final\nContent-Length: 0\n",
            b"",
        )),
        "/final" => Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 4\n", b"done")),
        _ => Reply::Close(response("HTTP/1.1 404 Not Found\nContent-Length: 0\n", b"")),
    });
    // By default: relative and absolute-path locations are followed to the end,
    // each hop shown.
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/old")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"done");
    for url in ["/old", "/new", "/final"] {
        assert!(
            stdout.contains(&format!("GET {}\n", server.url(url))),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("HTTP/1.1 301 Moved Permanently\nLocation: /new\n"),
        "{stdout}"
    );
    // -L, which curl users type, changes nothing.
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/old"), "-L", "-o", "l.html"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "l.html"), b"done");
    // --no-follow: the redirect itself is the answer, and we say so.
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/old"), "--no-follow"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("GET ").count(), 1, "{stdout}");
    assert!(
        stderr.contains("note: redirected to /new; not followed (--no-follow)"),
        "{stderr}"
    );
    assert_eq!(saved(dir.path(), "sina.html"), b"moved");
}

#[test]
fn an_absolute_redirect_to_another_server_is_followed() {
    let target =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 5\n", b"there")));
    let location = target.url("/here");
    let origin = Server::start(move |_| {
        Reply::Close(response(
            &format!("HTTP/1.1 307 Temporary Redirect\nLocation: {location}\n"),
            b"",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&origin.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(saved(dir.path(), "sina.html"), b"there");
    assert_eq!(target.requests().len(), 1);
}

#[test]
fn a_redirect_loop_stops_after_ten() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 302 Found\nLocation: /again\nContent-Length: 0\n",
            b"",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: more than 10 redirects, the last to /again; hint: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(server.requests().len(), 11);
    assert_files(dir.path(), &[]);
}

#[test]
fn a_404_is_saved_and_reported_but_fails_only_with_dash_dash_fail() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 404 Not Found\nContent-Length: 9\n",
            b"not here!",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/missing")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "Saved 9 bytes to sina.html (404 Not Found)\n");
    assert_eq!(saved(dir.path(), "sina.html"), b"not here!");

    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/missing"), "--fail"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: the server answered 404 Not Found for http://"),
        "{stderr}"
    );
    assert!(
        stderr.contains("; hint: a 4xx is the request's fault"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_files(dir.path(), &[]);
}

#[test]
fn a_truncated_body_is_an_error_and_leaves_the_old_file_intact() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nContent-Length: 100\n",
            &[b'x'; 50],
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sina.html"), "the previous download").unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!(
            "error: cannot download {}: response truncated: the connection closed after 50 of 100 bytes (Content-Length); \
             hint: the server or the network dropped the connection; try again (an earlier file of that name was left as it was)\n",
            server.url("/")
        )
    );
    assert_eq!(saved(dir.path(), "sina.html"), b"the previous download");
    assert_files(dir.path(), &["sina.html"]);
}

#[test]
fn a_chunked_body_cut_before_its_last_chunk_is_an_error() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            b"5\r\nhello\r\n",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the connection closed before the last chunk"),
        "{stderr}"
    );
    assert_files(dir.path(), &[]);
}

#[test]
fn a_bad_chunk_size_is_an_error() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            b"xyz\r\nhello\r\n0\r\n\r\n",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("bad chunk size line \"xyz\""), "{stderr}");
}

#[test]
fn garbage_instead_of_http_is_a_malformed_status_line() {
    let server = Server::start(|_| Reply::Close(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!(
            "error: bad response from {}: malformed status line \"SSH-2.0-OpenSSH_9.6\"",
            server.url("/")
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn a_head_over_64_kib_is_refused() {
    let server = Server::start(|_| {
        let head = format!(
            "HTTP/1.1 200 OK\n{}",
            "X-Filler: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n".repeat(2000)
        );
        Reply::KeepOpen(response(&head, b""))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("response head larger than 64 KiB; hint: "),
        "{stderr}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_| Reply::Silence);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/"), "--timeout", "1"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "timed out: the server sent nothing for 1 s (change the limit with --timeout)"
        ),
        "{stderr}"
    );
    assert_files(dir.path(), &[]);
}

#[test]
fn a_refused_connection_is_one_clear_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!("error: cannot connect to 127.0.0.1:{port}: ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn an_unresolvable_host_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&format!("http://{UNRESOLVABLE_HOST}/")]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!("error: cannot resolve \"{UNRESOLVABLE_HOST}:80\"")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn malformed_urls_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &["ftp://www.sina.com.cn/"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("only http:// and https://"), "{stderr}");
    let (code, _, stderr) = fetch(dir.path(), &["www.sina.com.cn"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Usage:"), "{stderr}");
    let (code, _, _) = fetch(dir.path(), &["--help"]);
    assert_eq!(code, 0);
}

#[test]
fn curl_agrees_with_us_on_every_kind_of_body() {
    let Some(curl) = shared::testing::tool("curl") else {
        return;
    };
    let server = Server::start(|path| match path {
        "/chunked" => Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &chunked(&[b"ab", b"cd"]),
        )),
        "/length" => Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 3\n", b"xyz")),
        _ => Reply::Close(response("HTTP/1.0 200 OK\n", b"closed")),
    });
    for path in ["/chunked", "/length", "/close"] {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, stderr) = fetch(dir.path(), &[&server.url(path), "-o", "ours"]);
        assert_eq!(code, 0, "{stderr}");
        Command::new(&curl)
            .args(["-s", "-o"])
            .arg(dir.path().join("curls"))
            .arg(server.url(path))
            .timeout(PATIENCE)
            .assert()
            .success();
        assert_eq!(
            saved(dir.path(), "ours"),
            saved(dir.path(), "curls"),
            "{path}"
        );
    }
}

// The tutorial's version, kept to show where it breaks.

#[test]
fn the_naive_client_saves_chunk_sizes_inside_the_html() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &chunked(&[b"<html>", b"</html>"]),
        ))
    });
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let (header, html) = naive_get(stream, "127.0.0.1").unwrap();
    assert!(header.starts_with("HTTP/1.1 200 OK"));
    let html = String::from_utf8(html).unwrap();
    // Not "<html></html>": the chunk framing is mistaken for content.
    assert_eq!(
        html,
        "6;ext=1\r\n<html>\r\n7;ext=1\r\n</html>\r\n0\r\nX-Trailer: yes\r\n\r\n"
    );
}

#[test]
fn the_naive_client_hangs_when_the_server_keeps_the_connection_open() {
    let server =
        Server::start(|_| Reply::KeepOpen(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"ok")));
    let stream = TcpStream::connect(server.addr).unwrap();
    // Without this timeout the naive client would wait forever for a close.
    stream
        .set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let err = naive_get(stream, "127.0.0.1").unwrap_err();
    assert!(shared::error::is_timeout(&err), "{err}");
}

/// The progress line appears only when stderr is a terminal (here: a pseudo-terminal
/// from `script`); every other test pipes stderr and checks it holds no progress line.
#[cfg(target_os = "linux")]
#[test]
fn a_progress_line_is_shown_on_a_terminal() {
    let Some(script) = shared::testing::tool("script") else {
        return;
    };
    let body = vec![b'p'; 3 << 20];
    let server = Server::start(move |_| {
        Reply::Close(response(
            &format!("HTTP/1.1 200 OK\nContent-Length: {}\n", body.len()),
            &body,
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let command = format!("{CLIENT} {} -o big.bin", server.url("/big"));
    // script -q: no banner; -e: its exit code is the command's; -c: the command.
    let ran = run_in(
        Some(dir.path()),
        script,
        &["-qec", &command, "/dev/null"],
        "",
        PATIENCE,
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        ran.stdout.contains("3.0 of 3.0 MiB"),
        "no progress line on a terminal: {:?}",
        ran.stdout
    );
    assert_eq!(saved(dir.path(), "big.bin").len(), 3 << 20);
}

// Odd servers and odd output paths (issue 15's HTTP part, issue 22's lesson 4 part).

#[test]
fn folded_and_non_utf8_header_values_are_accepted() {
    let server = Server::start(|_| {
        let mut bytes =
            b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\nX-Latin: caf\xe9\r\n".to_vec();
        bytes.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
        Reply::Close(bytes)
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\nX-Folded: one two\n"), "{stdout}");
    assert!(stdout.contains("\nX-Latin: caf\u{FFFD}\n"), "{stdout}");
    assert_eq!(saved(dir.path(), "sina.html"), b"ok");
}

#[test]
fn a_transfer_coding_other_than_chunked_is_refused() {
    let server = Server::start(|_| {
        Reply::Close(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n",
            &chunked(&[b"\x1f\x8b\x08\x00 pretend gzip"]),
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 1);
    assert!(
        stderr
            .contains("Transfer-Encoding \"gzip, chunked\", and this client decodes only chunked"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_files(dir.path(), &[]);
}

#[test]
fn an_endless_run_of_100_continue_is_cut_short() {
    let server = Server::start(|_| Reply::KeepOpen(b"HTTP/1.1 100 Continue\r\n\r\n".repeat(200)));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/"), "--timeout", "5"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "more than 20 interim responses (1xx, such as 100 Continue) and no final one"
        ),
        "{stderr}"
    );
    assert_files(dir.path(), &[]);
}

#[test]
fn relative_redirects_are_resolved_as_rfc_3986_says() {
    let server = Server::start(|path| {
        let location = match path {
            "/a/b/rel" => "../target?x=1",
            "/a/target?x=1" => "?page=2",
            "/a/target?page=2" => "/new page.html",
            _ => return Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 4\n", b"done")),
        };
        Reply::Close(response(
            &format!("HTTP/1.1 302 Found\nLocation: {location}\nContent-Length: 0\n"),
            b"",
        ))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/a/b/rel")]);
    assert_eq!(code, 0, "{stderr}");
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.split(' ').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/a/b/rel",
            "/a/target?x=1",
            "/a/target?page=2",
            "/new%20page.html"
        ]
    );
    assert_eq!(saved(dir.path(), "sina.html"), b"done");
}

#[test]
fn verbose_shows_the_request_head_as_sent() {
    let server =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 0\n", b"")));
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/x?y=1"), "-v"]);
    assert_eq!(code, 0, "{stderr}");
    let sent: String = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|l| format!("{l}\r\n"))
        .collect();
    assert_eq!(
        sent,
        server.requests()[0],
        "-v must show exactly what was sent"
    );
}

#[test]
fn dash_o_dash_writes_the_body_to_stdout_and_the_rest_to_stderr() {
    let server = Server::start(|_| {
        Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 5\n", b"<p>\n\0"))
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = fetch(dir.path(), &[&server.url("/"), "-o", "-"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "<p>\n\0");
    assert!(
        stderr.starts_with(&format!("GET {}\nHTTP/1.1 200 OK\n", server.url("/"))),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("Saved 5 bytes to standard output (200 OK)\n"),
        "{stderr}"
    );
    assert_files(dir.path(), &[]);
}

#[test]
fn a_missing_output_folder_fails_before_connecting() {
    let server =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"no")));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/"), "-o", "missing/dir/x.html"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: cannot save to missing/dir/x.html: missing/dir is not a folder\n"
    );
    assert!(server.requests().is_empty(), "it connected first");
}

#[cfg(unix)]
#[test]
fn a_symlink_is_kept_and_the_file_it_points_to_replaced() {
    let server =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 3\n", b"new")));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.html"), "old").unwrap();
    std::os::unix::fs::symlink("real.html", dir.path().join("sina.html")).unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    let link = std::fs::symlink_metadata(dir.path().join("sina.html")).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(saved(dir.path(), "real.html"), b"new");
    assert_files(dir.path(), &["real.html", "sina.html"]);
}

/// A FIFO stands for every file that is not a regular one (`/dev/null` too, which a
/// test must not risk replacing): it is written through, and stays a FIFO.
#[cfg(unix)]
#[test]
fn a_fifo_is_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let Some(mkfifo) = shared::testing::tool("mkfifo") else {
        return;
    };
    let server =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 4\n", b"pipe")));
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    assert!(std::process::Command::new(mkfifo)
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/"), "-o", "out.fifo"]);
    assert_eq!(code, 0, "{stderr}");
    // Checked before joining: a replaced FIFO would leave the reader waiting for ever.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(
        meta.file_type().is_fifo(),
        "the FIFO was replaced by a regular file"
    );
    assert_eq!(reader.join().unwrap(), b"pipe");
    assert_files(dir.path(), &["out.fifo"]);
}

/// curl's files get 0666 less the umask (0644 under the usual 022); ours too, not
/// the temporary file's private 0600.
#[cfg(target_os = "linux")]
#[test]
fn the_saved_file_gets_the_umask_mode_as_curls_does() {
    use std::os::unix::fs::PermissionsExt;
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
        .unwrap();
    let server =
        Server::start(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 1\n", b"m")));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    let mode = std::fs::metadata(dir.path().join("sina.html"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o666 & !umask,
        "mode {:o} under umask {umask:o}",
        mode & 0o777
    );
    // An existing file keeps its own mode.
    std::fs::set_permissions(
        dir.path().join("sina.html"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let (code, _, stderr) = fetch(dir.path(), &[&server.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    let mode = std::fs::metadata(dir.path().join("sina.html"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}
