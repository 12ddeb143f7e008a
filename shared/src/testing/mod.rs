//! Test support: run a lesson's server binary as a child process and talk to it.
//!
//! Enabled by the `testing` feature, for lessons' `[dev-dependencies]` only.
//! Every server is started with `--bind 127.0.0.1:0` (or `[::1]:0`) by the test,
//! which then reads the real port from the `Listening on` line: no fixed ports,
//! so tests can run in parallel with each other and with a learner's own servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A host name that can never resolve, and fails *without any DNS traffic*:
/// `.invalid` is reserved (RFC 2606) and the empty label (`..`) makes the
/// system resolver reject the name before sending a query.
pub const UNRESOLVABLE_HOST: &str = "no-such-host..invalid";

/// The longest any test waits for a server to say something.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A server binary running in the background; killed when dropped.
pub struct ServerProcess {
    /// The child process.
    child: Child,
    /// The address from its `Listening on` line (unspecified, `0.0.0.0:0`, if that
    /// is not an IP address and port, as for a Unix socket's path).
    pub addr: SocketAddr,
    /// What follows `Listening on ` in the first line: an address, or a socket path.
    pub listening_on: String,
    /// Its stdout, line by line, after the `Listening on` line.
    lines: Receiver<String>,
    /// Everything it wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `program args...` and waits for its `Listening on ADDRESS` line
    /// (`IP:PORT`, or a path for a Unix socket server).
    ///
    /// Panics (failing the test) with the server's stderr if it does not say so in time.
    pub fn start(program: impl AsRef<Path>, args: &[&str]) -> ServerProcess {
        let program = program.as_ref();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let first = match lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} printed no first line; stderr: {}",
                    program.display(),
                    stderr.lock().unwrap()
                );
            }
        };
        let listening_on = first
            .strip_prefix("Listening on ")
            .unwrap_or_else(|| panic!("first line should be `Listening on ADDRESS`, was {first:?}"))
            .to_string();
        let addr = listening_on
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        ServerProcess {
            child,
            addr,
            listening_on,
            lines,
            stderr,
        }
    }

    /// The next stdout line, waiting at most [`PATIENCE`].
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|e| panic!("expected another stdout line, got {e:?}"))
    }

    /// Reads stdout lines until one satisfies `wanted`; panics with the lines seen if none does.
    pub fn expect_line(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    panic!("server never printed {what}; it printed {seen:#?}")
                }
            }
        }
    }

    /// The stdout lines not read yet, up to the end of the output (call after exit).
    pub fn remaining_lines(&self) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut rest = Vec::new();
        // The reader thread hangs up at end of output, ending this loop.
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            rest.push(line);
        }
        rest
    }

    /// Everything the server has written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The process id, e.g. to send it a signal.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. "TERM", "INT") and waits for the exit.
    /// Returns the status, how long the exit took, and the remaining stdout lines.
    #[cfg(unix)]
    pub fn signal_and_wait(mut self, signal: &str) -> (ExitStatus, Duration, Vec<String>) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
        let sent = Instant::now();
        let status = self.wait_for_exit(PATIENCE);
        let took = sent.elapsed();
        (status, took, self.remaining_lines())
    }

    /// Waits up to `limit` for the process to exit on its own; panics if it does not.
    pub fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit within {limit:?}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds an external tool (`nc`, `python3`, `curl`) for tests that talk to real peers.
///
/// Returns `None` when it is missing on a learner's machine, so those tests skip
/// with a note; on CI (`CI` set) a missing tool is a failure, since CI installs them.
pub fn tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, but CI must install it (.ci/run)"
        );
        eprintln!("note: {name} is not installed; skipping the test that uses it");
    }
    found
}

/// Plays a client that sends and never reads: writes `chunk` again and again until
/// the peer stops taking bytes (a write stalls for a whole second: every buffer on
/// the way is full), the server hangs up, or `limit` bytes went. Returns how many
/// bytes were taken.
///
/// A server that stops reading while its replies are backed up (backpressure) stalls
/// this client after a few megabytes of socket buffers; one that keeps reading lets
/// all of `limit` through.
pub fn send_without_reading(
    stream: &mut impl crate::conn::Connection,
    chunk: &[u8],
    limit: usize,
) -> usize {
    stream
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut sent = 0;
    while sent < limit {
        // The bytes sent are `chunk` repeated, however the writes were cut.
        match stream.write(&chunk[sent % chunk.len()..]) {
            Ok(n) => sent += n,
            // Stalled; or the server gave up on us (reset, broken pipe): either way, done.
            Err(_) => break,
        }
    }
    sent
}

