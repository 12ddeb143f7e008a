//! The stream server: lesson 2's echo handler, a thread per client, over a Unix socket.

use shared::server::{log, Shutdown, POLL_INTERVAL};
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// At most this many clients at once (see lesson 3 for why there must be a limit).
pub const MAX_CLIENTS: usize = 64;

// ANCHOR: serve
/// Serves each client on its own thread with lesson 2's `echo_upper`, until shutdown.
///
/// `echo_upper` takes any `Read + Write`: a `UnixStream` is one, just like a
/// `TcpStream`. Nothing in it knows which kind of socket it talks to.
pub fn serve(listener: &UnixListener, shutdown: &Shutdown) -> io::Result<()> {
    // A blocked accept cannot see the shutdown flag: on shutdown, connect to
    // ourselves to wake it, exactly as lesson 3 does for TCP.
    if let Some(path) = listener
        .local_addr()?
        .as_pathname()
        .map(|p| p.to_path_buf())
    {
        shutdown.on_trigger(move || {
            let _ = UnixStream::connect(path);
        });
    }
    let active = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    loop {
        let accepted = listener.accept();
        if shutdown.is_triggered() {
            break;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                log(format_args!("accept failed: {err}"));
                shutdown.wait_timeout(POLL_INTERVAL);
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
            active.fetch_sub(1, Ordering::SeqCst);
            log(format_args!(
                "Refused a client: {MAX_CLIENTS} already connected"
            ));
            continue;
        }
        // Unix socket clients have no address worth printing; the kernel can tell
        // who they are (their user id: `SO_PEERCRED`), which TCP cannot.
        log(format_args!("Accepted a client"));
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        let (active, shutdown) = (Arc::clone(&active), shutdown.clone());
        let config = lesson02_blocking_server::Config::default();
        workers.push(std::thread::spawn(move || {
            let result = lesson02_blocking_server::echo_upper(&stream, &config, &shutdown);
            active.fetch_sub(1, Ordering::SeqCst);
            match result {
                Ok(n) => log(format_args!("Client closed after {n} bytes")),
                Err(err) => log(format_args!("Client lost: {err}")),
            }
        }));
        workers.retain(|w| !w.is_finished());
    }
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}
// ANCHOR_END: serve
