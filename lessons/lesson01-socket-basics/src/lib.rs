//! Lesson 1: the socket API, one call at a time.
//!
//! The classic tutorials open with tables of socket calls. Tables are easy to
//! read and easy to misunderstand: "`recv(1024)` receives a message" (it doesn't),
//! "`send` sends the data" (maybe only part of it). So this lesson *performs* each
//! call on the loopback interface (127.0.0.1, the machine talking to itself) and
//! reports what really happened. Each step is a small function returning what it
//! observed; [`run_tour`] runs them in order and prints them.
//!
//! `std::net` covers what most programs need. For the few calls it leaves out
//! (choosing family and type when creating a socket, the `listen` backlog, buffer
//! sizes) we use the `socket2` crate, a thin safe layer over the same system calls.

use anyhow::Context;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

/// One line of the Python-to-Rust table: (Python call, Rust equivalent, step or lesson that shows it).
pub const API: &[(&str, &str, &str)] = &[
    (
        "socket(AF_INET, SOCK_STREAM)",
        "socket2::Socket::new(Domain::IPV4, Type::STREAM, None)",
        "step 1",
    ),
    (
        "socket(AF_INET6, SOCK_STREAM)",
        "TcpListener::bind(\"[::1]:0\")",
        "step 13",
    ),
    (
        "socket(AF_INET, SOCK_DGRAM)",
        "UdpSocket::bind(addr)",
        "step 12, lesson05",
    ),
    (
        "socket(AF_UNIX, SOCK_STREAM)",
        "std::os::unix::net::UnixStream",
        "step 14, lesson08",
    ),
    (
        "socket(..., SOCK_RAW)",
        "socket2 Type::RAW (root or CAP_NET_RAW)",
        "lesson10",
    ),
    (
        "socket(..., SOCK_SEQPACKET)",
        "socket2 Type::SEQPACKET (Unix only; not shown)",
        "-",
    ),
    (
        "s.fileno()",
        "AsRawFd::as_raw_fd(&s) / AsRawSocket on Windows",
        "step 1",
    ),
    (
        "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)",
        "socket.set_reuse_address(true)",
        "step 2",
    ),
    (
        "s.getsockopt(SOL_SOCKET, SO_REUSEADDR)",
        "socket.reuse_address()",
        "step 2",
    ),
    (
        "s.getsockopt(SOL_SOCKET, SO_RCVBUF)",
        "SockRef::from(&s).recv_buffer_size()",
        "step 2",
    ),
    (
        "s.bind((host, port))",
        "socket.bind(&addr.into()) / TcpListener::bind(addr)",
        "step 3",
    ),
    ("s.getsockname()", "s.local_addr()", "step 3"),
    (
        "s.listen(5)",
        "socket.listen(5) (TcpListener::bind uses 128)",
        "step 3",
    ),
    (
        "s.connect((host, port))",
        "TcpStream::connect(addr)",
        "step 4",
    ),
    (
        "s.connect_ex((host, port))",
        "TcpStream::connect(addr) -> Result; err.raw_os_error()",
        "step 11",
    ),
    (
        "s.accept()",
        "listener.accept() -> (TcpStream, SocketAddr)",
        "step 4",
    ),
    ("s.getpeername()", "s.peer_addr()", "step 4"),
    (
        "s.send(data)",
        "s.write(&data) -> bytes taken",
        "steps 5, 7",
    ),
    ("s.sendall(data)", "s.write_all(&data)", "step 7"),
    (
        "s.recv(1024)",
        "s.read(&mut buf) -> bytes read, 0 = end of stream",
        "steps 5, 6, 10",
    ),
    (
        "s.sendto(data, addr)",
        "udp.send_to(&data, addr)",
        "step 12",
    ),
    (
        "s.recvfrom(1024)",
        "udp.recv_from(&mut buf) -> (n, sender)",
        "step 12",
    ),
    (
        "s.settimeout(0.2)",
        "s.set_read_timeout(Some(Duration::from_millis(200)))",
        "step 8",
    ),
    ("s.gettimeout()", "s.read_timeout()", "step 8"),
    ("s.setblocking(False)", "s.set_nonblocking(true)", "step 9"),
    ("s.makefile('r')", "BufReader::new(&s).lines()", "step 10"),
    (
        "s.shutdown(SHUT_WR)",
        "s.shutdown(Shutdown::Write)",
        "step 10",
    ),
    (
        "s.close()",
        "drop(s) (sockets close when they go out of scope)",
        "step 10",
    ),
];

