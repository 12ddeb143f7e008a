//! The IMAP state machine, run on a `Vec<u8>` and a temporary maildir.

use super::*;

use crate::config::with_alice as mta;

/// Sends one command line (with `\r\n` inside for literals); returns the responses.
fn ask(imap: &mut Imap, line: &str) -> String {
    let mut out = Vec::new();
    match syntax::parse(line.as_bytes()) {
        Ok(tagged) => {
            imap.command(tagged, &mut out).unwrap();
        }
        Err(why) => out.extend_from_slice(format!("BAD {why}\r\n").as_bytes()),
    }
    String::from_utf8(out).unwrap()
}

fn logged_in(mta: &Mta) -> Imap<'_> {
    let mut imap = Imap::new(mta);
    let reply = ask(&mut imap, "a LOGIN alice secret");
    assert!(reply.starts_with("a OK "), "{reply}");
    imap
}

const ONE: &str = "From: Ann <ann@example.com>\nSubject: first\n\nhello\n";
const TWO: &str = "From: bob@example.com\nSubject: second\n\n.dots and lines\nbye\n";

#[test]
fn capability_and_wrong_state() {
    let (_dir, mta) = mta(&[]);
    let mut imap = Imap::new(&mta);
    assert!(ask(&mut imap, "c1 CAPABILITY").starts_with("* CAPABILITY IMAP4rev1 "));
    assert_eq!(
        ask(&mut imap, "c2 SELECT INBOX"),
        "c2 BAD Log in first (LOGIN user password)\r\n"
    );
    assert!(ask(&mut imap, "c3 LOGIN alice wrong").starts_with("c3 NO [AUTHENTICATIONFAILED]"));
    let mut imap = logged_in(&mta);
    assert!(ask(&mut imap, "c4 FETCH 1 FLAGS").starts_with("c4 BAD No mailbox selected"));
}

#[test]
fn select_reports_the_folder() {
    let (_dir, mta) = mta(&[ONE, TWO]);
    let mut imap = logged_in(&mta);
    let reply = ask(&mut imap, "s SELECT inbox");
    for line in [
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
        "* 2 EXISTS\r\n",
        "* 2 RECENT\r\n",
        "* OK [UNSEEN 1] ",
        "* OK [UIDNEXT 3] ",
        "s OK [READ-WRITE] SELECT completed\r\n",
    ] {
        assert!(reply.contains(line), "{line:?} in {reply}");
    }
    assert!(reply.contains("* OK [UIDVALIDITY "));
    let reply = ask(&mut imap, "e EXAMINE INBOX");
    assert!(
        reply.contains("[PERMANENTFLAGS ()]")
            && reply.ends_with("e OK [READ-ONLY] EXAMINE completed\r\n"),
        "{reply}"
    );
}

#[test]
fn fetch_peek_and_seen() {
    let (_dir, mta) = mta(&[ONE, TWO]);
    let mut imap = logged_in(&mta);
    ask(&mut imap, "s SELECT INBOX");
    let reply = ask(&mut imap, "f FETCH 2 (FLAGS RFC822.SIZE BODY.PEEK[TEXT])");
    let text = ".dots and lines\r\nbye\r\n";
    let size = TWO.len() + TWO.lines().count();
    assert_eq!(
        reply,
        format!("* 2 FETCH (FLAGS (\\Recent) RFC822.SIZE {size} BODY[TEXT] {{{}}}\r\n{text})\r\nf OK FETCH completed\r\n", text.len())
    );
    // Without PEEK, the message becomes \Seen, and the response says so.
    let reply = ask(&mut imap, "f UID FETCH 1 BODY[HEADER.FIELDS (SUBJECT)]");
    assert!(reply.starts_with("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: first\r\n\r\n)"), "{reply}");
    assert!(ask(&mut imap, "f FETCH 1 FLAGS").contains("(\\Seen"));
    assert!(ask(&mut imap, "f FETCH 3 FLAGS").starts_with("f BAD Invalid message number"));
    assert_eq!(
        ask(&mut imap, "f UID FETCH 7:9 FLAGS"),
        "f OK UID FETCH completed\r\n"
    );
}

#[test]
fn store_expunge_renumbers() {
    let (_dir, mta) = mta(&[ONE, TWO, ONE]);
    let mut imap = logged_in(&mta);
    ask(&mut imap, "s SELECT INBOX");
    assert_eq!(
        ask(&mut imap, "t STORE 1:2 +FLAGS (\\Deleted)"),
        "* 1 FETCH (FLAGS (\\Deleted \\Recent))\r\n* 2 FETCH (FLAGS (\\Deleted \\Recent))\r\nt OK STORE completed\r\n"
    );
    assert_eq!(
        ask(&mut imap, "t SEARCH DELETED"),
        "* SEARCH 1 2\r\nt OK SEARCH completed\r\n"
    );
    assert_eq!(
        ask(&mut imap, "x EXPUNGE"),
        "* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nx OK EXPUNGE completed\r\n"
    );
    // The third message is now number 1, UID 3.
    assert!(ask(&mut imap, "f FETCH 1 UID").starts_with("* 1 FETCH (UID 3)"));
}

