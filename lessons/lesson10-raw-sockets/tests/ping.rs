//! lesson10-ping on loopback: replies, sequence numbers, and the summary's arithmetic.
#![cfg(target_os = "linux")] // the tools are Linux-only: elsewhere they only say so

mod common;

use common::{can_ping, output};
use std::process::Command;

const PING: &str = env!("CARGO_BIN_EXE_lesson10-ping");

/// The `time=` of each reply line, by icmp_seq.
fn replies(stdout: &str, from: &str) -> Vec<(u16, f64)> {
    stdout
        .lines()
        .filter(|l| l.contains(" bytes from "))
        .map(|line| {
            assert!(
                line.starts_with(&format!("64 bytes from {from}: icmp_seq=")),
                "unexpected reply line {line:?}"
            );
            assert!(
                line.contains(" ttl=64 "),
                "loopback replies have TTL 64: {line}"
            );
            let field = |name: &str| {
                let at = line.find(name).unwrap() + name.len();
                line[at..].split_whitespace().next().unwrap().to_string()
            };
            (
                field("icmp_seq=").parse().unwrap(),
                field("time=").parse().unwrap(),
            )
        })
        .collect()
}

/// The numbers after `rtt min/avg/max/mdev = `.
fn rtt_line(stdout: &str) -> [f64; 4] {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("rtt min/avg/max/mdev = "))
        .unwrap_or_else(|| panic!("no rtt line in {stdout}"));
    let numbers: Vec<f64> = line
        .trim_end_matches(" ms")
        .split('/')
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

fn three_replies_and_correct_arithmetic(target: &str) {
    if !can_ping("ping on loopback") {
        return;
    }
    let (code, stdout, stderr) = output(Command::new(PING).args(["-c", "3", "-i", "0.2", target]));
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.starts_with(&format!("PING {target} ({target}) 56(")),
        "{stdout}"
    );
    let replies = replies(&stdout, target);
    let seqs: Vec<u16> = replies.iter().map(|r| r.0).collect();
    assert_eq!(seqs, [1, 2, 3], "{stdout}");
    assert!(
        stdout.contains(&format!("--- {target} ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time ")),
        "{stdout}"
    );
    // The summary's figures, recomputed from the printed times (rounded to 0.001 ms).
    let times: Vec<f64> = replies.iter().map(|r| r.1).collect();
    let [min, avg, max, mdev] = rtt_line(&stdout);
    let mean = times.iter().sum::<f64>() / 3.0;
    let sd = (times.iter().map(|t| t * t).sum::<f64>() / 3.0 - mean * mean)
        .max(0.0)
        .sqrt();
    let close = |a: f64, b: f64| (a - b).abs() <= 0.0015;
    assert!(
        close(min, times.iter().copied().fold(f64::MAX, f64::min)),
        "min {min} of {times:?}"
    );
    assert!(
        close(max, times.iter().copied().fold(0.0, f64::max)),
        "max {max} of {times:?}"
    );
    assert!(close(avg, mean), "avg {avg} of {times:?}");
    assert!((mdev - sd).abs() <= 0.003, "mdev {mdev} of {times:?}");
    assert!(min <= avg && avg <= max);
}

#[test]
fn ping_127_0_0_1_three_times() {
    three_replies_and_correct_arithmetic("127.0.0.1");
}

#[test]
fn ping_ipv6_loopback_three_times() {
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        common::note("no IPv6 loopback here; skipping");
        return;
    }
    three_replies_and_correct_arithmetic("::1");
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    let (code, _, stderr) = output(Command::new(PING).args(["-c", "0", "127.0.0.1"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
    let (code, stdout, _) = output(Command::new(PING).arg("--help"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("ping_group_range"),
        "--help explains the privilege: {stdout}"
    );
}

#[test]
fn two_pings_at_once_each_count_only_their_own_replies() {
    // Over raw sockets each process sees *every* echo reply on the host, the other's
    // too: only the identifier tells them apart. No DUP, no extra replies.
    if !can_ping("two pings at once") {
        return;
    }
    let start = || {
        Command::new(PING)
            .args(["-c", "3", "-i", "0.2", "127.0.0.1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start(), start());
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        let seqs: Vec<u16> = replies(&stdout, "127.0.0.1").iter().map(|r| r.0).collect();
        assert_eq!(seqs, [1, 2, 3], "only its own replies: {stdout}");
        assert!(!stdout.contains("DUP"), "{stdout}");
        assert!(
            stdout.contains("3 packets transmitted, 3 received,"),
            "{stdout}"
        );
    }
}
