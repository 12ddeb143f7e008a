//! Lesson 8: Unix domain sockets (`AF_UNIX`), on Linux and macOS.
//!
//! The tutorials list `AF_UNIX` beside `AF_INET`: sockets between programs on the
//! *same machine*, named by a path in the file system instead of an IP address and a
//! port. The calls are the same (`bind`, `listen`, `accept`, `connect`, `recv`,
//! `send`), and so is the code that uses them: this lesson serves lesson 2's
//! echo handler and lesson 5's greeting over Unix sockets without changing a line of
//! either. What differs is the address, which is a file:
//!
//! - `bind` *creates* the socket file, and fails if the path exists, even if the
//!   server that made it has died (a *stale* socket file). See [`bind_path`].
//! - the file's permissions decide who may connect: a simple, strong access
//!   control that TCP on 127.0.0.1 does not have (any local user can connect there).
//! - the file stays after the server exits unless the server removes it.
//!
//! Unix sockets skip the whole TCP/IP stack, so they are faster than loopback TCP;
//! databases (PostgreSQL's `/var/run/postgresql/.s.PGSQL.5432`) and Docker use them.
#![cfg(unix)]

pub mod datagram;
pub mod stream;

use anyhow::{bail, Context};
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;

// ANCHOR: prepare_path
/// Makes `path` free for `bind`: removes a *stale* socket file (returning `true`),
/// refuses otherwise.
///
/// A socket file left by a server that crashed (or was killed) blocks the next
/// `bind` with "address in use". Deleting it blindly would be wrong too: another
/// server may be using it, or the path may be somebody's ordinary file. So: if it is
/// a socket and connecting is *refused*, nobody listens: remove it. If someone
/// answers, it is in use. If it is not a socket at all, leave it alone.
pub fn prepare_path(path: &Path) -> anyhow::Result<bool> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("cannot inspect {}", path.display())),
    };
    if !meta.file_type().is_socket() {
        bail!(
            "{} exists and is not a socket; refusing to replace it (choose another path with --bind)",
            path.display()
        );
    }
    match UnixStream::connect(path) {
        Ok(_) => bail!(
            "cannot listen on {}: another server is using it (stop it, or choose another path with --bind)",
            path.display()
        ),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove the stale socket file {}", path.display()))?;
            Ok(true)
        }
        // A datagram socket file answers "wrong type" to a stream connect: ask it the datagram way.
        Err(_) => remove_if_stale_datagram(path),
    }
}
// ANCHOR_END: prepare_path

fn remove_if_stale_datagram(path: &Path) -> anyhow::Result<bool> {
    let probe = std::os::unix::net::UnixDatagram::unbound()?;
    match probe.connect(path) {
        Ok(()) => bail!(
            "cannot listen on {}: another server is using it (stop it, or choose another path with --bind)",
            path.display()
        ),
        Err(_) => {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove the stale socket file {}", path.display()))?;
            Ok(true)
        }
    }
}

/// The log line for a removed stale socket file (printed after `Listening on`).
pub const STALE_REMOVED: &str = "(removed a stale socket file left by a server that is gone)";

/// Restricts who may connect: `mode` as in `chmod` (0o600: only this user).
pub fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", path.display()))
}

// ANCHOR: bind_path
/// A server's start on a socket file: clear a stale file, `bind` (with `bind`), set the
/// file's `mode`, and only then print `Listening on PATH`. The returned guard removes
/// the file when the server ends.
pub fn bind_path<'a, T>(
    path: &'a Path,
    mode: u32,
    bind: impl FnOnce(&Path) -> io::Result<T>,
) -> anyhow::Result<(T, RemoveOnDrop<'a>)> {
    let removed_stale = prepare_path(path)?;
    let socket = bind(path).with_context(|| format!("cannot listen on {}", path.display()))?;
    let cleanup = RemoveOnDrop(path);
    set_mode(path, mode)?;
    shared::server::log(format_args!("Listening on {}", path.display()));
    if removed_stale {
        shared::server::log(STALE_REMOVED);
    }
    Ok((socket, cleanup))
}
// ANCHOR_END: bind_path

/// Removes the socket file when dropped: a server cleans up after itself.
pub struct RemoveOnDrop<'a>(pub &'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0);
    }
}

/// Parses a permission mode written in octal, like `chmod`: `600`, `0660`.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("{text:?} is not an octal mode like 600 or 660"))
}