#[test]
fn search_combinations() {
    let (_dir, mta) = mta(&[ONE, TWO]);
    let mut imap = logged_in(&mta);
    ask(&mut imap, "s SELECT INBOX");
    ask(&mut imap, "t STORE 2 +FLAGS.SILENT (\\Seen)");
    let hits = |imap: &mut Imap, q: &str| {
        ask(imap, &format!("q {q}"))
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(hits(&mut imap, "SEARCH ALL"), "* SEARCH 1 2");
    assert_eq!(hits(&mut imap, "SEARCH UNSEEN"), "* SEARCH 1");
    assert_eq!(
        hits(&mut imap, "SEARCH FROM ann SUBJECT FIRST"),
        "* SEARCH 1"
    );
    assert_eq!(hits(&mut imap, "SEARCH OR FROM ann SEEN"), "* SEARCH 1 2");
    assert_eq!(hits(&mut imap, "UID SEARCH NOT FROM ann"), "* SEARCH 2");
    assert_eq!(
        hits(&mut imap, "SEARCH SINCE 1-Jan-2000 BODY bye"),
        "* SEARCH 2"
    );
    assert_eq!(hits(&mut imap, "SEARCH BEFORE 1-Jan-2000"), "* SEARCH");
}

#[test]
fn folders_append_copy() {
    let (_dir, mta) = mta(&[ONE]);
    let mut imap = logged_in(&mta);
    assert_eq!(
        ask(&mut imap, "c CREATE Trash"),
        "c OK CREATE completed\r\n"
    );
    assert!(ask(&mut imap, "c CREATE Trash").starts_with("c NO [ALREADYEXISTS]"));
    assert!(ask(&mut imap, "c CREATE ../etc").starts_with("c NO "));
    assert_eq!(
        ask(&mut imap, "l LIST \"\" *"),
        "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n* LIST (\\HasNoChildren) \"/\" \"Trash\"\r\nl OK LIST completed\r\n"
    );
    let reply = ask(&mut imap, "a APPEND Sent {4}\r\nhi\r\n");
    assert!(reply.starts_with("a NO [TRYCREATE]"), "{reply}");
    ask(&mut imap, "c CREATE Sent");
    let reply = ask(
        &mut imap,
        "a APPEND Sent (\\Seen) {21}\r\nSubject: mine\r\n\r\nhi\r\n",
    );
    assert!(
        reply.starts_with("a OK [APPENDUID ") && reply.contains(" 1] "),
        "{reply}"
    );
    assert!(ask(&mut imap, "s STATUS Sent (MESSAGES UNSEEN UIDNEXT)")
        .starts_with("* STATUS \"Sent\" (MESSAGES 1 UNSEEN 0 UIDNEXT 2)"));
    ask(&mut imap, "s SELECT INBOX");
    let reply = ask(&mut imap, "k COPY 1 Trash");
    assert!(
        reply.contains("[COPYUID ") && reply.contains(" 1 1] "),
        "{reply}"
    );
    assert!(ask(&mut imap, "r RENAME Trash Bin").starts_with("r OK"));
    assert!(ask(&mut imap, "s STATUS Bin (MESSAGES)").starts_with("* STATUS \"Bin\" (MESSAGES 1)"));
    assert!(ask(&mut imap, "d DELETE Bin").starts_with("d OK"));
    assert!(ask(&mut imap, "d DELETE INBOX").starts_with("d NO"));
}

#[test]
fn envelope_and_bodystructure() {
    let (_dir, mta) = mta(&[ONE]);
    let mut imap = logged_in(&mta);
    ask(&mut imap, "s EXAMINE INBOX");
    let reply = ask(&mut imap, "f FETCH 1 (ENVELOPE BODYSTRUCTURE)");
    assert!(
        reply.contains("ENVELOPE (NIL \"first\" ((\"Ann\" NIL \"ann\" \"example.com\"))"),
        "{reply}"
    );
    assert!(
        reply.contains(
            "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 7 1)"
        ),
        "{reply}"
    );
    // EXAMINE: reading does not mark \Seen, and STORE is refused.
    ask(&mut imap, "f FETCH 1 BODY[]");
    assert!(!ask(&mut imap, "f FETCH 1 FLAGS").contains("\\Seen"));
    assert!(ask(&mut imap, "t STORE 1 +FLAGS (\\Seen)").starts_with("t NO "));
}

#[test]
fn a_pop3_session_keeps_imap_from_changing_the_inbox() {
    let (_dir, mta) = mta(&[ONE]);
    let mut imap = logged_in(&mta);
    ask(&mut imap, "s SELECT INBOX");
    lock(&mta.locked).insert(Mailbox::new("alice").unwrap()); // as POP3's login does
    assert!(ask(&mut imap, "t STORE 1 +FLAGS (\\Seen)").starts_with("t NO [INUSE]"));
    assert!(
        ask(&mut imap, "f FETCH 1 (FLAGS)").starts_with("* 1 FETCH"),
        "reading is fine"
    );
    lock(&mta.locked).clear();
    assert!(ask(&mut imap, "t STORE 1 +FLAGS (\\Seen)").starts_with("* 1 FETCH"));
    assert!(lock(&mta.locked).is_empty(), "IMAP let go of it again");
}

#[test]
fn new_mail_and_other_sessions_show_up_at_noop() {
    let (_dir, mta) = mta(&[ONE, TWO]);
    let mut first = logged_in(&mta);
    let mut second = logged_in(&mta);
    ask(&mut first, "s SELECT INBOX");
    ask(&mut second, "s SELECT INBOX");
    ask(&mut second, "t STORE 1 +FLAGS.SILENT (\\Deleted)");
    ask(&mut second, "x EXPUNGE");
    let alice = Mailbox::new("alice").unwrap();
    let mut spooled = mta.maildir.spool().unwrap();
    spooled.write_line(b"Subject: late").unwrap();
    mta.maildir.deliver(spooled, &[alice]).unwrap();
    assert_eq!(
        ask(&mut first, "n NOOP"),
        "* 1 EXPUNGE\r\n* 2 EXISTS\r\nn OK NOOP completed\r\n"
    );
    assert!(ask(&mut first, "f FETCH 2 UID").starts_with("* 2 FETCH (UID 3)"));
    assert!(ask(&mut first, "l LOGOUT").starts_with("* BYE "));
}
