//! Earlier lessons' servers run in a thread of the test: the peers of rawudp and
//! the traffic the sniffer watches. Stopped (and joined) on drop.

use shared::server::Shutdown;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::thread;

/// A server running in a background thread.
pub struct Background {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Stops it.
    shutdown: Shutdown,
    /// Its thread.
    thread: Option<thread::JoinHandle<()>>,
}

impl Background {
    fn spawn(addr: SocketAddr, run: impl FnOnce(&Shutdown) + Send + 'static) -> Background {
        let shutdown = Shutdown::new();
        let stop = shutdown.clone();
        let thread = thread::spawn(move || run(&stop));
        Background {
            addr,
            shutdown,
            thread: Some(thread),
        }
    }

    /// Lesson 2's upper-casing echo server.
    pub fn lesson02() -> Background {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        Background::spawn(addr, move |stop| {
            lesson02_blocking_server::serve(&listener, &Default::default(), stop).unwrap()
        })
    }

    /// Lesson 3's greeting server.
    pub fn lesson03() -> Background {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        Background::spawn(addr, move |stop| {
            lesson03_threaded_server::serve(&listener, &Default::default(), stop).unwrap()
        })
    }

    /// Lesson 5's UDP server.
    pub fn lesson05() -> Background {
        Background::lesson05_on("127.0.0.1:0")
    }

    /// Lesson 5's UDP server on `addr`.
    pub fn lesson05_on(addr: &str) -> Background {
        let socket = UdpSocket::bind(addr).unwrap();
        let addr = socket.local_addr().unwrap();
        Background::spawn(addr, move |stop| {
            lesson05_udp_pair::serve(&socket, 65_536, stop).unwrap()
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