/// The table printed by `--list`.
pub fn api_table() -> String {
    let width = API.iter().map(|(py, _, _)| py.len()).max().unwrap_or(0);
    let rust_width = API.iter().map(|(_, rs, _)| rs.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  {:rust_width$}  shown in\n", "Python", "Rust");
    for (py, rs, where_) in API {
        out.push_str(&format!("{py:width$}  {rs:rust_width$}  {where_}\n"));
    }
    out
}

/// Step 1: create a socket by naming its family and type, as Python's `socket()` does.
///
/// `std` never shows this step (its `TcpListener::bind` creates, binds and listens
/// in one call), so we use `socket2`. The result is a *file descriptor*: a small
/// number the kernel uses to find the socket, just like an open file.
pub fn create_socket() -> io::Result<(Socket, i64)> {
    // ANCHOR: create
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    // ANCHOR_END: create
    Ok((socket.try_clone()?, raw_handle(&socket)))
}

#[cfg(unix)]
fn raw_handle(socket: &Socket) -> i64 {
    use std::os::unix::io::AsRawFd;
    i64::from(socket.as_raw_fd())
}

#[cfg(windows)]
fn raw_handle(socket: &Socket) -> i64 {
    use std::os::windows::io::AsRawSocket;
    socket.as_raw_socket() as i64
}

/// What step 2 found out about socket options.
#[derive(Debug)]
pub struct Options {
    /// `SO_REUSEADDR` after setting it.
    pub reuse_address: bool,
    /// `SO_RCVBUF`: how many bytes the kernel will hold for us before the sender must wait.
    pub recv_buffer: usize,
}

/// Step 2: `setsockopt` and `getsockopt`.
///
/// `SO_REUSEADDR` lets a restarted server bind its port again while connections
/// from the previous run still linger in the `TIME_WAIT` state.
pub fn socket_options(socket: &Socket) -> io::Result<Options> {
    socket.set_reuse_address(true)?;
    Ok(Options {
        reuse_address: socket.reuse_address()?,
        recv_buffer: socket.recv_buffer_size()?,
    })
}

/// Step 3: `bind` to port 0 and `listen`; the OS picks a free port, `getsockname` tells which.
pub fn bind_and_listen(socket: Socket) -> io::Result<TcpListener> {
    // ANCHOR: bind_listen
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("a valid literal");
    socket.bind(&addr.into())?;
    // The backlog: how many finished handshakes may wait for `accept`.
    socket.listen(5)?;
    let listener: TcpListener = socket.into();
    // ANCHOR_END: bind_listen
    Ok(listener)
}

/// The two ends of one TCP connection, as seen from each side (step 4).
#[derive(Debug)]
pub struct Connection {
    /// The client's socket.
    pub client: TcpStream,
    /// The server's socket for this client, returned by `accept`.
    pub server: TcpStream,
    /// `accept`'s second result: who connected.
    pub accepted_from: SocketAddr,
}

/// Step 4: `connect` on one side, `accept` on the other.
///
/// `accept` returns a *new* socket for this one client; the listening socket
/// stays free to accept others. The client never called `bind`: `connect` gave it
/// an *ephemeral* port, which is what `accept` reports.
pub fn connect_and_accept(listener: &TcpListener) -> io::Result<Connection> {
    // ANCHOR: connect_accept
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, accepted_from) = listener.accept()?;
    // ANCHOR_END: connect_accept
    Ok(Connection {
        client,
        server,
        accepted_from,
    })
}

/// Step 5: `send` some bytes, `recv(1024)` them: you get what has arrived, not 1024.
pub fn send_and_recv(conn: &mut Connection) -> io::Result<(usize, Vec<u8>)> {
    let sent = conn.client.write(b"hello")?;
    let mut buf = [0u8; 1024];
    let n = conn.server.read(&mut buf)?;
    Ok((sent, buf[..n].to_vec()))
}

/// Step 6: one `send`, several `recv`s: reading with a small buffer cuts the message.
///
/// Returns the size of each piece. TCP keeps the *order* of bytes, never the
/// boundaries of your `send` calls: framing is the application's job.
pub fn one_send_many_recvs(conn: &mut Connection) -> io::Result<Vec<usize>> {
    conn.client.write_all(b"0123456789")?;
    let mut pieces = Vec::new();
    let mut total = 0;
    let mut buf = [0u8; 4];
    while total < 10 {
        let n = conn.server.read(&mut buf)?;
        if n == 0 {
            break;
        }
        pieces.push(n);
        total += n;
    }
    Ok(pieces)
}

