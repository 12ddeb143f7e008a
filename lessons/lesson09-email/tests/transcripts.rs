//! The sessions book/src/lesson09.md shows, replayed (see `shared::testing::Transcript`).

mod common;

use common::{Mail, Raw};
use shared::testing::{book_dir, run, tool, Transcript};

/// Dates change every run, and not only in their digits ("Sun" → "Mon"): the book
/// shows one fixed date instead.
fn fixed_dates(text: &str) -> String {
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(i) = out[from..].find(" +0000") {
        let end = from + i + " +0000".len();
        let start = end - "Sun, 22 Nov 2026 10:00:00 +0000".len();
        out.replace_range(start..end, "Sun, 22 Nov 2026 10:00:00 +0000");
        from = end;
    }
    out
}

/// The book shows the maildir where `cargo run` puts it: `maildir` in the checkout.
fn shown(mail: &Mail, text: &str) -> String {
    let real = mail.maildir().display().to_string();
    fixed_dates(&text.replace(&real, "/home/learner/netlessons/maildir"))
}

#[test]
fn book_transcripts() {
    let book = book_dir(env!("CARGO_MANIFEST_DIR"));
    let mail = Mail::start(&["--user", "alice:secret"]);

    let mut t = Transcript::new("lesson09-journey");
    t.show_port(mail.smtp.port(), 2525);
    t.show_port(mail.pop3.port(), 1100);
    t.show_port(mail.imap.port(), 1143);
    t.comment("terminal 1: the mail server");
    t.command("cargo run -p lesson09-email -- --user alice:secret");
    t.output(&shown(
        &mail,
        &format!(
            "Listening on {}\nPOP3 listening on {}\nIMAP listening on {}\nStoring mail in {}",
            mail.smtp,
            mail.pop3,
            mail.imap,
            mail.maildir().display()
        ),
    ));
    t.comment("terminal 2: Ann writes to Alice");
    t.command(
        "cargo run -p lesson09-email --bin lesson09-send -- --from ann@example.com \\\n    \
         --to alice@localhost --subject 'Grüße aus Köln' 'Hallo Alice, schöne Grüße!'",
    );
    let sent = mail.send(
        &[
            "--from",
            "ann@example.com",
            "--to",
            "alice@localhost",
            "--subject",
            "Grüße aus Köln",
            "Hallo Alice, schöne Grüße!",
        ],
        "",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    t.output(&shown(&mail, &sent.both()));
    t.comment("Alice looks for mail, then reads it");
    t.command("cargo run -p lesson09-email --bin lesson09-fetch -- --user alice:secret");
    t.output(&mail.fetch(&["--user", "alice:secret"]).both());
    t.command(
        "cargo run -p lesson09-email --bin lesson09-fetch -- --user alice:secret --retrieve 1",
    );
    let got = mail.fetch(&["--user", "alice:secret", "--retrieve", "1"]);
    t.output(&shown(&mail, &got.both()));
    t.comment("terminal 1, the server's log:");
    for _ in 0..5 {
        t.output(&mail.server.next_line());
    }
    t.finish(&book);

    // The same dialogues typed by hand.
    let mut t = Transcript::new("lesson09-nc");
    t.show_port(mail.smtp.port(), 2525);
    t.show_port(mail.pop3.port(), 1100);
    t.command("nc -C 127.0.0.1 2525");
    let mut raw = Raw::connect(mail.smtp);
    t.output(&raw.read_line());
    for line in [
        "HELO me",
        "MAIL FROM:<ann@example.com>",
        "RCPT TO:<alice@localhost>",
        "DATA",
        "Subject: typed by hand\r\n\r\nHi Alice!\r\n..and a line that starts with a dot\r\n.",
        "QUIT",
    ] {
        t.output(&line.replace("\r\n", "\n"));
        raw.line(line);
        t.output(&fixed_dates(&raw.read_line()));
    }
    t.command("nc -C 127.0.0.1 1100");
    let mut raw = Raw::connect(mail.pop3);
    t.output(&raw.read_line());
    for (line, multi) in [
        ("USER alice", false),
        ("PASS secret", false),
        ("LIST", true),
        ("RETR 2", true),
        ("DELE 1", false),
        ("QUIT", false),
    ] {
        t.output(line);
        raw.line(line);
        t.output(&raw.read_line());
        if multi {
            for reply in raw.until_dot() {
                t.output(&format!("{}\n", fixed_dates(&reply)));
            }
            t.output(".");
        }
    }
    t.finish(&book);

    // lesson09-fetch -v shows the dialogue it has; --delete ends it with QUIT.
    let mut t = Transcript::new("lesson09-delete");
    t.show_port(mail.pop3.port(), 1100);
    mail.logged("Bye: alice had 2 messages, 1 deleted"); // the nc session is over
    t.command(
        "cargo run -p lesson09-email --bin lesson09-fetch -- --user alice:secret -v --delete 1",
    );
    t.output(
        &mail
            .fetch(&["--user", "alice:secret", "-v", "--delete", "1"])
            .both(),
    );
    t.command("cargo run -p lesson09-email --bin lesson09-fetch -- --user alice:secret");
    t.output(&mail.fetch(&["--user", "alice:secret"]).both());
    t.finish(&book);

    // IMAP typed by hand: two new mails, then tags, a literal, UIDs, EXPUNGE.
    for subject in ["Lunch?", "Minutes"] {
        let to_alice = ["--from", "ann@example.com", "--to", "alice@localhost", "-q"];
        let sent = mail.send(&[&to_alice[..], &["--subject", subject, "Hi"]].concat(), "");
        assert_eq!(sent.code, 0, "{sent:?}");
    }
    let mut t = Transcript::new("lesson09-imap");
    t.show_port(mail.imap.port(), 1143);
    t.command("nc -C 127.0.0.1 1143");
    let mut raw = Raw::connect(mail.imap);
    t.output(&raw.read_line());
    for line in [
        "a1 LOGIN alice secret",
        "a2 SELECT INBOX",
        "a3 FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        "a4 STORE 1 +FLAGS (\\Deleted)",
        "a5 EXPUNGE",
        "a6 FETCH 1 (UID FLAGS)",
        "a7 LOGOUT",
    ] {
        t.output(line);
        raw.line(line);
        let tag = line.split(' ').next().unwrap();
        loop {
            let reply = raw.read_line();
            assert!(!reply.is_empty(), "the server hung up after {line}");
            t.output(&reply);
            if reply.starts_with(&format!("{tag} ")) {
                break;
            }
        }
    }
    t.finish(&book);
}

/// What the book tells readers to type works with the real `nc`: `-C` sends
/// `\r\n` line ends, and all of a session's lines may arrive at once.
#[test]
fn a_session_piped_through_nc_delivers_the_mail() {
    let Some(nc) = tool("nc") else {
        return;
    };
    let mail = Mail::start(&[]);
    let port = mail.smtp.port().to_string();
    let session = "HELO me\nMAIL FROM:<ann@example.com>\nRCPT TO:<bob@localhost>\nDATA\n\
                   Subject: by nc\n\nHi Bob!\n.\nQUIT\n";
    let ran = run(nc, &["-C", "127.0.0.1", &port], session);
    assert_eq!(ran.code, 0, "{ran:?}");
    let codes: Vec<&str> = ran.stdout.lines().map(|l| &l[..3]).collect();
    assert_eq!(
        codes,
        ["220", "250", "250", "250", "354", "250", "221"],
        "{}",
        ran.stdout
    );
    assert_eq!(mail.files("bob/new").len(), 1);
}
