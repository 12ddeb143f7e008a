//! What the lesson's tests share: privilege checks that skip loudly, and a
//! network of namespaces built (and always torn down) by the test itself.
#![allow(dead_code)] // each test file uses part of it

pub mod netns;
pub mod servers;
pub mod sniffer;

use socket2::{Domain, Protocol, Socket, Type};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this process may open raw sockets (root or CAP_NET_RAW); if not, prints
/// why the calling test is skipped. CI runs as root, so it never skips there.
pub fn can_use_raw_sockets(test: &str) -> bool {
    let ok = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run these tests as root (raw sockets)"
        );
        note(&format!(
            "skipping {test}: it needs root or CAP_NET_RAW (CI runs it as root)"
        ));
    }
    ok
}

/// Prints `note: TEXT` where the reader sees it: straight to stderr, since the test
/// harness captures `eprintln!` of passing tests and would hide the skip.
pub fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "note: {text}");
}

/// Whether this process may send ICMP echoes at all (ping socket or raw socket).
pub fn can_ping(test: &str) -> bool {
    Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::ICMPV4)).is_ok()
        || can_use_raw_sockets(test)
}

/// Whether `ip` (iproute2) and network namespaces are usable; prints a note if not.
pub fn can_make_namespaces(test: &str) -> bool {
    if !can_use_raw_sockets(test) {
        return false;
    }
    if shared::testing::tool("ip").is_none() {
        return false;
    }
    true
}

#[cfg(unix)]
/// Copies `binary` where any user may run it (a build directory under a private
/// home may not be), for running as `nobody`.
pub fn world_runnable_copy(binary: &str, dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let to = dir.join(Path::new(binary).file_name().unwrap());
    std::fs::copy(binary, &to).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
    to
}

/// Runs a command, returning (exit code, stdout, stderr); panics if it cannot start.
pub fn output(command: &mut Command) -> (i32, String, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