/// What step 7 observed.
#[derive(Debug)]
pub struct PartialWrite {
    /// How many bytes we asked one `write` to send.
    pub attempted: usize,
    /// How many it took.
    pub accepted: usize,
    /// How many the receiver got after `write_all` sent the rest.
    pub delivered: usize,
}

/// Step 7: `send` may take only part of the data; `sendall`/`write_all` loops until done.
///
/// A `write` copies bytes into the kernel's send buffer and returns how many fit. If
/// the receiver is not reading, the buffers fill up. With a non-blocking socket the
/// `write` then returns early with a short count; with a blocking one, it waits.
pub fn partial_write() -> io::Result<PartialWrite> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _) = listener.accept()?;

    // 16 MiB: more than the send and receive buffers together hold (a few MiB at most).
    let data = vec![b'x'; 16 << 20];
    client.set_nonblocking(true)?;
    // ANCHOR: partial_write
    let accepted = client.write(&data)?; // nobody is reading yet
                                         // ANCHOR_END: partial_write
    client.set_nonblocking(false)?;

    let reader = thread::spawn(move || -> io::Result<usize> {
        let mut sink = Vec::new();
        server.read_to_end(&mut sink)
    });
    // ANCHOR: write_all
    client.write_all(&data[accepted..])?; // loops until every byte is taken
    client.shutdown(Shutdown::Write)?; // tell the reader there is no more
                                       // ANCHOR_END: write_all
    let delivered = reader
        .join()
        .map_err(|_| io::Error::other("reader thread panicked"))??;
    Ok(PartialWrite {
        attempted: data.len(),
        accepted,
        delivered,
    })
}

/// What step 8 observed.
#[derive(Debug)]
pub struct TimedOut {
    /// What `read_timeout()` (Python's `gettimeout()`) returned after setting it.
    pub timeout: Option<Duration>,
    /// The error kind of the read that found no data in time.
    pub kind: io::ErrorKind,
    /// How long that read waited.
    pub waited: Duration,
}

/// Step 8: `settimeout`: a read that waits too long fails instead of hanging forever.
///
/// Unix reports the expiry as `WouldBlock`, Windows as `TimedOut`.
pub fn read_timeout(conn: &mut Connection) -> io::Result<TimedOut> {
    conn.server
        .set_read_timeout(Some(Duration::from_millis(200)))?;
    let timeout = conn.server.read_timeout()?;
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let kind = match conn.server.read(&mut buf) {
        Ok(n) => {
            return Err(io::Error::other(format!(
                "expected a timeout, read {n} bytes"
            )))
        }
        Err(err) => err.kind(),
    };
    conn.server.set_read_timeout(None)?;
    Ok(TimedOut {
        timeout,
        kind,
        waited: started.elapsed(),
    })
}

/// Step 9: `setblocking(False)`: a read with no data fails at once with `WouldBlock`.
///
/// This is how event loops (lesson07) serve many sockets from one thread: they only
/// read from sockets that have data, and never wait on one.
pub fn nonblocking_read(conn: &mut Connection) -> io::Result<io::ErrorKind> {
    conn.server.set_nonblocking(true)?;
    let mut buf = [0u8; 16];
    let result = conn.server.read(&mut buf);
    conn.server.set_nonblocking(false)?;
    match result {
        Ok(n) => Err(io::Error::other(format!(
            "expected WouldBlock, read {n} bytes"
        ))),
        Err(err) => Ok(err.kind()),
    }
}

/// Step 10: `makefile` reads lines; after the peer's `shutdown`/`close`, `recv` returns 0.
///
/// Returns the lines read and the size of the final read. A read of 0 bytes is
/// how TCP says "the other side will send nothing more": end of stream.
pub fn lines_then_end_of_stream(conn: Connection) -> io::Result<(Vec<String>, usize)> {
    let Connection {
        mut client, server, ..
    } = conn;
    client.write_all(b"line one\nline two\n")?;
    client.shutdown(Shutdown::Write)?;
    drop(client); // Python's close()
    let mut reader = BufReader::new(server);
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        lines.push(line.trim_end().to_string());
    }
    let mut buf = [0u8; 16];
    let last = reader.read(&mut buf)?;
    Ok((lines, last))
}

