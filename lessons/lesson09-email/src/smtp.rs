//! The SMTP server side (RFC 5321): how an MTA accepts mail.
//!
//! The client sends one command per line; the server answers each with a reply
//! line starting with a three-digit code. The first digit is all a client must
//! understand: `2` done, `3` go on (send the message), `4` failed *for now* (try
//! again later), `5` failed for good. A reply of several lines has a `-` after the
//! code on all lines but the last (`250-SIZE ...`, then `250 HELP`).
//!
//! ```text
//! S: 220 localhost ESMTP lesson09-mta ready
//! C: EHLO [127.0.0.1]            S: 250-localhost greets [127.0.0.1] ...
//! C: MAIL FROM:<ann@example.com> S: 250 2.1.0 Sender OK
//! C: RCPT TO:<bob@example.com>   S: 250 2.1.5 Recipient OK
//! C: DATA                        S: 354 End data with <CR><LF>.<CR><LF>
//! C: (the message, then a line with a single ".")
//!                                S: 250 2.0.0 OK: stored as ...
//! C: QUIT                        S: 221 2.0.0 Bye
//! ```
//!
//! `MAIL FROM` and `RCPT TO` are the *envelope*: where the mail really goes. The
//! `From:` and `To:` headers inside the message are only text for the reader (that
//! is how `Bcc` works, and how forged senders happen).

use crate::maildir::{Mailbox, Spooled};
use crate::message::{address_literal, rfc5322_date, Address, MAX_LINE};
use crate::{Event, Mta, Session};
use shared::server::{log, Shutdown};
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::SystemTime;

/// The name this server gives itself in its greeting and `Received:` headers.
pub const HOSTNAME: &str = "localhost";

/// The longest command line, `\r\n` not counted (RFC 5321 section 4.5.3.1.4).
pub const MAX_COMMAND: usize = 510;

/// The mailbox every mail system must have (its folder in the maildir).
pub const POSTMASTER: &str = "postmaster";

/// At most this many recipients per message (the minimum RFC 5321 requires).
pub const MAX_RECIPIENTS: usize = 100;

/// A mail with more `Received:` headers than this is refused as a loop (RFC 5321
/// section 6.3 suggests about 100; real paths have fewer than 10).
pub const MAX_HOPS: usize = 30;

/// What the session loop does after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this reply (lines joined by `\r\n`) and read the next command.
    Reply(String),
    /// Reply `354`, then receive the message.
    Data,
    /// Reply `221` and close.
    Quit,
}

// ANCHOR: state
/// One SMTP session's state: who said hello, and the envelope being built.
#[derive(Debug)]
pub struct Smtp<'a> {
    /// The server's settings.
    mta: &'a Mta,
    /// The client's name from `HELO`/`EHLO`; `MAIL` is refused before it.
    helo: Option<String>,
    /// Said `EHLO` (extended SMTP), not `HELO`.
    extended: bool,
    /// `MAIL FROM`'s address (empty for `<>`, the "null sender" of bounces).
    from: Option<String>,
    /// `RCPT TO`'s mailboxes so far.
    to: Vec<Mailbox>,
    /// `RCPT TO`'s addresses in other domains, to be passed on.
    relay_to: Vec<Address>,
    /// The client may relay (see [`Mta::may_relay`]).
    may_relay: bool,
}
// ANCHOR_END: state

impl<'a> Smtp<'a> {
    /// A new session's state: nobody has said hello yet.
    pub fn new(mta: &'a Mta) -> Self {
        Smtp {
            mta,
            helo: None,
            extended: false,
            from: None,
            to: Vec::new(),
            relay_to: Vec::new(),
            may_relay: false,
        }
    }

    /// A new session's state for a client at `peer`.
    pub fn for_peer(mta: &'a Mta, peer: IpAddr) -> Self {
        Smtp {
            may_relay: mta.may_relay(peer),
            ..Smtp::new(mta)
        }
    }

