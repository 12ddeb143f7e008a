//! Without privilege, every tool prints one `error:` line saying what it lacks and
//! how to get it, and exits 1. Run as `nobody` (setpriv) in a fresh network namespace,
//! whose `net.ipv4.ping_group_range` is the kernel's default "1 0" whatever the host's is.
#![cfg(target_os = "linux")] // the tools are Linux-only: elsewhere they only say so

mod common;

use common::{can_make_namespaces, output, world_runnable_copy};

fn assert_one_line_explanation(binary: &str, args: &[&str], must_mention: &[&str]) {
    if !can_make_namespaces("the unprivileged run") || shared::testing::tool("setpriv").is_none() {
        return;
    }
    let net = common::netns::Network::build();
    let dir = tempfile_dir();
    let copy = world_runnable_copy(binary, &dir);
    let mut command = net.command(net.a(), "setpriv", &[]);
    command
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&copy)
        .args(args);
    let (code, stdout, stderr) = output(&mut command);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for word in must_mention {
        assert!(stderr.contains(word), "{stderr} should mention {word}");
    }
}

/// A directory of our own under the system's temporary directory.
fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lesson10-unpriv-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn ping_explains_the_sysctl_and_the_capability() {
    assert_one_line_explanation(
        env!("CARGO_BIN_EXE_lesson10-ping"),
        &["-c", "1", "127.0.0.1"],
        &[
            "net.ipv4.ping_group_range",
            "\"1 0\"",
            "CAP_NET_RAW",
            "setcap",
            "sudo",
        ],
    );
}

#[test]
fn traceroute_explains_the_sysctl_and_the_capability() {
    assert_one_line_explanation(
        env!("CARGO_BIN_EXE_lesson10-traceroute"),
        &["127.0.0.1"],
        &["net.ipv4.ping_group_range", "CAP_NET_RAW", "setcap"],
    );
}

#[test]
fn rawudp_explains_the_capability() {
    assert_one_line_explanation(
        env!("CARGO_BIN_EXE_lesson10-rawudp"),
        &["--connect", "127.0.0.1:9999", "Michael"],
        &["raw IPv4 socket", "CAP_NET_RAW", "setcap", "sudo"],
    );
}

#[test]
fn sniff_explains_the_capability() {
    assert_one_line_explanation(
        env!("CARGO_BIN_EXE_lesson10-sniff"),
        &["-c", "1"],
        &["packet socket", "CAP_NET_RAW", "setcap", "sudo"],
    );
}
