//! lesson09 against independent implementations: Python's standard `smtplib` and
//! `poplib` as clients of our server, and `aiosmtpd` (PyPI) as a server for our client.

mod common;

use common::{Mail, SEND};
use shared::testing::{run, tool, ServerProcess};
use std::path::PathBuf;
use std::process::Command;

/// `python3`, if it is installed and can import `module`. On CI both must be there.
fn python_with(module: &str) -> Option<PathBuf> {
    let python = tool("python3")?;
    let found = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "Python's {module} is missing, but CI must install it (.ci/run)"
        );
        eprintln!("note: Python's {module} is not installed; skipping (pip install {module})");
        return None;
    }
    Some(python)
}

fn script(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_tutorials_smtplib_and_poplib_programs_work_with_our_server() {
    let Some(python) = python_with("smtplib") else {
        return;
    };
    let mail = Mail::start(&["--user", "bob:pw"]);
    let (smtp_port, pop3_port) = (mail.smtp.port().to_string(), mail.pop3.port().to_string());
    let subject = "Grüße vom Python-Tutorial";
    let text = "hello, send by Python...\n.a line with a dot\nÜmlauts too";
    let script = script("tutorial_mail.py");
    let sent = run(
        &python,
        &[
            &script,
            "send",
            "127.0.0.1",
            &smtp_port,
            "py@example.com",
            "bob@localhost",
            subject,
            text,
        ],
        "",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    // smtplib's debug output shows our replies as it understood them.
    assert!(
        sent.stderr
            .contains("reply: retcode (250); Msg: b'2.0.0 OK: stored as"),
        "{}",
        sent.stderr
    );

    // Our fetch client decodes Python's (base64) encoded subject...
    let listed = mail.fetch(&["--user", "bob:pw"]);
    assert!(
        listed.stdout.contains(&format!(": {subject}\n")),
        "{listed:?}"
    );

    // ...and Python's poplib and email parser read what our server stored.
    let fetched = run(
        &python,
        &[&script, "fetch", "127.0.0.1", &pop3_port, "bob", "pw"],
        "",
    );
    assert_eq!(fetched.code, 0, "{fetched:?}");
    assert!(
        fetched
            .stdout
            .starts_with("+OK lesson09-mta POP3 ready\nMessages: 1. Size: "),
        "{}",
        fetched.stdout
    );
    assert!(
        fetched.stdout.contains(&format!("Subject: {subject}\n")),
        "{}",
        fetched.stdout
    );
    let shown = fetched.stdout.replace("\r\n", "\n");
    assert!(shown.contains(&format!("Text: {text}")), "{shown}");
}

#[test]
fn lesson09_send_talks_to_aiosmtpd() {
    let Some(python) = python_with("aiosmtpd") else {
        return;
    };
    let server = ServerProcess::start(&python, &[&script("aiosmtpd_server.py")]);
    let connect = server.addr.to_string();
    let cases = [
        // (subject, body, the transfer encoding we expect lesson09-send to choose)
        ("Plain ASCII", "Hello Bob.\n.dot line\n".to_string(), "7bit"),
        (
            "Grüße, 日本語 and a long subject that needs more than one encoded word to fit",
            "Schöne Grüße!\n".to_string(),
            "8bit",
        ),
        (
            "Long line",
            format!("{}\n", "x".repeat(2500)),
            "quoted-printable",
        ),
    ];
    for (subject, body, encoding) in cases {
        let ran = run(
            SEND,
            &[
                "--connect",
                &connect,
                "--from",
                "ann@example.com",
                "--to",
                "bob@example.com",
                "--bcc",
                "carol@example.com",
                "--subject",
                subject,
                "-q",
            ],
            &body,
        );
        assert_eq!(ran.code, 0, "{ran:?}");
        assert_eq!(ran.stdout, "sent: 250 2.0.0 OK: received\n");
        let fields = next_mail(&server);
        let field = |name: &str| fields[name].clone();
        assert_eq!(field("mail_from"), "\"ann@example.com\"");
        assert_eq!(
            field("rcpt_tos"),
            "[\"bob@example.com\", \"carol@example.com\"]"
        );
        assert_eq!(
            field("to"),
            "\"bob@example.com\"",
            "Bcc stays out of the headers"
        );
        assert_eq!(field("has_date"), "true");
        assert_eq!(field("has_message_id"), "true");
        assert_eq!(field("transfer_encoding"), format!("\"{encoding}\""));
        assert_eq!(unjson(&field("subject")), subject);
        assert_eq!(unjson(&field("text")).replace("\r\n", "\n"), body);
    }
}

/// The next mail aiosmtpd_server.py reports: its `NAME VALUE` lines up to `end`.
fn next_mail(server: &ServerProcess) -> std::collections::HashMap<String, String> {
    let mut fields = std::collections::HashMap::new();
    loop {
        let line = server.next_line();
        let Some((name, value)) = line.split_once(' ') else {
            return fields; // "end"
        };
        fields.insert(name.to_string(), value.to_string());
    }
}

#[test]
fn our_mta_relays_to_aiosmtpd_and_retries_only_the_recipient_it_deferred() {
    let Some(python) = python_with("aiosmtpd") else {
        return;
    };
    let remote = ServerProcess::start(
        &python,
        &[
            &script("aiosmtpd_server.py"),
            "--busy-once",
            "busy@sina.test",
        ],
    );
    let route = format!("sina.test={}", remote.addr);
    let mta = Mail::start(&[
        "--domain",
        "163.test",
        "--relay-from",
        "127.0.0.1",
        "--route",
        &route,
        "--retry",
        "1s",
    ]);
    let sent = mta.send(
        &[
            "--from",
            "me@163.test",
            "--to",
            "friend@sina.test",
            "--to",
            "busy@sina.test",
        ],
        "To both of you.\n",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    // First attempt: one connection; busy@ gets 452, friend@ the message.
    let first = next_mail(&remote);
    assert_eq!(first["mail_from"], "\"me@163.test\"");
    assert_eq!(first["rcpt_tos"], "[\"friend@sina.test\"]");
    mta.logged("<busy@sina.test> deferred: 452 4.2.2 Mailbox busy");
    // The retry carries busy@ alone: friend@ never gets a second copy.
    let second = next_mail(&remote);
    assert_eq!(second["rcpt_tos"], "[\"busy@sina.test\"]");
    assert_eq!(
        unjson(&second["text"]).replace("\r\n", "\n"),
        "To both of you.\n"
    );
    mta.logged("<busy@sina.test> delivered");
}

/// Decodes a JSON string literal as Python's `json.dumps` writes it.
fn unjson(literal: &str) -> String {
    let inner = &literal[1..literal.len() - 1];
    let mut out = String::new();
    let mut units = Vec::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push_str(&String::from_utf16(&units).unwrap());
            units.clear();
            out.push(c);
            continue;
        }
        match chars.next().unwrap() {
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                units.push(u16::from_str_radix(&hex, 16).unwrap());
                continue;
            }
            other => {
                out.push_str(&String::from_utf16(&units).unwrap());
                units.clear();
                out.push(match other {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    c => c,
                });
            }
        }
    }
    out.push_str(&String::from_utf16(&units).unwrap());
    out
}