    /// Forgets the envelope (`RSET`, a new `HELO`, a finished message).
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
        self.relay_to.clear();
    }

    // ANCHOR: command
    /// Answers one command line. Pure state: no I/O, so every reply can be tested
    /// without a socket.
    pub fn command(&mut self, line: &str) -> Step {
        if line.len() > MAX_COMMAND {
            return reply("500 5.5.2 Command line too long (limit 512 octets)");
        }
        let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
        let arg = arg.trim();
        match verb.to_ascii_uppercase().as_str() {
            "HELO" | "EHLO" if arg.is_empty() || arg.contains(|c: char| c.is_control()) => {
                reply("501 5.5.4 Say who you are, e.g. EHLO client.example.com")
            }
            "HELO" | "EHLO" => {
                self.reset();
                self.helo = Some(arg.to_string());
                self.extended = verb.eq_ignore_ascii_case("EHLO");
                if self.extended {
                    Step::Reply(format!(
                        "250-{} greets {arg}\r\n250-SIZE {}\r\n250-8BITMIME\r\n\
                         250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250 HELP",
                        self.mta.hostname(),
                        self.mta.max_size
                    ))
                } else {
                    Step::Reply(format!("250 {} greets {arg}", self.mta.hostname()))
                }
            }
            "MAIL" => self.mail(arg),
            "RCPT" => self.rcpt(arg),
            "DATA" if !arg.is_empty() => reply("501 5.5.4 DATA takes no arguments"),
            "DATA" if self.from.is_none() => reply("503 5.5.1 Send MAIL FROM first"),
            "DATA" if self.to.is_empty() && self.relay_to.is_empty() => {
                reply("503 5.5.1 Send RCPT TO first")
            }
            "DATA" => Step::Data,
            "RSET" => {
                self.reset();
                reply("250 2.0.0 OK")
            }
            "NOOP" => reply("250 2.0.0 OK"),
            "QUIT" => Step::Quit,
            "VRFY" => reply("252 2.5.0 Cannot VRFY user, but will accept mail for it"),
            "HELP" => {
                reply("214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP")
            }
            "STARTTLS" | "AUTH" => Step::Reply(format!(
                "502 5.5.1 {} is not implemented by this lesson's server",
                verb.to_ascii_uppercase()
            )),
            _ => reply("500 5.5.2 Command not recognized"),
        }
    }
    // ANCHOR_END: command

    /// `MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]`: starts a message.
    fn mail(&mut self, arg: &str) -> Step {
        if self.helo.is_none() {
            return reply("503 5.5.1 Say HELO or EHLO first");
        }
        if self.from.is_some() {
            return reply("503 5.5.1 A message is already started; send RSET to start over");
        }
        let Some((path, params)) = path_argument(arg, "FROM:") else {
            return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
        };
        if !path.is_empty() && path.parse::<Address>().is_err() {
            return reply("501 5.1.7 Bad sender address syntax");
        }
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<usize>() {
                    Ok(size) if size > self.mta.max_size => {
                        return Step::Reply(format!(
                            "552 5.3.4 Message too big: the limit is {} octets",
                            self.mta.max_size
                        ))
                    }
                    Ok(_) => {}
                    Err(_) => return reply("501 5.5.4 SIZE needs a number"),
                },
                "BODY" if ["7BIT", "8BITMIME"].contains(&value.to_ascii_uppercase().as_str()) => {}
                _ => return reply("555 5.5.4 Unsupported MAIL parameter"),
            }
        }
        self.from = Some(path.to_string());
        reply("250 2.1.0 Sender OK")
    }

    /// `RCPT TO:<address>`: adds a recipient, if we have a mailbox for them.
    fn rcpt(&mut self, arg: &str) -> Step {
        if self.from.is_none() {
            return reply("503 5.5.1 Send MAIL FROM first");
        }
        let Some((path, _)) = path_argument(arg, "TO:") else {
            return reply("501 5.5.4 Syntax: RCPT TO:<address>");
        };
        // Every mail system must accept mail for "postmaster", with or without a
        // domain (RFC 5321 section 4.5.1): it is where people report problems.
        let local = match path.parse::<Address>() {
            Ok(address) if !self.mta.is_local(&address.domain) => return self.relay(address),
            Ok(address) => address.local,
            Err(_) if path.eq_ignore_ascii_case(POSTMASTER) => path.to_string(),
            Err(_) => return reply("501 5.1.3 Bad recipient address syntax"),
        };
        let Ok(mailbox) = Mailbox::new(&local) else {
            return reply("553 5.1.3 Mailbox name not allowed");
        };
        let known = self.mta.users.is_empty()
            || self.mta.users.contains_key(&mailbox)
            || mailbox.as_str() == POSTMASTER;
        if !known {
            return reply("550 5.1.1 No such user here");
        }
        if self.to.len() + self.relay_to.len() >= MAX_RECIPIENTS {
            return reply("452 4.5.3 Too many recipients");
        }
        if !self.to.contains(&mailbox) {
            self.to.push(mailbox);
        }
        reply("250 2.1.5 Recipient OK")
    }

    // ANCHOR: relay
    /// `RCPT TO` for a domain that is not ours: the mail would have to be passed on.
    /// Only clients allowed to relay may ask that; to anyone else we are the last
    /// MTA, not a free forwarding service (an "open relay").
    fn relay(&mut self, address: Address) -> Step {
        if !self.may_relay {
            return reply("550 5.7.1 Relaying denied: we only accept mail for our own domains");
        }
        if self.mta.queue.is_none() || !self.mta.can_reach(&address.domain) {
            // Without DNS, only domains given with --route can be reached.
            return reply("550 5.4.4 No route to that domain (see --route)");
        }
        if self.to.len() + self.relay_to.len() >= MAX_RECIPIENTS {
            return reply("452 4.5.3 Too many recipients");
        }
        if !self.relay_to.contains(&address) {
            self.relay_to.push(address);
        }
        reply("250 2.1.5 Recipient OK, will relay")
    }
    // ANCHOR_END: relay

    /// The trace headers an MTA adds on top of each message it accepts.
    fn trace_headers(&self, peer: SocketAddr, id: &str) -> [String; 4] {
        [
            format!(
                "Return-Path: <{}>",
                self.from.as_deref().unwrap_or_default()
            ),
            format!(
                "Received: from {} ({})",
                self.helo.as_deref().unwrap_or_default(),
                address_literal(peer.ip())
            ),
            format!(
                "\tby {} (lesson09-mta) with {} id {id};",
                self.mta.hostname(),
                if self.extended { "ESMTP" } else { "SMTP" }
            ),
            format!("\t{}", rfc5322_date(SystemTime::now())),
        ]
    }
}

