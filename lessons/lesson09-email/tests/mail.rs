//! lesson09's programs end to end: a mail goes in over SMTP and comes out over POP3.

mod common;

use common::{pop3_login, smtp_to_data, Mail, Raw};
use shared::testing::Ran;

const ALICE: &str = "alice:secret";

/// Sends a mail to alice with lesson09-send.
fn send(mail: &Mail, subject: &str, text: &str) -> Ran {
    let to_alice = ["--from", "ann@example.com", "--to", "alice@localhost"];
    mail.send(&[&to_alice[..], &["--subject", subject]].concat(), text)
}

/// Runs lesson09-fetch as alice with `extra` arguments.
fn fetch(mail: &Mail, extra: &[&str]) -> Ran {
    mail.fetch(&[&["--user", ALICE][..], extra].concat())
}

#[test]
fn a_mail_sent_with_lesson09_send_is_fetched_with_lesson09_fetch() {
    let mail = Mail::start(&["--user", ALICE]);
    let sent = send(&mail, "Grüße aus Köln", "Hallo Alice,\nschöne Grüße!\n");
    assert_eq!(sent.code, 0, "{sent:?}");
    // The dialogue, as the client saw it.
    for line in [
        "S: 220 localhost ESMTP lesson09-mta ready",
        "C: EHLO [127.0.0.1]",
        "C: MAIL FROM:<ann@example.com> SIZE=",
        "C: RCPT TO:<alice@localhost>",
        "S: 354 ",
        "C: Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
        "C: Content-Transfer-Encoding: 8bit",
        "S: 250 2.0.0 OK: stored as ",
        "S: 221 ",
    ] {
        assert!(
            sent.stdout.contains(line),
            "missing {line:?} in\n{}",
            sent.stdout
        );
    }
    mail.logged("for alice");
    assert_eq!(mail.files("alice/new").len(), 1);
    assert!(
        mail.files("tmp").is_empty(),
        "the spool file is gone once delivered"
    );

    let listed = fetch(&mail, &[]);
    assert_eq!(listed.code, 0, "{listed:?}");
    assert!(
        listed.stdout.starts_with("1 message for alice\n"),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stdout
            .contains("from <ann@example.com>: Grüße aus Köln"),
        "the subject is decoded: {}",
        listed.stdout
    );

    let got = fetch(&mail, &["--retrieve", "1"]);
    assert_eq!(got.code, 0, "{got:?}");
    assert!(got
        .stdout
        .starts_with("Return-Path: <ann@example.com>\nReceived: from [127.0.0.1] ([127.0.0.1])\n"));
    assert!(
        got.stdout.ends_with("\n\nHallo Alice,\nschöne Grüße!\n"),
        "{}",
        got.stdout
    );
}

#[test]
fn dot_stuffing_round_trips_every_line_that_starts_with_a_dot() {
    let mail = Mail::start(&["--user", ALICE]);
    let body = ".\n..\n.hidden\nmiddle\n. \n...\n.";
    assert_eq!(send(&mail, "dots", body).code, 0);
    let got = fetch(&mail, &["--retrieve", "1"]);
    assert!(
        got.stdout.ends_with(&format!("\n\n{body}\n")),
        "{}",
        got.stdout
    );
}

#[test]
fn dot_stuffing_on_the_wire() {
    let mail = Mail::start(&["--user", ALICE]);
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    smtp.send("Subject: wire\r\n\r\n..one dot\r\n...two dots\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 2.0.0 OK: stored as "));
    // Stored without the stuffing...
    let stored = std::fs::read_to_string(&mail.files("alice/new")[0]).unwrap();
    assert!(stored.ends_with("\n\n.one dot\n..two dots\n"), "{stored}");
    // ...and stuffed again on the way out.
    let mut pop3 = pop3_login(mail.pop3, "alice", "secret");
    pop3.line("RETR 1");
    assert!(pop3.read_line().starts_with("+OK "));
    let lines = pop3.until_dot();
    assert_eq!(lines[lines.len() - 2..], ["..one dot", "...two dots"]);
}

