//! Each fact the tour prints, checked on a real loopback socket.

use lesson01_socket_basics::*;
use std::io::ErrorKind;
use std::time::Duration;

#[test]
fn binding_port_zero_lets_the_os_choose() {
    let (socket, fd) = create_socket().unwrap();
    assert!(
        fd >= 0,
        "a file descriptor is a non-negative number, got {fd}"
    );
    let opts = socket_options(&socket).unwrap();
    assert!(opts.reuse_address, "SO_REUSEADDR should read back as set");
    assert!(opts.recv_buffer > 0);
    let listener = bind_and_listen(socket).unwrap();
    let addr = listener.local_addr().unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), 0, "the OS must replace port 0 by a real port");
}

fn connection() -> Connection {
    let (socket, _) = create_socket().unwrap();
    let listener = bind_and_listen(socket).unwrap();
    connect_and_accept(&listener).unwrap()
}

#[test]
fn accept_reports_the_clients_ephemeral_port() {
    let conn = connection();
    assert_eq!(conn.accepted_from, conn.client.local_addr().unwrap());
    assert_eq!(
        conn.server.peer_addr().unwrap(),
        conn.client.local_addr().unwrap()
    );
    assert_eq!(
        conn.client.peer_addr().unwrap(),
        conn.server.local_addr().unwrap()
    );
}

#[test]
fn recv_returns_what_arrived_not_what_was_asked() {
    let mut conn = connection();
    let (sent, got) = send_and_recv(&mut conn).unwrap();
    assert_eq!(sent, 5);
    assert_eq!(got, b"hello", "asked for 1024, should get the 5 bytes sent");
}

#[test]
fn one_send_can_take_several_recvs() {
    let mut conn = connection();
    let pieces = one_send_many_recvs(&mut conn).unwrap();
    assert_eq!(pieces.iter().sum::<usize>(), 10);
    assert!(
        pieces.len() >= 3,
        "a 4-byte buffer needs at least 3 reads for 10 bytes: {pieces:?}"
    );
    assert!(pieces.iter().all(|&n| n <= 4));
}

#[test]
fn send_may_take_part_and_write_all_takes_the_rest() {
    let pw = partial_write().unwrap();
    assert!(pw.accepted > 0, "some bytes fit in the buffers");
    assert!(
        pw.accepted < pw.attempted,
        "a non-blocking write of {} bytes into small buffers should be partial, took {}",
        pw.attempted,
        pw.accepted
    );
    assert_eq!(
        pw.delivered, pw.attempted,
        "write_all must deliver every byte"
    );
}

#[test]
fn a_read_timeout_expires_instead_of_hanging() {
    let mut conn = connection();
    let to = read_timeout(&mut conn).unwrap();
    assert_eq!(to.timeout, Some(Duration::from_millis(200)));
    assert!(
        matches!(to.kind, ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{:?}",
        to.kind
    );
}

#[test]
fn a_nonblocking_read_without_data_would_block() {
    let mut conn = connection();
    assert_eq!(nonblocking_read(&mut conn).unwrap(), ErrorKind::WouldBlock);
}

#[test]
fn lines_then_zero_means_end_of_stream() {
    let (lines, last) = lines_then_end_of_stream(connection()).unwrap();
    assert_eq!(lines, ["line one", "line two"]);
    assert_eq!(last, 0);
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    let refused = refused_connection().unwrap();
    assert_eq!(refused.kind, ErrorKind::ConnectionRefused);
    #[cfg(target_os = "linux")]
    assert_eq!(refused.code, Some(111), "ECONNREFUSED is 111 on Linux");
}

#[test]
fn udp_keeps_datagram_boundaries_and_names_the_sender() {
    let (datagrams, from, sender) = udp_datagrams().unwrap();
    assert_eq!(datagrams, [b"first".to_vec(), b"second".to_vec()]);
    assert_eq!(from, sender);
}

#[test]
fn ipv6_loopback_works_like_ipv4_where_available() {
    match ipv6_listener() {
        Ok(addr) => {
            assert!(addr.is_ipv6());
            assert_ne!(addr.port(), 0);
        }
        // Some CI containers have no IPv6 at all; the tour says so instead of failing.
        Err(err) => assert_eq!(err.kind(), ErrorKind::AddrNotAvailable, "{err}"),
    }
}

#[cfg(unix)]
#[test]
fn unix_sockets_need_no_address() {
    assert_eq!(unix_pair().unwrap(), b"ping");
}

#[test]
fn the_tour_prints_every_step_with_its_python_and_rust() {
    let mut out = Vec::new();
    run_tour(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let expected_steps = STEPS.len();
    assert_eq!(expected_steps, 15);
    for i in 1..=expected_steps {
        assert!(
            text.contains(&format!("[{i}] Python: ")),
            "step {i} missing:\n{text}"
        );
    }
    assert_eq!(text.matches("    Rust:   ").count(), expected_steps);
    assert!(text.contains("0 means the peer closed"));
    #[cfg(target_os = "linux")]
    assert!(
        text.contains("interfaces and") && text.contains("lo has 127.0.0.1/8"),
        "step 15 should list lo's address from netlink:\n{text}"
    );
}

#[test]
fn the_table_maps_every_call_the_tutorials_list() {
    let table = api_table();
    for call in [
        "socket(",
        "bind(",
        "listen(",
        "accept()",
        "connect(",
        "connect_ex(",
        "recv(",
        "send(",
        "sendall(",
        "recvfrom(",
        "sendto(",
        "close()",
        "getpeername()",
        "getsockname()",
        "setsockopt(",
        "getsockopt(",
        "settimeout(",
        "gettimeout()",
        "setblocking(",
        "fileno()",
        "makefile(",
        "AF_INET6",
        "AF_UNIX",
        "SOCK_DGRAM",
        "SOCK_RAW",
        "SOCK_SEQPACKET",
    ] {
        assert!(table.contains(call), "the table lacks {call}:\n{table}");
    }
}

/// The tour and the table come from one list: every call a step prints is in the
/// table, on a row naming that step (they once disagreed about step 1's protocol).
#[test]
fn the_table_and_the_tour_say_the_same() {
    let table = api_table();
    let steps = lesson01_socket_basics::tour().unwrap();
    assert_eq!(steps.len(), lesson01_socket_basics::STEPS.len());
    for (i, (step, calls)) in steps.iter().zip(lesson01_socket_basics::STEPS).enumerate() {
        for call in calls {
            assert!(step.python.contains(call.python) && step.rust.contains(call.rust));
            let shown_in = format!("step {}", i + 1);
            assert!(
                table.lines().any(|l| l.starts_with(call.python)
                    && l.contains(call.rust)
                    && l.ends_with(&shown_in)),
                "{call:?} is not in the table under {shown_in}:\n{table}"
            );
        }
    }
    assert!(table.contains("Some(Protocol::TCP)"), "{table}");
}
