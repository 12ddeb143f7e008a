//! A one-purpose HTTP server for tests, written with std: it reads a request head and
//! answers with whatever bytes the test chooses, however wrong. Only on loopback.
//! With [`Server::start_tls`] it speaks the same HTTP through rustls ([`pki`] makes
//! the certificates).
#![allow(dead_code)] // each test file uses a different part

pub mod pki;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use shared::testing::PATIENCE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// What a test server does after reading a request.
pub enum Reply {
    /// Send these bytes, then close the connection.
    Close(Vec<u8>),
    /// Send these bytes, then keep the connection open until the client closes it.
    KeepOpen(Vec<u8>),
    /// Send nothing at all and wait until the client gives up.
    Silence,
    /// TLS only: send these bytes, then close TCP without a `close_notify` alert,
    /// as many real servers do.
    CloseWithoutNotify(Vec<u8>),
}

/// A one-purpose HTTP server: answers each request with `reply(path)`.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    /// For TLS servers: the SNI each handshake carried (None: no SNI).
    server_names: Arc<Mutex<Vec<Option<String>>>>,
    scheme: &'static str,
}

impl Server {
    pub fn start(reply: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1:0", None, reply)
    }

    /// An https server with `config` (see [`pki`]).
    pub fn start_tls(
        config: Arc<ServerConfig>,
        reply: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::start_on("127.0.0.1:0", Some(config), reply)
    }

    /// Listens on `bind` (a loopback address, port 0), plain or TLS.
    pub fn start_on(
        bind: &str,
        tls: Option<Arc<ServerConfig>>,
        reply: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(bind).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let server_names = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let names = Arc::clone(&server_names);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let reply = Arc::new(reply);
        thread::spawn(move || {
            // At most a few connections per test; the thread ends with the test process.
            for stream in listener.incoming().take(20) {
                let Ok(stream) = stream else { return };
                let (log, names, reply) =
                    (Arc::clone(&log), Arc::clone(&names), Arc::clone(&reply));
                let tls = tls.clone();
                thread::spawn(move || {
                    stream.set_read_timeout(Some(PATIENCE)).unwrap();
                    match tls {
                        None => answer(stream, &log, &*reply),
                        Some(config) => {
                            let mut conn = ServerConnection::new(config).unwrap();
                            let mut tcp = stream;
                            while conn.is_handshaking() {
                                if conn.complete_io(&mut tcp).is_err() {
                                    return; // the client refused us: its test checks why
                                }
                            }
                            names
                                .lock()
                                .unwrap()
                                .push(conn.server_name().map(str::to_string));
                            answer(StreamOwned::new(conn, tcp), &log, &*reply)
                        }
                    }
                });
            }
        });
        Server {
            addr,
            requests,
            server_names,
            scheme,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn server_names(&self) -> Vec<Option<String>> {
        self.server_names.lock().unwrap().clone()
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A stream the test server can close in two ways.
trait Closable: Read + Write {
    /// Says goodbye properly (TLS: a `close_notify` alert) before the drop closes TCP.
    fn close_cleanly(&mut self) {}
}

impl Closable for TcpStream {}

impl Closable for StreamOwned<ServerConnection, TcpStream> {
    fn close_cleanly(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

fn answer(stream: impl Closable, log: &Mutex<Vec<String>>, reply: &dyn Fn(&str) -> Reply) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(head);
    let wait_for_client_to_close = |reader: &mut BufReader<_>| {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    };
    match reply(&path) {
        Reply::Close(bytes) => {
            let stream = reader.get_mut();
            let _ = stream.write_all(&bytes);
            stream.close_cleanly();
        }
        Reply::CloseWithoutNotify(bytes) => {
            let _ = reader.get_mut().write_all(&bytes);
        }
        Reply::KeepOpen(bytes) => {
            let _ = reader.get_mut().write_all(&bytes);
            let _ = reader.get_mut().flush();
            wait_for_client_to_close(&mut reader);
        }
        Reply::Silence => wait_for_client_to_close(&mut reader),
    }
}

pub fn response(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = head.replace('\n', "\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    bytes
}

pub fn chunked(pieces: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for piece in pieces {
        body.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        body.extend_from_slice(piece);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    body
}
