//! One connection's session: the client's bytes in, [`Event`]s out, and where one
//! message ends: the rule that serves `nc` and the tutorials' clients alike.
//!
//! (Lessons 7 and 9 call their per-connection type `Session` too, and lesson 9's
//! events are also `Event`s: the same idea in a readiness loop and in mail.)
//!
//! Two kinds of client talk to this server:
//!
//! - **line clients** (`nc`, telnet, `lesson03-client`) end every message with `\n`.
//!   Their lines may arrive split over several reads, or several in one read;
//!   only the newline says where a message ends.
//! - **the tutorials' clients** send a bare word (`s.send(b'Michael')`), no newline,
//!   and wait for the reply before sending the next. Nothing in the bytes marks the
//!   end of the word; the only signal is that the client *stops sending*.
//!
//! The rule, then:
//!
//! 1. A newline always ends a message.
//! 2. Until a client has sent its first newline, bytes followed by a pause of
//!    [`PAUSE`] with nothing more arriving are a message too.
//! 3. Once a client has sent a newline, it is a line client for good: a partial
//!    line waits for its newline however long it takes (up to the idle timeout).
//! 4. At end of stream, bytes without a newline are a last message.
//!
//! Rule 2 is a guess, and the book says so: a bare-word client that sends two words
//! faster than the pause gets them answered as one, because its protocol has no
//! framing. That is the tutorials' bug, and no server can fully fix it; a protocol
//! with framing (rule 1) can.

use shared::error::is_timeout;
use shared::framing::{FrameError, LineReader};
use shared::server::Shutdown;
use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub use crate::protocol::PAUSE;

/// How often a quiet connection checks for shutdown and idleness.
const TICK: Duration = Duration::from_millis(250);

/// What happened on a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A complete message, decoded as UTF-8 (invalid bytes become U+FFFD).
    Message(String),
    /// The client closed its side: no more messages.
    End,
    /// The client sent a line longer than the limit.
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Nothing arrived for the idle timeout.
    Idle,
    /// A line was begun but not finished within the idle timeout (bytes kept
    /// coming, slowly, without a newline).
    Unfinished,
    /// The server is shutting down.
    Shutdown,
}

// ANCHOR: session
/// Reads the [`Event`]s of one connection, applying the rule above.
pub struct Session {
    /// Line framing with a length limit, over the connection.
    lines: LineReader<TcpStream>,
    /// Rule 3: once set, only newlines end messages.
    is_line_client: bool,
    /// Close the connection after this long without a byte.
    idle_timeout: Duration,
    /// When the last byte arrived (for the idle timeout and the pause).
    last_byte: Instant,
    /// When the unfinished line began, if there is one: a line must end within the
    /// idle timeout of its first byte, or a client sending one byte now and then
    /// (which resets `last_byte`) could hold its place for ever.
    line_began: Option<Instant>,
}

impl Session {
    /// Wraps a connection; lines longer than `max_line` bytes are refused.
    pub fn new(stream: TcpStream, max_line: usize, idle_timeout: Duration) -> Session {
        Session {
            lines: LineReader::new(stream, max_line),
            is_line_client: false,
            idle_timeout,
            last_byte: Instant::now(),
            line_began: None,
        }
    }

    /// Waits for the next event. Returns within [`TICK`] of a shutdown.
    pub fn next(&mut self, shutdown: &Shutdown) -> io::Result<Event> {
        loop {
            if shutdown.is_triggered() {
                return Ok(Event::Shutdown);
            }
            let quiet = self.last_byte.elapsed();
            if quiet >= self.idle_timeout {
                return Ok(Event::Idle);
            }
            let mut wait = TICK.min(self.idle_timeout - quiet);
            match self.line_began {
                Some(began) if began.elapsed() >= self.idle_timeout => {
                    return Ok(Event::Unfinished)
                }
                Some(began) => wait = wait.min(self.idle_timeout - began.elapsed()),
                None => {}
            }
            if self.is_bare_word_pending() {
                if quiet >= PAUSE {
                    let word = self.lines.take_pending(); // rule 2
                    self.line_began = None;
                    return Ok(Event::Message(String::from_utf8_lossy(&word).into_owned()));
                }
                wait = wait.min(PAUSE - quiet);
            }
            // A zero timeout would mean "block forever", so never go below 1 ms.
            let wait = wait.max(Duration::from_millis(1));
            self.lines.get_mut().set_read_timeout(Some(wait))?;

            let before = self.lines.pending().len();
            match self.lines.read_line() {
                Ok(Some(line)) => {
                    self.last_byte = Instant::now();
                    // Bytes after this newline begin the next line now.
                    self.line_began = (!self.lines.pending().is_empty()).then_some(self.last_byte);
                    if !self.lines.at_eof() {
                        self.is_line_client = true; // rule 3
                    }
                    return Ok(Event::Message(String::from_utf8_lossy(&line).into_owned()));
                }
                Ok(None) => return Ok(Event::End),
                Err(FrameError::TooLong { limit }) => return Ok(Event::TooLong { limit }),
                Err(FrameError::Io(err)) if is_timeout(&err) => {
                    if self.lines.pending().len() != before {
                        self.last_byte = Instant::now(); // bytes came, but no newline yet
                        self.line_began.get_or_insert(self.last_byte);
                    }
                }
                Err(FrameError::Io(err)) => return Err(err),
                Err(other) => return Err(io::Error::other(other)),
            }
        }
    }
}
// ANCHOR_END: session

impl Session {
    /// Are there bytes waiting that rule 2 might turn into a message?
    fn is_bare_word_pending(&self) -> bool {
        !self.is_line_client && !self.lines.pending().is_empty()
    }

    /// The connection, for writing replies.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.lines.get_mut()
    }
}
