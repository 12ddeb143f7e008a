//! traceroute and ping across a network of namespaces built by the test:
//! A ── R1 ── R2 ── B (see common/netns.rs), torn down even when a test fails.
#![cfg(target_os = "linux")] // the tools are Linux-only: elsewhere they only say so

mod common;

use common::netns::{self, Network};
use common::{can_make_namespaces, output, world_runnable_copy};

const PING: &str = env!("CARGO_BIN_EXE_lesson10-ping");
const TRACEROUTE: &str = env!("CARGO_BIN_EXE_lesson10-traceroute");

/// The hop lines of traceroute's output: (hop number, addresses seen, stars).
fn hops(stdout: &str) -> Vec<(u8, Vec<String>, usize)> {
    stdout
        .lines()
        .skip(1)
        .map(|line| {
            let mut words = line.split_whitespace();
            let hop = words.next().unwrap().parse().unwrap();
            let words: Vec<&str> = words.collect();
            let addrs = words
                .iter()
                .filter(|w| w.contains('.') && w.parse::<f64>().is_err() || w.contains(':'))
                .map(|w| w.to_string())
                .collect();
            (hop, addrs, words.iter().filter(|w| **w == "*").count())
        })
        .collect()
}

fn traceroute_lists_both_routers_then_b(args: &[&str], expected: [&str; 3]) {
    if !can_make_namespaces("traceroute across namespaces") {
        return;
    }
    let net = Network::build();
    let (code, stdout, stderr) = output(&mut net.command(net.a(), TRACEROUTE, args));
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let hops = hops(&stdout);
    assert_eq!(hops.len(), 3, "three hops, then stop: {stdout}");
    for (i, (hop, addrs, stars)) in hops.iter().enumerate() {
        assert_eq!(usize::from(*hop), i + 1, "{stdout}");
        assert_eq!(addrs, &[expected[i]], "hop {hop}: {stdout}");
        assert_eq!(*stars, 0, "no probe lost on veth: {stdout}");
        assert_eq!(
            stdout.lines().nth(i + 1).unwrap().matches(" ms").count(),
            3,
            "three probes per hop: {stdout}"
        );
    }
}

#[test]
fn traceroute_from_a_to_b_lists_r1_r2_and_b() {
    traceroute_lists_both_routers_then_b(&["-w", "5", netns::B], [netns::R1, netns::R2, netns::B]);
}

#[test]
fn traceroute_over_ipv6_lists_r1_r2_and_b() {
    traceroute_lists_both_routers_then_b(
        &["-w", "5", netns::B_V6],
        [netns::R1_V6, netns::R2_V6, netns::B_V6],
    );
}

#[test]
fn ping_from_a_reaches_b_two_routers_away() {
    if !can_make_namespaces("ping across namespaces") {
        return;
    }
    let net = Network::build();
    for target in [netns::B, netns::B_V6] {
        let (code, stdout, stderr) =
            output(&mut net.command(net.a(), PING, &["-c", "3", "-i", "0.2", target]));
        assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
        assert_eq!(
            stdout.matches(&format!("bytes from {target}: ")).count(),
            3,
            "{stdout}"
        );
        // B answers with TTL 64; R2 and R1 each take one off on the way back.
        assert_eq!(stdout.matches(" ttl=62 ").count(), 3, "{stdout}");
        assert!(
            stdout.contains("3 packets transmitted, 3 received, 0% packet loss"),
            "{stdout}"
        );
    }
}

#[test]
fn ping_of_an_address_without_a_route_fails_clearly() {
    if !can_make_namespaces("ping without a route") {
        return;
    }
    let net = Network::build();
    let (code, stdout, stderr) =
        output(&mut net.command(net.a(), PING, &["-c", "1", netns::UNROUTABLE]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: cannot send an echo request to {}: Network is unreachable",
            netns::UNROUTABLE
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: ") && stderr.contains("ip route"),
        "{stderr}"
    );
}

#[test]
fn without_privilege_ping_sockets_do_it_where_the_sysctl_allows() {
    if !can_make_namespaces("ping sockets") || shared::testing::tool("setpriv").is_none() {
        return;
    }
    let net = Network::build();
    net.exec_ok(
        net.a(),
        &["sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"],
    );
    let dir = std::env::temp_dir().join(format!("lesson10-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ping = world_runnable_copy(PING, &dir);
    let traceroute = world_runnable_copy(TRACEROUTE, &dir);
    let as_nobody = |program: &std::path::Path, args: &[&str]| {
        let mut command = net.command(net.a(), "setpriv", &[]);
        command
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--inh-caps=-all",
            ])
            .arg(program)
            .args(args);
        output(&mut command)
    };
    let (code, stdout, stderr) = as_nobody(&ping, &["-c", "2", "-i", "0.2", netns::B]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout.matches(" ttl=62 ").count(), 2, "{stdout}");
    // Time exceeded reaches a ping socket through its error queue (IP_RECVERR).
    for (target, expected) in [
        (netns::B, [netns::R1, netns::R2, netns::B]),
        (netns::B_V6, [netns::R1_V6, netns::R2_V6, netns::B_V6]),
    ] {
        let (code, stdout, stderr) = as_nobody(&traceroute, &["-w", "5", target]);
        assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
        let addrs: Vec<Vec<String>> = hops(&stdout).into_iter().map(|h| h.1).collect();
        assert_eq!(addrs, expected.map(|e| vec![e.to_string()]), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_router_that_cannot_find_the_host_says_so() {
    // 192.0.2.99 is on B's network, but nobody has it: R2 asks (ARP), hears
    // nothing, and sends A an ICMP "host unreachable" (after about 3 seconds), from
    // its address on the way back to A.
    if !can_make_namespaces("host unreachable") {
        return;
    }
    let net = Network::build();
    let (code, stdout, stderr) =
        output(&mut net.command(net.a(), PING, &["-c", "1", "-W", "8", "192.0.2.99"]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains(&format!(
            "From {} icmp_seq=1 Destination Host Unreachable",
            netns::R2
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 packets transmitted, 0 received, +1 errors, 100% packet loss"),
        "{stdout}"
    );
    assert!(
        stderr.starts_with("error: no reply from 192.0.2.99"),
        "{stderr}"
    );
}

#[test]
fn traceroute_to_a_missing_host_ends_with_the_routers_unreachable_mark() {
    if !can_make_namespaces("traceroute to a missing host") {
        return;
    }
    let net = Network::build();
    // One probe per hop: R2's "host unreachable" takes about 3 seconds to come.
    let (code, stdout, stderr) =
        output(&mut net.command(net.a(), TRACEROUTE, &["-q", "1", "-w", "8", "192.0.2.99"]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    let hops = hops(&stdout);
    let addrs: Vec<&str> = hops.iter().map(|h| h.1[0].as_str()).collect();
    assert_eq!(addrs, [netns::R1, netns::R2, netns::R2], "{stdout}");
    assert!(
        stdout.lines().last().unwrap().ends_with(" ms !H"),
        "{stdout}"
    );
    assert!(
        stderr.starts_with("error: 192.0.2.99 is unreachable"),
        "{stderr}"
    );
}
