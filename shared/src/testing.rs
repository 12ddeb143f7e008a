//! Test support: run a lesson's server binary as a child process and talk to it.
//!
//! Enabled by the `testing` feature, for lessons' `[dev-dependencies]` only.
//! Every server is started with `--bind 127.0.0.1:0` (or `[::1]:0`) by the test,
//! which then reads the real port from the `Listening on` line: no fixed ports,
//! so tests can run in parallel with each other and with a learner's own servers.

use std::io::{BufRead, BufReader, Read};
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
    /// The address from its `Listening on` line.
    pub addr: SocketAddr,
    /// Its stdout, line by line, after the `Listening on` line.
    lines: Receiver<String>,
    /// Everything it wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `program args...` and waits for its `Listening on IP:PORT` line.
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
        let addr = first
            .strip_prefix("Listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                panic!("first line should be `Listening on IP:PORT`, was {first:?}")
            });
        ServerProcess {
            child,
            addr,
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

/// Reads from `stream` until `len` bytes have arrived or `PATIENCE` runs out.
pub fn read_exactly(stream: &mut impl Read, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("expected {len} bytes: {e}"));
    buf
}
