//! The client sides: an MUA sending through SMTP (`lesson09-send`) and fetching
//! through POP3 (`lesson09-fetch`).
//!
//! Both are the same loop the tutorials' web client runs: send a line, read the
//! reply, decide. The difference from HTTP is that the dialogue has many turns, and
//! each reply must be checked before the next command: sending `DATA` after a
//! refused `RCPT TO` would deliver the message to the wrong set of people.

use crate::message::{address_literal, Address, BodyEncoding};
use anyhow::{anyhow, bail, Context};
use shared::addr::HostPort;
use shared::error::is_timeout;
use shared::framing::{FrameError, LineReader};
use std::fmt;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// The longest reply line a client accepts (mail from elsewhere may have long lines).
const MAX_REPLY_LINE: usize = 64 * 1024;

/// Message lines shown in the dialogue before the rest is summarised.
const SHOWN_BODY_LINES: usize = 10;

/// Where the dialogue is shown, line by line: `C:` for the client, `S:` for the server.
pub type Transcript = Option<Box<dyn Write>>;

/// One connection of a line protocol, with the dialogue shown as it happens.
struct Conn {
    /// Buffered reply lines.
    reader: LineReader<TcpStream>,
    /// The same socket, for commands.
    writer: TcpStream,
    /// Shows the dialogue, if wanted.
    show: Transcript,
    /// For error messages: how long we waited.
    timeout: Duration,
    /// A read or write failed, or a reply made no sense: the dialogue is out of
    /// step, and a polite `QUIT` would only wait for a reply that will not come.
    broken: bool,
}

impl Conn {
    /// Connects, with `start_hint` telling how to start the server if none is running.
    fn open(
        addr: &HostPort,
        timeout: Duration,
        show: Transcript,
        start_hint: &str,
    ) -> anyhow::Result<Conn> {
        let stream = shared::client::connect_timeout(addr, timeout, start_hint)?;
        // A server that stops answering must not hang the client forever.
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Conn {
            writer: stream.try_clone()?,
            reader: LineReader::new(stream, MAX_REPLY_LINE),
            show,
            timeout,
            broken: false,
        })
    }

    fn show(&mut self, line: impl fmt::Display) {
        if let Some(out) = self.show.as_mut() {
            let _ = writeln!(out, "{line}");
        }
    }

    /// Sends one line (`\r\n` added), showing it as `shown`.
    fn send(&mut self, line: &str, shown: &str) -> anyhow::Result<()> {
        self.show(format_args!("C: {shown}"));
        let sent = self.writer.write_all(format!("{line}\r\n").as_bytes());
        self.broken |= sent.is_err();
        sent.context("cannot send to the server")
    }

    /// Reads one line, without showing it.
    fn read_line(&mut self) -> anyhow::Result<Vec<u8>> {
        let line = self.reader.read_line();
        self.broken |= !matches!(line, Ok(Some(_)));
        match line {
            Ok(Some(line)) => Ok(line),
            Ok(None) => bail!("the server closed the connection"),
            Err(FrameError::Io(err)) if is_timeout(&err) => {
                bail!(
                    "no reply from the server within {} s",
                    self.timeout.as_secs()
                )
            }
            Err(err) => Err(anyhow!(err).context("cannot read the server's reply")),
        }
    }
}

/// An SMTP reply: a code and its text lines (`250-a`, `250 b` → 250, `[a, b]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code; its first digit says success (2), go on (3),
    /// try later (4) or failure (5).
    pub code: u16,
    /// The text after each line's code.
    pub lines: Vec<String>,
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.lines.join(" / "))
    }
}

// ANCHOR: parse_reply
/// Reads one SMTP reply, which may span several lines: `250-` continues, `250 `
/// (or a bare `250`) ends it. Every line must carry the same code.
fn read_reply(conn: &mut Conn) -> anyhow::Result<Reply> {
    let mut first_code = None;
    let mut lines = Vec::new();
    loop {
        let raw = conn.read_line()?;
        let line = String::from_utf8_lossy(&raw).into_owned();
        conn.show(format_args!("S: {line}"));
        let code = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|c| (200..600).contains(c))
            .ok_or_else(|| malformed(conn, &line))?;
        let (last, text) = match line.as_bytes().get(3) {
            None => (true, ""),
            Some(b' ') => (true, &line[4..]),
            Some(b'-') => (false, &line[4..]),
            Some(_) => return Err(malformed(conn, &line)),
        };
        if *first_code.get_or_insert(code) != code {
            return Err(malformed(conn, &line));
        }
        lines.push(text.to_string());
        if last {
            return Ok(Reply { code, lines });
        }
    }
}
// ANCHOR_END: parse_reply

