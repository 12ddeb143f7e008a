//! # Exercise 12: send a mail over SMTP, by hand
//!
//! `smtplib.sendmail` hides a dialogue of a dozen lines. Write it yourself, over a
//! plain `TcpStream`:
//!
//! - [`read_reply`]: read one SMTP reply. A reply is one or more lines
//!   `CODE-text` (more lines follow) ... `CODE text` (the last line; a bare `CODE`
//!   is a last line too), every line with the same three-digit code. Anything else
//!   is [`SmtpError::Malformed`].
//! - [`send_mail`]: the dialogue. Read the greeting (220), then `EHLO` (250),
//!   `MAIL FROM:<from>` (250), `RCPT TO:<to>` for each recipient (250), `DATA`
//!   (354), the message, a line holding a single `.` (250), and `QUIT` (221).
//!   Every line you send ends in `\r\n`, whatever line ends `message` uses.
//!   Before sending the message, **dot-stuff** it: a line that starts with `.` gets
//!   one more `.` in front, so that none of them can end the message early.
//!
//! Check every reply before you send the next command: a reply with another code
//! than expected stops the dialogue with [`SmtpError::Refused`]. Return the reply to
//! the final `.`: it says what the server did with the mail.
//!
//! Read first: the book's chapter on lesson 9, and `SmtpClient::send` in
//! `lessons/lesson09-email/src/client.rs`.
//!
//! Grade your work with `cargo test -p ex12-smtp-send`.
#![allow(unused_variables)] // until you write the bodies

use std::io::{self, BufRead};
use std::net::TcpStream;

/// One SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code, e.g. 250.
    pub code: u16,
    /// The text of each line after the code and its separator (`-` or space).
    pub lines: Vec<String>,
}

/// Why sending failed.
#[derive(Debug)]
pub enum SmtpError {
    /// Reading or writing failed, or the server closed the connection
    /// (`io::ErrorKind::UnexpectedEof`).
    Io(io::Error),
    /// A line that is not a reply line (holds the line, without `\r\n`).
    Malformed(String),
    /// The server answered `command` (the line you sent, without `\r\n`; for
    /// the greeting, `""`; for the message, `"."`) with an unexpected `reply`.
    Refused {
        /// What was refused.
        command: String,
        /// The server's answer.
        reply: Reply,
    },
}

impl From<io::Error> for SmtpError {
    fn from(err: io::Error) -> Self {
        SmtpError::Io(err)
    }
}

/// Reads one whole reply, which may span several lines.
///
/// Hints: `reader.read_line(&mut line)` returns 0 at the end of the stream; strip
/// the `\r\n`; `line.get(..3)`; the fourth byte is `-`, ` `, or missing.
pub fn read_reply(reader: &mut impl BufRead) -> Result<Reply, SmtpError> {
    // TODO
    todo!("ex12: read lines until the last line of one reply")
}

/// Sends `message` from `from` to each address in `to`, through the SMTP server
/// `stream` is connected to. Returns the server's reply to the final `.`.
///
/// Hints: `BufReader::new(stream.try_clone()?)` for reading, `write_all` on
/// `&stream` for writing; `message.lines()` gives lines without `\n` or `\r\n`.
pub fn send_mail(
    stream: TcpStream,
    from: &str,
    to: &[&str],
    message: &str,
) -> Result<Reply, SmtpError> {
    // TODO
    todo!("ex12: greeting, EHLO, MAIL, RCPT, DATA, the message, '.', QUIT")
}
