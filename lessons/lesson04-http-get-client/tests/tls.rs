//! lesson04-http-get-client over TLS, against rustls servers started here on loopback
//! with certificates made at test time (see `common::pki`). Nothing leaves the machine.

mod common;

use common::pki::{Ca, ServerKeyLog, CA_NAME};
use common::{chunked, response, Reply, Server};
use shared::testing::PATIENCE;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CLIENT: &str = env!("CARGO_BIN_EXE_lesson04-http-get-client");

/// A CA, its PEM file in a fresh folder, and that folder for the client to work in.
struct Setup {
    ca: Ca,
    cacert: PathBuf,
    dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let ca = Ca::new();
    let dir = tempfile::tempdir().unwrap();
    let cacert = ca.write_pem(dir.path());
    Setup { ca, cacert, dir }
}

impl Setup {
    /// An https server on 127.0.0.1 with a certificate for `127.0.0.1` and `localhost`.
    fn server(&self, reply: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let leaf = self.ca.leaf(&["localhost", "127.0.0.1"]);
        Server::start_tls(leaf.server_config(), reply)
    }

    /// Runs the client with `--cacert ca.pem` and `args`: (exit code, stdout, stderr).
    fn fetch(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["--cacert", self.cacert.to_str().unwrap()];
        all.extend_from_slice(args);
        fetch_in(self.dir.path(), &all, &[])
    }

    fn saved(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }

    /// Runs the client expecting failure: exit 1, one `error:` line containing
    /// `words` and a hint, and `sina.html` (written before) left as it was.
    fn assert_fails(&self, args: &[&str], with_cacert: bool, words: &str) -> String {
        let file = self.dir.path().join("sina.html");
        std::fs::write(&file, "the previous download").unwrap();
        let before = self.files();
        let (code, _, stderr) = if with_cacert {
            self.fetch(args)
        } else {
            fetch_in(self.dir.path(), args, &[])
        };
        assert_eq!(code, 1, "{stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("warning:"))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].starts_with("error: "), "{stderr}");
        assert!(errors[0].contains(words), "wanted {words:?} in {stderr}");
        assert!(errors[0].contains("; hint: "), "no hint: {stderr}");
        assert_eq!(std::fs::read(&file).unwrap(), b"the previous download");
        assert_eq!(self.files(), before, "a file was written or left behind");
        errors[0].to_string()
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn fetch_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = std::process::Command::new(CLIENT);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SSLKEYLOGFILE");
    for (name, value) in env {
        command.env(name, value);
    }
    let out = assert_cmd::Command::from_std(command)
        .timeout(PATIENCE)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_kind_of_body_arrives_byte_exact_over_tls() {
    let s = setup();
    let binary: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let expected_binary = binary.clone();
    let server = s.server(move |path| match path {
        "/length" => Reply::KeepOpen(response(
            &format!("HTTP/1.1 200 OK\nContent-Length: {}\n", binary.len()),
            &binary,
        )),
        "/chunked" => Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &chunked(&[b"Hello, ", b"TLS!"]),
        )),
        _ => Reply::Close(response("HTTP/1.0 200 OK\n", b"until close_notify")),
    });
    let (code, stdout, stderr) = s.fetch(&[&server.url("/length"), "-o", "bin"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(s.saved("bin") == expected_binary, "the bytes differ");
    // Each hop shows the TLS version, the cipher suite and who the certificate names.
    assert!(stdout.starts_with(&format!("GET {}\n* TLS 1.", server.url("/length"))));
    assert!(stdout.contains(", cipher suite TLS"), "{stdout}");
    assert!(
        stdout.contains("\n* certificate for: CN=localhost\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\n* issued by: CN={CA_NAME}, O=netlessons\n")),
        "{stdout}"
    );
    assert!(stdout.contains("\nHTTP/1.1 200 OK\nContent-Length: 300000\n"));

    let (code, _, stderr) = s.fetch(&[&server.url("/chunked"), "-o", "chunked"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.saved("chunked"), b"Hello, TLS!");

    let (code, _, stderr) = s.fetch(&[&server.url("/close"), "-o", "close"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.saved("close"), b"until close_notify");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn an_http_redirect_to_https_is_followed_across_servers() {
    let s = setup();
    let secure =
        s.server(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 4\n", b"real")));
    let location = secure.url("/home");
    let plain = Server::start(move |_| {
        Reply::Close(response(
            &format!("HTTP/1.1 302 Found\nLocation: {location}\nContent-Length: 0\n"),
            b"",
        ))
    });
    let (code, stdout, stderr) = s.fetch(&[&plain.url("/")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.saved("sina.html"), b"real");
    let hops: Vec<&str> = stdout.lines().filter(|l| l.starts_with("GET ")).collect();
    assert_eq!(
        hops,
        [
            format!("GET {}", plain.url("/")),
            format!("GET {}", secure.url("/home"))
        ]
    );
    assert!(
        stdout.contains("HTTP/1.1 302 Found\nLocation: https://"),
        "{stdout}"
    );
    assert_eq!(stderr, "Saved 4 bytes to sina.html (200 OK)\n");
}

#[test]
fn an_unknown_authority_is_refused_without_cacert() {
    let s = setup();
    let server =
        s.server(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"no")));
    let line = s.assert_fails(
        &[&server.url("/")],
        false,
        "not signed by an authority this client trusts",
    );
    assert!(line.contains("--cacert FILE"), "{line}");
    assert!(server.requests().is_empty(), "no request may be sent");
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let s = setup();
    let leaf = s.ca.leaf(&["other.example"]);
    let server = Server::start_tls(leaf.server_config(), |_| {
        Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"no"))
    });
    s.assert_fails(
        &[&server.url("/")],
        true,
        "the certificate is for other.example, not for 127.0.0.1",
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let s = setup();
    let leaf = s.ca.expired_leaf(&["127.0.0.1"]);
    let server = Server::start_tls(leaf.server_config(), |_| {
        Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"no"))
    });
    let line = s.assert_fails(&[&server.url("/")], true, "the certificate expired ");
    assert!(line.contains("must renew it"), "{line}");
}

#[test]
fn plain_http_on_an_https_url_is_named() {
    let s = setup();
    // What nginx does with a TLS ClientHello on a plain port: an HTTP 400, then close.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let line = s.assert_fails(&[&format!("https://{addr}/")], true, "not TLS");
    assert!(line.contains("try the URL with http://"), "{line}");
}

#[test]
fn an_http_url_on_a_tls_port_gets_a_hint_to_use_https() {
    let s = setup();
    let server =
        s.server(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"no")));
    let url = format!("http://{}/", server.addr);
    // rustls answers the plain request with a TLS alert, then closes.
    let line = s.assert_fails(&[&url], true, "answered in TLS, not HTTP");
    assert!(line.contains("use the https:// URL"), "{line}");
}

#[test]
fn a_server_that_resets_instead_of_answering_gets_a_hint() {
    let s = setup();
    // What Python's ssl module does with plain HTTP: it reads the request as a
    // broken ClientHello and closes with it unread, so TCP sends a reset.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            let _ = stream.peek(&mut [0u8; 1]); // the request has arrived
        } // dropped with the request unread: a reset
    });
    let line = s.assert_fails(&[&format!("http://{addr}/")], true, "bad response from");
    assert!(line.contains("if it serves https"), "{line}");
}

#[test]
fn a_server_that_never_completes_the_handshake_times_out() {
    let s = setup();
    // Accepts, reads, never answers: a plain server waiting for a request line.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            stream.set_read_timeout(Some(PATIENCE)).unwrap();
            let _ = std::io::copy(&mut stream, &mut std::io::sink());
        }
    });
    let line = s.assert_fails(&[&url, "--timeout", "1"], true, "no TLS answer for 1 s");
    assert!(line.contains("TLS handshake with"), "{line}");
}

