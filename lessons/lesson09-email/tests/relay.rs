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

/// A loopback port where nobody listens (for now).
fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[test]
fn the_receiving_mta_down_at_first_gets_the_mail_once_it_starts() {
    let hop = free_port();
    let mta163 = start_163(tempfile::tempdir().unwrap(), &hop);
    send_to_friend(&mta163, "Wait for me.\n");
    let deferred = mta163.logged("<friend@sina.test> deferred");
    assert!(deferred.contains(&hop), "{deferred}");
    assert_eq!(queued(&mta163.maildir()), 1);
    // lesson09-mailq shows it waiting, with the reason.
    let maildir = mta163.maildir();
    let listed = shared::testing::run(common::MAILQ, &["--maildir", maildir.to_str().unwrap()], "");
    assert_eq!(listed.code, 0, "{listed:?}");
    assert!(
        listed.stdout.contains("from <me@163.test>  attempts "),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains(&format!(
            "    <friend@sina.test> pending: cannot connect to {hop}"
        )),
        "{}",
        listed.stdout
    );
    // Now sina starts, at the address 163 has been trying (--retry 1s).
    let sina = Mail::start_at(&hop, &["--domain", "sina.test", "--user", FRIEND]);
    mta163.logged("<friend@sina.test> delivered");
    sina.logged("for friend");
    wait_until_queue_empty(&mta163.maildir());
    assert_eq!(sina.files("friend/new").len(), 1);
    let listed = shared::testing::run(common::MAILQ, &["--maildir", maildir.to_str().unwrap()], "");
    assert_eq!(listed.stdout, "The queue is empty.\n");
}

#[test]
fn a_550_comes_back_as_a_bounce_in_the_senders_mailbox_naming_the_reply() {
    let sina = sina();
    let mta163 = start_163(tempfile::tempdir().unwrap(), &sina.smtp.to_string());
    let sent = mta163.send(
        &["--from", "me@163.test", "--to", "nobody@sina.test"],
        "Anyone there?\n",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    mta163.logged("<nobody@sina.test> failed: 550 5.1.1 No such user here");
    mta163.logged("<me@163.test> delivered");
    wait_until_queue_empty(&mta163.maildir());
    let bounces = mta163.files("me/new");
    assert_eq!(bounces.len(), 1, "one bounce for me");
    let bounce = std::fs::read_to_string(&bounces[0]).unwrap();
    for part in [
        "Return-Path: <>\n",
        "From: Mail Delivery System <MAILER-DAEMON@163.test>\n",
        "Content-Type: multipart/report; report-type=delivery-status;",
        "Final-Recipient: rfc822; nobody@sina.test\nAction: failed\nStatus: 5.1.1\n",
        "Diagnostic-Code: smtp; 550 5.1.1 No such user here",
        "Subject: \n", // the failed mail's headers come back
    ] {
        assert!(bounce.contains(part), "{part:?} missing in\n{bounce}");
    }
    assert!(!bounce.contains("Anyone there?"), "headers only:\n{bounce}");
}

#[test]
fn a_mail_from_the_null_sender_is_never_bounced() {
    let sina = sina();
    let mta163 = start_163(tempfile::tempdir().unwrap(), &sina.smtp.to_string());
    let mut raw = common::smtp_to_data(mta163.smtp, "", "nobody@sina.test");
    raw.send("Subject: a bounce\r\n\r\nundeliverable\r\n.\r\n");
    assert!(raw.reply().starts_with("250 "));
    mta163.logged("<nobody@sina.test> failed: 550");
    mta163.logged("undeliverable bounce dropped");
    wait_until_queue_empty(&mta163.maildir());
    let kept: Vec<_> = files(&mta163.maildir())
        .into_iter()
        .filter(|p| !p.ends_with("tmp") && !p.ends_with(".queue"))
        .collect();
    assert!(kept.is_empty(), "no mailbox got a bounce: {kept:?}");
}

#[test]
fn two_mtas_routed_to_each_other_stop_the_loop() {
    // a.test's MTA sends x.test's mail to b.test's MTA, which sends it back.
    let a_port = free_port();
    let b = Mail::start(&[
        "--domain",
        "b.test",
        "--relay-from",
        "127.0.0.1",
        "--retry",
        "1s",
        "--route",
        &format!("x.test={a_port}"),
        "--route",
        &format!("a.test={a_port}"),
    ]);
    let b_hop = b.smtp.to_string();
    let a = Mail::start_at(
        &a_port,
        &[
            "--domain",
            "a.test",
            "--relay-from",
            "127.0.0.1",
            "--retry",
            "1s",
            "--route",
            &format!("x.test={b_hop}"),
        ],
    );
    let sent = a.send(
        &["--from", "me@a.test", "--to", "someone@x.test"],
        "Round and round.\n",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
    // After 30 Received: headers (one per hop) the next MTA refuses it as a
    // loop, and the bounce reaches me at a.test.
    let refused = b.logged("Received: headers, a loop?");
    assert!(
        refused.contains("refused mail from <me@a.test>: 31 Received:"),
        "{refused}"
    );
    a.logged("554 5.4.6 Too many hops");
    let since = Instant::now();
    while a.files("me/new").is_empty() {
        assert!(since.elapsed() < 3 * PATIENCE, "no bounce came back");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let bounce = std::fs::read_to_string(&a.files("me/new")[0]).unwrap();
    assert!(bounce.contains("Status: 5.4.6"), "{bounce}");
    wait_until_queue_empty(&a.maildir());
    wait_until_queue_empty(&b.maildir());
}

#[test]
fn a_mail_that_cannot_go_before_give_up_is_bounced_as_expired() {
    let hop = free_port(); // nobody ever listens there
    let args = relay_args(&hop);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--give-up", "2s"]);
    let mta163 = Mail::start(&args);
    send_to_friend(&mta163, "Too late.\n");
    mta163.logged("<friend@sina.test> deferred");
    mta163.logged("<friend@sina.test> failed: gave up");
    mta163.logged("<me@163.test> delivered");
    let bounce = std::fs::read_to_string(&mta163.files("me/new")[0]).unwrap();
    assert!(bounce.contains("Status: 4.4.7\n"), "{bounce}");
    assert!(bounce.contains(&hop), "names the hop it tried:\n{bounce}");
}

#[test]
fn a_next_mta_that_never_answers_is_given_up_on_and_retried() {
    // Connections are accepted by the kernel (the backlog), but nobody speaks.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hop = silent.local_addr().unwrap().to_string();
    let args = relay_args(&hop);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--relay-timeout", "1"]);
    let mta163 = Mail::start(&args);
    send_to_friend(&mta163, "Anyone?\n");
    let deferred = mta163.logged("<friend@sina.test> deferred");
    assert!(
        deferred.contains("no reply from the server within 1 s"),
        "{deferred}"
    );
    assert_eq!(
        queued(&mta163.maildir()),
        1,
        "still queued, to be tried again"
    );
    drop(silent);
}
