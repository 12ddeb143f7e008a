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

pub mod netlink;

use anyhow::Context;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

/// One socket call as Python's `socket` module spells it, and as Rust does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The Python call.
    pub python: &'static str,
    /// The Rust equivalent.
    pub rust: &'static str,
}

const fn call(python: &'static str, rust: &'static str) -> Call {
    Call { python, rust }
}

/// The calls each step of the tour performs, in order: step 1 is `STEPS[0]`.
///
/// This list is the one source of both the tour's `Python:`/`Rust:` lines and the
/// `--list` table, so the two cannot disagree.
pub const STEPS: [&[Call]; 15] = [
    &[
        call(
            "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
            "Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))",
        ),
        call(
            "s.fileno()",
            "socket.as_raw_fd() (Windows: as_raw_socket())",
        ),
    ],
    &[
        call(
            "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)",
            "socket.set_reuse_address(true)",
        ),
        call(
            "s.getsockopt(SOL_SOCKET, SO_RCVBUF)",
            "socket.recv_buffer_size()",
        ),
    ],
    &[
        call("s.bind(('127.0.0.1', 0))", "socket.bind(&addr.into())"),
        call("s.listen(5)", "socket.listen(5)"),
        call("s.getsockname()", "listener.local_addr()"),
    ],
    &[
        call("c.connect(addr)", "TcpStream::connect(addr)"),
        call("conn, addr = s.accept()", "listener.accept()"),
        call("c.getpeername()", "client.peer_addr()"),
    ],
    &[
        call("c.send(b'hello')", "client.write(b\"hello\")"),
        call("conn.recv(1024)", "server.read(&mut [0; 1024])"),
    ],
    &[
        call("c.sendall(b'0123456789')", "client.write_all(..)"),
        call(
            "conn.recv(4) until 10 bytes",
            "server.read(&mut [0; 4]) in a loop",
        ),
    ],
    &[
        call("c.setblocking(False)", "client.set_nonblocking(true)"),
        call("c.send(16 MiB)", "client.write(&data) -> n"),
        call("c.sendall(rest)", "client.write_all(&data[n..])"),
    ],
    &[
        call(
            "conn.settimeout(0.2)",
            "server.set_read_timeout(Some(200 ms))",
        ),
        call("conn.gettimeout()", "server.read_timeout()"),
        call("conn.recv(16)", "server.read(..)"),
    ],
    &[
        call("conn.setblocking(False)", "server.set_nonblocking(true)"),
        call("conn.recv(16)", "server.read(..)"),
    ],
    &[
        call("f = conn.makefile('r')", "BufReader::new(server)"),
        call("f.readline() x2", ".read_line(..) x2"),
        call("c.close()", "drop(client)"),
        call("conn.recv(16)", "read(..)"),
    ],
    &[call(
        "c.connect_ex(('127.0.0.1', closed_port))",
        "TcpStream::connect(addr) -> Err(e); e.kind(); e.raw_os_error()",
    )],
    &[
        call(
            "u.sendto(b'first', addr); u.sendto(b'second', addr)",
            "sender.send_to(..) x2",
        ),
        call("r.recvfrom(1024) x2", "receiver.recv_from(&mut buf) x2"),
    ],
    &[call(
        "socket.socket(socket.AF_INET6, socket.SOCK_STREAM); bind(('::1', 0))",
        "TcpListener::bind(\"[::1]:0\")",
    )],
    &[call(
        "a, b = socket.socketpair(socket.AF_UNIX)",
        "std::os::unix::net::UnixStream::pair()",
    )],
    &[
        call(
            "socket.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)",
            "Socket::new(Domain::from(libc::AF_NETLINK), Type::RAW, ..)",
        ),
        call(
            "n.send(RTM_GETLINK dump); n.recv(..) x N; RTM_GETADDR",
            "socket.send(..); netlink::parse(..) to NLMSG_DONE",
        ),
    ],
];

/// Calls the tour does not perform, and where the course shows them.
pub const ELSEWHERE: &[(Call, &str)] = &[
    (
        call("socket(AF_INET, SOCK_DGRAM)", "UdpSocket::bind(addr)"),
        "lesson05",
    ),
    (
        call(
            "socket(AF_UNIX, SOCK_STREAM)",
            "std::os::unix::net::UnixListener / UnixStream",
        ),
        "lesson08",
    ),
    (
        call(
            "socket(..., SOCK_RAW)",
            "socket2 Type::RAW (root or CAP_NET_RAW)",
        ),
        "lesson10",
    ),
    (
        call(
            "socket(..., SOCK_SEQPACKET)",
            "socket2 Type::SEQPACKET (Linux)",
        ),
        "lesson08",
    ),
    (
        call(
            "socket(AF_TIPC, SOCK_RDM)",
            "Domain::from(libc::AF_TIPC), Type::RDM",
        ),
        "not run: needs the tipc kernel module (modprobe tipc)",
    ),
];

