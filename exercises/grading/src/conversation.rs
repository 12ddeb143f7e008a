//! A grader's side of a conversation over a real socket, written down as it happens.
//! When the test fails, the whole exchange is printed as escaped bytes, with the
//! command that replays it by hand against the course's own server and the book
//! section to read: what codecrafters' and exercism's testers show a learner.

use crate::escape;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// Where a learner can look when this conversation goes wrong.
#[derive(Clone, Debug)]
pub struct Help {
    /// The course's own server that speaks the same protocol, e.g.
    /// `cargo run -p lesson03-threaded-server` (listening on `port`).
    pub server: &'static str,
    /// The port that server listens on by default.
    pub port: u16,
    /// The book section, e.g. `book/src/lesson03.md, "Where does a message end?"`.
    pub book: &'static str,
}

/// One step of the exchange.
enum Step {
    Sent(Vec<u8>),
    Received(Vec<u8>),
    Closed(&'static str),
}

/// A client connection that records what it sends and receives.
pub struct Conversation {
    /// For writing (and shutting down).
    stream: TcpStream,
    /// For reading, buffered.
    reader: BufReader<TcpStream>,
    /// Everything so far.
    steps: Vec<Step>,
    /// Shown with the transcript.
    help: Help,
}

impl Conversation {
    /// Wraps a connected stream; every read gives up after 10 s.
    pub fn new(stream: TcpStream, help: Help) -> Conversation {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("setting a read timeout on a connected socket");
        let _ = stream.set_nodelay(true);
        let reader = BufReader::new(stream.try_clone().expect("cloning a socket"));
        Conversation {
            stream,
            reader,
            steps: Vec::new(),
            help,
        }
    }

    /// Sends `bytes` (all of them).
    pub fn send(&mut self, bytes: &[u8]) {
        self.steps.push(Step::Sent(bytes.to_vec()));
        if let Err(e) = self.stream.write_all(bytes) {
            panic!("sending {:?} failed: {e}", escape(bytes));
        }
    }

    /// Says "no more from me" (a half-close).
    pub fn finish_sending(&mut self) {
        self.steps
            .push(Step::Closed("the grader closed its sending side"));
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// The next line, with its `\n`; empty at end of stream.
    pub fn read_line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        let result = self.reader.read_until(b'\n', &mut line);
        self.record(&line, &result);
        result.map(|_| line)
    }

    /// Exactly `n` bytes (fewer only if the stream ends or the wait runs out: then an error).
    pub fn read_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut got = Vec::new();
        let result = (&mut self.reader).take(n as u64).read_to_end(&mut got);
        self.record(&got, &result);
        result?;
        if got.len() < n {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the connection ended after {} of {n} bytes", got.len()),
            ));
        }
        Ok(got)
    }

    /// Everything until the peer closes.
    pub fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        let mut got = Vec::new();
        let result = self.reader.read_to_end(&mut got);
        self.record(&got, &result);
        result.map(|_| got)
    }

    fn record<T>(&mut self, got: &[u8], result: &io::Result<T>) {
        if !got.is_empty() {
            self.steps.push(Step::Received(got.to_vec()));
        }
        match result {
            Ok(_) if got.is_empty() => self
                .steps
                .push(Step::Closed("the other side closed the connection")),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                self.steps
                    .push(Step::Closed("nothing more arrived within 10 s"))
            }
            Err(_) => self.steps.push(Step::Closed("the connection failed")),
            Ok(_) => {}
        }
    }

    /// The transcript, the command to replay it by hand, and what to read.
    pub fn report(&self) -> String {
        let mut out = String::from("what the grader sent and received (escaped bytes):\n");
        for step in &self.steps {
            match step {
                Step::Sent(b) => out.push_str(&format!("  sent:     \"{}\"\n", escape(b))),
                Step::Received(b) => out.push_str(&format!("  received: \"{}\"\n", escape(b))),
                Step::Closed(what) => out.push_str(&format!("  ({what})\n")),
            }
        }
        let sent: Vec<u8> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Sent(b) => Some(b.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect();
        out.push_str(&format!(
            "by hand: `{}` in one terminal, then in another\n  printf '{}' | nc 127.0.0.1 {}\n  shows what the course's server answers to the same bytes\n",
            self.help.server,
            printf_escape(&sent),
            self.help.port
        ));
        out.push_str(&format!("read: {}\n", self.help.book));
        out
    }
}

impl Drop for Conversation {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("\n{}", self.report());
        }
    }
}

/// `bytes` as a `printf` format between single quotes.
fn printf_escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'%' => out.push_str("%%"),
            b'\'' => out.push_str("'\\''"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn the_report_shows_the_exchange_and_how_to_replay_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let mut c = Conversation::new(
            stream,
            Help {
                server: "cargo run -p lesson03-threaded-server",
                port: 9999,
                book: "book/src/lesson03.md",
            },
        );
        server.write_all(b"Welcome!\n").unwrap();
        assert_eq!(c.read_line().unwrap(), b"Welcome!\n");
        c.send(b"50% 'o'\r\n");
        let mut got = [0u8; 9];
        server.read_exact(&mut got).unwrap(); // (unread bytes would turn the close into a reset)
        drop(server);
        assert_eq!(c.read_to_end().unwrap(), b"");
        let report = c.report();
        assert!(report.contains("  received: \"Welcome!\\n\"\n  sent:     \"50% 'o'\\r\\n\"\n  (the other side closed the connection)"), "{report}");
        assert!(
            report.contains("printf '50%% '\\''o'\\''\\r\\n' | nc 127.0.0.1 9999"),
            "{report}"
        );
    }
}
