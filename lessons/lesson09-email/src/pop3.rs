//! The POP3 server side (RFC 1939): how a mail reader fetches its mail.
//!
//! Like SMTP, a command per line; each reply starts with `+OK` or `-ERR`. Replies
//! that carry a list or a message continue over several lines and end with a line
//! holding a single `.`, dot-stuffed exactly as in SMTP's `DATA`.
//!
//! A session goes through three states: AUTHORIZATION (`USER`, `PASS`), then
//! TRANSACTION (`STAT`, `LIST`, `RETR`, `DELE`, ...), then UPDATE after `QUIT`:
//! only then are messages marked with `DELE` really removed. A session that ends
//! any other way (the connection drops) deletes nothing, so a reader that crashes
//! half-way never loses mail it has not yet saved.
//!
//! POP3 sends the password as plain text: fine on loopback, never on a network
//! without TLS (POP3S on port 995).
//!
//! As with [`crate::smtp`], the state machine ([`Pop3`]) does no I/O: where a
//! command needs the disk (the listing at login, a message for `RETR`, removals
//! at `QUIT`) it returns a [`Step`] saying so, and the session loop asks the
//! [`Maildir`] and hands the result back.

use crate::maildir::{Mailbox, Maildir, Stored};
use crate::{lock, Event, Mta, Session};
use shared::server::{log, Shutdown};
use std::io;
use std::net::{SocketAddr, TcpStream};

/// The longest command line, `\r\n` not counted (RFC 2449).
pub const MAX_COMMAND: usize = 255;

/// Wrong passwords allowed before the server hangs up.
pub const MAX_LOGIN_FAILURES: u32 = 3;

/// What the server sends back for one command.
#[derive(Debug)]
pub struct Reply {
    /// The reply's bytes, every line ending in `\r\n`.
    pub bytes: Vec<u8>,
    /// Close the connection after sending it.
    pub close: bool,
}

// ANCHOR: step
/// What the session must do for a command: reply, or first fetch something from
/// the maildir and give it back to the state machine.
#[derive(Debug)]
pub enum Step {
    /// Send this reply.
    Reply(Reply),
    /// The password was right and the mailbox is locked: list its messages and
    /// pass the listing to [`Pop3::opened`].
    List(Mailbox),
    /// `RETR` or `TOP`: read the message and pass its bytes to [`message_reply`].
    Read {
        /// The message.
        message: Stored,
        /// `TOP`'s body lines; `None` for the whole message.
        body_lines: Option<usize>,
    },
    /// `QUIT` after login: remove these messages (marked by `DELE`), then pass
    /// how many were removed and how many failed to [`Pop3::updated`].
    Remove(Vec<Stored>),
}
// ANCHOR_END: step

impl From<Reply> for Step {
    fn from(reply: Reply) -> Step {
        Step::Reply(reply)
    }
}

fn ok(text: &str) -> Reply {
    let line = if text.is_empty() {
        "+OK\r\n".to_string()
    } else {
        format!("+OK {text}\r\n")
    };
    Reply {
        bytes: line.into_bytes(),
        close: false,
    }
}

fn err(text: &str) -> Reply {
    Reply {
        bytes: format!("-ERR {text}\r\n").into_bytes(),
        close: false,
    }
}

// ANCHOR: multi
/// A multi-line reply: `+OK first`, the lines (dot-stuffed), and a final `.`.
fn multi<L: AsRef<[u8]>>(first: &str, lines: impl IntoIterator<Item = L>) -> Reply {
    let mut bytes = format!("+OK {first}\r\n").into_bytes();
    for line in lines {
        let line = line.as_ref();
        if line.starts_with(b".") {
            bytes.push(b'.'); // so that no line of the content reads as the end
        }
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b".\r\n");
    Reply {
        bytes,
        close: false,
    }
}
// ANCHOR_END: multi

/// A logged-in session's view of its mailbox.
#[derive(Debug)]
struct Open<'a> {
    /// Whose mailbox; unlocked when this is dropped.
    owner: Locked<'a>,
    /// The messages as they were at login; mail arriving later waits for the next session.
    messages: Vec<Stored>,
    /// Marked by `DELE`, removed at `QUIT`.
    deleted: Vec<bool>,
}

