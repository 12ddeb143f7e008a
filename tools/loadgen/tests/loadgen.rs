//! The load generator against lesson 3's server, in-process, on a port the OS chooses.

use shared::server::Shutdown;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn counts_every_exchange_and_measures_latency() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let stop = shutdown.clone();
    let server = std::thread::spawn(move || {
        lesson03_threaded_server::serve(&listener, &Default::default(), &stop).unwrap()
    });
    let report = loadgen::run(
        addr,
        loadgen::Protocol::Greeting,
        8,
        25,
        Duration::from_secs(10),
    );
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(report.ok_connections, 8);
    assert_eq!(report.requests, 8 * 25, "every exchange counted once");
    assert!(
        report.p50 <= report.p99 && report.p99 > Duration::ZERO,
        "{report:?}"
    );
    assert!(report.throughput() > 0.0);
    shutdown.trigger();
    server.join().unwrap();
}

#[test]
fn a_server_that_is_not_there_is_counted_as_errors() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap(); // closed again
    let report = loadgen::run(
        addr,
        loadgen::Protocol::Greeting,
        3,
        5,
        Duration::from_secs(5),
    );
    assert_eq!(
        (report.errors, report.ok_connections, report.requests),
        (3, 0, 0)
    );
}