fn malformed(conn: &mut Conn, line: &str) -> anyhow::Error {
    conn.broken = true;
    anyhow!("malformed reply from the server: {line:?} (is it an SMTP server?)")
}

/// A refused command, with advice for the common cases.
fn refused(command: &str, reply: &Reply) -> anyhow::Error {
    let text = reply.lines.join(" ").to_ascii_lowercase();
    let hint = if reply.code == 530 || text.contains("starttls") {
        "; hint: this server wants an encrypted connection (STARTTLS), which this \
         lesson's client does not speak; send through lesson09-mta instead"
    } else if reply.code == 552 {
        "; hint: the message is bigger than the server accepts"
    } else if reply.code / 100 == 4 {
        "; hint: a temporary failure: try again later"
    } else {
        ""
    };
    anyhow!("the server refused {command}: {reply}{hint}")
}

/// The hint for a refused connection.
pub const START_MTA: &str = "start one with `cargo run -p lesson09-email`";

// ANCHOR: timeouts
/// How long an MTA waits for each reply when it passes mail on (RFC 5321
/// section 4.5.3.2). Long, on purpose: a busy server may take minutes, and giving
/// up too early makes the mail arrive twice (the server had it; we send again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For the connection and the `220` greeting: 5 minutes.
    pub greeting: Duration,
    /// For the reply to `MAIL`: 5 minutes.
    pub mail: Duration,
    /// For each reply to `RCPT`: 5 minutes.
    pub rcpt: Duration,
    /// For the `354` after `DATA`: 2 minutes.
    pub data: Duration,
    /// For each write of the message: 3 minutes.
    pub block: Duration,
    /// For the reply after the final `.`: 10 minutes (the server is storing it).
    pub dot: Duration,
}
// ANCHOR_END: timeouts

impl Timeouts {
    /// RFC 5321's suggestions.
    pub fn rfc5321() -> Timeouts {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Timeouts {
            greeting: minutes(5),
            mail: minutes(5),
            rcpt: minutes(5),
            data: minutes(2),
            block: minutes(3),
            dot: minutes(10),
        }
    }

    /// The same wait for everything (a classroom's `--relay-timeout 10`).
    pub fn all(wait: Duration) -> Timeouts {
        Timeouts {
            greeting: wait,
            mail: wait,
            rcpt: wait,
            data: wait,
            block: wait,
            dot: wait,
        }
    }
}

/// A message ready to go: the envelope and the text.
#[derive(Debug)]
pub struct Envelope {
    /// `MAIL FROM`.
    pub from: Address,
    /// `RCPT TO`, one per recipient (including those only in a Bcc).
    pub to: Vec<Address>,
}

/// An SMTP client session.
pub struct SmtpClient {
    /// The connection.
    conn: Conn,
    /// What `EHLO` announced (`SIZE 10485760`, `8BITMIME`, ...), upper case.
    extensions: Vec<String>,
}

impl SmtpClient {
    /// Connects, reads the greeting and introduces itself with `EHLO`.
    pub fn connect(
        addr: &HostPort,
        timeout: Duration,
        show: Transcript,
    ) -> anyhow::Result<SmtpClient> {
        let mut conn = Conn::open(addr, timeout, show, START_MTA)?;
        let greeting = read_reply(&mut conn)?;
        // Our name in EHLO: the address the server sees us coming from, written
        // as an "address literal" since we have no domain name.
        let me = address_literal(conn.writer.local_addr()?.ip());
        let mut client = SmtpClient {
            conn,
            extensions: Vec::new(),
        };
        if greeting.code != 220 {
            client.quit(); // a server that refuses us at once still expects QUIT
            return Err(refused("the connection", &greeting));
        }
        let reply = client.command(&format!("EHLO {me}"))?;
        if reply.code == 250 {
            client.extensions = reply.lines[1..]
                .iter()
                .map(|l| l.to_ascii_uppercase())
                .collect();
        } else if let Err(err) = client.expect(&format!("HELO {me}"), 250) {
            // (A server from before 1995 knows only HELO.)
            client.quit();
            return Err(err);
        }
        Ok(client)
    }

