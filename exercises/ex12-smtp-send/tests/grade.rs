//! Grader for exercise 12. Run: cargo test -p ex12-smtp-send
//! The grader plays a strict SMTP server on loopback and writes down what it saw.

use ex12_smtp_send::{read_reply, send_mail, Reply, SmtpError};
use grading::{escape, Fault, Relay};
use std::io::{BufRead, BufReader, Cursor, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// How the grader's server behaves.
#[derive(Clone, Copy)]
struct Script {
    /// Its first words.
    greeting: &'static str,
    /// A recipient it refuses with 550.
    refuse: Option<&'static str>,
}

const NORMAL: Script = Script {
    greeting: "220 grader.test ESMTP ready",
    refuse: None,
};

/// What the grader's server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Command lines, without `\r\n` (the message's lines are not commands).
    commands: Vec<String>,
    /// The message, dot-stuffing undone, lines ending in `\r\n`.
    message: String,
    /// Mistakes the client made.
    problems: Vec<String>,
    /// The whole dialogue, escaped: `C: ` what the client sent, `S: ` what the server answered.
    dialogue: Vec<String>,
}

impl Seen {
    /// What the server saw, the dialogue, and how to try it by hand: for failure messages.
    fn explain(&self) -> String {
        format!(
            "the grader's server saw these problems: {:?}\nthe dialogue (escaped):\n  {}\n\
             by hand: `cargo run -p lesson09-email` starts the course's mail server; \
             `nc -C 127.0.0.1 2525` lets you type the same commands and see its replies\n\
             read: book/src/lesson09.md, \"Typing it by hand\"",
            self.problems,
            self.dialogue.join("\n  ")
        )
    }
}

/// Starts the server for one client; returns a connected stream and the server's thread.
fn server(script: Script) -> (TcpStream, thread::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        serve(stream, script)
    });
    (client, handle)
}

/// Like [`server`], but the client reaches the server through a relay doing `fault`.
fn server_behind(script: Script, fault: Fault) -> (TcpStream, thread::JoinHandle<Seen>, Relay) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay = Relay::start(listener.local_addr().unwrap(), fault);
    let client = TcpStream::connect(relay.addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        serve(stream, script)
    });
    (client, handle, relay)
}

fn serve(stream: TcpStream, script: Script) -> Seen {
    let mut out = stream.try_clone().unwrap();
    let mut input = BufReader::new(stream);
    let mut seen = Seen::default();
    let mut dialogue = Vec::new();
    let mut reply = |text: &str, dialogue: &mut Vec<String>| {
        for line in text.split("\r\n") {
            dialogue.push(format!("S: \"{}\\r\\n\"", escape(line.as_bytes())));
        }
        let _ = out.write_all(format!("{text}\r\n").as_bytes());
    };
    reply(script.greeting, &mut dialogue);
    if !script.greeting.starts_with("220") {
        seen.dialogue = dialogue;
        return seen;
    }
    let mut step = "hello";
    let mut in_data = false;
    let mut recipients = 0;
    loop {
        let mut raw = Vec::new();
        match input.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => {
                seen.dialogue = dialogue;
                return seen;
            }
            Ok(_) => {}
        }
        dialogue.push(format!("C: \"{}\"", escape(&raw)));
        let text = String::from_utf8_lossy(&raw).into_owned();
        let Some(line) = text.strip_suffix("\r\n") else {
            seen.problems
                .push(format!("{text:?} does not end in \\r\\n"));
            reply("500 5.5.2 Lines end in CRLF", &mut dialogue);
            continue;
        };
        if in_data {
            if line == "." {
                in_data = false;
                reply("250 2.0.0 OK: queued as 12345", &mut dialogue);
            } else {
                let line = line.strip_prefix('.').unwrap_or(line);
                seen.message.push_str(&format!("{line}\r\n"));
            }
            continue;
        }
        seen.commands.push(line.to_string());
        if !input.buffer().is_empty() {
            seen.problems.push(format!(
                "you sent more after {line:?} before reading its reply"
            ));
        }
        let upper = line.to_ascii_uppercase();
        match step {
            "hello" if upper.starts_with("EHLO ") || upper.starts_with("HELO ") => {
                step = "mail";
                reply(
                    "250-grader.test greets you\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 HELP",
                    &mut dialogue,
                );
            }
            "mail" if upper.starts_with("MAIL FROM:<") && line.ends_with('>') => {
                step = "rcpt";
                reply("250 2.1.0 Sender OK", &mut dialogue);
            }
            "rcpt" if upper.starts_with("RCPT TO:<") && line.ends_with('>') => {
                if script.refuse.is_some_and(|r| line.contains(r)) {
                    reply("550 5.1.1 No such user here", &mut dialogue);
                } else {
                    recipients += 1;
                    reply("250 2.1.5 Recipient OK", &mut dialogue);
                }
            }
            "rcpt" if upper == "DATA" && recipients > 0 => {
                step = "quit";
                in_data = true;
                reply("354 End data with <CR><LF>.<CR><LF>", &mut dialogue);
            }
            _ if upper == "QUIT" => {
                reply("221 2.0.0 Bye", &mut dialogue);
                seen.dialogue = dialogue;
                return seen;
            }
            _ => {
                seen.problems.push(format!("{line:?} came out of order"));
                reply("503 5.5.1 Bad sequence of commands", &mut dialogue);
            }
        }
    }
}

