//! Step 15: the interfaces and addresses netlink reports are the ones `ip` prints.
#![cfg(target_os = "linux")]

use lesson01_socket_basics::netlink::{self, Interface};
use std::process::Command;

/// `(index, name, addresses)` as `ip -o link` and `ip -o addr` print them.
fn from_ip() -> Option<Vec<(u32, String, Vec<String>)>> {
    let run = |what: &str| -> Option<String> {
        let out = Command::new("ip").args(["-o", what]).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (links, addrs) = (run("link")?, run("addr")?);
    let mut out = Vec::new();
    // "2: eth0@if5: <BROADCAST,...> mtu 1500 ..."
    for line in links.lines() {
        let mut fields = line.split_whitespace();
        let index = fields.next()?.trim_end_matches(':').parse().ok()?;
        let name = fields.next()?.trim_end_matches(':');
        let name = name.split('@').next()?.to_string();
        out.push((index, name, Vec::new()));
    }
    // "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\ ..."
    for line in addrs.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let index: u32 = fields.first()?.trim_end_matches(':').parse().ok()?;
        let addr = fields.get(3)?.to_string();
        let entry = out.iter_mut().find(|(i, _, _)| *i == index)?;
        entry.2.push(addr);
    }
    Some(out)
}

fn from_netlink(interfaces: &[Interface]) -> Vec<(u32, String, Vec<String>)> {
    interfaces
        .iter()
        .map(|i| (i.index, i.name.clone(), i.addresses.clone()))
        .collect()
}

#[test]
fn netlink_lists_what_ip_lists() {
    if Command::new("ip").arg("-V").output().is_err() {
        shared::testing::skip("`ip` (iproute2) is not installed");
        return;
    }
    // Other tests may add or remove an interface between the two listings: a few tries.
    let mut last = None;
    for _ in 0..3 {
        let ours = from_netlink(&netlink::interfaces().expect("netlink dump"));
        let theirs = from_ip().expect("`ip -o link` / `ip -o addr` output in the expected form");
        assert!(
            ours.iter().any(|(_, name, _)| name == "lo"),
            "loopback missing: {ours:?}"
        );
        if ours == theirs {
            return;
        }
        last = Some((ours, theirs));
    }
    let (ours, theirs) = last.unwrap();
    panic!("netlink and ip disagree:\n netlink: {ours:?}\n ip:      {theirs:?}");
}

#[test]
fn interfaces_flag_shows_each_interface_beside_ip() {
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson01-socket-basics"))
        .arg("--interfaces")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lo = text
        .lines()
        .find(|l| l.starts_with("lo "))
        .unwrap_or_else(|| panic!("no line for lo:\n{text}"));
    let (ours, theirs) = lo.split_once(" | ").expect("two columns");
    assert!(ours.contains("127.0.0.1/8"), "{lo}");
    if Command::new("ip").arg("-V").output().is_ok() {
        assert!(
            theirs.starts_with("lo ") && theirs.contains("127.0.0.1/8"),
            "{lo}"
        );
    } else {
        shared::testing::skip("`ip` is not installed: only our column checked");
    }
}