/// A mailbox locked for one POP3 session; unlocked when dropped.
#[derive(Debug)]
struct Locked<'a> {
    mta: &'a Mta,
    mailbox: Mailbox,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        lock(&self.mta.locked).remove(&self.mailbox);
    }
}

/// One POP3 session's state.
#[derive(Debug)]
pub struct Pop3<'a> {
    /// The server's settings.
    mta: &'a Mta,
    /// The name given with `USER`, waiting for `PASS`.
    user: Option<Mailbox>,
    /// Wrong passwords so far.
    failures: u32,
    /// Between a right `PASS` and the listing: the mailbox is locked already.
    listing: Option<Locked<'a>>,
    /// Set once the listing is in: the TRANSACTION state.
    open: Option<Open<'a>>,
}

impl<'a> Pop3<'a> {
    /// A new session, in the AUTHORIZATION state.
    pub fn new(mta: &'a Mta) -> Self {
        Pop3 {
            mta,
            user: None,
            failures: 0,
            listing: None,
            open: None,
        }
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&Mailbox> {
        self.open.as_ref().map(|open| &open.owner.mailbox)
    }

    /// Ends the session without `QUIT` (idle, shutdown): nothing is deleted, and
    /// the mailbox is unlocked at once.
    pub fn abandon(&mut self) {
        self.listing = None;
        self.open = None;
    }

    /// Answers one command line, or says what to fetch from the maildir first.
    pub fn command(&mut self, line: &str) -> Step {
        let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
        let verb = verb.to_ascii_uppercase();
        if verb == "CAPA" {
            return multi("Capabilities follow", ["USER", "UIDL", "TOP"]).into();
        }
        match self.open.as_mut() {
            None => self.authorization(&verb, arg),
            Some(open) => open.transaction(&verb, arg),
        }
    }

    /// The listing asked for by [`Step::List`]: enters the TRANSACTION state.
    pub fn opened(&mut self, listing: io::Result<Vec<Stored>>) -> Reply {
        let Some(owner) = self.listing.take() else {
            return err("Not logging in"); // (the session never gets here)
        };
        let Ok(messages) = listing else {
            return err("[SYS/TEMP] Cannot read the mailbox, try again later"); // unlocks
        };
        let size: u64 = messages.iter().map(|m| m.size).sum();
        let text = format!(
            "{} has {} ({size} octets)",
            owner.mailbox,
            crate::messages(messages.len())
        );
        self.open = Some(Open {
            owner,
            deleted: vec![false; messages.len()],
            messages,
        });
        ok(&text)
    }

    // ANCHOR: update
    /// The end of the UPDATE state, after [`Step::Remove`]: the goodbye.
    pub fn updated(&mut self, removed: usize, failed: usize) -> Reply {
        // Unlock the mailbox before the client reads the reply: it may well log
        // in again at once.
        let Some(open) = self.open.take() else {
            return err("Not logged in"); // (the session never gets here)
        };
        let reply = if failed > 0 {
            err("[SYS/TEMP] Some messages could not be deleted")
        } else {
            ok(&format!(
                "Bye: {} had {}, {removed} deleted",
                open.owner.mailbox,
                crate::messages(open.messages.len())
            ))
        };
        Reply {
            close: true,
            ..reply
        }
    }
    // ANCHOR_END: update

    // ANCHOR: authorization
    /// `USER`, `PASS` and `QUIT` before login.
    fn authorization(&mut self, verb: &str, arg: &str) -> Step {
        let reply = match verb {
            "USER" => match Mailbox::new(arg) {
                Ok(user) => {
                    self.user = Some(user);
                    // The same answer for every name, so that nobody can probe
                    // which users exist.
                    ok("Send PASS")
                }
                Err(_) => err("Not a valid user name"),
            },
            "PASS" => {
                let Some(user) = self.user.take() else {
                    return err("Send USER first").into();
                };
                let known = &self.mta.users;
                if !known.is_empty() && known.get(&user).map(String::as_str) != Some(arg) {
                    self.failures += 1;
                    let mut reply = err("[AUTH] Wrong user name or password");
                    reply.close = self.failures >= MAX_LOGIN_FAILURES;
                    return reply.into();
                }
                return self.lock(user);
            }
            "QUIT" => Reply {
                close: true,
                ..ok("Bye")
            },
            _ => err("Log in first, with USER and PASS"),
        };
        reply.into()
    }
    // ANCHOR_END: authorization

    /// Locks the mailbox; the session then lists it ([`Step::List`]).
    fn lock(&mut self, user: Mailbox) -> Step {
        if !lock(&self.mta.locked).insert(user.clone()) {
            return err("[IN-USE] The mailbox is open in another session").into();
        }
        self.listing = Some(Locked {
            mta: self.mta,
            mailbox: user.clone(),
        });
        Step::List(user)
    }
}

impl Open<'_> {
    /// Commands after login.
    fn transaction(&mut self, verb: &str, arg: &str) -> Step {
        let mut args = arg.split_whitespace();
        let first = args.next();
        let reply = match (verb, first) {
            ("STAT", _) => {
                let (count, size) = self
                    .live()
                    .fold((0, 0), |(count, size), (_, m)| (count + 1, size + m.size));
                ok(&format!("{count} {size}"))
            }
            ("LIST", None) => multi(
                "Scan listing follows",
                self.live().map(|(n, m)| format!("{n} {}", m.size)),
            ),
            ("UIDL", None) => multi(
                "Unique ids follow",
                self.live().map(|(n, m)| format!("{n} {}", m.uid)),
            ),
            ("LIST" | "UIDL" | "RETR" | "TOP" | "DELE", Some(number)) => {
                let n = match self.number(number) {
                    Ok(n) => n,
                    Err(reply) => return reply.into(),
                };
                let message = &self.messages[n - 1];
                let read = |body_lines| Step::Read {
                    message: message.clone(),
                    body_lines,
                };
                match verb {
                    "LIST" => ok(&format!("{n} {}", message.size)),
                    "UIDL" => ok(&format!("{n} {}", message.uid)),
                    "DELE" => {
                        self.deleted[n - 1] = true;
                        ok(&format!("Message {n} marked, deleted at QUIT"))
                    }
                    "RETR" => return read(None),
                    _ => match args.next().map(str::parse::<usize>) {
                        Some(Ok(lines)) => return read(Some(lines)),
                        _ => err("Syntax: TOP message lines"),
                    },
                }
            }
            ("RETR" | "DELE" | "TOP", None) => err("Which message? Give its number"),
            ("NOOP", _) => ok(""),
            ("RSET", _) => {
                self.deleted.fill(false);
                ok("Deletion marks removed")
            }
            // The UPDATE state: now remove what DELE marked.
            ("QUIT", _) => return Step::Remove(self.marked().cloned().collect()),
            ("USER" | "PASS", _) => err("Already logged in"),
            _ => err("Command not recognized"),
        };
        reply.into()
    }

