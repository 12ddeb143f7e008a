//! Lesson 9: the journey of a mail.
//!
//! ```text
//! sender → MUA ──SMTP──▶ MTA ──SMTP──▶ … ──▶ MTA → MDA (a mailbox) ◀──POP3── MUA → recipient
//! ```
//!
//! A *mail user agent* (MUA: Thunderbird, Python's `smtplib`, our `lesson09-send`)
//! hands the message to a *mail transfer agent* (MTA) over SMTP. MTAs pass it on,
//! again over SMTP, until one of them is responsible for the recipient's domain;
//! its *mail delivery agent* (MDA) stores it in a mailbox. The recipient's MUA
//! later fetches it over POP3 (or IMAP). Every step is a text dialogue over TCP:
//! a command line from the client, a reply line from the server.
//!
//! `lesson09-mta` plays the last MTA, the MDA and the POP3 server at once:
//!
//! - [`smtp`]: the SMTP server side, and [`maildir`]: how it stores mail safely;
//! - [`pop3`]: the POP3 server side;
//! - [`client`]: both protocols' client sides, for `lesson09-send` and `lesson09-fetch`;
//! - [`message`]: the message format itself, and how non-ASCII text fits into it.

pub mod client;
pub mod maildir;
pub mod message;
pub mod pop3;
pub mod smtp;

use maildir::{Mailbox, Maildir};
use shared::error::is_timeout;
use shared::framing::{FrameError, LineReader};
use shared::server::{incoming_until, log, refuse_with, Shutdown};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// How often a waiting session checks for shutdown (see lesson 3).
const TICK: Duration = Duration::from_millis(250);

/// The mail server's settings and shared state, used by every session.
#[derive(Debug)]
pub struct Mta {
    /// Where mail is stored.
    pub maildir: Maildir,
    /// POP3 accounts, and the only SMTP recipients accepted; empty: anyone.
    pub users: HashMap<Mailbox, String>,
    /// The largest message accepted, in octets.
    pub max_size: usize,
    /// A session that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Sessions served at once, per protocol; more are told to come back later.
    pub max_connections: usize,
    /// Mailboxes with a POP3 session open: RFC 1939 allows one at a time.
    pub(crate) locked: Mutex<HashSet<Mailbox>>,
}

impl Mta {
    /// A server storing mail in `maildir`, with the usual limits.
    pub fn new(maildir: Maildir, users: Vec<User>) -> Mta {
        Mta {
            maildir,
            users: users.into_iter().map(|u| (u.name, u.password)).collect(),
            max_size: 10 * 1024 * 1024,
            idle_timeout: Duration::from_secs(300),
            max_connections: 64,
            locked: Mutex::default(),
        }
    }
}

/// `NAME:PASSWORD`, as given to `--user`.
#[derive(Clone, Debug)]
pub struct User {
    /// The mailbox, and the POP3 user name.
    pub name: Mailbox,
    /// The POP3 password.
    pub password: String,
}

impl FromStr for User {
    type Err = String;

    fn from_str(text: &str) -> Result<User, String> {
        let (name, password) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} should be NAME:PASSWORD, e.g. alice:secret"))?;
        let name = Mailbox::new(name).map_err(|e| e.to_string())?;
        Ok(User {
            name,
            password: password.to_string(),
        })
    }
}

// ANCHOR: serve
/// Serves SMTP on `smtp` and POP3 on `pop3`, a thread per session, until `shutdown`.
///
/// `thread::scope` lets every session borrow `mta` and `shutdown` (no `Arc` needed)
/// and waits for all of them before returning: when `serve` returns, every mail
/// that was answered `250` is on disk.
pub fn serve(
    smtp: &TcpListener,
    pop3: &TcpListener,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    thread::scope(|s| {
        let pop3 = s.spawn(|| accept(pop3, Protocol::Pop3, mta, shutdown));
        let smtp = accept(smtp, Protocol::Smtp, mta, shutdown);
        let pop3 = pop3.join().unwrap_or(Ok(()));
        smtp.and(pop3)
    })
}

/// Which dialogue a listener speaks.
#[derive(Clone, Copy, Debug)]
enum Protocol {
    Smtp,
    Pop3,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Smtp => "SMTP",
            Protocol::Pop3 => "POP3",
        })
    }
}

