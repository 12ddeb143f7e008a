//! lesson09's IMAP server and client against software nobody here wrote: Python's
//! `imaplib`, `curl`, `mbsync` (isync) and Dovecot.

mod common;

use common::{smtp_to_data, Mail};
use shared::testing::{run, tool};
use std::path::Path;

const ALICE: &str = "alice:secret";

/// Delivers a mail to alice over SMTP.
fn deliver(mail: &Mail, from: &str, subject: &str) {
    let mut smtp = smtp_to_data(mail.smtp, from, "alice@localhost");
    smtp.send(&format!(
        "From: {from}\r\nSubject: {subject}\r\n\r\nText of {subject}\r\n.\r\n"
    ));
    assert!(smtp.reply().starts_with("250 "));
}

/// The file names in a maildir folder's `cur/` and `new/`.
fn names(dir: &Path) -> Vec<String> {
    let mut all: Vec<String> = ["cur", "new"]
        .iter()
        .flat_map(|sub| common::files(&dir.join(sub)))
        .map(|p| {
            format!(
                "{}/{}",
                p.parent().unwrap().file_name().unwrap().to_string_lossy(),
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn pythons_imaplib_logs_in_fetches_deletes_appends_and_idles() {
    let Some(python) = tool("python3") else {
        return;
    };
    let mail = Mail::start(&["--user", ALICE]);
    deliver(&mail, "ann@example.com", "one");
    deliver(&mail, "bob@example.com", "two");
    let script = format!("{}/python/imaplib_session.py", env!("CARGO_MANIFEST_DIR"));
    let ran = run(
        &python,
        &[
            &script,
            &mail.imap.port().to_string(),
            &mail.smtp.port().to_string(),
        ],
        "",
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    for line in [
        "login: OK [b'[CAPABILITY IMAP4rev1 ",
        "select: OK [b'2']",
        "search: OK [b'1']",
        "b'1 (UID 1 FLAGS (\\\\Recent) RFC822.SIZE ",
        "BODY[HEADER.FIELDS (SUBJECT)] {16}', b'Subject: one\\r\\n\\r\\n')",
        "body: 'Return-Path: <ann@example.com>\\r\\n",
        "store: OK [b'1 (FLAGS (\\\\Seen \\\\Deleted \\\\Recent))']",
        "expunge: OK [b'1']",
        "append: OK [b'[APPENDUID ",
        "status: OK [b'\"Sent\" (MESSAGES 1 UNSEEN 0)']",
        "idle: b'+ idling\\r\\n'",
        "news: b'* 2 EXISTS\\r\\n'",
        "done: b'",
        " OK IDLE terminated\\r\\n'",
        "logout: BYE",
    ] {
        assert!(
            ran.stdout.contains(line),
            "missing {line:?} in\n{}",
            ran.stdout
        );
    }
    // On disk: "one" is gone, "two" and the IDLE mail are in the INBOX, the
    // appended mail is in .Sent, flagged seen in its name.
    let inbox = names(&mail.maildir().join("alice"));
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    let sent = names(&mail.maildir().join("alice/.Sent"));
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].starts_with("cur/") && sent[0].ends_with(":2,S"),
        "{sent:?}"
    );
}

#[test]
fn curl_lists_fetches_by_uid_and_stores() {
    let Some(curl) = tool("curl") else {
        return;
    };
    let mail = Mail::start(&["--user", ALICE]);
    deliver(&mail, "ann@example.com", "one");
    deliver(&mail, "bob@example.com", "two");
    let url = format!("imap://{}", mail.imap);
    let curl = |args: &[&str]| {
        run(
            &curl,
            &[&["-sS", "--max-time", "30", "--user", ALICE][..], args].concat(),
            "",
        )
    };
    let listed = curl(&[&format!("{url}/")]);
    assert_eq!(
        listed.stdout, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n",
        "{listed:?}"
    );
    let got = curl(&[&format!("{url}/INBOX/;UID=2")]);
    assert_eq!(got.code, 0, "{got:?}");
    assert!(
        got.stdout.contains("Subject: two\r\n") && got.stdout.ends_with("\r\nText of two\r\n"),
        "{got:?}"
    );
    let stored = curl(&[
        &format!("{url}/INBOX"),
        "-X",
        "UID STORE 1 +FLAGS (\\Deleted)",
    ]);
    assert_eq!(
        stored.stdout, "* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))\r\n",
        "{stored:?}"
    );
    let searched = curl(&[&format!("{url}/INBOX"), "-X", "SEARCH DELETED"]);
    assert_eq!(searched.stdout, "* SEARCH 1\r\n", "{searched:?}");
    let expunged = curl(&[&format!("{url}/INBOX"), "-X", "EXPUNGE"]);
    assert_eq!(expunged.stdout, "* 1 EXPUNGE\r\n", "{expunged:?}");
    // On disk: the one curl read is seen (BODY[] without PEEK), the other gone.
    let inbox = names(&mail.maildir().join("alice"));
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert!(
        inbox[0].starts_with("cur/") && inbox[0].ends_with(":2,S"),
        "{inbox:?}"
    );
}
