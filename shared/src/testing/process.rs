//! Child processes: a server binary in the background, a program run to completion,
//! and the external tools (`nc`, `curl`, `python3`) tests talk to.

use super::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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
        skip(&format!("{name} is not installed"));
    }
    found
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

/// Says, where a person running `cargo test` sees it, that a test is skipped and why.
///
/// The test harness captures what a test prints with `eprintln!` and shows it only
/// when the test fails, so a skipped test would look like a pass. This writes to the
/// process's standard error itself, past the capture: the line appears in the
/// normal output of `cargo test`, next to the test's `ok`.
pub fn skip(reason: &str) {
    let current = thread::current();
    let test = current.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "note: skipping {test}: {reason}");
}
