//! lesson09's IMAP server and client against software nobody here wrote: Python's
//! `imaplib`, `curl`, `mbsync` (isync) and Dovecot.

mod common;

use common::{smtp_to_data, Mail};
use shared::testing::{run, tool};
use std::path::Path;
#[cfg(unix)]
use std::process::Command;

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

/// `lesson09-fetch --imap` prints what the POP3 mode prints, for the same mailbox.
#[test]
fn lesson09_fetch_imap_lists_retrieves_and_deletes_as_the_pop3_mode_does() {
    let mail = Mail::start(&["--user", ALICE]);
    deliver(&mail, "ann@example.com", "one");
    let mut smtp = smtp_to_data(mail.smtp, "bob@example.com", "alice@localhost");
    smtp.send("X-Note: no From, no Subject\r\n\r\n..dot line\r\n.\r\n");
    assert!(smtp.reply().starts_with("250 "));
    let imap = mail.imap.to_string();
    let fetch_imap = |args: &[&str]| {
        run(
            common::FETCH,
            &[&["--imap", "--connect", &imap, "--user", ALICE][..], args].concat(),
            "",
        )
    };
    let by_pop3 = mail.fetch(&["--user", ALICE]);
    let by_imap = fetch_imap(&[]);
    assert_eq!(by_imap.code, 0, "{by_imap:?}");
    assert_eq!(by_imap.stdout, by_pop3.stdout);
    assert!(by_imap
        .stdout
        .contains("from <bob@example.com> (envelope; no From: header): (no subject)"));
    for n in ["1", "2"] {
        let by_pop3 = mail.fetch(&["--user", ALICE, "--retrieve", n]);
        let by_imap = fetch_imap(&["--retrieve", n]);
        assert_eq!(by_imap.stdout, by_pop3.stdout, "message {n}");
        assert!(by_imap.stdout.ends_with(if n == "1" {
            "\n\nText of one\n"
        } else {
            "\n\n.dot line\n"
        }));
    }
    let deleted = fetch_imap(&["--delete", "1", "-v"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    for line in [
        "C: a1 LOGIN \"alice\" ********\n",
        "C: a3 STORE 1 +FLAGS.SILENT (\\Deleted)\n",
        "S: * 1 EXPUNGE\n",
        "C: a5 LOGOUT\nS: * BYE ",
        "deleted message 1\n",
    ] {
        assert!(
            deleted.stderr.contains(line),
            "missing {line:?} in\n{}",
            deleted.stderr
        );
    }
    let missing = fetch_imap(&["--retrieve", "2"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr,
        "error: there is no message 2: alice has 1 message (see the list without --retrieve)\n"
    );
    assert_eq!(names(&mail.maildir().join("alice")).len(), 1);
}

/// mbsync (isync), a real mail client, syncs the mailbox to a maildir of its own
/// and back: mail down, a flag and a new folder with a mail up.
#[test]
fn mbsync_syncs_both_ways() {
    let Some(mbsync) = tool("mbsync") else {
        return;
    };
    let mail = Mail::start(&["--user", ALICE]);
    deliver(&mail, "ann@example.com", "one");
    deliver(&mail, "bob@example.com", "two");
    let local = mail.dir.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    let config = mail.dir.path().join("mbsyncrc");
    std::fs::write(
        &config,
        format!(
            "IMAPAccount lesson\nHost 127.0.0.1\nPort {}\nUser alice\nPass secret\nSSLType None\n\
             AuthMechs LOGIN\nTimeout 30\n\nIMAPStore remote\nAccount lesson\n\n\
             MaildirStore local\nPath {dir}/\nInbox {dir}/INBOX\nSubFolders Verbatim\n\n\
             Channel sync\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\n",
            mail.imap.port(),
            dir = local.display()
        ),
    )
    .unwrap();
    let sync = || {
        let ran = run(&mbsync, &["-c", config.to_str().unwrap(), "sync"], "");
        assert_eq!(ran.code, 0, "{ran:?}");
    };
    sync();
    let down = names(&local.join("INBOX"));
    assert_eq!(down.len(), 2, "{down:?}");
    // Offline: flag the first mail, write a new one, and a note in a new folder.
    let first = local.join("INBOX").join(&down[0]);
    let flagged = first.to_str().unwrap().replace(":2,", ":2,F");
    std::fs::rename(&first, &flagged).unwrap();
    std::fs::write(
        local.join("INBOX/new/100.local"),
        "From: me@local\nSubject: offline\n\nhi\n",
    )
    .unwrap();
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(local.join("Notes").join(sub)).unwrap();
    }
    std::fs::write(
        local.join("Notes/cur/101.local:2,S"),
        "Subject: note\n\nnote\n",
    )
    .unwrap();
    sync();
    let inbox = names(&mail.maildir().join("alice"));
    assert_eq!(inbox.len(), 3, "{inbox:?}");
    assert_eq!(
        inbox.iter().filter(|n| n.ends_with(":2,F")).count(),
        1,
        "{inbox:?}"
    );
    let notes = names(&mail.maildir().join("alice/.Notes"));
    assert_eq!(notes.len(), 1);
    assert!(notes[0].ends_with(":2,S"), "{notes:?}");
    // Stable UIDs: the server's list for INBOX names all three, 1 to 3.
    let uids = std::fs::read_to_string(mail.maildir().join("alice/lesson09-uidlist")).unwrap();
    let numbers: Vec<&str> = uids
        .lines()
        .skip(1)
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "2", "3"], "{uids}");
}

