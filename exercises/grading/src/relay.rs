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
    /// After passing `n` bytes from the client, the relay vanishes: once the server
    /// has answered, it closes both sides with that answer unread, which makes the
    /// kernel send a reset (if the server says nothing within 5 s, it just closes).
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
    // Wait for the server's answer to arrive, and leave it unread: closing a socket
    // with unread data is what makes the kernel send a reset instead of a FIN.
    let _ = server.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = server.peek(&mut [0u8; 1]);
    drop(server);
    drop(client);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that reads everything, then answers with what it read and closes.
    fn echo_all() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for conn in listener.incoming().take(1) {
                let mut conn = conn.unwrap();
                let mut got = Vec::new();
                let result = conn.read_to_end(&mut got);
                let _ = conn.write_all(&got);
                let _ = conn.write_all(format!("{:?}", result.map_err(|e| e.kind())).as_bytes());
            }
        });
        addr
    }

    #[test]
    fn one_byte_segments_arrive_whole_and_the_half_close_is_passed_on() {
        let relay = Relay::start(echo_all(), Fault::OneByteSegments);
        let mut c = TcpStream::connect(relay.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"abc\r\n").unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut back = Vec::new();
        c.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"abc\r\nOk(5)");
    }

    #[test]
    fn half_close_after_n_bytes_ends_the_stream_for_the_server() {
        let relay = Relay::start(echo_all(), Fault::HalfCloseAfter(3));
        let mut c = TcpStream::connect(relay.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"abcdef").unwrap(); // the server sees only "abc", then the end
        let mut back = Vec::new();
        c.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"abcOk(3)");
    }

    #[test]
    fn reset_after_n_bytes_is_a_reset_for_the_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = Relay::start(listener.local_addr().unwrap(), Fault::ResetAfter(2));
        let mut c = TcpStream::connect(relay.addr).unwrap();
        c.write_all(b"hi").unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut two = [0u8; 2];
        server.read_exact(&mut two).unwrap();
        server
            .write_all(b"an answer the relay never reads")
            .unwrap();
        let mut rest = [0u8; 8];
        let err = server
            .read(&mut rest)
            .expect_err("a reset, not an end of stream");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }
}
