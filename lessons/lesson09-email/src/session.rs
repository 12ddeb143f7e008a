//! A server's side of one text-protocol session: lines in, reply lines out.
//!
//! SMTP and POP3 are both "a line from the client, a reply from the server", so
//! both session loops read through the same [`Session`]. Its line reader is stricter
//! than `shared::framing::LineReader`, on purpose, because mail needs two answers
//! a general line reader does not give:
//!
//! - **How did the line end?** Only `\r\n` ends a line in SMTP. A bare `\n` inside a
//!   message is where the "SMTP smuggling" attacks hide a second mail, so the
//!   reader reports each line's ending and the SMTP code decides ([`Line::crlf`]).
//! - **Did it end at all?** Bytes that arrive without their line end, just before
//!   the client disconnects, are not a line. `LineReader` returns them as a last
//!   line (right for a file); here they are dropped, so a mail whose final `.`
//!   never fully arrived is never taken for complete.

use shared::error::is_timeout;
use shared::server::Shutdown;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How often a waiting session checks for shutdown (see lesson 3).
const TICK: Duration = Duration::from_millis(250);

/// How much one `read` asks the OS for.
const READ_CHUNK: usize = 4096;

/// One line from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The line without its ending. A `\r` left inside is a bare CR.
    pub text: Vec<u8>,
    /// It ended in `\r\n`, as the protocols require (else in a bare `\n`).
    pub crlf: bool,
}

impl Line {
    /// Ends in `\r\n` and holds no other `\r`: a line as RFC 5321 defines it.
    pub fn is_strict(&self) -> bool {
        self.crlf && !self.text.contains(&b'\r')
    }
}

/// What waiting for the client's next line brought (lesson 3's `Event`, for mail).
#[derive(Debug)]
pub(crate) enum Event {
    /// A complete line.
    Line(Line),
    /// The client closed the connection (bytes of an unfinished line are dropped).
    End,
    /// The server is stopping.
    Shutdown,
    /// The client sent nothing for the idle timeout.
    Idle,
    /// A line over the limit; the stream is out of step and must be closed.
    TooLong,
}

// ANCHOR: session
/// One session's connection: buffered lines in, replies out.
pub(crate) struct Session<'a> {
    /// The socket.
    stream: TcpStream,
    /// Bytes received but not yet returned as a line (at most `limit + 2`).
    pending: Vec<u8>,
    /// The longest line accepted, its ending not counted.
    limit: usize,
    /// The client has closed its side.
    eof: bool,
    /// Ends waits early.
    shutdown: &'a Shutdown,
    /// How long the client may stay silent.
    idle_timeout: Duration,
}
// ANCHOR_END: session

impl<'a> Session<'a> {
    /// Wraps `stream`; lines longer than `limit` octets end the session.
    pub(crate) fn new(
        stream: TcpStream,
        limit: usize,
        idle_timeout: Duration,
        shutdown: &'a Shutdown,
    ) -> io::Result<Self> {
        // Short timeouts both ways let the session notice shutdown, even while a
        // client that never reads keeps our writes waiting (see [`Writer`]).
        stream.set_read_timeout(Some(TICK))?;
        stream.set_write_timeout(Some(TICK))?;
        Ok(Session {
            stream,
            pending: Vec::new(),
            limit,
            eof: false,
            shutdown,
            idle_timeout,
        })
    }

    /// Waits for the client's next line.
    pub(crate) fn next(&mut self) -> io::Result<Event> {
        let since = Instant::now();
        loop {
            if let Some(input) = self.next_within(TICK)? {
                return Ok(input);
            }
            if since.elapsed() >= self.idle_timeout {
                return Ok(Event::Idle);
            }
        }
    }