/// What step 11 observed.
#[derive(Debug)]
pub struct Refused {
    /// The error kind: `ConnectionRefused`.
    pub kind: io::ErrorKind,
    /// The raw OS error code Python's `connect_ex` would return (111 on Linux, 61 on macOS).
    pub code: Option<i32>,
}

/// Step 11: `connect` to a port where nothing listens is refused at once.
///
/// Python's `connect_ex` returns the error code instead of raising; a Rust `connect`
/// returns a `Result`, which already is "an error you must look at".
pub fn refused_connection() -> io::Result<Refused> {
    // Bind a port and close it again: nothing listens there now.
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    match TcpStream::connect(addr) {
        Ok(_) => Err(io::Error::other(format!("{addr} unexpectedly accepted"))),
        Err(err) => Ok(Refused {
            kind: err.kind(),
            code: err.raw_os_error(),
        }),
    }
}

/// Step 12: UDP: `sendto` two datagrams, `recvfrom` them one at a time.
///
/// No `listen`, no `accept`, no connection: each datagram carries its sender's
/// address, and each `recv_from` returns exactly one datagram, boundaries kept.
pub fn udp_datagrams() -> io::Result<(Vec<Vec<u8>>, SocketAddr, SocketAddr)> {
    // ANCHOR: udp
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    sender.send_to(b"first", receiver.local_addr()?)?;
    sender.send_to(b"second", receiver.local_addr()?)?;
    let mut buf = [0u8; 1024];
    let mut got = Vec::new();
    let mut from = None;
    for _ in 0..2 {
        let (n, addr) = receiver.recv_from(&mut buf)?;
        got.push(buf[..n].to_vec());
        from = Some(addr);
    }
    // ANCHOR_END: udp
    let from = from.expect("two datagrams were read");
    Ok((got, from, sender.local_addr()?))
}

/// Step 13: AF_INET6: the same calls with an IPv6 address; `Err` if this machine has no IPv6.
pub fn ipv6_listener() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("[::1]:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (_, peer) = listener.accept()?;
    debug_assert_eq!(Some(peer), client.local_addr().ok());
    listener.local_addr()
}

/// Step 14: AF_UNIX: a connected pair of local sockets, no IP address and no port at all.
#[cfg(unix)]
pub fn unix_pair() -> io::Result<Vec<u8>> {
    use std::os::unix::net::UnixStream;
    let (mut a, mut b) = UnixStream::pair()?;
    a.write_all(b"ping")?;
    let mut buf = [0u8; 4];
    b.read_exact(&mut buf)?;
    Ok(buf.to_vec())
}

/// One step of the tour as printed.
pub struct Step {
    /// The Python call(s).
    pub python: &'static str,
    /// The Rust equivalent.
    pub rust: &'static str,
    /// What happened, in words.
    pub result: String,
}

