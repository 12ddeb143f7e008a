//! The forking strategy (Unix): worker processes instead of threads, started the safe way for Rust (our own binary run again, the listening socket inherited).
//!
//! Python's `ForkingMixIn` calls `fork()` for each connection. A Rust server cannot
//! safely do that: by the time it accepts, it already runs threads (the signal
//! handler's, here; the test harness's, in tests), and after `fork` in a process with
//! threads the child may only call async-signal-safe functions until it calls
//! `exec`: no allocation, no lock, since another thread may have held the
//! allocator's lock at the moment of the fork, and in the child that thread is gone
//! and the lock is never released.
//!
//! So this strategy does what `exec` allows: the *supervisor* (the process you start)
//! binds the port, then runs its own binary again, N times, handing each copy the
//! listening socket as file descriptor 3 with `LISTEN_FDS=1` (the convention systemd
//! uses for socket activation). Between `fork` and `exec` the child does one
//! async-signal-safe call, `dup2`. Each worker accepts from the shared socket (the
//! kernel gives each connection to one of them) and serves one client at a time:
//! a pre-forked pool, as Apache's prefork and nginx's workers are, rather than a
//! process per connection. It teaches the same isolation (a crash costs one
//! process) without paying a `fork` + `exec` for every client.
//!
//! The supervisor replaces a worker that dies, reaps every child (no zombies), and on
//! SIGTERM or Ctrl-C passes SIGTERM on, so that each worker says goodbye to its client.

use crate::{logged, serve_one, Handler};
use shared::server::{log, Shutdown, POLL_INTERVAL};
use std::ffi::OsString;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The hidden flag that makes the binary a worker of a supervisor.
pub const WORKER_FLAG: &str = "--fork-worker";

/// The environment variable that tells a worker its supervisor's process id.
const SUPERVISOR_ENV: &str = "NETLESSONS_SUPERVISOR";

/// How long workers get to say goodbye after SIGTERM before they are killed.
const GRACE: Duration = Duration::from_millis(1500);

// ANCHOR: supervise
/// The supervisor: keeps `workers` copies of this program serving `listener` until
/// `shutdown`, then stops them. `args` are the program's own arguments, passed on.
pub fn supervise(
    listener: &TcpListener,
    workers: usize,
    args: &[OsString],
    shutdown: &Shutdown,
) -> io::Result<()> {
    let exe = std::env::current_exe()?;
    let start = || -> io::Result<Child> {
        let mut command = Command::new(&exe);
        command
            .args(args)
            .arg(WORKER_FLAG)
            .env("LISTEN_FDS", "1")
            .env(SUPERVISOR_ENV, std::process::id().to_string())
            .stdin(Stdio::null());
        sys::pass_as_fd_3(&mut command, listener.as_raw_fd());
        let child = command.spawn()?;
        log(format_args!("Started worker process {}", child.id()));
        Ok(child)
    };
    let mut children = (0..workers)
        .map(|_| start())
        .collect::<io::Result<Vec<_>>>()?;
    while !shutdown.wait_timeout(POLL_INTERVAL) {
        for child in &mut children {
            // `try_wait` reaps a child that has ended: it never stays a zombie.
            if let Some(status) = child.try_wait()? {
                log(format_args!(
                    "Worker process {} ended ({status}); starting another",
                    child.id()
                ));
                match start() {
                    Ok(new) => *child = new,
                    // The dead child stays in its place: tried again next round.
                    Err(err) => log(format_args!("cannot start a worker: {err}")),
                }
            }
        }
    }
    stop(&mut children);
    Ok(())
}
// ANCHOR_END: supervise

/// SIGTERM to every worker, then waits for each; one still running after [`GRACE`]
/// is killed. Every child is waited for (reaped) either way.
fn stop(children: &mut [Child]) {
    for child in children.iter() {
        let _ = sys::terminate(child.id());
    }
    let deadline = Instant::now() + GRACE;
    for child in children.iter_mut() {
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    log(format_args!("Worker process {} killed", child.id()));
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
    }
}

/// In a worker: the listening socket the supervisor passed as descriptor 3.
pub fn inherited_listener() -> io::Result<TcpListener> {
    if std::env::var_os("LISTEN_FDS").as_deref() != Some("1".as_ref()) {
        return Err(io::Error::other(format!(
            "{WORKER_FLAG} is for the worker processes `--strategy fork` starts \
             (LISTEN_FDS=1 is not set)"
        )));
    }
    let listener = sys::listener_from_fd_3();
    listener.local_addr()?; // fails unless descriptor 3 really is a socket
    Ok(listener)
}