/// Dovecot, started on a loopback port with a minimal configuration of its own.
#[cfg(unix)]
struct Dovecot {
    /// `dovecot -F` (the master process; it starts the others).
    child: std::process::Child,
    /// Where it listens.
    port: u16,
}

#[cfg(unix)]
impl Dovecot {
    /// Serves the maildirs under `mail` (`mail/USER`) to `user:password` on a free
    /// loopback port, with `dir` for its configuration and runtime files.
    fn start(dovecot: &Path, dir: &Path, mail: &Path, user: &str, password: &str) -> Dovecot {
        use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            dir.join("passwd"),
            format!("{user}:{{PLAIN}}{password}::::::\n"),
        )
        .unwrap();
        // Dovecot never serves mail as root: as root, hand the mail to `nobody`.
        let me = std::fs::metadata(dir.join("passwd")).unwrap();
        let (uid, gid, login, internal) = if me.uid() == 0 {
            chown(mail, Some(65534), Some(65534)).unwrap();
            for entry in walk(mail) {
                chown(&entry, Some(65534), Some(65534)).unwrap();
            }
            let mut parent = Some(mail);
            while let Some(p) = parent {
                let mode = std::fs::metadata(p).unwrap().permissions().mode();
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode | 0o011)).unwrap();
                parent = p.parent();
            }
            (65534, 65534, "dovenull".to_string(), "dovecot".to_string())
        } else {
            let name = |flag| {
                String::from_utf8(Command::new("id").arg(flag).output().unwrap().stdout)
                    .unwrap()
                    .trim()
                    .to_string()
            };
            (me.uid(), me.gid(), name("-un"), name("-un"))
        };
        let run = dir.join("run");
        std::fs::create_dir_all(&run).unwrap();
        let config = dir.join("dovecot.conf");
        std::fs::write(
            &config,
            format!(
                "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {run}\nstate_dir = {run}\n\
                 log_path = {log}\nssl = no\ndisable_plaintext_auth = no\n\
                 default_internal_user = {internal}\ndefault_internal_group = {internal}\n\
                 default_login_user = {login}\nfirst_valid_uid = 0\n\
                 mail_location = maildir:{mail}/%u\n\
                 passdb {{\n  driver = passwd-file\n  args = {passwd}\n}}\n\
                 userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={mail}/%u\n}}\n\
                 service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
                 inet_listener imaps {{\n    port = 0\n  }}\n}}\nservice anvil {{\n  chroot =\n}}\n",
                run = run.display(),
                log = dir.join("log").display(),
                mail = mail.display(),
                passwd = dir.join("passwd").display(),
            ),
        )
        .unwrap();
        let child = Command::new(dovecot)
            .args(["-F", "-c", config.to_str().unwrap()])
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + shared::testing::PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "dovecot did not start: {}",
                std::fs::read_to_string(dir.join("log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(50)); // waiting for a process to start
        }
        Dovecot { child, port }
    }
}

