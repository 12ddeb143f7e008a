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
///
/// Unlike UDP, it has flow control: `send_to` *waits* while the receiver's queue is
/// full. A client that sends and never reads would make us wait for ever, deaf to
/// every other client and to Ctrl-C. So a reply gets [`POLL_INTERVAL`] to go out;
/// after that it is dropped, as a UDP network would drop it, and we say so.
pub fn serve(socket: &UnixDatagram, shutdown: &Shutdown) -> io::Result<()> {
    socket.set_read_timeout(Some(POLL_INTERVAL))?;
    socket.set_write_timeout(Some(POLL_INTERVAL))?;
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
        match socket.send_to(&lesson05_udp_pair::reply_to(&buf[..n]), path) {
            Ok(_) => {}
            Err(err) if is_timeout(&err) => log(format_args!(
                "reply to {} dropped: its queue stayed full for {} ms (the client is not reading)",
                path.display(),
                POLL_INTERVAL.as_millis()
            )),
            Err(err) => log(format_args!("cannot reply to {}: {err}", path.display())),
        }
    }
    Ok(())
}
// ANCHOR_END: serve