    /// Waits at most about `wait` for the client's next line: `None` if none came.
    pub(crate) fn next_within(&mut self, wait: Duration) -> io::Result<Option<Event>> {
        let since = Instant::now();
        loop {
            match self.read_line() {
                Ok(input) => return Ok(Some(input)),
                Err(err) if is_timeout(&err) => {
                    if self.shutdown.is_triggered() {
                        return Ok(Some(Event::Shutdown));
                    }
                    if since.elapsed() >= wait {
                        return Ok(None);
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Reads exactly `n` bytes (an IMAP literal), whatever they hold.
    pub(crate) fn read_exact(&mut self, n: usize) -> io::Result<Result<Vec<u8>, Event>> {
        let since = Instant::now();
        let mut bytes = Vec::with_capacity(n.min(1 << 20));
        loop {
            let take = (n - bytes.len()).min(self.pending.len());
            bytes.extend(self.pending.drain(..take));
            if bytes.len() == n {
                return Ok(Ok(bytes));
            }
            if self.eof {
                return Ok(Err(Event::End));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let want = (n - bytes.len()).min(READ_CHUNK);
            match self.stream.read(&mut chunk[..want]) {
                Ok(0) => self.eof = true,
                Ok(got) => bytes.extend_from_slice(&chunk[..got]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if is_timeout(&err) => {
                    if self.shutdown.is_triggered() {
                        return Ok(Err(Event::Shutdown));
                    }
                    if since.elapsed() >= self.idle_timeout {
                        return Ok(Err(Event::Idle));
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The way to the client, for writing a long reply through a `BufWriter`.
    pub(crate) fn writer(&mut self) -> Writer<'_> {
        Writer {
            stream: &mut self.stream,
            shutdown: self.shutdown,
            idle_timeout: self.idle_timeout,
        }
    }

    // ANCHOR: read_line
    /// The next complete line, `End` at the end of the stream, or `TooLong`.
    /// A read timeout leaves what has arrived buffered for the next call.
    fn read_line(&mut self) -> io::Result<Event> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut text: Vec<u8> = self.pending.drain(..=end).collect();
                text.pop(); // the '\n'
                let crlf = text.last() == Some(&b'\r');
                if crlf {
                    text.pop();
                }
                if text.len() > self.limit {
                    return Ok(Event::TooLong);
                }
                return Ok(Event::Line(Line { text, crlf }));
            }
            if self.pending.len() > self.limit + 1 {
                return Ok(Event::TooLong); // over the limit even without its "\r\n"
            }
            if self.eof {
                // Whatever is pending never got its line end: not a line.
                return Ok(Event::End);
            }
            let room = (self.limit + 2 - self.pending.len()).min(READ_CHUNK);
            let mut chunk = [0u8; READ_CHUNK];
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }
    // ANCHOR_END: read_line

    /// Sends one reply line; `\r\n` is added.
    pub(crate) fn reply(&mut self, line: &str) -> io::Result<()> {
        self.send(format!("{line}\r\n").as_bytes())
    }

    /// Sends bytes as they are.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer().write_all(bytes)
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
        shared::server::close_gracefully(&self.stream, Duration::from_millis(linger));
    }
}

/// Writes to the client. A client that asks for a big message and never reads it
/// fills the socket's buffers, and a plain blocking write then waits as long as the
/// client likes, Ctrl-C or not. This one waits in short steps (the socket's write
/// timeout is [`TICK`]), giving up when the server stops or after the idle timeout
/// without progress: lesson 2's `send_all`, as a `Write`.
pub(crate) struct Writer<'s> {
    /// The socket, with a write timeout of [`TICK`].
    stream: &'s mut TcpStream,
    /// Checked between steps.
    shutdown: &'s Shutdown,
    /// How long a client may leave our reply unread.
    idle_timeout: Duration,
}

impl Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let since = Instant::now();
        loop {
            match self.stream.write(buf) {
                Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => {
                    if self.shutdown.is_triggered() {
                        return Err(io::Error::other(
                            "the server is stopping and the client is not reading its reply",
                        ));
                    }
                    if since.elapsed() >= self.idle_timeout {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "the client stopped reading: a reply could not be sent for {} s",
                                self.idle_timeout.as_secs()
                            ),
                        ));
                    }
                }
                result => return result,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A session reading what a client sends as `bytes` (then closes).
    fn lines_of(bytes: &'static [u8], limit: usize) -> Vec<String> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(bytes).unwrap();
        });
        let (stream, _) = listener.accept().unwrap();
        client.join().unwrap();
        let shutdown = Shutdown::new();
        let mut session = Session::new(stream, limit, Duration::from_secs(60), &shutdown).unwrap();
        let mut seen = Vec::new();
        loop {
            match session.next().unwrap() {
                Event::Line(line) => seen.push(format!(
                    "{}{}",
                    String::from_utf8_lossy(&line.text),
                    if line.crlf { " CRLF" } else { " LF" }
                )),
                other => {
                    seen.push(format!("{other:?}"));
                    return seen;
                }
            }
        }
    }

    #[test]
    fn each_line_says_how_it_ended() {
        assert_eq!(
            lines_of(b"a\r\nb\nc\rd\r\n", 100),
            ["a CRLF", "b LF", "c\rd CRLF", "End"]
        );
    }

    #[test]
    fn an_unfinished_last_line_is_not_a_line() {
        assert_eq!(lines_of(b"a\r\n.", 100), ["a CRLF", "End"]);
        assert_eq!(lines_of(b"a\r\n.\r", 100), ["a CRLF", "End"]);
    }

    #[test]
    fn the_limit_does_not_count_the_line_end() {
        assert_eq!(lines_of(b"abc\r\nabcd\r\n", 3), ["abc CRLF", "TooLong"]);
        assert_eq!(lines_of(b"abcdefgh", 3), ["TooLong"]);
    }
}