fn reply(text: &str) -> Step {
    Step::Reply(text.to_string())
}

/// Splits `FROM:<path> params` into the path and the parameters. Tolerates a
/// space after the colon, as many servers do.
fn path_argument<'a>(arg: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start().strip_prefix('<')?;
    let (path, params) = rest.split_once('>')?;
    Some((path, params.trim()))
}

// ANCHOR: session
/// Serves one SMTP client until it says `QUIT`, leaves, idles, or the server stops.
pub fn session(
    stream: TcpStream,
    peer: SocketAddr,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    // One more than the limit: a line of 998 octets may get a dot stuffed in front.
    let mut io = Session::new(stream, MAX_LINE + 1, mta.idle_timeout, shutdown)?;
    let mut smtp = Smtp::for_peer(mta, peer.ip());
    io.reply(&format!("220 {} ESMTP lesson09-mta ready", mta.hostname()))?;
    loop {
        let line = match io.next()? {
            Event::Line(line) => line,
            Event::End => return Ok(()),
            other => {
                io.reply(farewell(&other))?;
                break;
            }
        };
        match smtp.command(&String::from_utf8_lossy(&line.text)) {
            Step::Reply(text) => io.reply(&text)?,
            Step::Quit => {
                io.reply("221 2.0.0 Bye")?;
                break;
            }
            Step::Data => {
                io.reply("354 End data with <CR><LF>.<CR><LF>")?;
                match receive(&mut io, &smtp, peer)? {
                    Ok(text) => io.reply(&text)?,
                    Err(Event::End) => return Ok(()),
                    Err(other) => {
                        io.reply(farewell(&other))?;
                        break;
                    }
                }
                smtp.reset();
            }
        }
    }
    io.close();
    Ok(())
}
// ANCHOR_END: session

/// The last reply before the server closes a session itself.
fn farewell(why: &Event) -> &'static str {
    match why {
        Event::Shutdown => "421 4.3.2 Server shutting down, try again later",
        Event::Idle => "421 4.4.2 Idle for too long, closing the connection",
        _ => "500 5.5.2 Line too long (limit 998 octets), closing the connection",
    }
}

