//! The lesson 3 protocol without any I/O: bytes in, replies out.
//!
//! In lesson 3 each connection had a thread, so the code could simply *wait*:
//! `read` until a line is complete. An event loop cannot wait on one connection;
//! it is handed whatever bytes arrived, whenever they arrive, and must remember
//! where each conversation stands until the next bytes come. That memory is a
//! [`Session`]. Because it does no I/O itself (a "sans-IO" design), the same
//! session serves the hand-written readiness loop and the tokio server, and its
//! tests need no sockets at all.
//!
//! The rules are lesson 3's: a newline ends a message; until a client's first
//! newline, a pause of [`PAUSE`] ends one too (the tutorials' bare-word clients);
//! `exit` or `disconnect` ends the session; a line over [`MAX_LINE`] bytes is refused.

use lesson03_threaded_server::protocol::{self, line};
pub use lesson03_threaded_server::protocol::{MAX_LINE, PAUSE};
use std::time::Instant;

/// What the server sends first, as it goes on the wire.
pub fn welcome() -> Vec<u8> {
    line(protocol::WELCOME)
}

/// What every client is told when the server stops, as it goes on the wire.
pub fn shutting_down() -> Vec<u8> {
    line(protocol::SHUTTING_DOWN)
}

/// Whether the connection stays open after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Open,
    /// Send what is in the output, then close.
    Close,
}

// ANCHOR: session
/// Where one conversation stands: bytes received but not yet answered.
#[derive(Debug)]
pub struct Session {
    /// Bytes after the last complete message.
    pending: Vec<u8>,
    /// Set at the first newline: from then on only newlines end messages.
    is_line_client: bool,
    /// When the last bytes arrived, for the bare-word pause.
    last_byte: Instant,
}

impl Session {
    /// A new conversation; send [`welcome`] first.
    pub fn new(now: Instant) -> Session {
        Session {
            pending: Vec::new(),
            is_line_client: false,
            last_byte: now,
        }
    }

    /// Bytes arrived: answer every complete message, appending replies to `out`.
    pub fn receive(&mut self, bytes: &[u8], now: Instant, out: &mut Vec<u8>) -> Flow {
        self.last_byte = now;
        self.pending.extend_from_slice(bytes);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            self.is_line_client = true;
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            if answer(&line[..end], out) == Flow::Close {
                return Flow::Close;
            }
        }
        if self.pending.len() > MAX_LINE + 1 {
            return too_long(out);
        }
        Flow::Open
    }

    /// When [`Session::on_timer`] must run next: the end of a bare word's pause.
    pub fn deadline(&self) -> Option<Instant> {
        (!self.is_line_client && !self.pending.is_empty()).then(|| self.last_byte + PAUSE)
    }

    /// Time passed: a bare word followed by a long enough pause is a message.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<u8>) -> Flow {
        match self.deadline() {
            Some(deadline) if now >= deadline => {
                let word = std::mem::take(&mut self.pending);
                answer(&word, out)
            }
            _ => Flow::Open,
        }
    }

    /// The client closed its side: answer a last unterminated message, then close.
    pub fn end_of_stream(&mut self, out: &mut Vec<u8>) -> Flow {
        if !self.pending.is_empty() {
            let last = std::mem::take(&mut self.pending);
            answer(&last, out);
        }
        Flow::Close
    }
}
// ANCHOR_END: session

/// Answers one message (without its `\n`).
fn answer(line: &[u8], out: &mut Vec<u8>) -> Flow {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > MAX_LINE {
        return too_long(out);
    }
    let text = String::from_utf8_lossy(line);
    if protocol::is_exit(&text) {
        return Flow::Close;
    }
    out.extend_from_slice(&protocol::line(&protocol::greeting(&text)));
    Flow::Open
}

fn too_long(out: &mut Vec<u8>) -> Flow {
    out.extend_from_slice(&protocol::line(&protocol::too_long(MAX_LINE)));
    Flow::Close
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(session: &mut Session, chunks: &[&[u8]]) -> (String, Flow) {
        let mut out = Vec::new();
        let mut flow = Flow::Open;
        for chunk in chunks {
            flow = session.receive(chunk, Instant::now(), &mut out);
            if flow == Flow::Close {
                break;
            }
        }
        (String::from_utf8(out).unwrap(), flow)
    }

    #[test]
    fn lines_in_any_pieces() {
        let mut s = Session::new(Instant::now());
        assert_eq!(
            feed(&mut s, &[b"Mich", b"ael\nTra", b"cy\r\n"]).0,
            "Hello, Michael!\nHello, Tracy!\n"
        );
        assert_eq!(
            s.deadline(),
            None,
            "a line client waits for newlines, not pauses"
        );
    }

    #[test]
    fn exit_closes_and_too_long_is_refused() {
        let mut s = Session::new(Instant::now());
        assert_eq!(
            feed(&mut s, &[b"a\nexit\nnever\n"]),
            ("Hello, a!\n".into(), Flow::Close)
        );
        let mut s = Session::new(Instant::now());
        let (out, flow) = feed(&mut s, &[&[b'x'; 5000]]);
        assert_eq!(
            (out.as_str(), flow),
            ("error: message too long (limit 4096 bytes)\n", Flow::Close)
        );
    }

    #[test]
    fn a_bare_word_is_answered_after_the_pause() {
        let start = Instant::now();
        let mut s = Session::new(start);
        let mut out = Vec::new();
        assert_eq!(s.receive(b"Sarah", start, &mut out), Flow::Open);
        assert!(out.is_empty());
        assert_eq!(s.deadline(), Some(start + PAUSE));
        s.on_timer(start + PAUSE / 2, &mut out);
        assert!(out.is_empty(), "too early");
        s.on_timer(start + PAUSE, &mut out);
        assert_eq!(out, b"Hello, Sarah!\n");
        assert_eq!(s.deadline(), None);
    }

    #[test]
    fn end_of_stream_answers_the_last_word() {
        let mut s = Session::new(Instant::now());
        let mut out = Vec::new();
        s.receive(b"Tracy", Instant::now(), &mut out);
        assert_eq!(s.end_of_stream(&mut out), Flow::Close);
        assert_eq!(out, b"Hello, Tracy!\n");
    }
}
