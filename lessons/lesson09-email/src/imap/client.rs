//! The IMAP client side, for `lesson09-fetch --imap`: tagged commands, and
//! responses that may carry literals.
//!
//! A response line that ends in `{n}` is followed by exactly n bytes (a mail, a
//! header), and then the rest of the line. So the client cannot read "a line at a
//! time" as with POP3: it reads a line, and whenever the line announces a literal,
//! n bytes more, and then the rest. [`ImapClient::command`] returns the untagged
//! responses, each with its literals inline, and fails unless the tagged line says
//! `OK`.

use super::syntax;
use crate::client::Transcript;
use anyhow::{anyhow, bail, Context};
use shared::addr::HostPort;
use shared::error::is_timeout;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The longest response line accepted (literals not counted).
const MAX_LINE: usize = 64 * 1024;

/// The largest literal accepted (a mail).
const MAX_LITERAL: usize = 64 * 1024 * 1024;

/// The hint for a refused IMAP connection.
pub const START_IMAP: &str = "start one with `cargo run -p lesson09-email`; it serves IMAP on 1143";

/// One untagged response: its text, with each literal's bytes in place of `{n}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untagged {
    /// The line(s) without `* `, literal markers removed.
    pub text: Vec<u8>,
    /// The literals, in order.
    pub literals: Vec<Vec<u8>>,
}

/// An IMAP client session.
pub struct ImapClient {
    /// The connection.
    stream: TcpStream,
    /// Bytes received, not yet used.
    pending: Vec<u8>,
    /// Shows the dialogue, if wanted.
    show: Transcript,
    /// For error messages.
    timeout: Duration,
    /// The number in the next tag (`a1`, `a2`, ...).
    next_tag: u32,
    /// The dialogue is out of step (a read failed): LOGOUT would only wait.
    broken: bool,
}

impl ImapClient {
    /// Connects and reads the greeting (`* OK ...`).
    pub fn connect(
        addr: &HostPort,
        timeout: Duration,
        show: Transcript,
    ) -> anyhow::Result<ImapClient> {
        let stream = shared::client::connect_timeout(addr, timeout, START_IMAP)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let mut client = ImapClient {
            stream,
            pending: Vec::new(),
            show,
            timeout,
            next_tag: 1,
            broken: false,
        };
        let (greeting, _) = client.read_response().context("the server's greeting")?;
        if greeting.starts_with(b"+OK") {
            bail!(
                "the server greets as a POP3 server does: {:?}; hint: for POP3 leave out \
                 --imap; IMAP is on another port (lesson09-mta's: 1143)",
                String::from_utf8_lossy(&greeting)
            );
        }
        if !greeting.starts_with(b"* OK") && !greeting.starts_with(b"* PREAUTH") {
            bail!(
                "the server did not greet as an IMAP server does: {:?} (is it an IMAP server?)",
                String::from_utf8_lossy(&greeting)
            );
        }
        Ok(client)
    }

    fn show(&mut self, line: impl std::fmt::Display) {
        if let Some(out) = self.show.as_mut() {
            let _ = writeln!(out, "{line}");
        }
    }