#[test]
fn a_body_cut_short_is_an_error_with_or_without_close_notify() {
    let s = setup();
    let head = "HTTP/1.1 200 OK\nContent-Length: 100\n";
    let server = s.server(move |path| {
        let bytes = response(head, &[b'x'; 50]);
        match path {
            "/notify" => Reply::Close(bytes),
            _ => Reply::CloseWithoutNotify(bytes),
        }
    });
    for path in ["/notify", "/abrupt"] {
        s.assert_fails(&[&server.url(path)], true, "after 50 of 100 bytes");
    }
    let chunks = s.server(|_| {
        Reply::CloseWithoutNotify(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            b"5\r\nhello\r\n",
        ))
    });
    s.assert_fails(&[&chunks.url("/")], true, "before the last chunk");
}

#[test]
fn an_end_without_close_notify_is_harmless_after_a_complete_body_only() {
    let s = setup();
    let server = s.server(|path| match path {
        "/length" => {
            Reply::CloseWithoutNotify(response("HTTP/1.1 200 OK\nContent-Length: 5\n", b"whole"))
        }
        "/chunked" => Reply::CloseWithoutNotify(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &chunked(&[b"whole"]),
        )),
        _ => Reply::CloseWithoutNotify(response("HTTP/1.0 200 OK\n", b"maybe whole")),
    });
    for path in ["/length", "/chunked"] {
        let (code, _, stderr) = s.fetch(&[&server.url(path), "-o", "ok.html"]);
        assert_eq!(code, 0, "{path}: {stderr}");
        assert_eq!(s.saved("ok.html"), b"whole");
    }
    // Only the end of the connection marks the end of this body, and it was not
    // authenticated: an attacker could have cut it.
    s.assert_fails(&[&server.url("/close")], true, "without close_notify");
}

#[test]
fn insecure_accepts_any_certificate_and_warns_every_time() {
    let s = setup();
    let leaf = s.ca.expired_leaf(&["other.example"]);
    let server = Server::start_tls(leaf.server_config(), |_| {
        Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"ok"))
    });
    for _ in 0..2 {
        let (code, _, stderr) = fetch_in(s.dir.path(), &[&server.url("/"), "--insecure"], &[]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.starts_with("warning: --insecure: certificates are not checked"),
            "{stderr}"
        );
        assert_eq!(s.saved("sina.html"), b"ok");
    }
}

/// Both versions, and for each the key log a capture can be decrypted with: the
/// client's lines must be the very secrets the server derived.
#[test]
fn tls_1_2_and_1_3_both_work_and_sslkeylogfile_holds_the_real_secrets() {
    for (version, name, label) in [
        (&rustls::version::TLS12, "TLS 1.2", "CLIENT_RANDOM"),
        (
            &rustls::version::TLS13,
            "TLS 1.3",
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        ),
    ] {
        let s = setup();
        let server_log = Arc::new(ServerKeyLog::default());
        let leaf = s.ca.leaf(&["127.0.0.1"]);
        let config = leaf.server_config_for(&[version], Some(Arc::clone(&server_log)));
        let server = Server::start_tls(config, |_| {
            Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 3\n", b"v12"))
        });
        let keylog = s.dir.path().join("keys.log");
        let (code, stdout, stderr) = fetch_in(
            s.dir.path(),
            &["--cacert", s.cacert.to_str().unwrap(), &server.url("/")],
            &[("SSLKEYLOGFILE", keylog.to_str().unwrap())],
        );
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(
            stdout.contains(&format!("\n* {name}, cipher suite ")),
            "{stdout}"
        );
        assert!(stderr.contains("(SSLKEYLOGFILE)"), "{stderr}");
        let client_lines = std::fs::read_to_string(&keylog).unwrap();
        // NSS key log format: LABEL <client random, 32 bytes hex> <secret hex>.
        for line in client_lines.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "{line}");
            assert_eq!(fields[1].len(), 64, "{line}");
            assert!(fields[2].len() >= 64, "{line}");
            assert!(fields[1..]
                .iter()
                .all(|f| f.bytes().all(|b| b.is_ascii_hexdigit())));
        }
        assert!(client_lines.contains(label), "{name}: {client_lines}");
        let server_lines = server_log.0.lock().unwrap().clone();
        assert!(!server_lines.is_empty());
        for line in &server_lines {
            assert!(
                client_lines.contains(line.as_str()),
                "{name}: server's {line} not in client's log"
            );
        }
    }
}

