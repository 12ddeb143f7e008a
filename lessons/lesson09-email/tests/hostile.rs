//! Clients that do not play by the rules, and failures half-way: the MTA must never
//! store a mail it did not accept, accept one it did not fully receive, store one
//! twice, or lock a reader out after telling it goodbye.

mod common;

use common::{pop3_login, smtp_to_data, Mail, Raw};
use std::path::Path;

const ALICE: &str = "alice:secret";

/// The mails in `sub`, as text.
fn mails(mail: &Mail, sub: &str) -> Vec<String> {
    let mut found: Vec<String> = mail
        .files(sub)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    found.sort();
    found
}

/// "SMTP smuggling" (2023): only `<CRLF>.<CRLF>` ends DATA. If a bare `\n` could
/// end it too, one DATA could carry a second, forged transaction that a server
/// before us (which does not read `\n.\n` as the end) passed on as text.
#[test]
fn a_bare_lf_never_ends_the_data_so_no_mail_can_be_smuggled_inside_another() {
    let mail = Mail::start(&[]);
    for (i, end) in ["\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r"]
        .iter()
        .enumerate()
    {
        let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
        smtp.send(&format!(
            "Subject: real {i}\r\n\r\nhello{end}MAIL FROM:<boss@example.com>\r\n\
             RCPT TO:<alice@x>\r\nDATA\r\nSubject: forged {i}\r\n\r\npay now\r\n.\r\n"
        ));
        let reply = smtp.reply();
        assert!(
            reply.starts_with("554 5.6.0 "),
            "{end:?}: one message, refused for its bare line end; got {reply:?}"
        );
        // The session is in step: the next reply is to the next command.
        assert!(smtp.ask("NOOP").starts_with("250 "), "{end:?}");
    }
    assert_eq!(mails(&mail, "alice/new"), Vec::<String>::new());
    assert!(mail.files("tmp").is_empty());
}

/// A bare LF in commands is tolerated (a command is one line read only by us).
#[test]
fn a_bare_lf_after_a_command_is_accepted() {
    let mail = Mail::start(&[]);
    let mut smtp = Raw::connect(mail.smtp);
    assert!(smtp.reply().starts_with("220 "));
    smtp.send("HELO me\n");
    assert!(smtp.reply().starts_with("250 "));
}

/// An unfinished last line is not a line: if the connection ends after `\r\n.`
/// (or `\r\n.\r`), the end marker never arrived and nothing is stored.
#[test]
fn a_mail_whose_final_dot_never_fully_arrived_is_not_stored() {
    let mail = Mail::start(&[]);
    for cut in [".", ".\r"] {
        let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
        smtp.send(&format!("Subject: cut\r\n\r\nbody\r\n{cut}"));
        smtp.finish();
        assert_eq!(smtp.rest(), "", "{cut:?}: no reply, above all no 250");
        mail.logged("session ended during DATA; nothing stored");
    }
    assert!(mail.files("alice/new").is_empty());
    assert!(mail.files("tmp").is_empty());
}

/// One recipient's mailbox fails: the whole transaction fails with 451 and nobody
/// gets the mail, so the client's retry cannot give anyone a second copy.
#[test]
fn a_failure_for_one_recipient_delivers_to_none_so_retries_never_duplicate() {
    let mail = Mail::start(&[]);
    let broken = mail.maildir().join("bob");
    std::fs::write(&broken, "a file where bob's folder should be").unwrap();
    let attempt = || {
        let mut smtp = Raw::connect(mail.smtp);
        assert!(smtp.reply().starts_with("220 "));
        for command in [
            "HELO me",
            "MAIL FROM:<ann@x>",
            "RCPT TO:<alice@x>",
            "RCPT TO:<bob@x>",
        ] {
            assert!(smtp.ask(command).starts_with("250 "), "{command}");
        }
        assert!(smtp.ask("DATA").starts_with("354 "));
        smtp.send("Subject: for both\r\n\r\nhi\r\n.\r\n");
        smtp.reply()
    };
    for _ in 0..2 {
        let reply = attempt();
        assert!(reply.starts_with("451 "), "{reply}");
        assert!(
            mail.files("alice/new").is_empty(),
            "all or nothing: alice got it though bob did not"
        );
    }
    std::fs::remove_file(&broken).unwrap();
    assert!(attempt().starts_with("250 "));
    assert_eq!(mail.files("alice/new").len(), 1, "exactly one copy");
    assert_eq!(mail.files("bob/new").len(), 1);
    assert!(mail.files("tmp").is_empty() && mail.files("alice/tmp").is_empty());
}