    /// More bytes from the server.
    fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.broken = true;
                bail!("the server closed the connection")
            }
            Ok(n) => {
                self.pending.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(err) if is_timeout(&err) => {
                self.broken = true;
                bail!(
                    "no reply from the server within {} s",
                    self.timeout.as_secs()
                )
            }
            Err(err) => {
                self.broken = true;
                Err(anyhow!(err).context("cannot read the server's reply"))
            }
        }
    }

    /// One line, without its CRLF.
    fn read_line(&mut self) -> anyhow::Result<Vec<u8>> {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.pending.drain(..end + 2).take(end).collect();
                return Ok(line);
            }
            if self.pending.len() > MAX_LINE {
                self.broken = true;
                bail!("a response line over {MAX_LINE} octets");
            }
            self.fill()?;
        }
    }

    /// Exactly `n` bytes.
    fn read_exact(&mut self, n: usize) -> anyhow::Result<Vec<u8>> {
        while self.pending.len() < n {
            self.fill()?;
        }
        Ok(self.pending.drain(..n).collect())
    }

    // ANCHOR: read_response
    /// One whole response: a line, and for each `{n}` at its end, n bytes and the
    /// rest of the response on the next line. Returns the text (literal markers
    /// left out) and the literals.
    fn read_response(&mut self) -> anyhow::Result<(Vec<u8>, Vec<Vec<u8>>)> {
        let mut text = Vec::new();
        let mut literals = Vec::new();
        loop {
            let line = self.read_line()?;
            let literal = syntax::literal_at_end(&line);
            let shown = String::from_utf8_lossy(&line).into_owned();
            self.show(format_args!("S: {shown}"));
            let Some((n, _)) = literal else {
                text.extend_from_slice(&line);
                return Ok((text, literals));
            };
            if n > MAX_LITERAL {
                self.broken = true;
                bail!("the server announced a literal of {n} octets, over the limit");
            }
            let open = line.iter().rposition(|&b| b == b'{').unwrap_or(line.len());
            text.extend_from_slice(&line[..open]);
            let bytes = self.read_exact(n)?;
            self.show(format_args!("S: [{n} octets]"));
            literals.push(bytes);
        }
    }
    // ANCHOR_END: read_response

    /// Sends `tag command` (shown as `shown`) and reads until the tagged
    /// response, which must be `OK`. Returns the untagged responses.
    fn command_shown(&mut self, command: &str, shown: &str) -> anyhow::Result<Vec<Untagged>> {
        let tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        self.show(format_args!("C: {tag} {shown}"));
        if let Err(err) = self
            .stream
            .write_all(format!("{tag} {command}\r\n").as_bytes())
        {
            self.broken = true;
            return Err(anyhow!(err).context("cannot send to the server"));
        }
        let mut untagged = Vec::new();
        loop {
            let (text, literals) = self.read_response()?;
            if let Some(rest) = text.strip_prefix(b"* ") {
                untagged.push(Untagged {
                    text: rest.to_vec(),
                    literals,
                });
                continue;
            }
            let Some(rest) = text.strip_prefix(format!("{tag} ").as_bytes()) else {
                if text.starts_with(b"+") {
                    bail!("the server wants more input for {shown}, which this client never sends");
                }
                self.broken = true;
                bail!(
                    "malformed response from the server: {:?} (is it an IMAP server?)",
                    String::from_utf8_lossy(&text)
                );
            };
            let rest = String::from_utf8_lossy(rest).into_owned();
            return match rest
                .split_once(' ')
                .map_or((rest.as_str(), ""), |(a, b)| (a, b))
            {
                ("OK", _) => Ok(untagged),
                (status, why) => Err(anyhow!("the server said {status} to {shown}: {why}")),
            };
        }
    }

    /// Sends a command; see [`ImapClient::command_shown`].
    pub fn command(&mut self, command: &str) -> anyhow::Result<Vec<Untagged>> {
        self.command_shown(command, command)
    }

    /// `LOGIN`, with both strings quoted; the password is not shown.
    pub fn login(&mut self, user: &str, password: &str) -> anyhow::Result<()> {
        let quote = |text: &str| {
            let mut out = Vec::new();
            syntax::string(&mut out, text.as_bytes());
            String::from_utf8_lossy(&out).into_owned()
        };
        if password.contains(['\r', '\n']) || !password.is_ascii() || !user.is_ascii() {
            bail!("this client sends user names and passwords as ASCII quoted strings");
        }
        let command = format!("LOGIN {} {}", quote(user), quote(password));
        let shown = format!("LOGIN {} ********", quote(user));
        self.command_shown(&command, &shown)
            .context("login failed")?;
        Ok(())
    }

    /// `SELECT` (or `EXAMINE`, read-only): returns how many messages there are.
    pub fn select(&mut self, folder: &str, read_only: bool) -> anyhow::Result<usize> {
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        let responses = self.command(&format!("{verb} {folder}"))?;
        responses
            .iter()
            .find_map(|r| {
                let text = String::from_utf8_lossy(&r.text);
                let (n, word) = text.split_once(' ')?;
                (word == "EXISTS").then(|| n.parse().ok()).flatten()
            })
            .ok_or_else(|| anyhow!("the server's {verb} reply has no EXISTS count"))
    }

    /// `FETCH set items`: each message's number, the response's text and literals.
    pub fn fetch(&mut self, set: &str, items: &str) -> anyhow::Result<Vec<(usize, Untagged)>> {
        let mut found = Vec::new();
        for response in self.command(&format!("FETCH {set} {items}"))? {
            let text = String::from_utf8_lossy(&response.text).into_owned();
            let mut words = text.splitn(3, ' ');
            if let (Some(n), Some(word)) = (words.next(), words.next()) {
                if word.eq_ignore_ascii_case("FETCH") {
                    if let Ok(n) = n.parse() {
                        found.push((n, response));
                    }
                }
            }
        }
        Ok(found)
    }

    /// Ends the session with `LOGOUT` (skipped if the dialogue is broken).
    pub fn logout(mut self) -> anyhow::Result<()> {
        if self.broken {
            return Ok(());
        }
        self.command("LOGOUT").map(drop)
    }
}

/// The number after `NAME ` in a FETCH response's text (`RFC822.SIZE 1234`).
pub fn number_after(text: &[u8], name: &str) -> Option<u64> {
    let text = String::from_utf8_lossy(text);
    let at = text.to_ascii_uppercase().find(&format!("{name} "))?;
    let digits: String = text[at + name.len() + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A message as IMAP sends it (CRLF) as the maildir and POP3 mode print it (LF).
pub fn lf_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A client connected to a fake server that sends `script` and reads everything.
    fn against(script: &'static [u8]) -> anyhow::Result<ImapClient> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = HostPort::parse(&listener.local_addr().unwrap().to_string()).unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(script).unwrap();
            let _ = stream.read_to_end(&mut Vec::new());
        });
        ImapClient::connect(&addr, Duration::from_secs(10), None)
    }

    #[test]
    fn literals_are_read_by_length_not_by_line() {
        let mut client = against(
            b"* OK hi\r\n* 1 FETCH (BODY[] {9}\r\nab\r\n\r\ncd) RFC822.SIZE 9)\r\na1 OK done\r\n",
        )
        .unwrap();
        let got = client.fetch("1", "(BODY[] RFC822.SIZE)").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.literals, [b"ab\r\n\r\ncd)".to_vec()]);
        assert_eq!(number_after(&got[0].1.text, "RFC822.SIZE"), Some(9));
    }

    #[test]
    fn a_no_is_an_error_with_the_reason() {
        let mut client = against(b"* OK hi\r\na1 NO [NONEXISTENT] No such folder\r\n").unwrap();
        let err = client.select("Nope", true).unwrap_err().to_string();
        assert_eq!(
            err,
            "the server said NO to EXAMINE Nope: [NONEXISTENT] No such folder"
        );
        assert!(against(b"+OK POP3 ready\r\n").is_err());
    }
}