// ANCHOR: work
/// A worker process: accepts from the shared socket and serves one client at a time.
///
/// Every worker waits on the same socket; the kernel hands each connection to one
/// of them. The wait is a `poll` with a timeout rather than a blocking `accept`, so
/// that a worker notices its own shutdown: the usual waker (connecting to our own
/// port) could be accepted by *another* worker, and shutting the shared socket down
/// would stop every worker at once. Woken for a connection another worker took
/// first, `accept` (non-blocking) says `WouldBlock`, and we wait again.
pub fn work(
    listener: &TcpListener,
    handler: impl Handler<TcpStream, SocketAddr>,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let handler = logged(handler);
    watch_supervisor(shutdown);
    listener.set_nonblocking(true)?;
    while !shutdown.is_triggered() {
        if !sys::readable(listener, POLL_INTERVAL)? {
            continue;
        }
        match listener.accept() {
            Ok((stream, peer)) => {
                stream.set_nonblocking(false)?; // BSDs pass the listener's mode on
                serve_one(&handler, stream, peer, shutdown);
            }
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                        | io::ErrorKind::ConnectionAborted
                ) => {}
            Err(err) => {
                log(format_args!("accept failed: {err}"));
                shutdown.wait_timeout(POLL_INTERVAL);
            }
        }
    }
    Ok(())
}
// ANCHOR_END: work

/// Stops this worker if its supervisor dies (killed with SIGKILL, it could not pass
/// SIGTERM on): an orphan is adopted by another process, so our parent's id changes.
/// Without this, orphaned workers would go on serving the port for ever.
///
/// The supervisor's id comes from the environment, not from our first look at our
/// parent: a supervisor killed before that look would otherwise never be missed.
fn watch_supervisor(shutdown: &Shutdown) {
    let supervisor = std::env::var(SUPERVISOR_ENV)
        .ok()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(std::os::unix::process::parent_id);
    let shutdown = shutdown.clone();
    let watcher = std::thread::Builder::new()
        .name("supervisor watch".into())
        .spawn(move || loop {
            if std::os::unix::process::parent_id() != supervisor {
                log("The supervisor is gone: stopping");
                shutdown.trigger();
            }
            if shutdown.wait_timeout(POLL_INTERVAL) {
                return;
            }
        });
    if let Err(err) = watcher {
        log(format_args!("cannot watch the supervisor: {err}"));
    }
}

/// The few system calls std has no safe form for.
#[allow(unsafe_code)]
mod sys {
    use std::io;
    use std::net::TcpListener;
    use std::os::fd::{AsRawFd, FromRawFd, RawFd};
    use std::os::unix::process::CommandExt;
    use std::process::Command;
    use std::time::Duration;

    /// Makes `fd` the child's descriptor 3, without close-on-exec (std opens every
    /// socket close-on-exec, so an `exec`ed program inherits none by accident).
    pub fn pass_as_fd_3(command: &mut Command, fd: RawFd) {
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe calls are allowed: dup2 and fcntl are, and nothing here
        // allocates (an io::Error from a raw OS code does not).
        unsafe {
            command.pre_exec(move || {
                if fd == 3 {
                    // dup2(3, 3) would keep close-on-exec: clear it instead.
                    if libc::fcntl(3, libc::F_SETFD, 0) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                } else if libc::dup2(fd, 3) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    /// Takes ownership of descriptor 3 as a listener.
    pub fn listener_from_fd_3() -> TcpListener {
        // SAFETY: LISTEN_FDS=1 says the supervisor passed its listening socket as
        // descriptor 3, and nothing else in this process opened or owns it (it is
        // taken once, at start); the caller checks that it is a socket.
        unsafe { TcpListener::from_raw_fd(3) }
    }

    /// `kill(pid, SIGTERM)`.
    pub fn terminate(pid: u32) -> io::Result<()> {
        let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
        // SAFETY: kill takes plain integers; pid is our own child's.
        if unsafe { libc::kill(pid, libc::SIGTERM) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `poll` for a connection to accept, up to `timeout`.
    pub fn readable(listener: &TcpListener, timeout: Duration) -> io::Result<bool> {
        let mut fd = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd, count 1: poll only writes its `revents`.
        match unsafe { libc::poll(&mut fd, 1, ms) } {
            rc if rc < 0 => {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    return Ok(false);
                }
                Err(err)
            }
            rc => Ok(rc > 0),
        }
    }
}