#[cfg(unix)]
impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop the processes it started.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Every file and folder under `dir`.
#[cfg(unix)]
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(walk(&path));
        }
        all.push(path);
    }
    all
}

/// `lesson09-fetch --imap` against Dovecot, an IMAP server nobody here wrote.
#[cfg(unix)]
#[test]
fn lesson09_fetch_imap_works_against_dovecot() {
    let dovecot = Path::new("/usr/sbin/dovecot");
    if !dovecot.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "dovecot is not installed, but CI must install it (.ci/run)"
        );
        eprintln!("note: dovecot is not installed; skipping (apt-get install dovecot-imapd)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(mail.join("alice").join(sub)).unwrap();
    }
    std::fs::write(
        mail.join("alice/new/1.first"),
        "From: \"Ann\" <ann@example.com>\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\nHallo\n.dot\n",
    )
    .unwrap();
    std::fs::write(
        mail.join("alice/new/2.second"),
        "From: bob@example.com\nSubject: two\n\nsecond\n",
    )
    .unwrap();
    let server = Dovecot::start(dovecot, dir.path(), &mail, "alice", "secret");
    let connect = format!("127.0.0.1:{}", server.port);
    let fetch = |args: &[&str]| {
        run(
            common::FETCH,
            &[
                &["--imap", "--connect", &connect, "--user", ALICE][..],
                args,
            ]
            .concat(),
            "",
        )
    };
    let listed = fetch(&[]);
    assert_eq!(listed.code, 0, "{listed:?}");
    assert!(
        listed.stdout.starts_with("2 messages for alice\n"),
        "{listed:?}"
    );
    assert!(
        listed
            .stdout
            .contains("octets  from \"Ann\" <ann@example.com>: Grüße\n"),
        "{listed:?}"
    );
    assert!(
        listed
            .stdout
            .contains("octets  from bob@example.com: two\n"),
        "{listed:?}"
    );
    let got = fetch(&["--retrieve", "1"]);
    assert_eq!(got.code, 0, "{got:?}");
    assert!(got.stdout.ends_with("\n\nHallo\n.dot\n"), "{got:?}");
    let deleted = fetch(&["--delete", "2", "-v"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert!(
        deleted.stderr.contains("S: * 2 EXPUNGE\n"),
        "{}",
        deleted.stderr
    );
    let wrong = run(
        common::FETCH,
        &["--imap", "--connect", &connect, "--user", "alice:nope"],
        "",
    );
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .starts_with("error: login failed: the server said NO to LOGIN \"alice\" ********: "),
        "{wrong:?}"
    );
    // Dovecot's view on disk: one mail left, marked seen by the retrieve.
    let left = names(&mail.join("alice"));
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with("cur/1.first:2,") && left[0].contains('S'),
        "{left:?}"
    );
    drop(server);
}