/// Runs every step and returns what each printed; the caller decides where it goes.
pub fn tour() -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut step = |python, rust, result: String| {
        steps.push(Step {
            python,
            rust,
            result,
        })
    };

    let (socket, fd) = create_socket().context("step 1: socket()")?;
    step(
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.fileno()",
        "Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))",
        format!("a TCP socket, file descriptor {fd}"),
    );

    let opts = socket_options(&socket).context("step 2: setsockopt()")?;
    step(
        "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); s.getsockopt(SOL_SOCKET, SO_RCVBUF)",
        "socket.set_reuse_address(true); socket.recv_buffer_size()",
        format!(
            "SO_REUSEADDR = {}, receive buffer = {} bytes",
            opts.reuse_address, opts.recv_buffer
        ),
    );

    let listener = bind_and_listen(socket).context("step 3: bind()/listen()")?;
    let bound = listener.local_addr()?;
    step(
        "s.bind(('127.0.0.1', 0)); s.listen(5); s.getsockname()",
        "socket.bind(&addr.into()); socket.listen(5); listener.local_addr()",
        format!("port 0 means \"any free port\": the OS chose {bound}"),
    );

    let mut conn = connect_and_accept(&listener).context("step 4: connect()/accept()")?;
    step(
        "c.connect(addr); conn, addr = s.accept(); c.getpeername()",
        "TcpStream::connect(addr); listener.accept(); client.peer_addr()",
        format!(
            "client {} connected to {}; accept() reported {}",
            conn.client.local_addr()?,
            conn.client.peer_addr()?,
            conn.accepted_from
        ),
    );

    let (sent, got) = send_and_recv(&mut conn).context("step 5: send()/recv()")?;
    step(
        "c.send(b'hello'); conn.recv(1024)",
        "client.write(b\"hello\"); server.read(&mut [0; 1024])",
        format!(
            "send took {sent} bytes; recv(1024) returned {} bytes {:?}: what had arrived, not 1024",
            got.len(),
            String::from_utf8_lossy(&got)
        ),
    );

    let pieces = one_send_many_recvs(&mut conn).context("step 6: recv() pieces")?;
    step(
        "c.sendall(b'0123456789'); conn.recv(4) until 10 bytes",
        "client.write_all(..); server.read(&mut [0; 4]) in a loop",
        format!(
            "one send arrived as {} reads of {pieces:?} bytes: TCP keeps no message boundaries",
            pieces.len()
        ),
    );

    let pw = partial_write().context("step 7: send() vs sendall()")?;
    step(
        "c.setblocking(False); c.send(16 MiB); ...; c.sendall(rest)",
        "client.write(&data) -> n; client.write_all(&data[n..])",
        format!(
            "one send took only {} of {} bytes; write_all sent the rest: {} bytes delivered",
            pw.accepted, pw.attempted, pw.delivered
        ),
    );

    let to = read_timeout(&mut conn).context("step 8: settimeout()")?;
    step(
        "conn.settimeout(0.2); conn.gettimeout(); conn.recv(16)",
        "server.set_read_timeout(Some(200 ms)); server.read_timeout(); server.read(..)",
        format!(
            "timeout {:?}; the read gave up after {} ms with {:?}",
            to.timeout,
            to.waited.as_millis(),
            to.kind
        ),
    );

    let kind = nonblocking_read(&mut conn).context("step 9: setblocking(False)")?;
    step(
        "conn.setblocking(False); conn.recv(16)",
        "server.set_nonblocking(true); server.read(..)",
        format!("no data yet, so the read failed at once with {kind:?}"),
    );

    let (lines, last) = lines_then_end_of_stream(conn).context("step 10: makefile()/close()")?;
    step(
        "f = conn.makefile('r'); f.readline() x2; c.close(); conn.recv(16)",
        "BufReader::new(server).read_line(..) x2; drop(client); read(..)",
        format!("lines {lines:?}, then a read of {last} bytes: 0 means the peer closed"),
    );

    let refused = refused_connection().context("step 11: connect_ex()")?;
    step(
        "c.connect_ex(('127.0.0.1', closed_port))",
        "TcpStream::connect(addr) -> Err(e); e.kind(); e.raw_os_error()",
        format!("{:?}, OS error code {:?}", refused.kind, refused.code),
    );

    let (datagrams, from, sender) = udp_datagrams().context("step 12: sendto()/recvfrom()")?;
    let shown: Vec<_> = datagrams
        .iter()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect();
    step(
        "u.sendto(b'first', addr); u.sendto(b'second', addr); r.recvfrom(1024) x2",
        "sender.send_to(..) x2; receiver.recv_from(&mut buf) x2",
        format!("two datagrams, two reads: {shown:?} from {from} (the sender is {sender})"),
    );

    step(
        "socket.socket(socket.AF_INET6, socket.SOCK_STREAM); bind(('::1', 0))",
        "TcpListener::bind(\"[::1]:0\")",
        match ipv6_listener() {
            Ok(addr) => format!("listening on {addr}: IPv6 works the same way"),
            Err(err) => format!("this machine has no IPv6 loopback ({err})"),
        },
    );

    #[cfg(unix)]
    {
        let got = unix_pair().context("step 14: AF_UNIX")?;
        step(
            "a, b = socket.socketpair(socket.AF_UNIX)",
            "std::os::unix::net::UnixStream::pair()",
            format!(
                "{:?} crossed a Unix socket: no IP, no port",
                String::from_utf8_lossy(&got)
            ),
        );
    }
    #[cfg(not(unix))]
    step(
        "a, b = socket.socketpair(socket.AF_UNIX)",
        "std::os::unix::net::UnixStream::pair()",
        "not shown: AF_UNIX lessons run on Linux and macOS only".to_string(),
    );

    Ok(steps)
}

/// Runs the tour and prints each step to `out`.
pub fn run_tour(out: &mut impl Write) -> anyhow::Result<()> {
    for (i, step) in tour()?.iter().enumerate() {
        writeln!(out, "[{}] Python: {}", i + 1, step.python)?;
        writeln!(out, "    Rust:   {}", step.rust)?;
        writeln!(out, "    Result: {}", step.result)?;
    }
    Ok(())
}