// ANCHOR: receive
/// Receives the message after `354`, up to the line holding a single `.`, and
/// stores it. Returns the final reply, or why the session must end instead.
///
/// The whole message is always read to its end, even when it will be refused:
/// only after the `.` is the client listening for a reply again.
fn receive(io: &mut Session, smtp: &Smtp, peer: SocketAddr) -> io::Result<Result<String, Event>> {
    let max = smtp.mta.max_size;
    let mut sink = Sink::new(smtp.mta.maildir.spool());
    if let Sink::Storing(file) = &sink {
        for header in smtp.trace_headers(peer, file.id()) {
            sink.write(header.as_bytes());
        }
    }
    let mut size = 0;
    // The end is `<CRLF>.<CRLF>`: a "." line that ends in CRLF, after a line that
    // did too (the DATA command's own CRLF counts for the first line).
    let mut after_crlf = true;
    // Trace headers counted in the message's head: a loop shows as too many.
    let (mut in_head, mut hops) = (true, 0);
    loop {
        let line = match io.next()? {
            Event::Line(line) => line,
            other => {
                drop(sink); // removes the half-received message's file
                log(format_args!(
                    "SMTP {peer}: session ended during DATA; nothing stored"
                ));
                return Ok(Err(other));
            }
        };
        if line.text == b"." && line.crlf && after_crlf {
            break;
        }
        after_crlf = line.crlf;
        if !line.is_strict() {
            // A bare LF or CR: another server may read this mail differently
            // from us (where a line, or the message, ends). Refuse it, but read on.
            sink = Sink::BareLineEnd;
        }
        // Dot-stuffing: the client doubled every leading dot, so that no line of
        // the message can be mistaken for the final ".". Undo it.
        let text = line.text.strip_prefix(b".").unwrap_or(&line.text);
        if text.len() > MAX_LINE {
            // (The stuffed dot does not count: the reader allows 998 + 1.)
            drop(sink);
            return Ok(Err(Event::TooLong));
        }
        if in_head {
            in_head = !text.is_empty();
            hops += usize::from(text.len() >= 9 && text[..9].eq_ignore_ascii_case(b"Received:"));
            if hops > MAX_HOPS && matches!(sink, Sink::Storing(_)) {
                sink = Sink::Loop(hops);
            }
        }
        size += text.len() + 2;
        if size > max && !matches!(sink, Sink::BareLineEnd | Sink::Loop(_)) {
            sink = Sink::TooBig; // stop storing, but read on to the "."
        }
        sink.write(text);
    }
    let from = smtp.from.as_deref().unwrap_or_default();
    let reply = match sink {
        Sink::TooBig => {
            log(format_args!(
                "SMTP {peer}: refused mail from <{from}>: {size} octets, over the limit of {max}"
            ));
            format!("552 5.3.4 Message too big: the limit is {max} octets")
        }
        Sink::Loop(hops) => {
            log(format_args!(
                "SMTP {peer}: refused mail from <{from}>: {hops} Received: headers, a loop?"
            ));
            format!("554 5.4.6 Too many hops ({hops} Received: headers, at most {MAX_HOPS}): a mail loop?")
        }
        Sink::BareLineEnd => {
            log(format_args!(
                "SMTP {peer}: refused mail from <{from}>: a bare LF or CR in the message"
            ));
            "554 5.6.0 Bare LF or CR in the message: every line must end in CRLF".to_string()
        }
        Sink::Storing(file) => match store(smtp, file) {
            Ok(id) => {
                let to: Vec<String> = (smtp.to.iter().map(Mailbox::to_string))
                    .chain(smtp.relay_to.iter().map(|a| format!("<{a}>")))
                    .collect();
                log(format_args!(
                    "SMTP {peer}: mail from <{from}> for {}: {size} octets, stored as {id}",
                    to.join(", ")
                ));
                format!("250 2.0.0 OK: stored as {id}")
            }
            Err(err) => storage_failed(peer, &err),
        },
        Sink::Failed(err) => storage_failed(peer, &err),
    };
    Ok(Ok(reply))
}
// ANCHOR_END: receive

// ANCHOR: store
/// Makes a received message durable: queued for the recipients in other domains,
/// stored in the mailboxes of ours, all or nothing. Only after this is `250` said.
fn store(smtp: &Smtp, mut file: Spooled) -> io::Result<String> {
    file.sync()?;
    let mut queued = None;
    if !smtp.relay_to.is_empty() {
        let queue = smtp
            .mta
            .queue
            .as_ref()
            .ok_or_else(|| io::Error::other("no queue"))?;
        let from = smtp.from.as_deref().unwrap_or_default();
        queued = Some((queue, queue.add(file.path(), from, &smtp.relay_to)?));
    }
    match smtp.mta.maildir.deliver(file, &smtp.to) {
        Ok(id) => Ok(id),
        Err(err) => {
            // Not stored for everyone: not queued either, so the client's
            // retry after our 451 gives nobody a second copy.
            if let Some((queue, id)) = queued {
                let _ = queue.remove(&id);
            }
            Err(err)
        }
    }
}
// ANCHOR_END: store