    /// The messages marked by `DELE`.
    fn marked(&self) -> impl Iterator<Item = &Stored> {
        self.messages
            .iter()
            .zip(&self.deleted)
            .filter(|(_, d)| **d)
            .map(|(m, _)| m)
    }

    /// The messages not marked as deleted, with their numbers (from 1).
    fn live(&self) -> impl Iterator<Item = (usize, &Stored)> {
        self.messages
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.deleted[*i])
            .map(|(i, m)| (i + 1, m))
    }

    /// A message number from the client, checked.
    fn number(&self, text: &str) -> Result<usize, Reply> {
        match text.parse::<usize>() {
            Ok(n) if (1..=self.messages.len()).contains(&n) => {
                if self.deleted[n - 1] {
                    Err(err(&format!("Message {n} is marked as deleted")))
                } else {
                    Ok(n)
                }
            }
            Ok(n) => Err(err(&format!(
                "No message {n}: there are {}",
                self.messages.len()
            ))),
            Err(_) => Err(err(&format!("{text:?} is not a message number"))),
        }
    }
}

/// The reply to `RETR` (the whole message, `body_lines` `None`) or `TOP` (the
/// headers and the first `body_lines`), from the message's stored bytes.
pub fn message_reply(
    message: &Stored,
    bytes: io::Result<Vec<u8>>,
    body_lines: Option<usize>,
) -> Reply {
    let Ok(bytes) = bytes else {
        return err("[SYS/TEMP] Cannot read the message, try again later");
    };
    let text = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if let Some(keep) = body_lines {
        let head = lines
            .iter()
            .position(|l| l.is_empty())
            .unwrap_or(lines.len());
        lines.truncate((head + 1 + keep).min(lines.len()));
    }
    multi(&format!("{} octets", message.size), lines)
}