#[test]
fn malformed_smtp_commands_get_5xx_replies_and_the_session_goes_on() {
    let mail = Mail::start(&[]);
    let mut raw = Raw::connect(mail.smtp);
    assert!(raw.reply().starts_with("220 "));
    for (command, code) in [
        ("MAIL FROM:<a@b>", "503 "),
        ("HELLO there", "500 "),
        ("EHLO", "501 "),
        ("HELO test", "250 "),
        ("MAIL FROM:ann@example.com", "501 "),
        ("RCPT TO:<b@c>", "503 "),
        ("MAIL FROM:<ann@example.com> FAST=yes", "555 "),
        ("MAIL FROM:<ann@example.com>", "250 "),
        ("RCPT TO:<../../etc/passwd@x>", "553 "),
        ("DATA", "503 "),
        ("RCPT TO:<bob@x>", "250 "),
        ("RSET", "250 "),
        ("DATA", "503 "),
        ("NOOP", "250 "),
    ] {
        let reply = raw.ask(command);
        assert!(
            reply.starts_with(code),
            "{command:?} got {reply:?}, wanted {code}"
        );
    }
    // A line longer than any SMTP line: refused, and the server hangs up, since
    // it cannot know where the next command starts.
    raw.line(&"A".repeat(5000));
    let rest = raw.rest();
    assert!(rest.starts_with("500 5.5.2 Line too long"), "{rest:?}");
    assert!(mail.files("tmp").is_empty());
}

#[test]
fn a_message_over_the_size_limit_is_refused_and_nothing_is_stored() {
    let mail = Mail::start(&["--max-size", "1000"]);
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    for _ in 0..40 {
        smtp.line("fifty octets of text, forty times: 2000 in all....");
    }
    smtp.line(".");
    let reply = smtp.reply();
    assert!(reply.starts_with("552 5.3.4 Message too big"), "{reply}");
    mail.logged("over the limit of 1000");
    assert!(mail.files("alice/new").is_empty(), "nothing delivered");
    assert!(mail.files("tmp").is_empty(), "nothing left half-stored");
    // The session is still in step: the next, smaller message goes through.
    assert!(smtp.ask("MAIL FROM:<ann@example.com>").starts_with("250 "));
    assert!(smtp.ask("RCPT TO:<alice@x>").starts_with("250 "));
    assert!(smtp.ask("DATA").starts_with("354 "));
    smtp.send("Subject: small\r\n\r\nfits\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 "));
    assert_eq!(mail.files("alice/new").len(), 1);

    // lesson09-send announces the size, so it is refused before DATA, with a hint.
    let sent = send(&mail, "big", &"x".repeat(2000));
    assert_eq!(sent.code, 1, "{sent:?}");
    assert!(
        sent.stderr
            .starts_with("error: the server refused MAIL FROM:<ann@example.com> SIZE="),
        "{}",
        sent.stderr
    );
    assert!(sent.stderr.contains("552 5.3.4"), "{}", sent.stderr);
    assert!(
        sent.stderr.contains("hint: the message is bigger"),
        "{}",
        sent.stderr
    );
}

#[test]
fn a_connection_lost_during_data_stores_nothing() {
    let mail = Mail::start(&[]);
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    smtp.send("Subject: cut short\r\n\r\nthe first half\r\n");
    drop(smtp);
    mail.logged("session ended during DATA; nothing stored");
    assert!(mail.files("tmp").is_empty());
    assert!(mail.files("alice/new").is_empty());
}

