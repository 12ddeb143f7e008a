//! A load generator for the lesson 3 protocol (`Welcome!`, `Hello, NAME!`, `exit`),
//! or lesson 2's upper-casing echo ([`Protocol::Echo`]).
//!
//! Opens C connections, waits until all are connected and greeted (a barrier), then
//! lets every connection make M request/reply exchanges as fast as it can, timing
//! each exchange. Connecting is not timed: the figures are about serving.
//! One thread per connection keeps the generator simple and its latency honest
//! (no client waits behind another client's work).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// What the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Lesson 3: a `Welcome!` greeting, then `Hello, NAME!` for each line.
    Greeting,
    /// Lesson 2: every line comes back upper-cased, no greeting.
    Echo,
}

impl Protocol {
    fn reply(self, name: &str) -> String {
        match self {
            Protocol::Greeting => format!("Hello, {name}!\n"),
            Protocol::Echo => format!("{}\n", name.to_ascii_uppercase()),
        }
    }
}

/// The result of one run.
#[derive(Debug, Default)]
pub struct Report {
    /// Connections that completed every exchange.
    pub ok_connections: usize,
    /// Exchanges that got the right reply.
    pub requests: usize,
    /// Failed connections, wrong replies and timeouts.
    pub errors: usize,
    /// Wall time of the exchange phase.
    pub elapsed: Duration,
    /// Median exchange latency.
    pub p50: Duration,
    /// 99th-percentile exchange latency.
    pub p99: Duration,
}

impl Report {
    /// Exchanges per second over the exchange phase.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `connections` clients of `requests` exchanges each against `addr`.
pub fn run(
    addr: SocketAddr,
    protocol: Protocol,
    connections: usize,
    requests: usize,
    timeout: Duration,
) -> Report {
    let barrier = Arc::new(Barrier::new(connections + 1));
    let clients: Vec<_> = (0..connections)
        .map(|id| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || client(addr, protocol, id, requests, timeout, &barrier))
        })
        .collect();
    barrier.wait(); // everyone is connected (or failed): start the clock
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(connections * requests);
    let mut report = Report::default();
    for client in clients {
        match client.join() {
            Ok(Ok(mut times)) => {
                report.ok_connections += 1;
                report.requests += times.len();
                latencies.append(&mut times);
            }
            Ok(Err(done)) => {
                report.errors += 1;
                report.requests += done;
            }
            Err(_) => report.errors += 1,
        }
    }
    report.elapsed = started.elapsed();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    report.p50 = percentile(0.50);
    report.p99 = percentile(0.99);
    report
}

/// One client: connect and greet, wait for the start, then time each exchange.
/// On failure returns how many exchanges had succeeded.
fn client(
    addr: SocketAddr,
    protocol: Protocol,
    id: usize,
    requests: usize,
    timeout: Duration,
    barrier: &Barrier,
) -> Result<Vec<Duration>, usize> {
    let connected = (|| -> std::io::Result<(TcpStream, BufReader<TcpStream>)> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        let mut reader = BufReader::new(stream.try_clone()?);
        if protocol == Protocol::Greeting {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line != "Welcome!\n" {
                return Err(std::io::Error::other(format!("greeting {line:?}")));
            }
        }
        Ok((stream, reader))
    })();
    barrier.wait(); // every client reaches the barrier, failed or not
    let (mut stream, mut reader) = connected.map_err(|_| 0usize)?;
    let mut times = Vec::with_capacity(requests);
    let mut line = String::new();
    for i in 0..requests {
        let name = format!("c{id}r{i}");
        let sent = Instant::now();
        let ok = stream.write_all(format!("{name}\n").as_bytes()).is_ok() && {
            line.clear();
            reader.read_line(&mut line).is_ok() && line == protocol.reply(&name)
        };
        if !ok {
            return Err(times.len());
        }
        times.push(sent.elapsed());
    }
    if protocol == Protocol::Greeting {
        let _ = stream.write_all(b"exit\n");
    }
    Ok(times)
}
