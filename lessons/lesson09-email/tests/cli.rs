//! The course's conventions for lesson09's three programs: help, usage errors,
//! one-line runtime errors, and a clean stop on Ctrl-C or SIGTERM.

mod common;

use common::{smtp_to_data, Mail, Raw, FETCH, MAILQ, MTA, SEND};
use shared::testing::{
    assert_port_in_use_is_explained, assert_refused_is_explained, run, UNRESOLVABLE_HOST,
};
use std::net::TcpListener;

#[test]
fn every_program_explains_itself() {
    for (program, mentions) in [
        (MTA, "--imap-bind"),
        (SEND, "--bcc"),
        (FETCH, "--retrieve"),
        (MAILQ, "--maildir"),
    ] {
        let ran = run(program, &["--help"], "");
        assert_eq!(ran.code, 0, "{ran:?}");
        assert!(ran.stdout.contains(mentions), "{}", ran.stdout);
    }
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    for (program, args) in [
        (MTA, &["--user", "alice"][..]),
        (MTA, &["--user", "../root:pw"]),
        (MTA, &["--max-size", "0"]),
        (MTA, &["--route", "sina.test"]),
        (MTA, &["--retry", "5"]),
        (MTA, &["--relay-from", "sina.test"]),
        (MAILQ, &["--maildir"]),
        (SEND, &["--from", "ann", "--to", "bob@x"]),
        (SEND, &["--from", "ann@x"]),
        (FETCH, &[]),
        (FETCH, &["--user", "alice"]),
    ] {
        let ran = run(program, args, "");
        assert_eq!(ran.code, 2, "{args:?}: {ran:?}");
        assert!(ran.stderr.contains("Usage:"), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty());
    }
}

#[test]
fn mailq_without_a_queue_is_one_error_line_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run(MAILQ, &["--maildir", dir.path().to_str().unwrap()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.starts_with("error: no queue in "),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("hint:"), "{}", ran.stderr);
}

#[test]
fn a_taken_port_is_explained() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    assert_port_in_use_is_explained(MTA, taken.local_addr().unwrap());
    // The POP3 port too; and no maildir is created when the server cannot start.
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let addr = taken.local_addr().unwrap().to_string();
    let args = [
        "--bind",
        "127.0.0.1:0",
        "--pop3-bind",
        &addr,
        "--maildir",
        maildir.to_str().unwrap(),
    ];
    let ran = run(MTA, &args, "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr
            .starts_with(&format!("error: cannot listen on {addr}: ")),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(!maildir.exists());
}

#[test]
fn a_server_that_is_not_running_is_explained() {
    assert_refused_is_explained(
        SEND,
        &["--from", "a@b", "--to", "c@d", "hi"],
        "lesson09-email",
    );
    assert_refused_is_explained(FETCH, &["--user", "alice:pw"], "lesson09-email");
}

#[test]
fn an_unknown_host_is_one_error_line() {
    let connect = format!("{UNRESOLVABLE_HOST}:25");
    let ran = run(
        SEND,
        &["--connect", &connect, "--from", "a@b", "--to", "c@d", "hi"],
        "",
    );
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.starts_with("error: "), "{}", ran.stderr);
    assert!(ran.stderr.contains(UNRESOLVABLE_HOST), "{}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
}

#[test]
fn a_server_that_is_not_smtp_is_a_malformed_reply() {
    // An HTTP-ish server: it answers anything with one line and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        use std::io::Write;
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .unwrap();
    });
    let ran = run(
        SEND,
        &["--connect", &addr, "--from", "a@b", "--to", "c@d", "hi"],
        "",
    );
    server.join().unwrap();
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(
        ran.stderr,
        "error: malformed reply from the server: \"HTTP/1.1 400 Bad Request\" (is it an SMTP server?)\n"
    );
}

#[test]
fn a_message_that_cannot_be_delivered_says_why() {
    let mail = Mail::start(&[]);
    // Not an address at all is a usage error (exit 2); an address whose name
    // cannot be a mailbox is the server's refusal (exit 1).
    let ran = mail.send(&["--from", "a@b", "--to", ".hidden@x", "hi"], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.starts_with(
            "error: the server refused RCPT TO:<.hidden@x>: 553 5.1.3 Mailbox name not allowed"
        ),
        "{}",
        ran.stderr
    );
}

#[cfg(unix)]
mod signals {
    use super::*;
    use std::time::Duration;

    /// A POP3 client asks for a big mail again and again and reads none of it: the
    /// socket's buffers fill and the server's write waits. SIGTERM must still stop
    /// the server within two seconds (it used to wait for the idle timeout, 300 s).
    #[test]
    fn sigterm_stops_the_server_while_a_pop3_client_does_not_read() {
        let mail = Mail::start(&[]);
        let mut sending = smtp_to_data(mail.smtp, "a@b", "alice@x");
        let line = format!("{}\r\n", "y".repeat(70));
        sending.send(&format!("Subject: big\r\n\r\n{}.\r\n", line.repeat(70_000)));
        assert!(
            sending.reply().starts_with("250 "),
            "the 5 MB mail is stored"
        );
        let mut pop3 = common::pop3_login(mail.pop3, "alice", "any");
        // 25 MB asked for: more than loopback's socket buffers can hold.
        pop3.send(&"RETR 1\r\n".repeat(5));
        assert!(
            pop3.read_line().starts_with("+OK"),
            "the server began to send"
        );
        let (status, took, _) = mail.server.signal_and_wait("TERM");
        assert_eq!(status.code(), Some(0));
        assert!(took < Duration::from_secs(2), "SIGTERM took {took:?}");
    }

    #[test]
    fn sigterm_says_421_to_waiting_clients_and_exits_0() {
        for signal in ["TERM", "INT"] {
            let mail = Mail::start(&[]);
            let mut idle = Raw::connect(mail.smtp);
            assert!(idle.reply().starts_with("220 "));
            let mut pop3 = Raw::connect(mail.pop3);
            assert!(pop3.read_line().starts_with("+OK"));
            let mut imap = Raw::connect(mail.imap);
            assert!(imap.read_line().starts_with("* OK "));
            // A client in the middle of a message: it gets no 250, so it keeps its
            // copy and retries later, and the server stores nothing.
            let mut sending = smtp_to_data(mail.smtp, "a@b", "alice@x");
            sending.send("Subject: half\r\n\r\nsome text\r\n");
            let maildir = mail.maildir();
            let (status, took, _) = mail.server.signal_and_wait(signal);
            assert_eq!(status.code(), Some(0), "SIG{signal}");
            assert!(took < Duration::from_secs(2), "SIG{signal} took {took:?}");
            assert!(idle.rest().starts_with("421 4.3.2 Server shutting down"));
            assert!(sending.rest().starts_with("421 4.3.2 Server shutting down"));
            assert!(pop3
                .rest()
                .starts_with("-ERR [SYS/TEMP] Server shutting down"));
            assert_eq!(
                imap.rest(),
                "* BYE Server shutting down, try again later\r\n"
            );
            assert!(common::files(&maildir.join("tmp")).is_empty());
            assert!(common::files(&maildir.join("alice/new")).is_empty());
        }
    }
}
