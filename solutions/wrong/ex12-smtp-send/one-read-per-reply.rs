//! Known-wrong solution to ex12-smtp-send (a realistic beginner bug; see exercises/README.md).
//!
//! bug: what one read brings is taken as one whole reply line: a reply cut into pieces by the network, or several lines in one read, confuse it
//! catches: replies_cut_into_one_byte_segments_are_read_whole, a_multi_line_reply_is_one_reply

use std::io::{self, BufRead, BufReader, Write};
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
/// A reference solution.
pub fn read_reply(reader: &mut impl BufRead) -> Result<Reply, SmtpError> {
    let mut lines = Vec::new();
    loop {
        let chunk = reader.fill_buf()?.to_vec();
        reader.consume(chunk.len());
        if chunk.is_empty() {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
        }
        let raw = String::from_utf8_lossy(&chunk).into_owned();
        let line = raw.trim_end_matches(['\r', '\n']);
        let malformed = || SmtpError::Malformed(line.to_string());
        let code: u16 = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse().ok())
            .ok_or_else(malformed)?;
        let (last, text) = match line.as_bytes().get(3) {
            None => (true, ""),
            Some(b' ') => (true, &line[4..]),
            Some(b'-') => (false, &line[4..]),
            Some(_) => return Err(malformed()),
        };
        if lines.first().is_some_and(|(first, _)| *first != code) {
            return Err(malformed());
        }
        lines.push((code, text.to_string()));
        if last {
            return Ok(Reply {
                code,
                lines: lines.into_iter().map(|(_, text)| text).collect(),
            });
        }
    }
}

/// Sends `message` from `from` to each address in `to`, through the SMTP server
/// `stream` is connected to. Returns the server's reply to the final `.`.
///
/// A reference solution.
pub fn send_mail(
    stream: TcpStream,
    from: &str,
    to: &[&str],
    message: &str,
) -> Result<Reply, SmtpError> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = &stream;
    let mut expect = |command: &str, want: u16| -> Result<Reply, SmtpError> {
        if !command.is_empty() {
            writer.write_all(format!("{command}\r\n").as_bytes())?;
        }
        let reply = read_reply(&mut reader)?;
        if reply.code != want {
            return Err(SmtpError::Refused {
                command: command.to_string(),
                reply,
            });
        }
        Ok(reply)
    };
    expect("", 220)?;
    expect("EHLO localhost", 250)?;
    expect(&format!("MAIL FROM:<{from}>"), 250)?;
    for to in to {
        expect(&format!("RCPT TO:<{to}>"), 250)?;
    }
    expect("DATA", 354)?;
    let mut data = String::new();
    for line in message.lines() {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    (&stream).write_all(data.as_bytes())?;
    let accepted = expect(".", 250)?;
    expect("QUIT", 221)?;
    Ok(accepted)
}