/// Reads from `stream` until `len` bytes have arrived or `PATIENCE` runs out.
pub fn read_exactly(stream: &mut impl Read, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("expected {len} bytes: {e}"));
    buf
}

/// A transcript for the book: commands and what they printed, recorded from real runs.
///
/// Each lesson has a `tests/transcripts.rs` that replays the sessions its book chapter
/// shows. Run with `BLESS=1` (see `book/regenerate-transcripts.sh`), it rewrites
/// `book/src/transcripts/NAME.txt`; otherwise it checks that the stored file still
/// matches what the programs print now. Numbers that change from run to run (ports,
/// timings, sizes) are compared as "some number": every run of digits counts as one.
///
/// Tests bind port 0, but the book shows the lesson's default port: `show_port` maps
/// the real port to the one a reader will see; other ports (clients' ephemeral
/// ports) are renumbered 50001, 50002, ... in order of appearance.
pub struct Transcript {
    /// The file name under `book/src/transcripts/`, without `.txt`.
    name: String,
    /// What has been recorded.
    text: String,
    /// Real port -> port shown in the book.
    ports: Vec<(String, String)>,
}

impl Transcript {
    /// Starts the transcript `book/src/transcripts/{name}.txt`.
    pub fn new(name: &str) -> Transcript {
        Transcript {
            name: name.to_string(),
            text: String::new(),
            ports: Vec::new(),
        }
    }

    /// Shows `real` as `shown` everywhere in the transcript.
    pub fn show_port(&mut self, real: u16, shown: u16) {
        self.ports.push((real.to_string(), shown.to_string()));
    }

    /// Records a command as a reader would type it.
    pub fn command(&mut self, command: &str) {
        self.text.push_str("$ ");
        self.text.push_str(command);
        self.text.push('\n');
    }

