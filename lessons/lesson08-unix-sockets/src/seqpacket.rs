//! SOCK_SEQPACKET over AF_UNIX (Linux): connected and reliable like a stream, yet each send arrives as one whole message.
//!
//! The tutorials call it "a reliable, sequenced packet service". Set beside the other two:
//!
//! | | `SOCK_STREAM` | `SOCK_DGRAM` | `SOCK_SEQPACKET` |
//! |---|---|---|---|
//! | connection (`listen`/`accept`) | yes | no | yes |
//! | boundaries of each `send` kept | no: a byte stream | yes | yes |
//! | a too-small read buffer | the rest waits for the next read | the rest is lost | the rest is lost (`MSG_TRUNC`) |
//! | a read of 0 bytes | the peer closed | an empty datagram | an empty message *or* the peer closed |
//!
//! So a program on a seqpacket socket needs no framing of its own (lesson 3's lines),
//! and still gets `accept`, one socket per client and end of connection. Linux has it
//! for AF_UNIX; macOS does not (`socket(AF_UNIX, SOCK_SEQPACKET)` fails there with
//! "protocol not supported"), which is why this module is Linux only.
//!
//! The server is lesson 6's general server, given a listener of this type ([`Listener`]
//! and [`shared::conn::Connection`] are implemented here), and lesson 8's socket-file
//! handling ([`crate::bind_path`]).

use shared::conn::{Connection, Listener};
use shared::server::{log, Shutdown, POLL_INTERVAL};
use socket2::{Domain, SockAddr, Socket, Type};
use std::io::{self, Read, Write};
use std::net::Shutdown as Direction;
use std::path::Path;
use std::time::Duration;

/// The most a message can carry here: the kernel refuses (`EMSGSIZE`) a message larger
/// than the sender's send buffer, about 208 KiB by default on Linux.
pub const MAX_MESSAGE: usize = 1 << 20;

/// A listening `SOCK_SEQPACKET` socket on a path.
pub struct SeqpacketListener(Socket);

impl SeqpacketListener {
    /// `socket(AF_UNIX, SOCK_SEQPACKET)`, `bind(path)`, `listen`.
    pub fn bind(path: &Path) -> io::Result<SeqpacketListener> {
        // ANCHOR: listen
        let socket = Socket::new(Domain::UNIX, Type::SEQPACKET, None)?;
        socket.bind(&SockAddr::unix(path)?)?;
        socket.listen(128)?;
        // ANCHOR_END: listen
        Ok(SeqpacketListener(socket))
    }
}

/// One connected `SOCK_SEQPACKET` socket: each `write` sends one message, each `read`
/// receives one (cut to the buffer; see [`Seqpacket::recv_message`]).
pub struct Seqpacket(Socket);

/// What one receive got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes placed in the buffer.
    pub kept: usize,
    /// The message's real length (more than `kept` when it was cut).
    pub len: usize,
    /// The kernel's `MSG_TRUNC` flag: the message did not fit and the rest is gone.
    pub truncated: bool,
}

impl Seqpacket {
    /// Connects to a seqpacket server's socket file.
    pub fn connect(path: &Path) -> io::Result<Seqpacket> {
        let socket = Socket::new(Domain::UNIX, Type::SEQPACKET, None)?;
        socket.connect(&SockAddr::unix(path)?)?;
        Ok(Seqpacket(socket))
    }

    /// A connected pair, as `socketpair(AF_UNIX, SOCK_SEQPACKET)` makes it.
    pub fn pair() -> io::Result<(Seqpacket, Seqpacket)> {
        let (a, b) = Socket::pair(Domain::UNIX, Type::SEQPACKET, None)?;
        Ok((Seqpacket(a), Seqpacket(b)))
    }

    /// A second handle on the same socket (one thread sends while another receives).
    pub fn try_clone(&self) -> io::Result<Seqpacket> {
        Ok(Seqpacket(self.0.try_clone()?))
    }

    /// Sends `message` as one message: all of it or nothing (`EMSGSIZE` if too big).
    pub fn send_message(&self, message: &[u8]) -> io::Result<()> {
        let sent = self.0.send(message)?;
        debug_assert_eq!(sent, message.len(), "a seqpacket send is never partial");
        Ok(())
    }

    // ANCHOR: recv_message
    /// Receives one message into `buf`, telling whether it was cut.
    ///
    /// Passing `MSG_TRUNC` in makes Linux return the message's *real* length; the
    /// flag coming back (`msg_flags`) says the rest did not fit and is gone: unlike a
    /// stream, the next read starts with the next message.
    pub fn recv_message(&self, buf: &mut [u8]) -> io::Result<Received> {
        let (len, truncated) = sys::recv_truncating(&self.0, buf)?;
        Ok(Received {
            kept: len.min(buf.len()),
            len,
            truncated,
        })
    }
    // ANCHOR_END: recv_message

    /// Receives one message whole, whatever its size: peek its length first.
    pub fn recv_whole(&self) -> io::Result<Vec<u8>> {
        let len = sys::peek_len(&self.0)?;
        let mut message = vec![0u8; len.min(MAX_MESSAGE)];
        let got = self.recv_message(&mut message)?;
        message.truncate(got.kept);
        Ok(message)
    }

