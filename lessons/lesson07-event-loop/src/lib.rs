//! Lesson 7: one thread, many connections.
//!
//! Lesson 3 gave each client a thread. Threads are simple, but each one costs a
//! stack and a place in the scheduler, and most of them spend their lives waiting.
//! The tutorials end by naming the alternative, "Twisted: an event-driven
//! networking framework": one thread serves every connection by reacting to
//! *events* ("this socket has data", "that one can take more output").
//!
//! This lesson shows it twice, speaking lesson 3's protocol both times:
//!
//! 1. [`readiness`]: the event loop by hand, with non-blocking sockets and `mio`;
//! 2. [`async_server`]: with `tokio` and `async`/`await`, the way Rust services are
//!    written today.
//!
//! Both use the same [`session`]: the protocol as a state machine that does no I/O.

pub mod async_server;
pub mod readiness;
pub mod session;

// ANCHOR: fd_limit
/// Raises this process's open-files limit as far as the system allows, and returns it.
///
/// Every connection is a file descriptor, and many systems allow a process only
/// 1024 (macOS: 256) by default, a *soft* limit that a process may raise itself up
/// to the *hard* limit. 10,000 connections need at least 10,000.
#[cfg(unix)]
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    let (soft, hard) = rlimit::Resource::NOFILE.get()?;
    if soft < hard {
        rlimit::Resource::NOFILE.set(hard, hard)?;
    }
    Ok(rlimit::Resource::NOFILE.get()?.0)
}
// ANCHOR_END: fd_limit

/// On Windows there is no such per-process limit to raise.
#[cfg(not(unix))]
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    Ok(u64::MAX)
}