/// Where the lines of a message being received go.
enum Sink {
    /// Into a file in the maildir's `tmp/`.
    Storing(Spooled),
    /// Nowhere: the message is over the size limit and will be refused.
    TooBig,
    /// Nowhere: the mail has passed more MTAs than [`MAX_HOPS`]; it will be refused.
    Loop(usize),
    /// Nowhere: a line ended in a bare LF or held a bare CR; it will be refused.
    BareLineEnd,
    /// Nowhere: the disk failed (full?); the client will be told to retry later.
    Failed(io::Error),
}

impl Sink {
    fn new(spooled: io::Result<Spooled>) -> Sink {
        spooled.map_or_else(Sink::Failed, Sink::Storing)
    }

    fn write(&mut self, line: &[u8]) {
        if let Sink::Storing(file) = self {
            if let Err(err) = file.write_line(line) {
                *self = Sink::Failed(err);
            }
        }
    }
}

/// A disk problem is temporary from the client's point of view: it keeps the mail
/// and tries again later.
fn storage_failed(peer: SocketAddr, err: &io::Error) -> String {
    log(format_args!("SMTP {peer}: cannot store a message: {err}"));
    "451 4.3.0 Cannot store the message now, try again later".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maildir::Maildir;

    fn mta(users: &[&str]) -> (tempfile::TempDir, Mta) {
        let dir = tempfile::tempdir().unwrap();
        let maildir = Maildir::open(dir.path()).unwrap();
        let users = users.iter().map(|u| u.parse().unwrap()).collect();
        (dir, Mta::new(maildir, users))
    }

    /// Runs commands and returns each reply's code (`354` for DATA, `221` for QUIT).
    fn codes(smtp: &mut Smtp, commands: &[&str]) -> Vec<u16> {
        commands
            .iter()
            .map(|c| match smtp.command(c) {
                Step::Reply(text) => text[..3].parse().unwrap(),
                Step::Data => 354,
                Step::Quit => 221,
            })
            .collect()
    }

    #[test]
    fn a_well_behaved_client_gets_through() {
        let (_dir, mta) = mta(&[]);
        let mut smtp = Smtp::new(&mta);
        let got = codes(
            &mut smtp,
            &[
                "EHLO [127.0.0.1]",
                "MAIL FROM:<ann@example.com>",
                "RCPT TO:<Bob@example.com>",
                "DATA",
            ],
        );
        assert_eq!(got, [250, 250, 250, 354]);
        assert_eq!(smtp.to, [Mailbox::new("bob").unwrap()]);
    }

    #[test]
    fn commands_out_of_order_are_refused_with_503() {
        let (_dir, mta) = mta(&[]);
        let mut smtp = Smtp::new(&mta);
        let got = codes(
            &mut smtp,
            &[
                "MAIL FROM:<a@b>",
                "HELO x",
                "RCPT TO:<b@c>",
                "DATA",
                "MAIL FROM:<a@b>",
                "MAIL FROM:<a@b>",
                "DATA",
            ],
        );
        assert_eq!(got, [503, 250, 503, 503, 250, 503, 503]);
    }

    #[test]
    fn malformed_commands_are_refused_with_5xx() {
        let (_dir, mta) = mta(&[]);
        let mut smtp = Smtp::new(&mta);
        let long = format!("NOOP {}", "x".repeat(MAX_COMMAND));
        let got = codes(
            &mut smtp,
            &[
                "HELO",
                "HELO a\rb",
                "FOO bar",
                "EHLO x",
                "MAIL ann@example.com",
                "MAIL FROM:<not an address>",
                "MAIL FROM:<a@b> SIZE=lots",
                "MAIL FROM:<a@b> SMTPUTF8",
                "MAIL FROM:<>",
                "RCPT TO:<../../etc@example.com>",
                "RCPT TO:bob",
                "DATA now",
                &long,
                "STARTTLS",
            ],
        );
        assert_eq!(
            got,
            [501, 501, 500, 250, 501, 501, 501, 555, 250, 553, 501, 501, 500, 502]
        );
    }

    #[test]
    fn known_users_only_when_users_are_given() {
        let (_dir, mta) = mta(&["alice:secret"]);
        let mut smtp = Smtp::new(&mta);
        let got = codes(
            &mut smtp,
            &[
                "HELO x",
                "MAIL FROM:<a@b>",
                "RCPT TO:<mallory@x>",
                "RCPT TO:<ALICE@x>",
            ],
        );
        assert_eq!(got, [250, 250, 550, 250]);
    }

    #[test]
    fn mail_for_other_domains_is_refused_unless_the_client_may_relay() {
        let (_dir, mut mta) = mta(&[]);
        mta.domains = vec!["sina.test".into()];
        mta.relay_from = vec![IpAddr::from([127, 0, 0, 2])];
        let stranger = IpAddr::from([127, 0, 0, 1]);
        let mut smtp = Smtp::for_peer(&mta, stranger);
        let got = codes(
            &mut smtp,
            &[
                "HELO x",
                "MAIL FROM:<a@b>",
                "RCPT TO:<friend@SINA.test>",
                "RCPT TO:<someone@163.test>",
                "RCPT TO:<someone@sina.test.evil>",
                "RCPT TO:<postmaster>",
            ],
        );
        assert_eq!(got, [250, 250, 250, 550, 550, 250]);
        let Step::Reply(text) = smtp.command("RCPT TO:<x@163.test>") else {
            panic!()
        };
        assert!(text.starts_with("550 5.7.1 Relaying denied"), "{text}");
        // A client that may relay: domains with a route are queued, others refused.
        mta.queue = Some(crate::queue::Queue::open(mta.maildir.root()).unwrap());
        let hop = shared::addr::HostPort::parse("127.0.0.1:1").unwrap();
        mta.routes.insert("163.test".into(), hop);
        let mut smtp = Smtp::for_peer(&mta, IpAddr::from([127, 0, 0, 2]));
        let got = codes(
            &mut smtp,
            &[
                "HELO x",
                "MAIL FROM:<a@b>",
                "RCPT TO:<x@163.TEST>",
                "RCPT TO:<x@126.test>",
                "DATA",
            ],
        );
        assert_eq!(got, [250, 250, 250, 550, 354]);
        assert_eq!(smtp.relay_to, ["x@163.TEST".parse().unwrap()]);
        assert!(smtp.to.is_empty());
        // With a resolver (--mx) every domain can be reached.
        mta.resolver = Some(Box::new(crate::mx::FakeResolver::default()));
        let mut smtp = Smtp::for_peer(&mta, IpAddr::from([127, 0, 0, 2]));
        let got = codes(
            &mut smtp,
            &["HELO x", "MAIL FROM:<a@b>", "RCPT TO:<x@126.test>"],
        );
        assert_eq!(got, [250, 250, 250]);
        mta.resolver = None;
        // Without --domain every domain is ours, as before (nothing is relayed).
        mta.domains.clear();
        let mut smtp = Smtp::for_peer(&mta, stranger);
        let got = codes(
            &mut smtp,
            &["HELO x", "MAIL FROM:<a@b>", "RCPT TO:<x@163.test>"],
        );
        assert_eq!(got, [250, 250, 250]);
    }

    #[test]
    fn announced_size_over_the_limit_is_refused_at_once() {
        let (_dir, mut mta) = mta(&[]);
        mta.max_size = 1000;
        let mut smtp = Smtp::new(&mta);
        let got = codes(
            &mut smtp,
            &[
                "EHLO x",
                "MAIL FROM:<a@b> SIZE=1001",
                "MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME",
            ],
        );
        assert_eq!(got, [250, 552, 250]);
        let Step::Reply(ehlo) = smtp.command("EHLO x") else {
            panic!()
        };
        assert!(ehlo.contains("250-SIZE 1000\r\n"), "{ehlo}");
    }

    #[test]
    fn too_many_recipients_is_a_temporary_failure() {
        let (_dir, mta) = mta(&[]);
        let mut smtp = Smtp::new(&mta);
        codes(&mut smtp, &["HELO x", "MAIL FROM:<a@b>"]);
        for i in 0..MAX_RECIPIENTS {
            assert_eq!(codes(&mut smtp, &[&format!("RCPT TO:<u{i}@x>")]), [250]);
        }
        assert_eq!(codes(&mut smtp, &["RCPT TO:<one-more@x>"]), [452]);
    }
}
