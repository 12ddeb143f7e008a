//! Known-wrong solution to ex06-bounded-server (a realistic beginner bug; see exercises/README.md).
//!
//! bug: the place is given back after `handler(stream)` returns, a line a panic skips: each panic leaks a place for good
//! catches: a_panicking_handler_frees_its_place_and_the_server_carries_on

use std::io::{self, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a client over the limit is told.
pub const BUSY: &str = "error: server busy, try again later";

/// Serves clients on `listener` until `stop` is set, at most `max` at a time.
pub fn serve(
    listener: &TcpListener,
    max: usize,
    stop: &AtomicBool,
    handler: fn(TcpStream),
) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    while let Some(mut stream) = next_client(listener, stop)? {
        let taken = active.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < max).then_some(n + 1)
        });
        if taken.is_err() {
            let _ = stream.write_all(format!("{BUSY}\n").as_bytes());
            continue;
        }
        let active = Arc::clone(&active);
        workers.retain(|w: &std::thread::JoinHandle<()>| !w.is_finished());
        workers.push(std::thread::spawn(move || {
            handler(stream);
            active.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    for worker in workers {
        let _ = worker.join(); // a panicked handler is an Err here: the server carries on
    }
    Ok(())
}

/// The next client, or `None` once `stop` is set.
pub fn next_client(listener: &TcpListener, stop: &AtomicBool) -> io::Result<Option<TcpStream>> {
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(Some(stream));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
