//! Known-wrong solution to ex10-graceful-shutdown (a realistic beginner bug; see exercises/README.md).
//!
//! bug: each handler runs on the accept loop's own thread, so the second client waits until the first one is finished
//! catches: clients_are_served_at_the_same_time_until_stop

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Serves connections until `stop` is set, then joins every handler and returns.
pub fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handler: fn(TcpStream, Arc<AtomicBool>),
) -> io::Result<()> {
    let waker = spawn_waker(reachable(listener.local_addr()?), Arc::clone(&stop));
    let mut workers = Vec::new();
    let mut result = Ok(());
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break; // this may be the waker's own connection: drop it
        }
        match conn {
            Ok(stream) => {
                handler(stream, Arc::clone(&stop));
                workers.push(std::thread::spawn(|| {}));
            }
            // A client that gave up before being accepted: not the server's problem.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                result = Err(e);
                stop.store(true, Ordering::SeqCst); // ends the waker and the handlers
                break;
            }
        }
    }
    drop(listener);
    let _ = waker.join();
    for worker in workers {
        let _ = worker.join();
    }
    result
}

/// Waits for `stop`, then connects to the listener so that a blocked `accept` returns.
fn spawn_waker(addr: SocketAddr, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    })
}

/// A listener on 0.0.0.0 or [::] is reached through loopback.
fn reachable(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}