    /// Did the server announce `extension` (e.g. `8BITMIME`)?
    pub fn supports(&self, extension: &str) -> bool {
        self.extensions
            .iter()
            .any(|e| e.split_whitespace().next() == Some(extension))
    }

    /// From now on, waits at most `wait` for each reply and each write.
    fn wait_at_most(&mut self, wait: Duration) -> anyhow::Result<()> {
        // The reader's socket and the writer are one socket: one setting for both.
        self.conn.writer.set_read_timeout(Some(wait))?;
        self.conn.writer.set_write_timeout(Some(wait))?;
        self.conn.timeout = wait;
        Ok(())
    }

    /// Sends a command line and reads the reply, whatever its code.
    fn command(&mut self, line: &str) -> anyhow::Result<Reply> {
        self.conn.send(line, line)?;
        read_reply(&mut self.conn)
    }

    /// Sends a command and fails unless the reply has code `want`.
    fn expect(&mut self, line: &str, want: u16) -> anyhow::Result<Reply> {
        let reply = self.command(line)?;
        if reply.code != want {
            return Err(refused(line, &reply));
        }
        Ok(reply)
    }

    // ANCHOR: send
    /// Sends one message: `MAIL FROM`, a `RCPT TO` per recipient, `DATA`, the
    /// text (dot-stuffed), and the final `.`. Returns the server's last reply.
    pub fn send(
        &mut self,
        envelope: &Envelope,
        message: &str,
        encoding: BodyEncoding,
    ) -> anyhow::Result<Reply> {
        let mut mail = format!("MAIL FROM:<{}>", envelope.from);
        if self.supports("SIZE") {
            mail.push_str(&format!(" SIZE={}", message.len()));
        }
        if encoding == BodyEncoding::EightBit {
            mail.push_str(" BODY=8BITMIME");
        }
        self.expect(&mail, 250)?;
        for to in &envelope.to {
            self.expect(&format!("RCPT TO:<{to}>"), 250)?;
        }
        self.expect("DATA", 354)?;
        let lines: Vec<&str> = message.lines().collect();
        self.show_message(&lines);
        let reply = self.data(message.as_bytes())?;
        if reply.code != 250 {
            return Err(refused("the message", &reply));
        }
        Ok(reply)
    }
    // ANCHOR_END: send

    /// After `354`: the message's lines (ending in `\n` or `\r\n`), dot-stuffed and
    /// ending in `\r\n`, then the final `.`; returns the server's verdict.
    fn data(&mut self, message: &[u8]) -> anyhow::Result<Reply> {
        let mut data = Vec::with_capacity(message.len() + 5);
        let body = message.strip_suffix(b"\n").unwrap_or(message);
        if !message.is_empty() {
            for line in body.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.starts_with(b".") {
                    data.push(b'.'); // dot-stuffing: see `smtp::receive`
                }
                data.extend_from_slice(line);
                data.extend_from_slice(b"\r\n");
            }
        }
        data.extend_from_slice(b".\r\n");
        let sent = self.conn.writer.write_all(&data);
        self.conn.broken |= sent.is_err();
        sent.context("cannot send the message")?;
        read_reply(&mut self.conn)
    }

    // ANCHOR: relay
    /// Passes a queued message on, as one MTA to the next: the same dialogue as
    /// [`SmtpClient::send`], but a refused recipient does not stop the others.
    /// Returns, for each recipient in `to`, the reply that decided its fate: its
    /// `RCPT` reply if that was not `250`/`251`, else the reply to the message.
    /// An `Err` (connection lost, no reply) leaves every recipient undecided.
    pub fn relay(
        &mut self,
        from: &str,
        to: &[Address],
        message: &[u8],
        timeouts: &Timeouts,
    ) -> anyhow::Result<Vec<Reply>> {
        self.wait_at_most(timeouts.mail)?;
        let mut mail = format!("MAIL FROM:<{from}>");
        if self.supports("SIZE") {
            mail.push_str(&format!(" SIZE={}", message.len()));
        }
        if !message.is_ascii() && self.supports("8BITMIME") {
            mail.push_str(" BODY=8BITMIME");
        }
        let reply = self.command(&mail)?;
        if reply.code != 250 {
            return Ok(vec![reply; to.len()]);
        }
        let mut replies = Vec::with_capacity(to.len());
        self.wait_at_most(timeouts.rcpt)?;
        for rcpt in to {
            let reply = self.command(&format!("RCPT TO:<{rcpt}>"))?;
            let accepted = matches!(reply.code, 250 | 251);
            replies.push((accepted, reply));
        }
        if !replies.iter().any(|(accepted, _)| *accepted) {
            self.command("RSET")?; // nobody to send it to: start over, politely
            return Ok(replies.into_iter().map(|(_, r)| r).collect());
        }
        self.wait_at_most(timeouts.data)?;
        let go = self.command("DATA")?;
        let verdict = if go.code == 354 {
            self.conn.writer.set_write_timeout(Some(timeouts.block))?;
            self.conn.writer.set_read_timeout(Some(timeouts.dot))?;
            self.conn.timeout = timeouts.dot;
            self.data(message)?
        } else {
            go
        };
        Ok(replies
            .into_iter()
            .map(|(accepted, r)| if accepted { verdict.clone() } else { r })
            .collect())
    }
    // ANCHOR_END: relay

    /// Shows the message in the dialogue: the headers, and the body up to a point.
    fn show_message(&mut self, lines: &[&str]) {
        let head = lines
            .iter()
            .position(|l| l.is_empty())
            .unwrap_or(lines.len());
        let shown = lines.len().min(head + 1 + SHOWN_BODY_LINES);
        for line in &lines[..shown] {
            self.conn.show(format_args!("C: {line}"));
        }
        if shown < lines.len() {
            let more = lines.len() - shown;
            self.conn.show(format_args!("C: [... {more} more lines]"));
        }
        self.conn.show("C: .");
    }

    /// Says goodbye, after success and after a refusal alike (RFC 5321 section
    /// 4.1.1.10): hanging up without `QUIT` looks like a lost connection to the
    /// server. Skipped when the dialogue is already broken; a failure here
    /// changes nothing, since the outcome is already known.
    pub fn quit(mut self) {
        if !self.conn.broken {
            let _ = self.command("QUIT");
        }
    }
}

