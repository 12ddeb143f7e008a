//! MX routing with a fake resolver (no internet): the relay thread runs in this
//! process, the receiving MTA is a real lesson09-mta on loopback.

mod common;

use common::Mail;
use lesson09_email::maildir::Maildir;
use lesson09_email::mx::{DnsError, FakeResolver};
use lesson09_email::queue::{Queue, State};
use lesson09_email::{relay, Mta};
use shared::server::Shutdown;
use shared::testing::PATIENCE;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waits (bounded) until `done` holds.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let since = Instant::now();
    while !done() {
        assert!(since.elapsed() < 3 * PATIENCE, "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn mx_hosts_in_order_the_next_on_failure_and_dns_errors_retried_or_bounced() {
    let sina = Mail::start(&["--domain", "sina.test", "--user", "friend:secret"]);
    let dir = tempfile::tempdir().unwrap();
    let mut mta = Mta::new(Maildir::open(dir.path()).unwrap(), Vec::new());
    mta.domains = vec!["163.test".into()];
    mta.retry = vec![Duration::from_secs(1)];
    mta.relay_timeouts = lesson09_email::client::Timeouts::all(PATIENCE);
    mta.mx_port = sina.smtp.port();
    let mut dns = FakeResolver::default();
    let mx = |list: &[(u16, &str)]| Ok(list.iter().map(|(p, h)| (*p, h.to_string())).collect());
    // The preferred host (10) has nobody listening; the next (20) is sina's MTA.
    dns.mx.insert(
        "sina.test".into(),
        mx(&[(20, "mx2.sina.test"), (10, "mx1.sina.test")]),
    );
    let (down, up) = (IpAddr::from([127, 0, 0, 2]), IpAddr::from([127, 0, 0, 1]));
    dns.addresses.insert("mx1.sina.test".into(), Ok(vec![down]));
    dns.addresses.insert("mx2.sina.test".into(), Ok(vec![up]));
    dns.mx.insert(
        "flaky.test".into(),
        Err(DnsError::Temporary("SERVFAIL".into())),
    );
    mta.resolver = Some(Box::new(dns));
    mta.queue = Some(Queue::open(dir.path()).unwrap());
    let mta = Arc::new(mta);
    let queue = mta.queue.as_ref().unwrap();
    let message = dir.path().join("message");
    std::fs::write(&message, "Subject: via MX\n\nHello.\n").unwrap();
    for to in ["friend@sina.test", "x@nowhere.test", "y@flaky.test"] {
        queue
            .add(&message, "me@163.test", &[to.parse().unwrap()])
            .unwrap();
    }

    let shutdown = Shutdown::new();
    let thread = {
        let (mta, shutdown) = (mta.clone(), shutdown.clone());
        std::thread::spawn(move || relay::run(&mta, mta.queue.as_ref().unwrap(), &shutdown))
    };
    // Delivered through the second MX host.
    eventually("friend's mail arrives at sina", || {
        sina.files("friend/new").len() == 1
    });
    // A domain that does not exist: a bounce, naming DNS's answer.
    let me = dir.path().join("me").join("new");
    eventually("a bounce for nowhere.test", || {
        common::files(&me).len() == 1
    });
    let bounce = std::fs::read_to_string(&common::files(&me)[0]).unwrap();
    assert!(
        bounce.contains("Final-Recipient: rfc822; x@nowhere.test\nAction: failed\nStatus: 5.1.2\n"),
        "{bounce}"
    );
    assert!(bounce.contains("nowhere.test does not exist"), "{bounce}");
    // A DNS server that fails: still queued, to be tried again.
    eventually("flaky.test retried", || {
        queue.entries().unwrap().iter().any(|e| {
            e.as_ref().is_ok_and(|e| {
                e.attempts >= 2
                    && e.to
                        .iter()
                        .any(|r| r.state == State::Pending && r.reply.contains("DNS: SERVFAIL"))
            })
        })
    });
    assert_eq!(
        queue.entries().unwrap().len(),
        1,
        "only flaky.test's mail waits"
    );
    shutdown.trigger();
    thread.join().unwrap();
}
