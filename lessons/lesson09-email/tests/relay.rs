//! The tutorial's journey on one machine: me@163.test → 163's MTA → sina's MTA →
//! friend@sina.test's mailbox, fetched over POP3. Two lesson09-mta processes on
//! loopback, joined by --route.

mod common;

use common::{files, Mail};
use shared::testing::PATIENCE;
use std::path::Path;
use std::time::Instant;

const FRIEND: &str = "friend:secret";

/// sina's MTA: stores mail for sina.test.
fn sina() -> Mail {
    Mail::start(&["--domain", "sina.test", "--user", FRIEND])
}

/// 163's MTA arguments: relays for loopback clients, sina.test's mail goes to `hop`.
fn relay_args(hop: &str) -> Vec<String> {
    [
        "--domain",
        "163.test",
        "--relay-from",
        "127.0.0.1",
        "--route",
        &format!("sina.test={hop}"),
        "--retry",
        "1s",
    ]
    .map(String::from)
    .to_vec()
}

fn start_163(dir: tempfile::TempDir, hop: &str) -> Mail {
    let args = relay_args(hop);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Mail::start_in(dir, "127.0.0.1:0", &args)
}

/// lesson09-send as me@163.test to friend@sina.test through `mta`.
fn send_to_friend(mta: &Mail, text: &str) {
    let sent = mta.send(
        &[
            "--from",
            "me@163.test",
            "--to",
            "friend@sina.test",
            "--subject",
            "Hello",
        ],
        text,
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    assert!(
        sent.stdout
            .contains("S: 250 2.1.5 Recipient OK, will relay"),
        "{}",
        sent.stdout
    );
}

/// The `.env` files in a maildir's queue: mail not yet passed on.
fn queued(maildir: &Path) -> usize {
    files(&maildir.join(".queue"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "env"))
        .count()
}

/// Waits (bounded) until the queue is empty.
fn wait_until_queue_empty(maildir: &Path) {
    let since = Instant::now();
    while queued(maildir) > 0 {
        assert!(
            since.elapsed() < 3 * PATIENCE,
            "the queue in {} never emptied",
            maildir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn the_tutorials_journey_me_at_163_to_friend_at_sina() {
    let sina = sina();
    let mta163 = start_163(tempfile::tempdir().unwrap(), &sina.smtp.to_string());
    send_to_friend(&mta163, "Hi friend, from 163.\n");
    mta163.logged("<friend@sina.test> delivered");
    sina.logged("for friend");
    wait_until_queue_empty(&mta163.maildir());

    let got = sina.fetch(&["--user", FRIEND, "--retrieve", "1"]);
    assert_eq!(got.code, 0, "{got:?}");
    let head = got.stdout.split("\n\n").next().unwrap();
    let received: Vec<&str> = head
        .lines()
        .filter(|l| l.starts_with("Received:"))
        .collect();
    assert_eq!(received.len(), 2, "one Received: per MTA:\n{head}");
    assert_eq!(
        head.lines()
            .filter(|l| l.starts_with("Return-Path:"))
            .count(),
        1,
        "only the last MTA adds Return-Path:\n{head}"
    );
    assert!(
        head.starts_with("Return-Path: <me@163.test>\nReceived: "),
        "{head}"
    );
    assert!(head.contains("by sina.test (lesson09-mta)"), "{head}");
    assert!(head.contains("by 163.test (lesson09-mta)"), "{head}");
    assert!(
        got.stdout.ends_with("\n\nHi friend, from 163.\n"),
        "{}",
        got.stdout
    );
    // 163 kept nothing for itself.
    assert!(files(&mta163.maildir().join("friend")).is_empty());
}

#[test]
fn a_kill_9_right_after_the_250_then_a_restart_delivers_exactly_once() {
    let sina = sina();
    // First run: the route leads to a port where nobody listens, so the mail
    // is surely still queued when the MTA is killed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = closed.local_addr().unwrap().to_string();
    drop(closed);
    let first = start_163(tempfile::tempdir().unwrap(), &nowhere);
    send_to_friend(&first, "Do not lose me.\n");
    let Mail { server, dir, .. } = first;
    drop(server); // SIGKILL, right after the 250
    assert_eq!(
        queued(&dir.path().join("maildir")),
        1,
        "queued on disk before the 250"
    );

    let second = start_163(dir, &sina.smtp.to_string());
    second.logged("<friend@sina.test> delivered");
    wait_until_queue_empty(&second.maildir());
    let listed = sina.fetch(&["--user", FRIEND]);
    assert!(
        listed.stdout.starts_with("1 message for friend\n"),
        "{listed:?}"
    );
    assert_eq!(sina.files("friend/new").len(), 1);
}

#[test]
fn one_connection_carries_every_recipient_behind_the_same_mta() {
    let sina = Mail::start(&[
        "--domain",
        "sina.test",
        "--user",
        FRIEND,
        "--user",
        "other:x",
    ]);
    let mta163 = start_163(tempfile::tempdir().unwrap(), &sina.smtp.to_string());
    let sent = mta163.send(
        &[
            "--from",
            "me@163.test",
            "--to",
            "friend@sina.test",
            "--to",
            "other@sina.test",
        ],
        "To both.\n",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    // One mail stored at sina for both: one connection, one DATA.
    let stored = sina.logged("stored as");
    assert!(stored.contains("for friend, other"), "{stored}");
    wait_until_queue_empty(&mta163.maildir());
}