/// One listener's accept loop: a scoped thread per session, at most `max_connections`.
fn accept(
    listener: &TcpListener,
    protocol: Protocol,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let active = AtomicUsize::new(0);
    thread::scope(|s| {
        for (stream, peer) in incoming_until(listener, shutdown)? {
            if active.fetch_add(1, Ordering::SeqCst) >= mta.max_connections {
                active.fetch_sub(1, Ordering::SeqCst);
                log(format_args!(
                    "{protocol} {peer}: refused, too many sessions"
                ));
                refuse_with(
                    stream,
                    match protocol {
                        Protocol::Smtp => b"421 4.3.2 Too many connections, try again later\r\n",
                        Protocol::Pop3 => {
                            b"-ERR [SYS/TEMP] Too many connections, try again later\r\n"
                        }
                    },
                );
                continue;
            }
            let active = &active;
            s.spawn(move || {
                // A bug in one session must not take the server down (see lesson 3).
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| match protocol {
                    Protocol::Smtp => smtp::session(stream, peer, mta, shutdown),
                    Protocol::Pop3 => pop3::session(stream, peer, mta, shutdown),
                }));
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => log(format_args!("{protocol} {peer}: connection lost: {err}")),
                    Err(_) => log(format_args!("{protocol} {peer}: session failed (a bug)")),
                }
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    })
}
// ANCHOR_END: serve

/// What waiting for the client's next line brought.
#[derive(Debug)]
pub(crate) enum Input {
    /// A line, without its `\r\n`.
    Line(Vec<u8>),
    /// The client closed the connection.
    Closed,
    /// The server is stopping.
    Shutdown,
    /// The client sent nothing for the idle timeout.
    Idle,
    /// A line over the limit; the stream is out of step and must be closed.
    TooLong,
}

/// A server's side of one text-protocol session: lines in, reply lines out.
pub(crate) struct Session<'a> {
    /// Buffered lines from the client.
    reader: LineReader<TcpStream>,
    /// The same socket, for replies.
    writer: TcpStream,
    /// Ends waits early.
    shutdown: &'a Shutdown,
    /// How long the client may stay silent.
    idle_timeout: Duration,
}

impl<'a> Session<'a> {
    /// Wraps `stream`; lines longer than `limit` octets end the session.
    pub(crate) fn new(
        stream: TcpStream,
        limit: usize,
        mta: &Mta,
        shutdown: &'a Shutdown,
    ) -> io::Result<Self> {
        // Short read timeouts let the session notice shutdown; a write timeout
        // stops a client that never reads from blocking us forever.
        stream.set_read_timeout(Some(TICK))?;
        stream.set_write_timeout(Some(mta.idle_timeout))?;
        Ok(Session {
            writer: stream.try_clone()?,
            reader: LineReader::new(stream, limit),
            shutdown,
            idle_timeout: mta.idle_timeout,
        })
    }

    /// Waits for the client's next line.
    pub(crate) fn next(&mut self) -> io::Result<Input> {
        let since = Instant::now();
        loop {
            match self.reader.read_line() {
                Ok(Some(line)) => return Ok(Input::Line(line)),
                Ok(None) => return Ok(Input::Closed),
                Err(FrameError::TooLong { .. }) => return Ok(Input::TooLong),
                Err(FrameError::Io(err)) if is_timeout(&err) => {
                    if self.shutdown.is_triggered() {
                        return Ok(Input::Shutdown);
                    }
                    if since.elapsed() >= self.idle_timeout {
                        return Ok(Input::Idle);
                    }
                }
                Err(FrameError::Io(err)) => return Err(err),
                Err(err) => return Err(io::Error::other(err)),
            }
        }
    }

    /// Sends one reply line; `\r\n` is added.
    pub(crate) fn reply(&mut self, line: &str) -> io::Result<()> {
        self.send(format!("{line}\r\n").as_bytes())
    }

    /// Sends bytes as they are, in one write.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    /// Ends the session so that the client surely reads our last reply.
    /// (Waits at most a second for the client to close, half that when the whole
    /// server is stopping, which must take under two seconds.)
    pub(crate) fn close(self) {
        let linger = if self.shutdown.is_triggered() {
            500
        } else {
            1000
        };
        shared::server::close_gracefully(&self.writer, Duration::from_millis(linger));
    }
}

/// Locks a mutex even if a thread panicked while holding it (the data is a plain set).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// "1 message", "2 messages".
pub fn messages(count: usize) -> String {
    match count {
        1 => "1 message".to_string(),
        n => format!("{n} messages"),
    }
}
