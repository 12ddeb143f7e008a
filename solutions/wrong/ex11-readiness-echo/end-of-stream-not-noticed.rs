//! Known-wrong solution to ex11-readiness-echo (a realistic beginner bug; see exercises/README.md).
//!
//! bug: `read` returning 0 is treated like WouldBlock: a client that has finished is never closed
//! catches: a_half_closed_client_still_gets_its_whole_echo_then_the_close, bytes_arriving_one_at_a_time_come_back_whole_and_in_order

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const LISTENER: Token = Token(0);

/// A client and the bytes it has sent that we could not echo yet.
struct Client {
    stream: TcpStream,
    unsent: Vec<u8>,
    wants_write: bool,
}

/// Echoes every client's bytes back to it, all on this thread, until `stop` is set.
pub fn serve(listener: std::net::TcpListener, stop: &AtomicBool) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(256);
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next = 1;
    while !stop.load(Ordering::SeqCst) {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(100))) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next);
                            next += 1;
                            poll.registry()
                                .register(&mut stream, token, Interest::READABLE)?;
                            clients.insert(
                                token,
                                Client {
                                    stream,
                                    unsent: Vec::new(),
                                    wants_write: false,
                                },
                            );
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let token = event.token();
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            let alive = handle(client).unwrap_or(false);
            if !alive {
                clients.remove(&token);
                continue;
            }
            let wants_write = !client.unsent.is_empty();
            if wants_write != client.wants_write {
                let interest = if wants_write {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                poll.registry()
                    .reregister(&mut client.stream, token, interest)?;
                client.wants_write = wants_write;
            }
        }
    }
    Ok(())
}

/// Reads what is there (unless too much is still unsent), writes what fits.
/// Returns false when the client is gone.
fn handle(client: &mut Client) -> io::Result<bool> {
    let mut buf = [0u8; 16 * 1024];
    let mut open = true;
    // Stop reading while a lot is unsent: a client that does not read must not make us
    // buffer without limit. Its data waits in the kernel meanwhile.
    while client.unsent.len() < 1 << 20 {
        match client.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => client.unsent.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    while !client.unsent.is_empty() {
        match client.stream.write(&client.unsent) {
            Ok(n) => {
                client.unsent.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if !open && client.unsent.is_empty() {
        return Ok(false);
    }
    Ok(open || !client.unsent.is_empty())
}
