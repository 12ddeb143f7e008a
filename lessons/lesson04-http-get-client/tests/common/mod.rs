//! A one-purpose HTTP server for tests, written with std: it reads a request head and
//! answers with whatever bytes the test chooses, however wrong. Only on 127.0.0.1.
#![allow(dead_code)] // each test file uses a different part

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
}

/// A one-purpose HTTP server: answers each request with `reply(path)`.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(reply: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let reply = Arc::new(reply);
        thread::spawn(move || {
            // At most a few connections per test; the thread ends with the test process.
            for stream in listener.incoming().take(20) {
                let Ok(stream) = stream else { return };
                let (log, reply) = (Arc::clone(&log), Arc::clone(&reply));
                thread::spawn(move || answer(stream, &log, &*reply));
            }
        });
        Server { addr, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(mut stream: TcpStream, log: &Mutex<Vec<String>>, reply: &dyn Fn(&str) -> Reply) {
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
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
    let wait_for_client_to_close = |reader: &mut BufReader<TcpStream>| {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    };
    match reply(&path) {
        Reply::Close(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Reply::KeepOpen(bytes) => {
            let _ = stream.write_all(&bytes);
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