    /// Records output; a missing final newline is added.
    pub fn output(&mut self, output: &str) {
        self.text.push_str(output);
        if !output.is_empty() && !output.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// Records a line of commentary (`# ...`), as a shell comment.
    pub fn comment(&mut self, comment: &str) {
        self.text.push_str("# ");
        self.text.push_str(comment);
        self.text.push('\n');
    }

    /// Writes (with `BLESS=1`) or checks the transcript file.
    pub fn finish(self, book_dir: &Path) {
        let text = self.normalized();
        let path = book_dir
            .join("src/transcripts")
            .join(format!("{}.txt", self.name));
        if std::env::var_os("BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            return;
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}); create it with book/regenerate-transcripts.sh",
                path.display()
            )
        });
        let (stored_lines, fresh_lines): (Vec<_>, Vec<_>) = (
            stored.lines().map(mask_numbers).collect(),
            text.lines().map(mask_numbers).collect(),
        );
        for (i, (old, new)) in stored_lines.iter().zip(&fresh_lines).enumerate() {
            assert_eq!(
                old,
                new,
                "{} line {} no longer matches what the program prints; if the change is \
                 intended, run book/regenerate-transcripts.sh\nnow printed:\n{text}",
                path.display(),
                i + 1
            );
        }
        assert_eq!(
            stored_lines.len(),
            fresh_lines.len(),
            "{} has a different number of lines than the program prints now; \
             run book/regenerate-transcripts.sh\nnow printed:\n{text}",
            path.display()
        );
    }

    /// The text with ports renumbered for the book.
    fn normalized(&self) -> String {
        let mut fake = 50_000;
        let mut ports = self.ports.clone();
        let mut out = String::new();
        let mut rest = self.text.as_str();
        // Ports appear after "127.0.0.1:" or "]:" in every lesson's output.
        while let Some(at) = find_port(rest) {
            out.push_str(&rest[..at]);
            let digits: String = rest[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let already_shown = self.ports.iter().any(|(_, shown)| *shown == digits);
            let shown = match ports.iter().find(|(real, _)| *real == digits) {
                Some((_, shown)) => shown.clone(),
                None if already_shown => digits.clone(), // typed in a command as the book shows it
                None => {
                    fake += 1;
                    ports.push((digits.clone(), fake.to_string()));
                    fake.to_string()
                }
            };
            out.push_str(&shown);
            rest = &rest[at + digits.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// The offset of the next port number after `127.0.0.1:`, `]:` or `port `.
fn find_port(text: &str) -> Option<usize> {
    let candidates = ["127.0.0.1:", "]:", "port "];
    candidates
        .iter()
        .filter_map(|prefix| {
            let mut from = 0;
            while let Some(i) = text[from..].find(prefix) {
                let at = from + i + prefix.len();
                let digits = text[at..].chars().take_while(char::is_ascii_digit).count();
                // Port 0 means "any port": it is never renumbered.
                if digits > 0 && &text[at..at + digits] != "0" {
                    return Some(at);
                }
                from = at;
            }
            None
        })
        .min()
}

/// Replaces every run of digits by `#`, so "took 203 ms" matches "took 198 ms".
pub fn mask_numbers(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_number = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// The workspace's `book/` directory, from a lesson crate's manifest directory.
pub fn book_dir(manifest_dir: &str) -> std::path::PathBuf {
    let mut dir = Path::new(manifest_dir).to_path_buf();
    while !dir.join("book").is_dir() {
        assert!(dir.pop(), "no book/ directory above {manifest_dir}");
    }
    dir.join("book")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_renumbered_consistently() {
        let mut t = Transcript::new("x");
        t.show_port(43111, 9999);
        t.output(
            "Listening on 127.0.0.1:43111\nfrom 127.0.0.1:39000 to [::1]:39000, 127.0.0.1:41000\n",
        );
        t.output("port 43111 is taken; try --bind 127.0.0.1:0\n");
        t.command("nc 127.0.0.1 9999");
        assert_eq!(
            t.normalized(),
            "Listening on 127.0.0.1:9999\nfrom 127.0.0.1:50001 to [::1]:50001, 127.0.0.1:50002\n\
             port 9999 is taken; try --bind 127.0.0.1:0\n$ nc 127.0.0.1 9999\n"
        );
    }

    #[test]
    fn numbers_are_masked_for_comparison() {
        assert_eq!(
            mask_numbers("took 203 ms, [4, 4, 2]"),
            "took # ms, [#, #, #]"
        );
    }
}

/// What a finished program did.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; -1 if it was killed (signal, or `run`'s time limit).
    pub code: i32,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Ran {
    /// Standard output followed by standard error, as a terminal would show them.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `program args...` in `dir` (if given) with `stdin` as its input, for at most
/// `limit`; a program still running then is killed.
pub fn run_in(
    dir: Option<&Path>,
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    stdin: &str,
    limit: Duration,
) -> Ran {
    let mut command = Command::new(program.as_ref());
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", program.as_ref()));
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_string();
    let writer = thread::spawn(move || {
        let _ = input.write_all(stdin.as_bytes());
    });
    let collect = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = collect(Box::new(child.stdout.take().expect("piped")));
    let stderr = collect(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    Ran {
        code: status.and_then(|s| s.code()).unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// [`run_in`] in the current directory, with [`PATIENCE`] as the limit.
pub fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str], stdin: &str) -> Ran {
    run_in(None, program, args, stdin, PATIENCE)
}

/// The course's convention for servers: binding an address that is taken fails with one
/// `error: cannot listen on ADDR: ...` line that suggests a free port, and exit code 1.
pub fn assert_port_in_use_is_explained(server: &str, taken: SocketAddr) {
    assert_bind_failure_is_explained(server, taken, "cannot listen on");
}

/// [`assert_port_in_use_is_explained`] for a UDP server, which binds but does not
/// listen: `error: cannot bind ADDR: ...`.
pub fn assert_udp_port_in_use_is_explained(server: &str, taken: SocketAddr) {
    assert_bind_failure_is_explained(server, taken, "cannot bind");
}

fn assert_bind_failure_is_explained(server: &str, taken: SocketAddr, action: &str) {
    let ran = run(server, &["--bind", &taken.to_string()], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stdout.is_empty(),
        "nothing was bound, so no Listening line: {ran:?}"
    );
    assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with(&format!("error: {action} {taken}: ")),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("--bind 127.0.0.1:0"), "{}", ran.stderr);
}

/// The course's convention for clients: a server that is not running is one
/// `error: cannot connect to ADDR: ...` line saying how to start it, and exit code 1.
pub fn assert_refused_is_explained(client: &str, args: &[&str], server_package: &str) {
    // Bind a port and close it again: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut all_args = vec!["--connect", addr.as_str()];
    all_args.extend_from_slice(args);
    let ran = run(client, &all_args, "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with(&format!("error: cannot connect to {addr}: ")),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("is the server running?"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains(&format!("cargo run -p {server_package}")),
        "{}",
        ran.stderr
    );
}

pub mod echo;
pub mod greeting;
pub mod udp;
