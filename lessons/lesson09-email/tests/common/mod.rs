//! What the lesson's tests share: a running lesson09-mta in a private maildir, and a
//! raw TCP client for typing protocol lines by hand, as with `nc`.
#![allow(dead_code)] // each test file uses part of it

use shared::testing::{run, Ran, ServerProcess, PATIENCE};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

pub const MTA: &str = env!("CARGO_BIN_EXE_lesson09-mta");
pub const SEND: &str = env!("CARGO_BIN_EXE_lesson09-send");
pub const FETCH: &str = env!("CARGO_BIN_EXE_lesson09-fetch");
pub const MAILQ: &str = env!("CARGO_BIN_EXE_lesson09-mailq");

/// lesson09-mta on loopback, storing mail in a temporary folder.
pub struct Mail {
    /// The server process (killed when dropped).
    pub server: ServerProcess,
    /// Where it speaks SMTP.
    pub smtp: SocketAddr,
    /// Where it speaks POP3.
    pub pop3: SocketAddr,
    /// Where it speaks IMAP.
    pub imap: SocketAddr,
    /// The maildir (removed when dropped).
    pub dir: tempfile::TempDir,
}

impl Mail {
    /// Starts the server on 127.0.0.1 with `extra` arguments after the addresses
    /// and maildir.
    pub fn start(extra: &[&str]) -> Mail {
        Mail::start_at("127.0.0.1:0", extra)
    }

    /// Starts the server with SMTP on `addr` (port 0: any), POP3 and IMAP on its host.
    pub fn start_at(addr: &str, extra: &[&str]) -> Mail {
        Mail::start_in(tempfile::tempdir().unwrap(), addr, extra)
    }

    /// Starts the server with its maildir at `dir/maildir`, which may hold mail already.
    pub fn start_in(dir: tempfile::TempDir, addr: &str, extra: &[&str]) -> Mail {
        let maildir = dir.path().join("maildir");
        // A given SMTP port is for SMTP only: the others take any free port.
        let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
        let others = format!("{host}:0");
        let mut args = vec![
            "--bind",
            addr,
            "--pop3-bind",
            &others,
            "--imap-bind",
            &others,
            "--maildir",
            maildir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let server = ServerProcess::start(MTA, &args);
        let pop3 = server.next_line();
        let pop3 = pop3
            .strip_prefix("POP3 listening on ")
            .unwrap_or_else(|| panic!("second line should be `POP3 listening on ADDR`: {pop3:?}"))
            .parse()
            .unwrap();
        let imap = server.next_line();
        let imap = imap
            .strip_prefix("IMAP listening on ")
            .unwrap_or_else(|| panic!("third line should be `IMAP listening on ADDR`: {imap:?}"))
            .parse()
            .unwrap();
        let stored = server.next_line();
        assert!(stored.starts_with("Storing mail in "), "{stored}");
        Mail {
            smtp: server.addr,
            pop3,
            imap,
            server,
            dir,
        }
    }

    /// The maildir's root.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// Runs lesson09-send against this server: `--connect` and then `args`.
    pub fn send(&self, args: &[&str], stdin: &str) -> Ran {
        let connect = self.smtp.to_string();
        run(SEND, &[&["--connect", &connect][..], args].concat(), stdin)
    }

    /// Runs lesson09-fetch against this server: `--connect` and then `args`.
    pub fn fetch(&self, args: &[&str]) -> Ran {
        let connect = self.pop3.to_string();
        run(FETCH, &[&["--connect", &connect][..], args].concat(), "")
    }

    /// The files in `sub` (`tmp`, `alice/new`, ...) of the maildir.
    pub fn files(&self, sub: &str) -> Vec<PathBuf> {
        files(&self.maildir().join(sub))
    }

    /// Waits until the server logs a line containing `text`.
    pub fn logged(&self, text: &str) -> String {
        self.server.expect_line(text, |line| line.contains(text))
    }
}

/// The files in `dir` (none if it does not exist).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A client typing protocol lines by hand.
pub struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Raw {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    /// Sends `text` exactly as given.
    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    /// Closes our sending side, as a client does when it has nothing more to say.
    pub fn finish(&mut self) {
        self.writer.shutdown(std::net::Shutdown::Write).unwrap();
    }

    /// Sends one line, with `\r\n`.
    pub fn line(&mut self, line: &str) {
        self.send(&format!("{line}\r\n"));
    }

    /// Reads one line, with its `\r\n`; empty at the end of the stream.
    pub fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }

    /// Reads one SMTP reply (all its lines) and returns its last line, without `\r\n`.
    pub fn reply(&mut self) -> String {
        loop {
            let line = self.read_line();
            assert!(line.ends_with("\r\n"), "replies end in CRLF: {line:?}");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        }
    }

    /// Sends a command and returns the last line of its reply.
    pub fn ask(&mut self, line: &str) -> String {
        self.line(line);
        self.reply()
    }

    /// Reads POP3 lines up to the single `.`, returning them (still dot-stuffed).
    pub fn until_dot(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line();
            assert!(!line.is_empty(), "the stream ended before the final dot");
            let line = line.trim_end_matches("\r\n").to_string();
            if line == "." {
                return lines;
            }
            lines.push(line);
        }
    }

    /// Reads until the server closes; returns what came.
    pub fn rest(&mut self) -> String {
        let mut all = String::new();
        loop {
            let line = self.read_line();
            if line.is_empty() {
                return all;
            }
            all.push_str(&line);
        }
    }
}

/// An SMTP session up to `DATA`'s `354`: greeting, EHLO, MAIL, RCPT.
pub fn smtp_to_data(addr: SocketAddr, from: &str, to: &str) -> Raw {
    let mut raw = Raw::connect(addr);
    assert!(raw.reply().starts_with("220 "));
    assert!(raw.ask("EHLO test").starts_with("250 "));
    assert!(raw.ask(&format!("MAIL FROM:<{from}>")).starts_with("250 "));
    assert!(raw.ask(&format!("RCPT TO:<{to}>")).starts_with("250 "));
    assert!(raw.ask("DATA").starts_with("354 "));
    raw
}

/// A POP3 session logged in as `user`.
pub fn pop3_login(addr: SocketAddr, user: &str, password: &str) -> Raw {
    let mut raw = Raw::connect(addr);
    assert!(raw.read_line().starts_with("+OK"));
    raw.line(&format!("USER {user}"));
    assert!(raw.read_line().starts_with("+OK"));
    raw.line(&format!("PASS {password}"));
    let reply = raw.read_line();
    assert!(reply.starts_with("+OK"), "login: {reply}");
    raw
}
