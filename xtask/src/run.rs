//! Building a grader and running it: tests are counted from the test harness itself
//! (`--list`), each test gets a status, and a run that takes too long is stopped with
//! the unfinished tests marked as timed out (not as failed: a hang is a different
//! bug from a wrong answer, and the student should know which).

use anyhow::{bail, Context};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What happened to one test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// It passed.
    Passed,
    /// It failed (a panic: an assertion, an `unwrap`, a `todo!`).
    Failed,
    /// It had not finished when the time ran out.
    TimedOut,
}

/// One exercise's overall result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every test passed.
    Passed,
    /// Some test failed; none timed out.
    Failing,
    /// Some test did not finish in time (a hang, or waiting for something that never comes).
    TimedOut,
    /// The crate or its grader does not compile.
    DoesNotCompile,
}

impl Status {
    /// How the table and the JSON say it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failing => "failing",
            Status::TimedOut => "timed out",
            Status::DoesNotCompile => "does not compile",
        }
    }
}

/// One test of a grader.
#[derive(Clone, Debug, Serialize)]
pub struct TestResult {
    /// The test function's name.
    pub name: String,
    /// What happened.
    pub status: TestStatus,
    /// The failure's message (the panic and what the test printed), when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One run of one grader against one crate.
#[derive(Debug)]
pub struct Outcome {
    /// The overall status.
    pub status: Status,
    /// Every test the harness listed, in its order.
    pub tests: Vec<TestResult>,
    /// The compiler's first error, when it did not compile.
    pub compile_error: Option<String>,
}

impl Outcome {
    /// Tests passed.
    pub fn passed(&self) -> usize {
        self.tests
            .iter()
            .filter(|t| t.status == TestStatus::Passed)
            .count()
    }

    /// The first test that did not pass.
    pub fn first_failure(&self) -> Option<&TestResult> {
        self.tests.iter().find(|t| t.status != TestStatus::Passed)
    }
}

/// Where to build: the manifest, and a target directory when not the workspace's own.
pub struct Crate<'a> {
    /// `Cargo.toml` of the crate whose `grade` test to build.
    pub manifest: &'a Path,
    /// `CARGO_TARGET_DIR`, if any.
    pub target_dir: Option<&'a Path>,
}

/// Builds the crate's `grade` test binary; `Ok(Err(first error))` if it does not compile.
pub fn build(krate: &Crate) -> anyhow::Result<Result<PathBuf, String>> {
    let mut cmd = cargo();
    cmd.args(["test", "--no-run", "--quiet", "--test", "grade"])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(krate.manifest);
    if let Some(dir) = krate.target_dir {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .context("cannot run cargo")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let exe =
        grade_artifacts(&stdout).find_map(|msg| msg["executable"].as_str().map(PathBuf::from));
    match exe {
        Some(exe) if out.status.success() => Ok(Ok(exe)),
        _ => Ok(Err(first_error(&String::from_utf8_lossy(&out.stderr)))),
    }
}

/// The messages of cargo's `--message-format json` output that announce a built
/// `grade` test binary.
fn grade_artifacts(stdout: &str) -> impl Iterator<Item = serde_json::Value> + '_ {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| {
            msg["reason"] == "compiler-artifact"
                && msg["target"]["name"] == "grade"
                && msg["profile"]["test"] == true
        })
}

/// Builds the `grade` test of every member of a workspace in one cargo run (going on
/// past a member that does not compile); returns each member's test binary, by the
/// path of its manifest. A member missing from the map did not compile.
pub fn build_workspace(
    manifest: &Path,
    target_dir: &Path,
) -> anyhow::Result<BTreeMap<PathBuf, PathBuf>> {
    let out = cargo()
        .args([
            "test",
            "--no-run",
            "--quiet",
            "--workspace",
            "--no-fail-fast",
        ])
        .args([
            "--test",
            "grade",
            "--message-format",
            "json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .stderr(Stdio::null())
        .output()
        .context("cannot run cargo")?;
    Ok(grade_artifacts(&String::from_utf8_lossy(&out.stdout))
        .filter_map(|msg| {
            Some((
                PathBuf::from(msg["manifest_path"].as_str()?),
                PathBuf::from(msg["executable"].as_str()?),
            ))
        })
        .collect())
}

/// The first `error` block of the compiler's rendered output (a beginner needs the first).
fn first_error(stderr: &str) -> String {
    let mut block = Vec::new();
    for line in stderr.lines() {
        if block.is_empty() {
            if line.starts_with("error") {
                block.push(line);
            }
        } else if line.is_empty() || line.starts_with("error") || line.starts_with("warning") {
            break;
        } else {
            block.push(line);
        }
    }
    if block.is_empty() {
        stderr.lines().rev().take(10).collect::<Vec<_>>().join("\n")
    } else {
        block.join("\n")
    }
}

/// The test names the harness knows, in its order (`--list --format terse`).
pub fn list(exe: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        bail!("{} --list failed", exe.display());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// Runs the test binary in `dir` (the crate's folder, as `cargo test` would), stopping
/// it after `timeout`. `names` is what `list` returned.
pub fn run(
    exe: &Path,
    dir: &Path,
    names: &[String],
    timeout: Duration,
) -> anyhow::Result<Vec<TestResult>> {
    let mut child = Command::new(exe)
        .args(["--color", "never"])
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let (lines_tx, lines_rx) = mpsc::channel();
    let stdout = child.stdout.take().context("no stdout")?;
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().context("no stderr")?;
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let mut lines = Vec::new();
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                let _ = child.kill();
                break;
            }
        }
    }
    let status = child.wait().context("waiting for the test binary")?;
    let _ = reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(results(
        names,
        &lines,
        timed_out,
        status.success(),
        stderr.trim(),
    ))
}