#[test]
fn swaks_submits_to_163_and_the_mail_reaches_sina() {
    let Some(swaks) = tool("swaks") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "swaks is missing, but CI must install it (.ci/run)"
        );
        eprintln!("note: swaks is not installed; skipping (apt-get install swaks)");
        return;
    };
    let sina = Mail::start(&["--domain", "sina.test", "--user", "friend:secret"]);
    let route = format!("sina.test={}", sina.smtp);
    let mta = Mail::start(&[
        "--domain",
        "163.test",
        "--relay-from",
        "127.0.0.1",
        "--route",
        &route,
        "--retry",
        "1s",
    ]);
    let server = mta.smtp.to_string();
    let out = Command::new(swaks)
        .args([
            "--server",
            &server,
            "--from",
            "me@163.test",
            "--to",
            "friend@sina.test",
        ])
        .args([
            "--helo",
            "swaks.test",
            "--header",
            "Subject: from swaks",
            "--timeout",
            "30",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("<-  250 2.1.5 Recipient OK, will relay"),
        "{said}"
    );
    mta.logged("<friend@sina.test> delivered");
    sina.logged("for friend");
    let got = sina.fetch(&["--user", "friend:secret", "--retrieve", "1"]);
    assert!(
        got.stdout.contains("Subject: from swaks\n"),
        "{}",
        got.stdout
    );
    assert!(
        got.stdout.contains("Received: from swaks.test"),
        "163's trace names swaks' HELO:\n{}",
        got.stdout
    );

    // And a client that may not relay (swaks from 127.0.0.1 to sina's MTA,
    // asking for another domain) is refused.
    let sina_server = sina.smtp.to_string();
    let out = Command::new(tool("swaks").unwrap())
        .args([
            "--server",
            &sina_server,
            "--from",
            "me@163.test",
            "--to",
            "someone@163.test",
        ])
        .args(["--timeout", "30"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("<** 550 5.7.1 Relaying denied"), "{said}");
}
