//! lesson 6's `serve` in this process, with handlers written for the test: panics,
//! refusals and shutdown, the same for every strategy.

use lesson06_socketserver::{serve_tcp, Strategy};
use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};

/// Reads one line; `boom` panics (a handler's bug), anything else is answered `ok`.
fn fragile(stream: TcpStream, _: SocketAddr, _: &Shutdown) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    assert!(line.trim() != "boom", "a handler bug, provoked by the test");
    (&stream).write_all(b"ok\n")
}

/// A server on a free port, in a thread; stopped and joined when dropped.
struct Running {
    addr: SocketAddr,
    shutdown: Shutdown,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    fn start(strategy: Strategy) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = Shutdown::new();
        let stop = shutdown.clone();
        let thread = thread::spawn(move || serve_tcp(&listener, strategy, fragile, &stop));
        Running {
            addr,
            shutdown,
            thread: Some(thread),
        }
    }

    /// Sends `line`, returns what the server answered before closing.
    fn ask(&self, line: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer); // a reset after a panic is fine
        answer
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A panicking handler must cost one connection, never the server: with a pool of 2,
/// two panics used to kill both workers, and every later client waited for ever.
#[test]
fn handlers_that_panic_do_not_stop_any_strategy() {
    for strategy in [
        Strategy::Pool { threads: 2 },
        Strategy::ThreadPerConnection { max: 2 },
        Strategy::Sequential,
    ] {
        let server = Running::start(strategy);
        for _ in 0..3 {
            assert_eq!(server.ask("boom"), "", "{strategy:?}");
        }
        assert_eq!(server.ask("hello"), "ok\n", "{strategy:?} after panics");
    }
}
