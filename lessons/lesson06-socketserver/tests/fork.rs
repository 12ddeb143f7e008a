//! `--strategy fork`: worker processes pass lesson 3's conformance suite, survive a
//! killed worker, leave no zombies and stop gracefully on SIGTERM.
#![cfg(unix)]

use shared::testing::greeting::Client;
use shared::testing::ServerProcess;
use std::time::Duration;

const GREETING: &str = env!("CARGO_BIN_EXE_lesson06-socketserver");

fn forking(workers: &str) -> ServerProcess {
    ServerProcess::start(
        GREETING,
        &[
            "--bind",
            "127.0.0.1:0",
            "--strategy",
            "fork",
            "--workers",
            workers,
        ],
    )
}

/// The worker processes' ids, from the supervisor's `Started worker process PID` lines.
fn started(server: &ServerProcess, n: usize) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let line = server.expect_line("Started worker process", |l| {
                l.starts_with("Started worker process ")
            });
            line.rsplit(' ').next().unwrap().parse().unwrap()
        })
        .collect()
}

/// The children of `parent` and their states (`R`, `S`, `Z` for a zombie), from /proc.
#[cfg(target_os = "linux")]
fn children(parent: u32) -> Vec<(u32, char)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue; // ended meanwhile
        };
        // "PID (COMM) STATE PPID ...": COMM may hold spaces, so split after its ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent) {
            out.push((pid, fields[0].chars().next().unwrap_or('?')));
        }
    }
    out
}

fn kill9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

// Lesson 3's conformance tests, against four worker processes.
mod conformance {
    use super::*;
    shared::greeting_protocol_tests!(forking("4"));
}

#[test]
fn a_killed_worker_is_replaced_and_service_goes_on() {
    let server = forking("2");
    let workers = started(&server, 2);
    kill9(workers[0]);
    let line = server.expect_line("the killed worker's end", |l| {
        l.starts_with(&format!("Worker process {} ended", workers[0]))
    });
    assert!(
        line.contains("SIGKILL") || line.contains("signal: 9"),
        "{line}"
    );
    let replacement = started(&server, 1)[0];
    assert!(!workers.contains(&replacement));
    for i in 0..6 {
        let name = format!("after{i}");
        assert_eq!(
            Client::connect(server.addr).ask(&name),
            format!("Hello, {name}!")
        );
    }
}

/// `n` clients at once, each greeted and answered.
#[cfg(target_os = "linux")]
fn load(addr: std::net::SocketAddr, n: usize) {
    let clients: Vec<_> = (0..n)
        .map(|i| {
            std::thread::spawn(move || {
                let name = format!("c{i}");
                assert_eq!(Client::connect(addr).ask(&name), format!("Hello, {name}!"));
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn no_zombies_after_load_and_crashes() {
    let server = forking("3");
    let workers = started(&server, 3);
    load(server.addr, 30);
    // Killed between clients: a worker killed mid-conversation takes its client's
    // connection with it (that is the isolation processes give: only that one).
    kill9(workers[1]);
    // The supervisor logs a worker's end after reaping it; wait for that line.
    server.expect_line("the killed worker's end", |l| {
        l.starts_with(&format!("Worker process {} ended", workers[1]))
    });
    started(&server, 1);
    load(server.addr, 30);
    let kids = children(server.pid());
    assert_eq!(kids.len(), 3, "three live workers expected: {kids:?}");
    assert!(
        kids.iter().all(|(_, state)| *state != 'Z'),
        "zombie children: {kids:?}"
    );
}

#[test]
fn sigterm_says_goodbye_from_every_worker_and_exits_0_within_2_seconds() {
    stops_gracefully_on("TERM");
}

/// Ctrl-C in a terminal signals every process of the group; `kill -INT` the
/// supervisor alone, as here, must be enough too.
#[test]
fn sigint_to_the_supervisor_alone_stops_every_worker_gracefully() {
    stops_gracefully_on("INT");
}

fn stops_gracefully_on(signal: &str) {
    let server = forking("3");
    let workers = started(&server, 3);
    // Three clients, each being served by its own worker process.
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.addr)).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        let name = format!("held{i}");
        assert_eq!(client.ask(&name), format!("Hello, {name}!"));
    }
    let (status, took, _) = server.signal_and_wait(signal);
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    for client in &mut clients {
        assert_eq!(client.line(), "server shutting down");
        client.expect_closed();
    }
    // Every worker is gone too (reaped by the supervisor: no /proc entry left).
    #[cfg(target_os = "linux")]
    for pid in workers {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} outlived its supervisor"
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = workers;
}

#[test]
fn a_worker_flag_without_a_supervisor_is_an_error() {
    let ran = shared::testing::run(GREETING, &["--fork-worker"], "");
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("LISTEN_FDS"), "{ran:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn workers_stop_when_their_supervisor_is_killed() {
    let server = forking("2");
    let workers = started(&server, 2);
    kill9(server.pid());
    // Orphans notice their new parent within a poll interval and exit; whoever
    // adopted them may leave them as zombies (state Z), which serve nothing.
    let deadline = std::time::Instant::now() + shared::testing::PATIENCE;
    for pid in workers {
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next());
            if stat.is_empty() || state == Some(Some('Z')) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "worker {pid} still runs without its supervisor: {stat}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
