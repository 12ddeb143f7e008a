//! The same server with tokio: an event loop you do not write yourself.
//!
//! `async fn` lets each connection be written as straight-line code, as in lesson
//! 3's thread, while tokio runs thousands of them on a few threads: at every
//! `.await` that would block (a read with no data yet), the task is parked and the
//! runtime's own readiness loop (the same `mio` as in [`crate::readiness`]) runs
//! another task whose socket is ready. A parked task costs a few hundred bytes,
//! where a parked thread costs a stack.

use crate::session::{shutting_down, welcome, Flow, Session};
use shared::server::log;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a closing connection may wait for the client to close too (see lesson 3).
const LINGER: Duration = Duration::from_millis(500);

// ANCHOR: serve
/// Serves the lesson 3 protocol until `shutdown` completes, then says goodbye to
/// every client and waits for their tasks to finish.
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    // Every task holds a receiver; sending `true` tells them all to stop.
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    log(format_args!("Accept new connection from {peer}..."));
                    let stopping = stopping.clone();
                    tasks.spawn(async move {
                        if let Err(err) = converse(stream, stopping).await {
                            log(format_args!("Connection from {peer} lost: {err}"));
                        }
                        log(format_args!("Connection from {peer} closed."));
                    });
                }
                Err(err) => {
                    log(format_args!("accept failed: {err}"));
                    tokio::time::sleep(Duration::from_millis(50)).await; // e.g. out of descriptors
                }
            },
            _ = &mut shutdown => break,
            // Reap finished tasks as we go, so the set does not grow forever.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: converse
/// One connection: straight-line code, like lesson 3's thread, but every wait is an `.await`.
async fn converse(mut stream: TcpStream, mut stopping: watch::Receiver<bool>) -> io::Result<()> {
    if !send(&mut stream, &welcome(), &mut stopping).await? {
        return Ok(());
    }
    let mut session = Session::new(Instant::now());
    let mut buf = [0u8; 4096];
    let mut out = Vec::new();
    loop {
        // Wake for bytes, for the bare-word deadline, or for shutdown, whichever is first.
        let deadline = session.deadline().map(tokio::time::Instant::from_std);
        let flow = tokio::select! {
            read = stream.read(&mut buf) => match read? {
                0 => session.end_of_stream(&mut out),
                n => session.receive(&buf[..n], Instant::now(), &mut out),
            },
            _ = sleep_until(deadline) => session.on_timer(Instant::now(), &mut out),
            _ = stopping.changed() => {
                out.extend_from_slice(&shutting_down());
                Flow::Close
            }
        };
        if !send(&mut stream, &out, &mut stopping).await? {
            return Ok(()); // stopping, and the client does not read: just hang up
        }
        out.clear();
        if flow == Flow::Close {
            return close_gracefully(stream).await;
        }
    }
}
// ANCHOR_END: converse

// ANCHOR: send
/// Writes `out`, unless the server stops first; returns whether it was all sent.
///
/// A client that sends and never reads fills every buffer on the way back, and
/// `write_all` then waits for ever: one such client would hold up the whole
/// shutdown, which waits for every task. So a write races the stop signal, and the
/// last words after a stop (`server shutting down`) get [`LINGER`] to go out.
async fn send(
    stream: &mut TcpStream,
    out: &[u8],
    stopping: &mut watch::Receiver<bool>,
) -> io::Result<bool> {
    if *stopping.borrow() {
        let goodbye = tokio::time::timeout(LINGER, stream.write_all(out)).await;
        return Ok(matches!(goodbye, Ok(Ok(()))));
    }
    tokio::select! {
        written = stream.write_all(out) => written.map(|()| true),
        _ = stopping.wait_for(|stop| *stop) => Ok(false),
    }
}
// ANCHOR_END: send

/// Sleeps until `deadline`, or forever if there is none.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sends FIN, then discards what the client still sends for a moment (see lesson 3).
async fn close_gracefully(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown().await?;
    let mut sink = [0u8; 4096];
    let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(LINGER, drain).await;
    Ok(())
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