/// The hint for a refused POP3 connection.
pub const START_POP3: &str = "start one with `cargo run -p lesson09-email`; it serves POP3 too";

/// A POP3 client session.
pub struct Pop3Client {
    /// The connection.
    conn: Conn,
    /// A `DELE` was sent: [`Pop3Client::abort`] must take it back.
    marked: bool,
}

impl Pop3Client {
    /// Connects and reads the greeting.
    pub fn connect(
        addr: &HostPort,
        timeout: Duration,
        show: Transcript,
    ) -> anyhow::Result<Pop3Client> {
        let mut client = Pop3Client {
            conn: Conn::open(addr, timeout, show, START_POP3)?,
            marked: false,
        };
        client.status().context("the server's greeting")?;
        Ok(client)
    }

    /// Reads a status line: `+OK text` gives `text`, `-ERR text` an error.
    fn status(&mut self) -> anyhow::Result<String> {
        let raw = self.conn.read_line()?;
        let line = String::from_utf8_lossy(&raw).into_owned();
        self.conn.show(format_args!("S: {line}"));
        if let Some(text) = line.strip_prefix("+OK") {
            Ok(text.trim_start().to_string())
        } else if let Some(text) = line.strip_prefix("-ERR") {
            bail!("the server said: {}", text.trim_start())
        } else if line.starts_with("* OK") {
            // Only a greeting can look like this: an IMAP server's.
            bail!(
                "the server greets as an IMAP server does: {line:?}; hint: for IMAP use \
                 lesson09-fetch --imap; POP3 is on another port (lesson09-mta's: 1100)"
            )
        } else {
            bail!("malformed reply from the server: {line:?} (is it a POP3 server?)")
        }
    }

    /// Sends a command and reads its status line.
    fn command(&mut self, line: &str) -> anyhow::Result<String> {
        self.conn.send(line, line)?;
        self.status().with_context(|| format!("{line} failed"))
    }

    // ANCHOR: read_multi
    /// Sends a command whose reply is a list or a message: the lines up to the one
    /// holding a single `.`, with dot-stuffing undone.
    fn multi(&mut self, line: &str) -> anyhow::Result<Vec<Vec<u8>>> {
        self.command(line)?;
        let mut lines = Vec::new();
        loop {
            let mut raw = self.conn.read_line()?;
            if raw == b"." {
                break;
            }
            if raw.starts_with(b".") {
                raw.remove(0);
            }
            lines.push(raw);
        }
        self.conn.show(format_args!("S: [{} lines]", lines.len()));
        self.conn.show("S: .");
        Ok(lines)
    }
    // ANCHOR_END: read_multi