/// Bad input gets `BAD` with the reason, commands in the wrong state and numbers
/// out of range get the RFC's answers, and the session goes on; a literal over
/// the limit is refused before it is sent (`{n}`) or ends the session (`{n+}`).
#[test]
fn bad_imap_input_is_answered_and_the_session_goes_on() {
    let mail = Mail::start(&[
        "--user",
        ALICE,
        "--max-size",
        "1000",
        "--max-connections",
        "1",
    ]);
    deliver(&mail, "ann@example.com", "one");
    let mut imap = common::Raw::connect(mail.imap);
    assert!(imap.read_line().starts_with("* OK [CAPABILITY IMAP4rev1 "));
    let mut ask = |line: &str| {
        imap.line(line);
        let tag = line.split(' ').next().unwrap().to_string();
        let mut all = String::new();
        loop {
            let reply = imap.read_line();
            assert!(
                !reply.is_empty(),
                "the server hung up after {line:?}: {all}"
            );
            all.push_str(&reply);
            if reply.starts_with(&format!("{tag} "))
                || reply.starts_with("* BAD")
                || reply.starts_with("+ ")
            {
                return all;
            }
        }
    };
    for (line, want) in [
        ("((( x", "* BAD a command starts with a tag"),
        ("a1 FROB", "a1 BAD unknown command FROB"),
        ("a2 SELECT INBOX", "a2 BAD Log in first"),
        ("a3 LOGIN alice secret", "a3 OK "),
        ("a4 FETCH 1 FLAGS", "a4 BAD No mailbox selected"),
        ("a5 SELECT Nowhere", "a5 NO [NONEXISTENT]"),
        ("a6 SELECT INBOX", "* FLAGS "),
        (
            "a7 FETCH 5 FLAGS",
            "a7 BAD Invalid message number: the folder has 1 messages",
        ),
        ("a8 FETCH 1 (FLAGS", "a8 BAD expected"),
        ("a9 UID FETCH 9:20 FLAGS", "a9 OK UID FETCH completed"),
        ("b1 APPEND INBOX {5000}", "b1 NO [TOOBIG]"),
        ("b2 NOOP", "b2 OK"),
        ("b3 CREATE ../../etc", "b3 NO Folder names"),
    ] {
        let got = ask(line);
        assert!(
            got.starts_with(want) || got.contains(&format!("\r\n{want}")),
            "{line:?} got {got:?}, wanted {want:?}"
        );
    }
    // The connection limit speaks IMAP too.
    let mut second = common::Raw::connect(mail.imap);
    assert_eq!(
        second.rest(),
        "* BYE Too many connections, try again later\r\n"
    );
    // A non-synchronising literal over the limit is already on its way: BYE.
    imap.send("b4 APPEND INBOX {5000+}\r\n");
    assert!(imap.rest().starts_with("* BYE Line or literal too long"));
    assert_eq!(
        names(&mail.maildir().join("alice")).len(),
        1,
        "nothing appended"
    );
}

/// POP3 and IMAP see the same mailbox: a mail deleted over POP3 is reported as
/// EXPUNGE to an IMAP session, one expunged over IMAP is not in the next POP3
/// listing, and while a POP3 session has the mailbox IMAP may read but not change it.
#[test]
fn pop3_and_imap_agree_on_one_mailbox() {
    let mail = Mail::start(&["--user", ALICE]);
    for subject in ["one", "two", "three"] {
        deliver(&mail, "ann@example.com", subject);
    }
    let mut imap = common::Raw::connect(mail.imap);
    let mut ask = |line: &str| {
        imap.line(line);
        let tag = line.split(' ').next().unwrap().to_string();
        let mut all = String::new();
        loop {
            let reply = imap.read_line();
            assert!(
                !reply.is_empty(),
                "the server hung up after {line:?}: {all}"
            );
            all.push_str(&reply);
            if reply.starts_with(&format!("{tag} ")) {
                return all;
            }
        }
    };
    ask("a1 LOGIN alice secret");
    assert!(ask("a2 SELECT INBOX").contains("* 3 EXISTS\r\n"));
    // A POP3 session opens the mailbox: IMAP reads, but may not change it.
    let mut pop3 = common::pop3_login(mail.pop3, "alice", "secret");
    let refused = ask("a3 STORE 2 +FLAGS (\\Deleted)");
    assert!(refused.starts_with("a3 NO [INUSE]"), "{refused}");
    assert!(ask("a4 FETCH 2 (FLAGS)").starts_with("* 2 FETCH"));
    pop3.line("DELE 1");
    assert!(pop3.read_line().starts_with("+OK"));
    pop3.line("QUIT");
    assert!(pop3.read_line().starts_with("+OK"));
    mail.logged("Bye: alice had 3 messages, 1 deleted");
    // IMAP hears of POP3's deletion, and the numbers move up.
    assert_eq!(ask("a5 NOOP"), "* 1 EXPUNGE\r\na5 OK NOOP completed\r\n");
    assert!(ask("a6 FETCH 1 (UID)").starts_with("* 1 FETCH (UID 2)"));
    // Now IMAP may change it: expunge "two", and POP3 lists only "three".
    assert!(ask("a7 STORE 1 +FLAGS (\\Deleted)").starts_with("* 1 FETCH"));
    assert!(ask("a8 EXPUNGE").starts_with("* 1 EXPUNGE"));
    let listed = mail.fetch(&["--user", ALICE]);
    assert!(
        listed.stdout.starts_with("1 message for alice\n"),
        "{listed:?}"
    );
    assert!(listed.stdout.ends_with(": three\n"), "{listed:?}");
}
