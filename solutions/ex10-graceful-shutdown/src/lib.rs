//! Reference solution to exercise 10.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Serves connections until `stop` is set, then joins every handler and returns.
pub fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handler: fn(TcpStream, Arc<AtomicBool>),
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut workers = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                let stop = Arc::clone(&stop);
                workers.push(std::thread::spawn(move || handler(stream, stop)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => return Err(e),
        }
    }
    drop(listener);
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}