    /// Logs in; the password is not shown in the dialogue.
    pub fn login(&mut self, user: &str, password: &str) -> anyhow::Result<()> {
        self.command(&format!("USER {user}"))?;
        self.conn
            .send(&format!("PASS {password}"), "PASS ********")?;
        self.status().context("login failed")?;
        Ok(())
    }

    /// `LIST`: each message's number and size.
    pub fn list(&mut self) -> anyhow::Result<Vec<(usize, u64)>> {
        self.multi("LIST")?
            .iter()
            .map(|line| {
                let line = String::from_utf8_lossy(line);
                let mut parts = line.split_whitespace().map(str::parse::<u64>);
                match (parts.next(), parts.next()) {
                    (Some(Ok(n)), Some(Ok(size))) => Ok((n as usize, size)),
                    _ => bail!("malformed LIST line from the server: {line:?}"),
                }
            })
            .collect()
    }

    /// `TOP n 0`: a message's headers.
    pub fn headers(&mut self, n: usize) -> anyhow::Result<Vec<String>> {
        Ok(self
            .multi(&format!("TOP {n} 0"))?
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect())
    }

    /// `RETR n`: a whole message, its lines ending in `\n`.
    pub fn retrieve(&mut self, n: usize) -> anyhow::Result<Vec<u8>> {
        let mut text = Vec::new();
        for line in self.multi(&format!("RETR {n}"))? {
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        Ok(text)
    }

    /// `DELE n`: marks a message; it goes at `QUIT`.
    pub fn delete(&mut self, n: usize) -> anyhow::Result<()> {
        self.marked = true;
        self.command(&format!("DELE {n}")).map(drop)
    }

    /// `QUIT`: ends the session, and only now are deleted messages removed.
    pub fn quit(mut self) -> anyhow::Result<()> {
        self.command("QUIT").map(drop)
    }

    /// Ends the session after something went wrong on our side: `RSET` takes back
    /// any `DELE` (we may not have saved that mail), then `QUIT`, so that the
    /// server sees a goodbye, not a lost connection. Errors are ignored: the
    /// caller is already reporting one.
    pub fn abort(mut self) {
        if self.conn.broken {
            return;
        }
        if self.marked && self.command("RSET").is_err() {
            return;
        }
        let _ = self.command("QUIT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// A client connected to a fake server that sends `script` and reads everything.
    fn reading(script: &'static [u8]) -> Conn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = HostPort::parse(&listener.local_addr().unwrap().to_string()).unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(script).unwrap();
            let _ = stream.read_to_end(&mut Vec::new());
        });
        Conn::open(&addr, Duration::from_secs(10), None, "").unwrap()
    }

    #[test]
    fn multi_line_replies_are_one_reply() {
        let mut conn =
            reading(b"250-localhost greets you\r\n250-SIZE 100\r\n250 HELP\r\n221 Bye\r\n");
        let reply = read_reply(&mut conn).unwrap();
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, ["localhost greets you", "SIZE 100", "HELP"]);
        assert_eq!(read_reply(&mut conn).unwrap().code, 221);
    }

    #[test]
    fn malformed_replies_are_errors_that_say_so() {
        for script in [
            &b"HTTP/1.1 400 Bad Request\r\n"[..],
            b"250-a\r\n251 b\r\n",
            b"25\r\n",
            b"250x\r\n",
            b"999 x\r\n",
        ] {
            let script: &'static [u8] = Box::leak(script.to_vec().into_boxed_slice());
            let err = read_reply(&mut reading(script)).unwrap_err();
            assert!(err.to_string().contains("malformed reply"), "{err}");
        }
    }

    #[test]
    fn a_bare_code_is_a_complete_reply() {
        let reply = read_reply(&mut reading(b"250\r\n")).unwrap();
        assert_eq!((reply.code, reply.lines), (250, vec![String::new()]));
    }

    #[test]
    fn starttls_demands_get_a_hint() {
        let reply = Reply {
            code: 530,
            lines: vec!["5.7.0 Must issue a STARTTLS command first".into()],
        };
        let text = refused("MAIL FROM:<a@b>", &reply).to_string();
        assert!(
            text.starts_with("the server refused MAIL FROM:<a@b>: 530 5.7.0"),
            "{text}"
        );
        assert!(
            text.contains("hint: this server wants an encrypted connection"),
            "{text}"
        );
    }
}