/// The table printed by `--list`: every call of [`STEPS`] with its step, then [`ELSEWHERE`].
pub fn api_table() -> String {
    let rows: Vec<(Call, String)> = STEPS
        .iter()
        .enumerate()
        .flat_map(|(i, calls)| calls.iter().map(move |c| (*c, format!("step {}", i + 1))))
        .chain(ELSEWHERE.iter().map(|(c, where_)| (*c, where_.to_string())))
        .collect();
    let width = rows.iter().map(|(c, _)| c.python.len()).max().unwrap_or(0);
    let rust_width = rows.iter().map(|(c, _)| c.rust.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  {:rust_width$}  shown in\n", "Python", "Rust");
    for (c, where_) in rows {
        out.push_str(&format!(
            "{:width$}  {:rust_width$}  {where_}\n",
            c.python, c.rust
        ));
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
    let handle = raw_handle(&socket);
    Ok((socket, handle))
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
    // Nobody is reading yet.
    let accepted = client.write(&data)?;
    // ANCHOR_END: partial_write
    client.set_nonblocking(false)?;

    let reader = thread::spawn(move || -> io::Result<usize> {
        let mut sink = Vec::new();
        server.read_to_end(&mut sink)
    });
    // ANCHOR: write_all
    // Loops until every byte is taken; then tells the reader there is no more.
    client.write_all(&data[accepted..])?;
    client.shutdown(Shutdown::Write)?;
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

/// Step 15: AF_NETLINK: the kernel lists interfaces and addresses, as `ip addr` shows them.
#[cfg(target_os = "linux")]
pub fn netlink_summary() -> io::Result<String> {
    let interfaces = netlink::interfaces()?;
    let addresses: usize = interfaces.iter().map(|i| i.addresses.len()).sum();
    let lo = interfaces
        .iter()
        .find(|i| i.name == "lo")
        .map(|i| i.addresses.join(", "))
        .unwrap_or_else(|| "no `lo`".to_string());
    Ok(format!(
        "the kernel listed {} interfaces and {addresses} addresses; lo has {lo} \
         (--interfaces shows all, beside `ip -brief addr`)",
        interfaces.len()
    ))
}

/// Step 15 elsewhere: netlink is Linux's own.
#[cfg(not(target_os = "linux"))]
pub fn netlink_summary() -> io::Result<String> {
    Ok(
        "not run: AF_NETLINK is Linux only (macOS has PF_ROUTE and getifaddrs, \
        Windows GetAdaptersAddresses)"
            .to_string(),
    )
}

/// `--interfaces`: what netlink reports, each interface beside `ip -brief addr`'s line for it.
#[cfg(target_os = "linux")]
pub fn interfaces_beside_ip(out: &mut impl Write) -> anyhow::Result<()> {
    let interfaces = netlink::interfaces().context("asking the kernel over AF_NETLINK")?;
    let ip = std::process::Command::new("ip")
        .args(["-brief", "addr"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let ours: Vec<String> = interfaces
        .iter()
        .map(|i| {
            let state = if i.up { "up" } else { "down" };
            format!("{:<10} {:<5} {}", i.name, state, i.addresses.join(" "))
        })
        .collect();
    let width = ours.iter().map(String::len).max().unwrap_or(0).max(36);
    writeln!(
        out,
        "{:width$} | ip -brief addr",
        "AF_NETLINK (RTM_GETLINK, RTM_GETADDR)"
    )?;
    for (interface, line) in interfaces.iter().zip(&ours) {
        let theirs = match &ip {
            // `ip` names a veth `eth0@if5`: the part after `@` is the peer's index.
            Some(text) => text
                .lines()
                .find(|l| {
                    l.split_whitespace()
                        .next()
                        .and_then(|n| n.split('@').next())
                        == Some(&interface.name)
                })
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| "(not listed)".to_string()),
            None => "(`ip` is not installed here)".to_string(),
        };
        writeln!(out, "{line:width$} | {theirs}")?;
    }
    Ok(())
}

/// `--interfaces` elsewhere.
#[cfg(not(target_os = "linux"))]
pub fn interfaces_beside_ip(_out: &mut impl Write) -> anyhow::Result<()> {
    anyhow::bail!("--interfaces uses AF_NETLINK, which only Linux has")
}

/// One step of the tour as printed.
pub struct Step {
    /// The Python call(s).
    pub python: String,
    /// The Rust equivalent.
    pub rust: String,
    /// What happened, in words.
    pub result: String,
}

/// Runs every step and returns what each printed; the caller decides where it goes.
pub fn tour() -> anyhow::Result<Vec<Step>> {
    let mut results = Vec::new();
    let mut step = |result: String| results.push(result);

    let (socket, fd) = create_socket().context("step 1: socket()")?;
    step(format!("a TCP socket, file descriptor {fd}"));

    let opts = socket_options(&socket).context("step 2: setsockopt()")?;
    step(format!(
        "SO_REUSEADDR = {}, receive buffer = {} bytes",
        opts.reuse_address, opts.recv_buffer
    ));

    let listener = bind_and_listen(socket).context("step 3: bind()/listen()")?;
    let bound = listener.local_addr()?;
    step(format!(
        "port 0 means \"any free port\": the OS chose {bound}"
    ));

    let mut conn = connect_and_accept(&listener).context("step 4: connect()/accept()")?;
    step(format!(
        "client {} connected to {}; accept() reported {}",
        conn.client.local_addr()?,
        conn.client.peer_addr()?,
        conn.accepted_from
    ));

    let (sent, got) = send_and_recv(&mut conn).context("step 5: send()/recv()")?;
    step(format!(
        "send took {sent} bytes; recv(1024) returned {} bytes {:?}: what had arrived, not 1024",
        got.len(),
        String::from_utf8_lossy(&got)
    ));

    let pieces = one_send_many_recvs(&mut conn).context("step 6: recv() pieces")?;
    step(format!(
        "one send arrived as {} reads of {pieces:?} bytes: TCP keeps no message boundaries",
        pieces.len()
    ));

    let pw = partial_write().context("step 7: send() vs sendall()")?;
    step(format!(
        "one send took only {} of {} bytes; write_all sent the rest: {} bytes delivered",
        pw.accepted, pw.attempted, pw.delivered
    ));

    let to = read_timeout(&mut conn).context("step 8: settimeout()")?;
    step(format!(
        "timeout {:?}; the read gave up after {} ms with {:?}",
        to.timeout,
        to.waited.as_millis(),
        to.kind
    ));

    let kind = nonblocking_read(&mut conn).context("step 9: setblocking(False)")?;
    step(format!(
        "no data yet, so the read failed at once with {kind:?}"
    ));

    let (lines, last) = lines_then_end_of_stream(conn).context("step 10: makefile()/close()")?;
    step(format!(
        "lines {lines:?}, then a read of {last} bytes: 0 means the peer closed"
    ));

    let refused = refused_connection().context("step 11: connect_ex()")?;
    step(format!(
        "{:?}, OS error code {:?}",
        refused.kind, refused.code
    ));

    let (datagrams, from, sender) = udp_datagrams().context("step 12: sendto()/recvfrom()")?;
    let shown: Vec<_> = datagrams
        .iter()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect();
    step(format!(
        "two datagrams, two reads: {shown:?} from {from} (the sender is {sender})"
    ));

    step(match ipv6_listener() {
        Ok(addr) => format!("listening on {addr}: IPv6 works the same way"),
        Err(err) => format!("this machine has no IPv6 loopback ({err})"),
    });

    #[cfg(unix)]
    {
        let got = unix_pair().context("step 14: AF_UNIX")?;
        step(format!(
            "{:?} crossed a Unix socket: no IP, no port",
            String::from_utf8_lossy(&got)
        ));
    }
    #[cfg(not(unix))]
    step("not shown: AF_UNIX lessons run on Linux and macOS only".to_string());

    step(netlink_summary().context("step 15: AF_NETLINK")?);

    let steps = STEPS
        .iter()
        .zip(results)
        .map(|(calls, result)| Step {
            python: join(calls, |c| c.python),
            rust: join(calls, |c| c.rust),
            result,
        })
        .collect();
    Ok(steps)
}

/// The calls of one step on one line, as the tour prints them.
fn join(calls: &[Call], part: impl Fn(&Call) -> &'static str) -> String {
    calls.iter().map(part).collect::<Vec<_>>().join("; ")
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
