//! lesson10-sniff as a child process, for the tests and the book's recordings.

use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Instant;

/// The sniffer as a child process, killed on drop if still running.
pub struct Sniffer {
    /// The process.
    pub child: Child,
    /// Its stdout, line by line.
    pub lines: Receiver<String>,
}

impl Sniffer {
    /// Starts it and waits for its `listening on` line (stderr), so no packet is missed.
    pub fn start(program: &str, args: &[&str]) -> Sniffer {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        assert!(
            first.starts_with("listening on lo"),
            "sniffer said {first:?}"
        );
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Sniffer { child, lines }
    }

    /// Reads lines until `done` says the list is complete; panics after PATIENCE.
    pub fn lines_until(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        while !done(&seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(e) => panic!("sniffer stopped printing ({e:?}) after {seen:#?}"),
            }
        }
        seen
    }

    /// Ctrl-C, then the exit status and any last lines.
    pub fn interrupt(mut self) -> (i32, Vec<String>) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
        let status = self.child.wait().unwrap();
        // The reader thread ends at the end of the output, after the exit.
        let rest: Vec<String> = self.lines.iter().collect();
        (status.code().unwrap_or(-1), rest)
    }
}

impl Drop for Sniffer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
