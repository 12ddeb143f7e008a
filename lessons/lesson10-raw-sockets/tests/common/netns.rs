//! A small network made of Linux network namespaces, for traceroute and ping:
//!
//! ```text
//!  A ──────────── R1 ──────────── R2 ──────────── B
//!   198.51.100.0/24   203.0.113.0/24   192.0.2.0/25
//!   2001:db8:1::/64   2001:db8:2::/64  2001:db8:3::/64
//! ```
//!
//! Documentation addresses only (RFC 5737, RFC 3849), on veth pairs created directly
//! inside the namespaces: nothing is linked to a real interface. The names are unique
//! per process and per network, and [`Network`]'s `Drop` deletes the namespaces (and
//! with them every interface) even when the test fails.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A's address.
pub const A: &str = "198.51.100.2";
/// R1's address facing A (the first hop).
pub const R1: &str = "198.51.100.1";
/// R2's address facing R1 (the second hop).
pub const R2: &str = "203.0.113.2";
/// B's address.
pub const B: &str = "192.0.2.2";
/// In B's /24 but outside the /25 A has a route for: A has no route to it.
pub const UNROUTABLE: &str = "192.0.2.200";
/// The same hops over IPv6.
pub const R1_V6: &str = "2001:db8:1::1";
/// R2 facing R1.
pub const R2_V6: &str = "2001:db8:2::2";
/// B over IPv6.
pub const B_V6: &str = "2001:db8:3::2";

/// Four namespaces, deleted on drop.
pub struct Network {
    /// The namespaces' names: A, R1, R2, B.
    pub names: [String; 4],
}

/// Runs `ip ARGS...`, panicking with its stderr if it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Network {
    /// Builds the network; on failure the namespaces made so far are removed.
    pub fn build() -> Network {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let tag = format!(
            "nl10-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let names = ["a", "r1", "r2", "b"].map(|n| format!("{tag}-{n}"));
        let net = Network { names };
        for name in &net.names {
            ip(&["netns", "add", name]);
            net.exec_ok(name, &["ip", "link", "set", "lo", "up"]);
        }
        let [a, r1, r2, b] = &net.names;
        // (namespace, interface, IPv4/len, IPv6/len) for each end of each link.
        let links = [
            (
                (a, "eth0", "198.51.100.2/24", "2001:db8:1::2/64"),
                (r1, "eth0", "198.51.100.1/24", "2001:db8:1::1/64"),
            ),
            (
                (r1, "eth1", "203.0.113.1/24", "2001:db8:2::1/64"),
                (r2, "eth0", "203.0.113.2/24", "2001:db8:2::2/64"),
            ),
            (
                (r2, "eth1", "192.0.2.1/25", "2001:db8:3::1/64"),
                (b, "eth0", "192.0.2.2/25", "2001:db8:3::2/64"),
            ),
        ];
        for ((ns1, if1, v4a, v6a), (ns2, if2, v4b, v6b)) in links {
            // Both ends are created inside their namespaces: never in the host's.
            ip(&[
                "link", "add", "name", if1, "netns", ns1, "type", "veth", "peer", "name", if2,
                "netns", ns2,
            ]);
            for (ns, ifname, v4, v6) in [(ns1, if1, v4a, v6a), (ns2, if2, v4b, v6b)] {
                net.exec_ok(ns, &["ip", "addr", "add", v4, "dev", ifname]);
                net.exec_ok(ns, &["ip", "-6", "addr", "add", v6, "dev", ifname, "nodad"]);
                net.exec_ok(ns, &["ip", "link", "set", ifname, "up"]);
            }
        }
        for router in [r1, r2] {
            net.exec_ok(router, &["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
            net.exec_ok(router, &["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        }
        // A knows only the routes to the /24 between the routers and B's /25: no default.
        net.exec_ok(
            a,
            &[
                "ip",
                "route",
                "add",
                "203.0.113.0/24",
                "via",
                "198.51.100.1",
            ],
        );
        net.exec_ok(
            a,
            &["ip", "route", "add", "192.0.2.0/25", "via", "198.51.100.1"],
        );
        net.exec_ok(
            a,
            &[
                "ip",
                "-6",
                "route",
                "add",
                "2001:db8:2::/64",
                "via",
                "2001:db8:1::1",
            ],
        );
        net.exec_ok(
            a,
            &[
                "ip",
                "-6",
                "route",
                "add",
                "2001:db8:3::/64",
                "via",
                "2001:db8:1::1",
            ],
        );
        net.exec_ok(
            r1,
            &["ip", "route", "add", "192.0.2.0/25", "via", "203.0.113.2"],
        );
        net.exec_ok(
            r1,
            &[
                "ip",
                "-6",
                "route",
                "add",
                "2001:db8:3::/64",
                "via",
                "2001:db8:2::2",
            ],
        );
        net.exec_ok(
            r2,
            &[
                "ip",
                "route",
                "add",
                "198.51.100.0/24",
                "via",
                "203.0.113.1",
            ],
        );
        net.exec_ok(
            r2,
            &[
                "ip",
                "-6",
                "route",
                "add",
                "2001:db8:1::/64",
                "via",
                "2001:db8:2::1",
            ],
        );
        net.exec_ok(b, &["ip", "route", "add", "default", "via", "192.0.2.1"]);
        net.exec_ok(
            b,
            &[
                "ip",
                "-6",
                "route",
                "add",
                "default",
                "via",
                "2001:db8:3::1",
            ],
        );
        net
    }

    /// Host A's namespace name.
    pub fn a(&self) -> &str {
        &self.names[0]
    }

    /// A command that runs `program args...` inside namespace `ns`.
    pub fn command(&self, ns: &str, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", ns, program]).args(args);
        command
    }

    /// Runs a command inside `ns`, panicking if it fails.
    pub fn exec_ok(&self, ns: &str, args: &[&str]) {
        let mut full = vec!["netns", "exec", ns];
        full.extend_from_slice(args);
        ip(&full);
    }
}

/// One namespace with only its own loopback: a quiet `lo` for a test alone.
pub struct Scratch {
    /// Its name.
    pub name: String,
}

impl Scratch {
    /// Makes it, with `lo` up.
    pub fn new() -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nl10-{}-s{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        ip(&["netns", "add", &name]);
        let scratch = Scratch { name };
        ip(&[
            "netns",
            "exec",
            &scratch.name,
            "ip",
            "link",
            "set",
            "lo",
            "up",
        ]);
        scratch
    }

    /// The arguments that run `program args...` inside it, for `Command::new("ip")`.
    pub fn exec_args<'a>(&'a self, program: &'a str, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["netns", "exec", self.name.as_str(), program];
        all.extend_from_slice(args);
        all
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for name in &self.names {
            // Ignore failures: a namespace that was never made has nothing to delete.
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}
