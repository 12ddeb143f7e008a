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
#[cfg(target_os = "linux")]
pub mod seqpacket;
pub mod stream;

use anyhow::{bail, Context};
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::Path;

// ANCHOR: prepare_path
/// Makes `path` free for `bind`: removes a *stale* socket file (returning `true`),
/// refuses otherwise.
///
/// A socket file left by a server that crashed (or was killed) blocks the next
/// `bind` with "address in use". Deleting it blindly would be wrong too: another
/// server may be using it, or the path may be somebody's ordinary file. So we
/// connect to it. Only a *refused* connection proves that nobody listens: then the
/// file is stale and we remove it. If someone answers, it is in use. Any other
/// answer ("permission denied" from another user's private socket, "wrong type"
/// from a live socket of another kind) proves nothing, so the file stays and we
/// say why we stop.
pub fn prepare_path(path: &Path) -> anyhow::Result<bool> {
    check_length(path)?;
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
    let err = match UnixStream::connect(path) {
        Ok(_) => return Err(in_use(path)),
        Err(err) => err,
    };
    let err = match err.kind() {
        io::ErrorKind::ConnectionRefused => return remove_stale(path),
        // A datagram server's file answers a stream connect with "wrong type": ask
        // it the datagram way.
        _ => match UnixDatagram::unbound()?.connect(path) {
            Ok(()) => return Err(in_use(path)),
            Err(dgram) if dgram.kind() == io::ErrorKind::ConnectionRefused => {
                return remove_stale(path)
            }
            // And a seqpacket server's the seqpacket way.
            #[cfg(target_os = "linux")]
            Err(_) if seqpacket::Seqpacket::connect(path).is_ok() => return Err(in_use(path)),
            Err(_) => err,
        },
    };
    Err(err).with_context(|| {
        format!(
            "{} exists and cannot be checked, so it is left alone (remove it yourself if no \
             server uses it, or choose another path with --bind)",
            path.display()
        )
    })
}
// ANCHOR_END: prepare_path

fn in_use(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot listen on {}: another server is using it (stop it, or choose another path with --bind)",
        path.display()
    )
}

fn remove_stale(path: &Path) -> anyhow::Result<bool> {
    std::fs::remove_file(path)
        .with_context(|| format!("cannot remove the stale socket file {}", path.display()))?;
    Ok(true)
}

/// The size of `sun_path` in `struct sockaddr_un`, the C address of a Unix socket
/// (the path and a closing zero byte must fit).
const SUN_PATH: usize = if cfg!(any(target_os = "linux", target_os = "android")) {
    108
} else {
    104
};

/// A socket's path is copied into a fixed-size C array: longer paths cannot be used.
fn check_length(path: &Path) -> anyhow::Result<()> {
    let len = path.as_os_str().len();
    if len < SUN_PATH {
        return Ok(());
    }
    Err(shared::error::NetError {
        action: format!("cannot listen on {}", path.display()),
        hint: Some(format!(
            "a Unix socket's path must be shorter than {SUN_PATH} bytes; use a shorter or \
             relative path (e.g. cd to the folder and use --bind ./name.sock)"
        )),
        source: io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the path is {len} bytes long"),
        ),
    }
    .into())
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