#[test]
fn sni_carries_host_names_but_never_ip_addresses() {
    let s = setup();
    let server = s.server(|_| Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 1\n", b"x")));
    let port = server.addr.port();
    for url in [
        format!("https://localhost:{port}/"),
        format!("https://127.0.0.1:{port}/"),
    ] {
        let (code, _, stderr) = s.fetch(&[&url]);
        assert_eq!(code, 0, "{url}: {stderr}");
    }
    assert_eq!(server.server_names(), [Some("localhost".to_string()), None]);
    let requests = server.requests();
    assert!(requests[0].contains(&format!("\r\nHost: localhost:{port}\r\n")));
}

#[test]
fn an_ipv6_literal_url_works() {
    let s = setup();
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: no IPv6 loopback (::1) here; skipping the IPv6 test");
        return;
    }
    let leaf = s.ca.leaf(&["::1"]);
    let server = Server::start_on("[::1]:0", Some(leaf.server_config()), |_| {
        Reply::Close(response("HTTP/1.1 200 OK\nContent-Length: 2\n", b"v6"))
    });
    let url = format!("https://[::1]:{}/", server.addr.port());
    let (code, _, stderr) = s.fetch(&[&url]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.saved("sina.html"), b"v6");
    assert_eq!(server.server_names(), [None]);
    assert!(server.requests()[0].contains(&format!("\r\nHost: [::1]:{}\r\n", server.addr.port())));
}

#[test]
fn a_bad_cacert_file_is_one_clear_error_before_connecting() {
    let s = setup();
    std::fs::write(s.dir.path().join("empty.pem"), "no certificates here\n").unwrap();
    let (code, _, stderr) = fetch_in(
        s.dir.path(),
        &["--cacert", "empty.pem", "https://127.0.0.1:9/"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: cannot use --cacert empty.pem: no PEM certificate"),
        "{stderr}"
    );
    let (code, _, stderr) = fetch_in(
        s.dir.path(),
        &["--cacert", "missing.pem", "https://127.0.0.1:9/"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: cannot use --cacert missing.pem"),
        "{stderr}"
    );
}

#[test]
fn curl_with_the_same_cacert_saves_the_same_bytes() {
    let Some(curl) = shared::testing::tool("curl") else {
        return;
    };
    let s = setup();
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let server = s.server(move |path| match path {
        "/chunked" => Reply::KeepOpen(response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            &chunked(&[&body[..1000], &body[1000..]]),
        )),
        _ => Reply::Close(response(
            &format!("HTTP/1.1 200 OK\nContent-Length: {}\n", body.len()),
            &body,
        )),
    });
    for path in ["/chunked", "/length"] {
        let (code, _, stderr) = s.fetch(&[&server.url(path), "-o", "ours"]);
        assert_eq!(code, 0, "{stderr}");
        let status = std::process::Command::new(&curl)
            .args(["-sS", "--fail", "--cacert"])
            .arg(&s.cacert)
            .arg("-o")
            .arg(s.dir.path().join("curls"))
            .arg(server.url(path))
            .status()
            .unwrap();
        assert!(status.success(), "curl failed on {path}");
        assert!(
            s.saved("ours") == s.saved("curls"),
            "{path}: curl saved other bytes"
        );
    }
}

/// rustls' default provider, aws-lc-rs, is a C/cmake build that costs minutes on two
/// cores; this lesson uses ring only. A dependency that turned rustls' default
/// features back on would bring it in (and then rustls panics at run time, with two
/// providers and none chosen).
#[test]
fn aws_lc_is_not_in_the_dependency_graph() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "lesson04-http-get-client",
        ])
        .args(["-e", "normal,build,dev", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("rustls v0.23"), "{tree}");
    assert!(tree.contains("ring v"), "{tree}");
    assert!(!tree.contains("aws-lc"), "aws-lc is back:\n{tree}");
}
