//! Lesson 5's server tests, shared by every server that speaks its UDP greeting
//! (lesson 5 itself, and lesson 6's rebuild of it). Use [`crate::udp_greeting_tests`].

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Sends one datagram and returns the reply, retrying a few times (loopback loses
/// datagrams only when buffers overflow).
pub fn ask(server: SocketAddr, message: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(server).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut buf = vec![0u8; 65_536];
    for _ in 0..4 {
        socket.send(message).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            return buf[..n].to_vec();
        }
    }
    let shown: String = String::from_utf8_lossy(message).chars().take(40).collect();
    panic!(
        "no reply to {shown:?}... ({} bytes) after 4 attempts",
        message.len()
    );
}

/// `Hello, NAME!` for a name.
pub fn answers_hello(addr: SocketAddr) {
    assert_eq!(ask(addr, b"Michael"), b"Hello, Michael!");
}

/// 100 clients at once each get their own reply.
pub fn a_hundred_concurrent_clients_each_get_their_own_reply(addr: SocketAddr) {
    let clients: Vec<_> = (0..100)
        .map(|i| std::thread::spawn(move || (i, ask(addr, format!("client {i}").as_bytes()))))
        .collect();
    for client in clients {
        let (i, reply) = client.join().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&reply),
            format!("Hello, client {i}!")
        );
    }
}

/// A 2000-byte datagram arrives whole (the tutorials' `recvfrom(1024)` would cut it).
pub fn a_2000_byte_datagram_arrives_whole(addr: SocketAddr) {
    assert_eq!(ask(addr, &[b'a'; 2000]).len(), 2000 + "Hello, !".len());
}

/// Empty and invalid UTF-8 datagrams are answered, and the server carries on.
pub fn empty_and_invalid_utf8_datagrams_are_answered(addr: SocketAddr) {
    assert_eq!(ask(addr, b""), b"Hello, !");
    assert_eq!(
        String::from_utf8_lossy(&ask(addr, b"Mich\xffel")),
        "Hello, Mich\u{fffd}el!"
    );
    assert_eq!(ask(addr, b"Sarah"), b"Hello, Sarah!");
}

/// A message whose reply cannot fit in one datagram is answered with an error that
/// names the limit, instead of silence; the largest message that fits is answered.
pub fn a_reply_too_large_for_a_datagram_is_an_error_naming_the_limit(addr: SocketAddr) {
    let reply = String::from_utf8(ask(addr, &[b'a'; 65_500])).unwrap();
    assert!(
        reply.starts_with("error: ") && reply.contains("65507 bytes"),
        "{reply}"
    );
    // Invalid UTF-8 grows: each bad byte comes back as U+FFFD, three bytes.
    let reply = String::from_utf8(ask(addr, &[0xff; 30_000])).unwrap();
    assert!(
        reply.starts_with("error: ") && reply.contains("UTF-8"),
        "{reply}"
    );
    assert_eq!(ask(addr, &[b'a'; 65_499]).len(), 65_507);
    assert_eq!(ask(addr, b"Sarah"), b"Hello, Sarah!");
}

/// `nc -u` sends each typed line with its newline: the newline is not part of the name.
pub fn a_line_ending_from_nc_is_not_part_of_the_name(addr: SocketAddr) {
    assert_eq!(ask(addr, b"Ann\n"), b"Hello, Ann!");
    assert_eq!(ask(addr, b"Bob\r\n"), b"Hello, Bob!");
}

/// Generates one `#[test]` per UDP-greeting test against a fresh server from `$start`.
#[macro_export]
macro_rules! udp_greeting_tests {
    ($start:expr) => {
        $crate::udp_greeting_tests!(@each $start;
            answers_hello,
            a_hundred_concurrent_clients_each_get_their_own_reply,
            a_2000_byte_datagram_arrives_whole,
            empty_and_invalid_utf8_datagrams_are_answered,
            a_reply_too_large_for_a_datagram_is_an_error_naming_the_limit,
            a_line_ending_from_nc_is_not_part_of_the_name,
        );
    };
    (@each $start:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let server = $start;
                $crate::testing::udp::$name(server.addr);
            }
        )*
    };
}