/// RFC 5321 section 4.5.3.1.6: 998 octets of text per line, not counting the
/// dot that stuffing adds.
#[test]
fn a_998_octet_line_that_starts_with_a_dot_is_accepted() {
    let mail = Mail::start(&[]);
    let longest = format!(".{}", "x".repeat(997));
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    smtp.send(&format!("Subject: long\r\n\r\n.{longest}\r\n.\r\n"));
    let reply = smtp.reply();
    assert!(reply.starts_with("250 "), "{reply}");
    let stored = &mails(&mail, "alice/new")[0];
    assert!(
        stored.ends_with(&format!("\n\n{longest}\n")),
        "unstuffed once"
    );
    // One octet more is too long, with or without the dot.
    for line in [format!(".{longest}x"), format!("{}x", &longest[1..]) + "x"] {
        let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
        smtp.send(&format!("Subject: too long\r\n\r\n.{line}\r\n.\r\n"));
        let rest = smtp.rest();
        assert!(rest.starts_with("500 5.5.2 Line too long"), "{rest:?}");
    }
    assert_eq!(mail.files("alice/new").len(), 1);
}

/// RFC 5321 section 4.1.1.3: `<postmaster>` without a domain is accepted, and
/// postmaster receives mail even when --user names the only mailboxes.
#[test]
fn postmaster_is_always_a_recipient() {
    let mail = Mail::start(&["--user", ALICE]);
    let mut smtp = Raw::connect(mail.smtp);
    assert!(smtp.reply().starts_with("220 "));
    assert!(smtp.ask("HELO me").starts_with("250 "));
    assert!(smtp.ask("MAIL FROM:<ann@x>").starts_with("250 "));
    for to in ["<postmaster>", "<PostMaster>", "<postmaster@localhost>"] {
        let reply = smtp.ask(&format!("RCPT TO:{to}"));
        assert!(reply.starts_with("250 "), "{to}: {reply}");
    }
    assert!(smtp.ask("RCPT TO:<nobody>").starts_with("501 "));
    assert!(smtp.ask("DATA").starts_with("354 "));
    smtp.send("Subject: abuse report\r\n\r\nhi\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 "));
    assert_eq!(mail.files("postmaster/new").len(), 1, "one copy");
}

/// Files left in `tmp/` by a crash (kill -9 during DATA) are removed at the next
/// start once they are older than 36 hours, maildir's rule; younger ones may
/// belong to a delivery still under way in another process.
#[test]
fn stale_files_in_tmp_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("maildir");
    let age = |path: &Path, hours: u64| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "half a mail").unwrap();
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(then).unwrap();
    };
    age(&root.join("tmp/old"), 37);
    age(&root.join("alice/tmp/old"), 40);
    age(&root.join("tmp/recent"), 35);
    let mail = Mail::start_in(dir, "127.0.0.1:0", &[]);
    mail.logged("Removed 2 unfinished files older than 36 hours");
    let names = |sub| -> Vec<String> {
        mail.files(sub)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("tmp"), ["recent"]);
    assert!(names("alice/tmp").is_empty());
}

/// A mailbox is private: files 0600, folders 0700, whatever the umask.
#[cfg(unix)]
#[test]
fn mail_files_and_folders_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mail = Mail::start(&[]);
    let mut smtp = smtp_to_data(mail.smtp, "ann@example.com", "alice@x");
    smtp.send("Subject: private\r\n\r\nhi\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 "));
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let root = mail.maildir();
    for folder in ["", "tmp", "alice", "alice/new", "alice/cur", "alice/tmp"] {
        assert_eq!(mode(&root.join(folder)), 0o700, "{folder}/");
    }
    assert_eq!(mode(&mail.files("alice/new")[0]), 0o600);
}

/// After `-ERR Idle for too long`, the mailbox is unlocked before the goodbye:
/// a client that reconnects at once is let in, not told `[IN-USE]`.
#[test]
fn the_pop3_lock_is_released_before_the_idle_goodbye() {
    let mail = Mail::start(&["--user", ALICE, "--idle-timeout", "1"]);
    let mut first = pop3_login(mail.pop3, "alice", "secret");
    let bye = first.read_line();
    assert!(bye.starts_with("-ERR Idle for too long"), "{bye}");
    // `first` stays open: the server may still be saying goodbye to it.
    let mut second = pop3_login(mail.pop3, "alice", "secret");
    second.line("QUIT");
    assert!(second.read_line().starts_with("+OK"));
    drop(first);
}
