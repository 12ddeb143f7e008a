//! The datagram pair: lesson 5's greeting over `UnixDatagram`.

use shared::error::is_timeout;
use shared::server::{log, Shutdown, POLL_INTERVAL};
use std::io;
use std::os::unix::net::UnixDatagram;

// ANCHOR: serve
/// Answers each datagram with lesson 5's `Hello, DATA!`, until shutdown.
///
/// A Unix datagram socket keeps message boundaries like UDP, but on one machine
/// nothing is lost or reordered. To be answered, a client must bind a path of its own:
/// an unbound sender has no address to reply to.
pub fn serve(socket: &UnixDatagram, shutdown: &Shutdown) -> io::Result<()> {
    socket.set_read_timeout(Some(POLL_INTERVAL))?;
    let mut buf = vec![0u8; 65_536];
    while !shutdown.is_triggered() {
        let (n, sender) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            Err(err) if is_timeout(&err) || err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                log(format_args!("receive failed: {err}"));
                continue;
            }
        };
        let Some(path) = sender.as_pathname() else {
            log(format_args!(
                "Received {n} bytes from an unbound socket: cannot reply"
            ));
            continue;
        };
        log(format_args!("Received from {}", path.display()));
        if let Err(err) = socket.send_to(&lesson05_udp_pair::reply_to(&buf[..n]), path) {
            log(format_args!("cannot reply to {}: {err}", path.display()));
        }
    }
    Ok(())
}
// ANCHOR_END: serve