    /// After a read of 0 bytes: did the peer hang up (end of connection), or was that
    /// an empty message? `recv` alone cannot tell; `poll` can (`POLLRDHUP`).
    pub fn peer_hung_up(&self) -> io::Result<bool> {
        sys::hung_up(&self.0)
    }
}

impl Read for Seqpacket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }
}

impl Write for Seqpacket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.send(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Connection for Seqpacket {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(timeout)
    }
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.0.set_nonblocking(nonblocking)
    }
    fn shutdown(&self, how: Direction) -> io::Result<()> {
        self.0.shutdown(how)
    }
}

impl Listener for SeqpacketListener {
    type Stream = Seqpacket;
    type Peer = String;

    fn accept(&self) -> io::Result<(Seqpacket, String)> {
        let (socket, addr) = self.0.accept()?;
        let peer = match addr.as_pathname() {
            Some(path) => path.display().to_string(),
            None => "a local client".to_string(),
        };
        Ok((Seqpacket(socket), peer))
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.0.set_nonblocking(nonblocking)
    }

    /// As for a `UnixListener`: shutting the listening socket down makes a blocked
    /// `accept` return on Linux.
    fn waker(&self) -> io::Result<Box<dyn FnOnce() + Send>> {
        let listener = self.0.try_clone()?;
        Ok(Box::new(move || {
            let _ = listener.shutdown(Direction::Read);
        }))
    }
}

// ANCHOR: handle
/// Serves one client: each message is answered by one message, upper-cased (lesson 2's
/// echo, a message at a time), until the client hangs up or the server stops.
pub fn handle(conn: Seqpacket, shutdown: &Shutdown) -> io::Result<()> {
    conn.set_read_timeout(Some(POLL_INTERVAL))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut messages = 0u64;
    while !shutdown.is_triggered() {
        let message = match conn.recv_whole() {
            Ok(m) => m,
            Err(err) if shared::error::is_timeout(&err) => continue,
            Err(err) => return Err(err),
        };
        // A client that sends an empty message and hangs up at once is taken as
        // gone: its empty message is not answered, which it could not read anyway.
        if message.is_empty() && conn.peer_hung_up()? {
            break;
        }
        messages += 1;
        log(format_args!("Message of {} bytes", message.len()));
        conn.send_message(&message.to_ascii_uppercase())?;
    }
    log(format_args!("Client left after {messages} messages"));
    Ok(())
}
// ANCHOR_END: handle

/// Serves clients, a thread each, until `shutdown`: lesson 6's general server.
pub fn serve(
    listener: &SeqpacketListener,
    max_clients: usize,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let handler = |conn: Seqpacket, _: String, shutdown: &Shutdown| {
        log(format_args!("Accepted a client"));
        handle(conn, shutdown)
    };
    let refuse = move |conn: Seqpacket, _: &String| {
        log(format_args!(
            "Refused a client: {max_clients} already connected"
        ));
        let _ = conn.send_message(lesson06_socketserver::BUSY.as_bytes());
    };
    let strategy = lesson06_socketserver::Strategy::ThreadPerConnection { max: max_clients };
    lesson06_socketserver::serve(listener, strategy, handler, refuse, shutdown)
}

/// The two system calls socket2 leaves without a safe form for our needs.
#[allow(unsafe_code)]
mod sys {
    use socket2::{MaybeUninitSlice, Socket};
    use std::io;
    use std::mem::MaybeUninit;
    use std::os::fd::AsRawFd;

    /// `recvmsg(buf, MSG_TRUNC)`: (the message's real length, `MSG_TRUNC` in `msg_flags`).
    pub fn recv_truncating(socket: &Socket, buf: &mut [u8]) -> io::Result<(usize, bool)> {
        // SAFETY: an initialised `[u8]` is a valid `[MaybeUninit<u8>]` of the same
        // length; the kernel only writes initialised bytes into it (socket2 promises
        // the same for its own `Read` implementation), so `buf` stays initialised.
        let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        let (len, flags) = socket
            .recv_vectored_with_flags(&mut [MaybeUninitSlice::new(uninit)], libc::MSG_TRUNC)?;
        Ok((len, flags.is_truncated()))
    }

    /// `recv(MSG_PEEK | MSG_TRUNC)` into no buffer: the next message's length.
    pub fn peek_len(socket: &Socket) -> io::Result<usize> {
        socket.recv_with_flags(
            &mut [] as &mut [MaybeUninit<u8>],
            libc::MSG_PEEK | libc::MSG_TRUNC,
        )
    }

    /// `poll` with no wait: has the peer shut down its side (`POLLRDHUP`, `POLLHUP`)?
    pub fn hung_up(socket: &Socket) -> io::Result<bool> {
        let mut fd = libc::pollfd {
            fd: socket.as_raw_fd(),
            events: libc::POLLIN | libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1, timeout 0: poll only writes `revents`.
        let rc = unsafe { libc::poll(&mut fd, 1, 0) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd.revents & (libc::POLLRDHUP | libc::POLLHUP) != 0)
    }
}