fn reply_from(text: &'static str) -> Result<Reply, SmtpError> {
    read_reply(&mut Cursor::new(text.as_bytes()))
}

#[test]
fn a_one_line_reply() {
    let reply = reply_from("250 2.0.0 OK\r\n").expect("a valid reply");
    assert_eq!(reply.code, 250);
    assert_eq!(reply.lines, ["2.0.0 OK"], "the text after `250 `");
}

#[test]
fn a_multi_line_reply_is_one_reply() {
    let mut input =
        Cursor::new(&b"250-grader greets you\r\n250-SIZE 100\r\n250 HELP\r\n221 Bye\r\n"[..]);
    let first = read_reply(&mut input).expect("a valid reply");
    assert_eq!(first.code, 250);
    assert_eq!(
        first.lines,
        ["grader greets you", "SIZE 100", "HELP"],
        "`250-` means more lines follow; `250 ` is the last"
    );
    let second = read_reply(&mut input).expect("the next reply");
    assert_eq!(second.code, 221, "read exactly one reply per call, no more");
}

#[test]
fn a_bare_code_is_a_whole_reply() {
    let reply = reply_from("250\r\n").expect("`250` alone is a valid last line");
    assert_eq!((reply.code, reply.lines), (250, vec![String::new()]));
}

#[test]
fn malformed_replies_are_refused() {
    for text in [
        "hello\r\n",
        "25\r\n",
        "250x\r\n",
        "abc def\r\n",
        "250-a\r\n251 b\r\n",
    ] {
        let got = reply_from(text);
        assert!(
            matches!(got, Err(SmtpError::Malformed(_))),
            "{text:?} should be SmtpError::Malformed, got {got:?}"
        );
    }
}

#[test]
fn a_closed_connection_is_an_unexpected_eof() {
    for text in ["", "250-more to come\r\n"] {
        match reply_from(text) {
            Err(SmtpError::Io(err)) => assert_eq!(
                err.kind(),
                std::io::ErrorKind::UnexpectedEof,
                "for {text:?}"
            ),
            other => panic!("{text:?} then the end: want Io(UnexpectedEof), got {other:?}"),
        }
    }
}

#[test]
fn a_mail_goes_through() {
    let (stream, server) = server(NORMAL);
    let got = send_mail(
        stream,
        "ann@example.com",
        &["bob@example.com"],
        "Subject: hi\n\nHello Bob\n",
    );
    let seen = server.join().unwrap();
    assert!(seen.problems.is_empty(), "{}", seen.explain());
    let reply = got.expect("the server accepted the mail");
    assert_eq!(reply.code, 250);
    assert_eq!(
        reply.lines,
        ["2.0.0 OK: queued as 12345"],
        "return the reply to the final `.`"
    );
    assert!(
        seen.commands[0].starts_with("EHLO "),
        "say EHLO and a name: {:?}",
        seen.commands
    );
    assert_eq!(
        seen.commands[1..],
        [
            "MAIL FROM:<ann@example.com>",
            "RCPT TO:<bob@example.com>",
            "DATA",
            "QUIT"
        ]
    );
    assert_eq!(
        seen.message, "Subject: hi\r\n\r\nHello Bob\r\n",
        "every line ends in \\r\\n"
    );
}