// ANCHOR: carry_out
/// The session's half of a [`Step`]: the disk work, through the maildir.
pub fn carry_out(pop3: &mut Pop3, step: Step, maildir: &Maildir) -> Reply {
    match step {
        Step::Reply(reply) => reply,
        Step::List(mailbox) => pop3.opened(maildir.messages(&mailbox)),
        Step::Read {
            message,
            body_lines,
        } => message_reply(&message, maildir.read(&message), body_lines),
        Step::Remove(doomed) => {
            let failed = doomed.iter().filter(|m| maildir.remove(m).is_err()).count();
            pop3.updated(doomed.len() - failed, failed)
        }
    }
}
// ANCHOR_END: carry_out

// ANCHOR: session
/// Serves one POP3 client until `QUIT`, a dropped connection, idling or shutdown.
pub fn session(
    stream: TcpStream,
    peer: SocketAddr,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let mut io = Session::new(stream, MAX_COMMAND, mta.idle_timeout, shutdown)?;
    let mut pop3 = Pop3::new(mta);
    io.reply("+OK lesson09-mta POP3 ready")?;
    loop {
        let line = match io.next()? {
            Event::Line(line) => line,
            Event::End => {
                // No QUIT: nothing is deleted. Unlock before saying so in the log.
                if let Some(user) = pop3.user().cloned() {
                    pop3.abandon();
                    log(format_args!(
                        "POP3 {peer}: {user} left without QUIT; nothing deleted"
                    ));
                }
                return Ok(());
            }
            // Unlock the mailbox *before* saying goodbye: a client that reads the
            // goodbye and logs in again at once must not find it still locked.
            Event::Shutdown => {
                pop3.abandon();
                io.reply("-ERR [SYS/TEMP] Server shutting down; nothing was deleted")?;
                break;
            }
            Event::Idle => {
                pop3.abandon();
                io.reply("-ERR Idle for too long; nothing was deleted")?;
                break;
            }
            Event::TooLong => {
                io.reply("-ERR Line too long")?;
                break;
            }
        };
        let logged_in = pop3.user().is_some();
        let step = pop3.command(&String::from_utf8_lossy(&line.text));
        let reply = carry_out(&mut pop3, step, &mta.maildir);
        // Log before replying: once the client has the reply, the log is up to date.
        match pop3.user() {
            Some(user) if !logged_in => log(format_args!("POP3 {peer}: {user} logged in")),
            None if logged_in => log(format_args!(
                "POP3 {peer}: {}",
                String::from_utf8_lossy(&reply.bytes[4..]).trim_end()
            )),
            _ => {}
        }
        io.send(&reply.bytes)?;
        if reply.close {
            break;
        }
    }
    io.close();
    Ok(())
}
// ANCHOR_END: session

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::with_alice as mta;

    /// What the session does with a command line: the step, then its disk work.
    fn ask(pop3: &mut Pop3, line: &str) -> Reply {
        let mta = pop3.mta;
        let step = pop3.command(line);
        carry_out(pop3, step, &mta.maildir)
    }

    fn text(reply: Reply) -> String {
        String::from_utf8(reply.bytes).unwrap()
    }

    fn logged_in(mta: &Mta) -> Pop3<'_> {
        let mut pop3 = Pop3::new(mta);
        ask(&mut pop3, "USER alice");
        assert!(text(ask(&mut pop3, "PASS secret")).starts_with("+OK"));
        pop3
    }

    #[test]
    fn top_gives_the_headers_and_the_first_lines() {
        let (_dir, mta) = mta(&["Subject: a\nFrom: b\n\none\n.two\nthree"]);
        let mut pop3 = logged_in(&mta);
        let top = text(ask(&mut pop3, "TOP 1 0"));
        assert!(
            top.ends_with("\r\nSubject: a\r\nFrom: b\r\n\r\n.\r\n"),
            "{top:?}"
        );
        let top = text(ask(&mut pop3, "TOP 1 2"));
        assert!(
            top.ends_with("\r\n\r\none\r\n..two\r\n.\r\n"),
            "stuffed: {top:?}"
        );
    }

    #[test]
    fn rset_takes_back_every_dele() {
        let (_dir, mta) = mta(&["Subject: a\n\n1", "Subject: b\n\n2"]);
        let mut pop3 = logged_in(&mta);
        assert!(text(ask(&mut pop3, "DELE 2")).starts_with("+OK"));
        assert!(text(ask(&mut pop3, "STAT")).starts_with("+OK 1 "));
        assert!(text(ask(&mut pop3, "DELE 2")).starts_with("-ERR Message 2 is marked"));
        assert_eq!(
            text(ask(&mut pop3, "RSET")),
            "+OK Deletion marks removed\r\n"
        );
        assert!(text(ask(&mut pop3, "STAT")).starts_with("+OK 2 "));
        assert_eq!(text(ask(&mut pop3, "NOOP")), "+OK\r\n");
    }

    #[test]
    fn uidl_names_each_message_by_its_file() {
        let (_dir, mta) = mta(&["Subject: a\n\n1"]);
        let uid = mta
            .maildir
            .messages(&Mailbox::new("alice").unwrap())
            .unwrap()[0]
            .uid
            .clone();
        let mut pop3 = logged_in(&mta);
        assert_eq!(text(ask(&mut pop3, "UIDL 1")), format!("+OK 1 {uid}\r\n"));
        assert!(text(ask(&mut pop3, "UIDL")).contains(&format!("\r\n1 {uid}\r\n.\r\n")));
    }

    #[test]
    fn capa_works_before_and_after_login() {
        let (_dir, mta) = mta(&[]);
        let mut pop3 = Pop3::new(&mta);
        let capa = "+OK Capabilities follow\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n";
        assert_eq!(text(ask(&mut pop3, "CAPA")), capa);
        let mut pop3 = logged_in(&mta);
        assert_eq!(text(ask(&mut pop3, "capa")), capa);
    }

    #[test]
    fn quit_unlocks_the_mailbox_at_once() {
        let (_dir, mta) = mta(&[]);
        let mut first = logged_in(&mta);
        let mut second = Pop3::new(&mta);
        ask(&mut second, "USER alice");
        assert!(text(ask(&mut second, "PASS secret")).starts_with("-ERR [IN-USE]"));
        let bye = ask(&mut first, "QUIT");
        assert!(bye.close);
        let mut again = logged_in(&mta); // free again
        again.abandon();
        logged_in(&mta); // and again
    }

    #[test]
    fn the_state_machine_only_asks_for_disk_work() {
        let (_dir, mta) = mta(&[]);
        let mut pop3 = Pop3::new(&mta);
        let Step::Reply(reply) = pop3.command("USER alice") else {
            panic!("USER needs no disk")
        };
        assert!(text(reply).starts_with("+OK"));
        let Step::List(who) = pop3.command("PASS secret") else {
            panic!("a right PASS asks for the listing")
        };
        assert_eq!(who.as_str(), "alice");
        // Messages that exist nowhere on disk: the machine never looks.
        let fake = |uid: &str| Stored {
            path: format!("/nonexistent/{uid}").into(),
            uid: uid.to_string(),
            size: 5,
        };
        let listed = pop3.opened(Ok(vec![fake("u1"), fake("u2")]));
        assert_eq!(text(listed), "+OK alice has 2 messages (10 octets)\r\n");
        let Step::Read {
            message,
            body_lines: Some(0),
        } = pop3.command("TOP 2 0")
        else {
            panic!("TOP asks for a read")
        };
        assert_eq!(message.uid, "u2");
        assert!(matches!(pop3.command("DELE 1"), Step::Reply(_)));
        let Step::Remove(doomed) = pop3.command("QUIT") else {
            panic!("QUIT asks for the removals")
        };
        assert_eq!(doomed.len(), 1);
        assert_eq!(doomed[0].uid, "u1");
        let bye = pop3.updated(1, 0);
        assert!(bye.close);
        assert_eq!(text(bye), "+OK Bye: alice had 2 messages, 1 deleted\r\n");
        logged_in(&mta); // unlocked by the goodbye
    }

    #[test]
    fn a_failed_listing_unlocks_the_mailbox() {
        let (_dir, mta) = mta(&[]);
        let mut pop3 = Pop3::new(&mta);
        ask(&mut pop3, "USER alice");
        assert!(matches!(pop3.command("PASS secret"), Step::List(_)));
        let failed = pop3.opened(Err(io::Error::other("disk on fire")));
        assert!(text(failed).starts_with("-ERR [SYS/TEMP]"));
        assert!(pop3.user().is_none());
        logged_in(&mta);
    }
}
