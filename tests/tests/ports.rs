//! TCP and UDP port numbers are separate: lesson 3 and lesson 5 can share one.

use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::thread;

#[test]
fn the_tcp_server_and_the_udp_server_share_a_port_number() {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    // Binding UDP to the very same number succeeds: it is another port altogether.
    let udp = UdpSocket::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("UDP port {port} should be free: {e}"));
    let shutdown = Shutdown::new();
    let servers = [
        {
            let s = shutdown.clone();
            thread::spawn(move || lesson03_threaded_server::serve(&tcp, &Default::default(), &s))
        },
        {
            let s = shutdown.clone();
            thread::spawn(move || lesson05_udp_pair::serve(&udp, 65_536, &s))
        },
    ];

    let mut tcp_client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp_client.set_read_timeout(Some(PATIENCE)).unwrap();
    tcp_client.write_all(b"over TCP\nexit\n").unwrap();
    let mut tcp_reply = String::new();
    tcp_client.read_to_string(&mut tcp_reply).unwrap();
    assert_eq!(tcp_reply, "Welcome!\nHello, over TCP!\n");

    let udp_client = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp_client.connect(("127.0.0.1", port)).unwrap();
    let reply = lesson05_udp_pair::request(&udp_client, b"over UDP", PATIENCE, 2).unwrap();
    assert_eq!(
        reply,
        lesson05_udp_pair::Outcome::Replied {
            reply: "Hello, over UDP!".into(),
            attempts: 1
        }
    );

    shutdown.trigger();
    for server in servers {
        server.join().unwrap().unwrap();
    }
}