/// Turns the harness's output into one result per listed test.
fn results(
    names: &[String],
    lines: &[String],
    timed_out: bool,
    success: bool,
    stderr: &str,
) -> Vec<TestResult> {
    let mut verdicts: BTreeMap<&str, TestStatus> = BTreeMap::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, verdict)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        let status = match verdict {
            "ok" => TestStatus::Passed,
            v if v.starts_with("FAILED") => TestStatus::Failed,
            _ => continue, // "ignored": not graded
        };
        verdicts.insert(name, status);
    }
    let messages = failure_messages(lines);
    names
        .iter()
        .map(|name| {
            let (status, message) = match verdicts.get(name.as_str()) {
                Some(&status) => (status, messages.get(name.as_str()).cloned()),
                None if timed_out => (
                    TestStatus::TimedOut,
                    Some("did not finish in time: is something waiting for bytes (or a client, or a reply) that never come?".to_string()),
                ),
                None => (
                    TestStatus::Failed,
                    Some(format!(
                        "the test process ended before this test finished (exit {}): {stderr}",
                        if success { "0" } else { "non-zero" }
                    )),
                ),
            };
            TestResult {
                name: name.clone(),
                status,
                message,
            }
        })
        .collect()
}

/// The `---- NAME stdout ----` sections libtest prints for failed tests.
fn failure_messages(lines: &[String]) -> BTreeMap<&str, String> {
    let mut messages = BTreeMap::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    for line in lines {
        let header = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"));
        let section_end = header.is_some() || line == "failures:" || line == "successes:";
        if section_end {
            if let Some((name, body)) = current.take() {
                messages.insert(name, tidy(&body));
            }
        }
        if let Some(name) = header {
            current = Some((name, Vec::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line);
        }
    }
    if let Some((name, body)) = current {
        messages.insert(name, tidy(&body));
    }
    messages
}

/// A failure's text without libtest's boilerplate.
fn tidy(body: &[&str]) -> String {
    body.iter()
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// `cargo`, the one running us if any.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(crate::meta::root());
    cmd
}

/// Builds, lists and runs in one go.
pub fn grade_crate(krate: &Crate, dir: &Path, timeout: Duration) -> anyhow::Result<Outcome> {
    let exe = match build(krate)? {
        Ok(exe) => exe,
        Err(error) => {
            return Ok(Outcome {
                status: Status::DoesNotCompile,
                tests: Vec::new(),
                compile_error: Some(error),
            })
        }
    };
    let names = list(&exe)?;
    let tests = run(&exe, dir, &names, timeout)?;
    Ok(outcome(tests))
}

/// The overall status of a set of test results.
pub fn outcome(tests: Vec<TestResult>) -> Outcome {
    let status = if tests.iter().any(|t| t.status == TestStatus::TimedOut) {
        Status::TimedOut
    } else if tests.is_empty() || tests.iter().any(|t| t.status != TestStatus::Passed) {
        Status::Failing
    } else {
        Status::Passed
    };
    Outcome {
        status,
        tests,
        compile_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn verdicts_messages_and_timeouts_come_from_the_harness_output() {
        let names = strings("a\nb\nc");
        let out = strings(
            "running 3 tests\ntest a ... ok\ntest b ... FAILED\n\nfailures:\n\n---- b stdout ----\n\nthread 'b' panicked at tests/grade.rs:1:1:\nwrong answer\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    b\n",
        );
        let got = results(&names, &out, true, false, "");
        let statuses: Vec<TestStatus> = got.iter().map(|t| t.status).collect();
        assert_eq!(
            statuses,
            [TestStatus::Passed, TestStatus::Failed, TestStatus::TimedOut]
        );
        assert_eq!(
            got[1].message.as_deref(),
            Some("thread 'b' panicked at tests/grade.rs:1:1:\nwrong answer")
        );
        assert_eq!(outcome(got).status, Status::TimedOut);
    }

    #[test]
    fn a_crash_is_a_failure_not_a_timeout() {
        let got = results(&strings("a"), &[], false, false, "stack overflow");
        assert_eq!(got[0].status, TestStatus::Failed);
        assert!(got[0]
            .message
            .as_deref()
            .unwrap()
            .contains("stack overflow"));
    }
}