#[test]
fn dele_takes_effect_only_at_quit() {
    let mail = Mail::start(&["--user", ALICE]);
    for subject in ["one", "two"] {
        assert_eq!(send(&mail, subject, "x").code, 0);
    }
    // DELE, then the connection drops without QUIT: nothing is deleted.
    let mut pop3 = pop3_login(mail.pop3, "alice", "secret");
    pop3.line("DELE 1");
    assert!(pop3.read_line().starts_with("+OK"));
    pop3.line("STAT");
    assert!(
        pop3.read_line().starts_with("+OK 1 "),
        "deleted ones are not counted"
    );
    pop3.line("RETR 1");
    assert!(pop3.read_line().starts_with("-ERR"), "nor retrievable");
    drop(pop3);
    mail.logged("alice left without QUIT; nothing deleted"); // and unlocked
    let listed = fetch(&mail, &[]);
    assert!(listed.stdout.starts_with("2 messages"), "{listed:?}");

    let deleted = fetch(&mail, &["--delete", "1"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert_eq!(deleted.stderr, "deleted message 1\n");
    let listed = fetch(&mail, &[]);
    assert!(listed.stdout.starts_with("1 message "), "{listed:?}");
    assert!(
        listed.stdout.contains(": two\n"),
        "the first one went: {listed:?}"
    );
    assert_eq!(mail.files("alice/new").len(), 1);
}

#[test]
fn pop3_errors_are_replies_not_crashes() {
    let mail = Mail::start(&["--user", ALICE]);
    assert_eq!(send(&mail, "one", "x").code, 0);
    let mut raw = Raw::connect(mail.pop3);
    assert!(raw.read_line().starts_with("+OK"));
    for (command, reply) in [
        ("RETR 1", "-ERR Log in first"),
        ("PASS secret", "-ERR Send USER first"),
        ("USER ../alice", "-ERR Not a valid user name"),
        ("USER alice", "+OK"),
        ("PASS secret", "+OK alice has 1 message "),
        ("RETR", "-ERR Which message?"),
        ("RETR 2", "-ERR No message 2: there are 1"),
        ("RETR one", "-ERR \"one\" is not a message number"),
        ("TOP 1", "-ERR Syntax: TOP"),
        ("FROB", "-ERR Command not recognized"),
        ("USER bob", "-ERR Already logged in"),
        ("LIST 1", "+OK 1 "),
        ("NOOP", "+OK"),
    ] {
        raw.line(command);
        let got = raw.read_line();
        assert!(
            got.starts_with(reply),
            "{command:?} got {got:?}, wanted {reply:?}"
        );
    }
}

#[test]
fn wrong_passwords_are_refused_and_the_third_ends_the_session() {
    let mail = Mail::start(&["--user", ALICE]);
    let ran = mail.fetch(&["--user", "alice:guess"]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(
        ran.stderr,
        "error: login failed: the server said: [AUTH] Wrong user name or password\n"
    );
    let mut raw = Raw::connect(mail.pop3);
    assert!(raw.read_line().starts_with("+OK"));
    for _ in 0..3 {
        raw.line("USER alice");
        assert!(raw.read_line().starts_with("+OK"));
        raw.line("PASS wrong");
        assert!(raw.read_line().starts_with("-ERR [AUTH]"));
    }
    assert_eq!(raw.rest(), "", "the server hung up after the third failure");
}

#[test]
fn one_pop3_session_per_mailbox_at_a_time() {
    let mail = Mail::start(&["--user", ALICE]);
    let mut first = pop3_login(mail.pop3, "alice", "secret");
    let ran = fetch(&mail, &[]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("[IN-USE]"), "{}", ran.stderr);
    first.line("QUIT");
    assert!(first.read_line().starts_with("+OK Bye"));
    assert_eq!(fetch(&mail, &[]).code, 0, "free again after QUIT");
}

#[test]
fn with_users_given_mail_to_anyone_else_is_refused() {
    let mail = Mail::start(&["--user", ALICE, "--user", "bob:hunter2"]);
    let ran = mail.send(&["--from", "a@b", "--to", "mallory@localhost", "hi"], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: the server refused RCPT TO:<mallory@localhost>: 550 5.1.1"),
        "{}",
        ran.stderr
    );
    assert!(
        mail.server.stderr().is_empty(),
        "no warning when users are given"
    );
}

#[test]
fn without_users_the_server_warns_once_and_takes_any_password() {
    let mail = Mail::start(&[]);
    let sent = mail.send(&["--from", "a@b", "--to", "Bob@x", "-q", "hi"], "");
    assert_eq!(sent.code, 0, "{sent:?}");
    assert!(sent.stdout.starts_with("sent: 250 2.0.0 OK"), "{sent:?}");
    for password in ["anything", "else"] {
        let user = format!("bob:{password}");
        let ran = mail.fetch(&["--user", &user]);
        assert!(ran.stdout.starts_with("1 message for bob"), "{ran:?}");
    }
    let warnings = mail.server.stderr();
    assert_eq!(warnings.matches("warning:").count(), 1, "{warnings}");
    assert!(warnings.contains("any password"), "{warnings}");
}

#[test]
fn bcc_recipients_get_the_mail_but_appear_in_no_header() {
    let mail = Mail::start(&[]);
    let ran = mail.send(
        &["--from", "a@b", "--to", "alice@x", "--bcc", "carol@x", "hi"],
        "",
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        ran.stdout.contains("C: RCPT TO:<carol@x>"),
        "{}",
        ran.stdout
    );
    let alice = std::fs::read_to_string(&mail.files("alice/new")[0]).unwrap();
    let carol = std::fs::read_to_string(&mail.files("carol/new")[0]).unwrap();
    assert_eq!(alice, carol, "one message, two mailboxes");
    assert!(!alice.contains("carol"), "{alice}");
}

#[test]
fn sessions_beyond_the_limit_are_told_to_come_back_later() {
    let mail = Mail::start(&["--max-connections", "1"]);
    let mut first = Raw::connect(mail.smtp);
    assert!(first.reply().starts_with("220 "), "the first is served");
    let mut second = Raw::connect(mail.smtp);
    assert_eq!(
        second.rest(),
        "421 4.3.2 Too many connections, try again later\r\n"
    );
    let mut pop3 = Raw::connect(mail.pop3);
    assert!(
        pop3.read_line().starts_with("+OK"),
        "POP3 has its own limit"
    );
    assert!(first.ask("QUIT").starts_with("221 "));
    mail.logged("refused, too many sessions");
}

#[test]
fn a_silent_client_is_disconnected_after_the_idle_timeout() {
    let mail = Mail::start(&["--idle-timeout", "1"]);
    let mut smtp = Raw::connect(mail.smtp);
    assert!(smtp.reply().starts_with("220 "));
    let started = std::time::Instant::now();
    assert_eq!(
        smtp.rest(),
        "421 4.4.2 Idle for too long, closing the connection\r\n"
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
}

#[test]
fn ipv6_works_end_to_end() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: no IPv6 loopback here; skipping");
        return;
    }
    let mail = Mail::start_at("[::1]:0", &[]);
    assert!(mail.smtp.is_ipv6() && mail.pop3.is_ipv6());
    let sent = mail.send(&["--from", "ann@example.com", "--to", "bob@x", "hi"], "");
    assert!(sent.stdout.contains("C: EHLO [IPv6:::1]\n"), "{sent:?}");
    let got = mail.fetch(&["--user", "bob:any", "--retrieve", "1"]);
    assert!(
        got.stdout
            .contains("Received: from [IPv6:::1] ([IPv6:::1])\n"),
        "{got:?}"
    );
    assert!(got.stdout.ends_with("\n\nhi\n"), "{got:?}");
}

/// RFC 5321 section 4.1.1.10: a client ends with QUIT, after a refusal too; a
/// hang-up without it looks like a lost connection in the server's log.
#[test]
fn lesson09_send_says_quit_after_a_refusal() {
    let mail = Mail::start(&["--user", ALICE]);
    let ran = mail.send(&["--from", "a@b", "--to", "mallory@localhost", "hi"], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stdout
            .ends_with("S: 550 5.1.1 No such user here\nC: QUIT\nS: 221 2.0.0 Bye\n"),
        "{}",
        ran.stdout
    );
}

/// lesson09-fetch ends every session with QUIT: after retrieving, and after an
/// error of its own (with RSET first, so nothing marked is deleted).
#[test]
fn lesson09_fetch_says_quit_whatever_happens() {
    let mail = Mail::start(&["--user", ALICE]);
    assert_eq!(send(&mail, "one", "x").code, 0);
    let got = fetch(&mail, &["-v", "--retrieve", "1"]);
    assert_eq!(got.code, 0, "{got:?}");
    assert!(
        got.stderr.contains("\nC: QUIT\nS: +OK Bye"),
        "{}",
        got.stderr
    );
    let missing = fetch(&mail, &["-v", "--retrieve", "9"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("\nC: QUIT\nS: +OK Bye"),
        "{}",
        missing.stderr
    );
    assert!(missing.stderr.contains("error: there is no message 9"));
    let wrong = mail.fetch(&["--user", "alice:guess", "-v"]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(
        wrong.stderr.contains("\nC: QUIT\nS: +OK Bye"),
        "{}",
        wrong.stderr
    );
    mail.logged("alice logged in");
    assert_eq!(mail.files("alice/new").len(), 1, "nothing deleted");
}

/// POP3's port given to the IMAP client, or IMAP's to the POP3 client: the error
/// says which protocol answered and how to ask for it.
#[test]
fn lesson09_fetch_names_the_other_protocol_when_given_its_port() {
    let mail = Mail::start(&["--user", ALICE]);
    let fetch = env!("CARGO_BIN_EXE_lesson09-fetch");
    let (pop3, imap) = (mail.pop3.to_string(), mail.imap.to_string());
    let got = shared::testing::run(fetch, &["--connect", &imap, "--user", ALICE], "");
    assert_eq!(got.code, 1, "{got:?}");
    assert!(
        got.stderr.contains("greets as an IMAP server"),
        "{}",
        got.stderr
    );
    assert!(got
        .stderr
        .contains("; hint: for IMAP use lesson09-fetch --imap"));
    let args = ["--imap", "--connect", &pop3, "--user", ALICE];
    let got = shared::testing::run(fetch, &args, "");
    assert_eq!(got.code, 1, "{got:?}");
    assert!(
        got.stderr.contains("greets as a POP3 server"),
        "{}",
        got.stderr
    );
    assert!(got.stderr.contains("; hint: for POP3 leave out --imap"));
}

/// A mail needs no From: header to travel; the list then names the envelope
/// sender (Return-Path:), not an empty `from :`.
#[test]
fn a_mail_without_from_is_listed_by_its_envelope_sender() {
    let mail = Mail::start(&["--user", ALICE]);
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    smtp.send("X-Note: no From, no Subject\r\n\r\nhi\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 "));
    let listed = fetch(&mail, &[]);
    assert!(
        listed
            .stdout
            .contains("octets  from <ann@example.com> (envelope; no From: header): (no subject)\n"),
        "{}",
        listed.stdout
    );
}

#[test]
fn with_domain_given_it_is_never_an_open_relay() {
    let mail = Mail::start(&["--domain", "sina.test", "--relay-from", "127.0.0.2"]);
    let mut raw = Raw::connect(mail.smtp);
    assert!(raw.reply().starts_with("220 "));
    assert!(raw.ask("EHLO test").starts_with("250 "));
    assert!(raw.ask("MAIL FROM:<me@163.test>").starts_with("250 "));
    // We, at 127.0.0.1, may not relay: only 127.0.0.2 may.
    for other in [
        "friend@163.test",
        "friend@sina.test.example",
        "postmaster@163.test",
    ] {
        let answer = raw.ask(&format!("RCPT TO:<{other}>"));
        assert_eq!(
            answer,
            "550 5.7.1 Relaying denied: we only accept mail for our own domains"
        );
    }
    assert!(raw.ask("RCPT TO:<friend@Sina.Test>").starts_with("250 "));
    assert!(raw.ask("DATA").starts_with("354 "));
    raw.send("Subject: hi\r\n\r\nhello\r\n.\r\n");
    assert!(raw.reply().starts_with("250 "));
    assert_eq!(mail.files("friend/new").len(), 1);
}