#[test]
fn every_recipient_gets_a_rcpt_to() {
    let (stream, server) = server(NORMAL);
    let to = ["a@example.com", "b@example.com", "c@example.com"];
    let got = send_mail(
        stream,
        "ann@example.com",
        &to,
        "Subject: all\r\n\r\nHi all\r\n",
    );
    let seen = server.join().unwrap();
    assert!(seen.problems.is_empty(), "{}", seen.explain());
    assert!(got.is_ok(), "{got:?}");
    let rcpts: Vec<_> = seen
        .commands
        .iter()
        .filter(|c| c.starts_with("RCPT"))
        .collect();
    assert_eq!(
        rcpts,
        [
            "RCPT TO:<a@example.com>",
            "RCPT TO:<b@example.com>",
            "RCPT TO:<c@example.com>"
        ]
    );
    assert_eq!(
        seen.message, "Subject: all\r\n\r\nHi all\r\n",
        "\\r\\n line ends stay single"
    );
}

#[test]
fn lines_starting_with_a_dot_are_stuffed() {
    let (stream, server) = server(NORMAL);
    let message = "Subject: dots\n\n.\n..\n.hidden\nthe end";
    let got = send_mail(stream, "ann@example.com", &["bob@example.com"], message);
    let seen = server.join().unwrap();
    assert!(seen.problems.is_empty(), "{}", seen.explain());
    assert!(got.is_ok(), "{got:?}");
    assert_eq!(
        seen.message, "Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\nthe end\r\n",
        "the server removes one leading dot from every line that has one: add one first"
    );
}

#[test]
fn a_refused_recipient_stops_the_dialogue_before_data() {
    let script = Script {
        refuse: Some("nobody@example.com"),
        ..NORMAL
    };
    let (stream, server) = server(script);
    let got = send_mail(
        stream,
        "ann@example.com",
        &["bob@example.com", "nobody@example.com"],
        "Hi\n",
    );
    let seen = server.join().unwrap();
    match got {
        Err(SmtpError::Refused { command, reply }) => {
            assert_eq!(command, "RCPT TO:<nobody@example.com>");
            assert_eq!(reply.code, 550);
        }
        other => panic!("want SmtpError::Refused for the RCPT, got {other:?}"),
    }
    assert!(
        !seen.commands.iter().any(|c| c == "DATA"),
        "after a refusal, do not send the message: {:?}",
        seen.commands
    );
}

#[test]
fn a_busy_server_is_refused_at_the_greeting() {
    let script = Script {
        greeting: "421 4.3.2 Too busy, try again later",
        ..NORMAL
    };
    let (stream, server) = server(script);
    let got = send_mail(stream, "ann@example.com", &["bob@example.com"], "Hi\n");
    let seen = server.join().unwrap();
    match got {
        Err(SmtpError::Refused { command, reply }) => {
            assert_eq!(command, "", "the greeting answers no command");
            assert_eq!(reply.code, 421);
        }
        other => panic!("want SmtpError::Refused at the greeting, got {other:?}"),
    }
    assert!(seen.commands.is_empty());
}

#[test]
fn replies_cut_into_one_byte_segments_are_read_whole() {
    let (stream, server, relay) = server_behind(NORMAL, Fault::OneByteSegments);
    let got = send_mail(
        stream,
        "ann@example.com",
        &["bob@example.com"],
        "Subject: slow\n\none byte at a time\n",
    );
    let seen = server.join().unwrap();
    let explain = format!("{}\n{}", relay.describe(), seen.explain());
    assert!(seen.problems.is_empty(), "{explain}");
    let reply = got.unwrap_or_else(|e| {
        panic!("sending failed with {e:?}: a reply is complete at its last line's \\r\\n, not at the end of one read\n{explain}")
    });
    assert_eq!(reply.code, 250, "{explain}");
    assert_eq!(
        seen.message, "Subject: slow\r\n\r\none byte at a time\r\n",
        "{explain}"
    );
}
