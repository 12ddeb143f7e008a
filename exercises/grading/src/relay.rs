//! A fault-injecting relay: sits between a grader's client and the student's server
//! (or the student's client and the grader's server) on loopback and passes bytes on
//! the way a difficult network would. Code that assumes one `read` is one message, or
//! that a peer never vanishes, fails through it; correct code does not notice.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// What the relay does to the bytes it passes on.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Every byte is sent as a segment of its own (TCP_NODELAY and a pause between
    /// bytes), so the receiver's reads return one byte at a time.
    OneByteSegments,
    /// Each piece waits this long before being passed on.
    Delay(Duration),
    /// After passing `n` bytes from the client, the relay says "no more from me"
    /// (a half-close) to the server, while still passing the server's answers back.
    HalfCloseAfter(usize),
    /// After passing `n` bytes from the client, the relay vanishes: it closes both
    /// sides with the server's answer unread, which makes the kernel send a reset.
    ResetAfter(usize),
}

/// A relay listening on loopback. Connect to [`Relay::addr`] instead of the target.
pub struct Relay {
    /// Where the relay listens.
    pub addr: SocketAddr,
    /// What it does.
    pub fault: Fault,
}

impl Relay {
    /// Starts a relay to `target`; it serves any number of connections, each on threads
    /// of its own, until the test process ends.
    pub fn start(target: SocketAddr, fault: Fault) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the relay binds a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        thread::spawn(move || {
            for client in listener.incoming().take(1000) {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(target) else {
                    continue; // the client sees its connection closed
                };
                thread::spawn(move || relay(client, server, fault));
            }
        });
        Relay { addr, fault }
    }

    /// What a failure message should say about the path the bytes took.
    pub fn describe(&self) -> String {
        match self.fault {
            Fault::OneByteSegments => "through a relay that passes every byte as a TCP segment of its own (so each read returns 1 byte): one read is not one message".into(),
            Fault::Delay(d) => format!("through a relay that delays every piece by {d:?}"),
            Fault::HalfCloseAfter(n) => format!("through a relay that half-closes (\"no more from me\") after {n} bytes, then still reads the answer"),
            Fault::ResetAfter(n) => format!("through a relay that resets the connection after {n} bytes (a client vanishing mid-conversation)"),
        }
    }
}

fn relay(client: TcpStream, server: TcpStream, fault: Fault) {
    if let Fault::ResetAfter(n) = fault {
        return reset_after(client, server, n);
    }
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let patience = Some(Duration::from_secs(30));
    let _ = client.set_read_timeout(patience);
    let _ = server.set_read_timeout(patience);
    let (Ok(client_r), Ok(server_w)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // Server to client: passed on (with the same fault's pacing) until either side ends.
    let back = thread::spawn(move || {
        let _ = pump(server, client, fault, None);
    });
    let _ = pump(client_r, server_w, fault, limit(fault));
    let _ = back.join();
}

fn limit(fault: Fault) -> Option<usize> {
    match fault {
        Fault::HalfCloseAfter(n) => Some(n),
        _ => None,
    }
}

/// Copies `from` to `to` with `fault` applied; after `limit` bytes, half-closes or resets.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    fault: Fault,
    limit: Option<usize>,
) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut passed = 0;
    loop {
        let room = limit.map_or(buf.len(), |l| (l - passed).min(buf.len()));
        let n = if room == 0 {
            0
        } else {
            from.read(&mut buf[..room])?
        };
        let at_limit = limit.is_some_and(|l| passed + n >= l);
        if n == 0 && !at_limit {
            let _ = to.shutdown(Shutdown::Write); // pass the end of stream on
            return Ok(());
        }
        match fault {
            Fault::OneByteSegments => {
                for byte in &buf[..n] {
                    to.write_all(std::slice::from_ref(byte))?;
                    thread::sleep(Duration::from_millis(2));
                }
            }
            Fault::Delay(d) => {
                thread::sleep(d);
                to.write_all(&buf[..n])?;
            }
            _ => to.write_all(&buf[..n])?,
        }
        passed += n;
        if at_limit {
            let _ = to.shutdown(Shutdown::Write);
            // Keep the other direction open; drain what the client still sends.
            let _ = io::copy(&mut from, &mut io::sink());
            return Ok(());
        }
    }
}

/// Passes `n` bytes from the client, lets the server answer, and closes the server's
/// connection without reading the answer: with unread data, the kernel sends a reset.
fn reset_after(mut client: TcpStream, mut server: TcpStream, n: usize) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match client.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => got += k,
        }
    }
    let _ = server.write_all(&buf[..got]);
    thread::sleep(Duration::from_millis(200));
    drop(server);
    drop(client);
}
