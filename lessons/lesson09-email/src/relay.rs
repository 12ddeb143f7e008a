//! The delivery thread: takes mail from the queue to the next MTA.
//!
//! Each queued mail's pending recipients are grouped by destination (the next
//! hop for their domain), and each destination gets one connection carrying all
//! of its recipients: one copy of the message crosses the network, whatever the
//! number of recipients behind that MTA. Every reply is written down per
//! recipient before the next destination is tried, so a crash never sends a
//! delivered recipient a second copy.

use crate::client::{Reply, SmtpClient};
use crate::message::Address;
use crate::queue::{now, Entry, Queue, State};
use crate::Mta;
use shared::addr::HostPort;
use shared::server::{log, Shutdown};
use std::collections::BTreeMap;
use std::time::Duration;

/// How often the thread looks at the queue when nobody rings: for retries.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// What became of one attempt to reach a destination.
enum Attempt {
    /// The next MTA answered, one reply per recipient.
    Replies(Vec<Reply>),
    /// It could not be reached, or the dialogue broke: nobody is decided.
    Failed(String),
}

// ANCHOR: run
/// Delivers queued mail until `shutdown`. On start it finds what an earlier run
/// left (even after `kill -9`) and goes on with it.
pub fn run(mta: &Mta, queue: &Queue, shutdown: &Shutdown) {
    while !shutdown.is_triggered() {
        match queue.entries() {
            Ok(entries) => {
                for entry in entries {
                    match entry {
                        Ok(entry) if entry.next_try <= now() => deliver(mta, queue, entry),
                        Ok(_) => {} // not yet
                        Err(err) => log(format_args!("queue: {err}")),
                    }
                    if shutdown.is_triggered() {
                        return;
                    }
                }
            }
            Err(err) => log(format_args!(
                "queue: cannot read {}: {err}",
                queue.dir().display()
            )),
        }
        queue.wait(LOOK_EVERY);
    }
}
// ANCHOR_END: run

/// One attempt at one queued mail: every destination once.
fn deliver(mta: &Mta, queue: &Queue, mut entry: Entry) {
    let message = match queue.message(&entry.id) {
        Ok(message) => message,
        Err(err) => {
            log(format_args!(
                "queue: {entry}: cannot read the message: {err}"
            ));
            return;
        }
    };
    // Our own `Return-Path:` is for final delivery only (RFC 5321 section 4.4):
    // the next MTA is not the last one to know that yet.
    let message = strip_return_path(&message);
    let mut by_hop: BTreeMap<String, Vec<Address>> = BTreeMap::new();
    for r in entry.pending() {
        let hop = match mta.route(&r.address.domain) {
            Some(hop) => hop.to_string(),
            None => String::new(), // no route: failed below
        };
        by_hop.entry(hop).or_default().push(r.address.clone());
    }
    let mut deferred = false;
    for (hop, to) in by_hop {
        let attempt = if hop.is_empty() {
            let reply = Reply {
                code: 550,
                lines: vec!["5.4.4 No route to the recipient's domain".into()],
            };
            Attempt::Replies(vec![reply; to.len()])
        } else {
            attempt(mta, &hop, &entry.from, &to, message)
        };
        let name = entry.to_string();
        for (i, address) in to.iter().enumerate() {
            let Some(r) = entry.to.iter_mut().find(|r| &r.address == address) else {
                continue;
            };
            let (state, text) = match &attempt {
                Attempt::Replies(replies) => {
                    let reply = &replies[i];
                    let state = match reply.code / 100 {
                        2 => State::Delivered,
                        5 => State::Failed,
                        _ => State::Pending,
                    };
                    (state, format!("{hop}: {reply}"))
                }
                Attempt::Failed(err) => (State::Pending, format!("{hop}: {err}")),
            };
            deferred |= state == State::Pending;
            log(format_args!(
                "queue: {name}: <{address}> {}: {text}",
                state_word(state)
            ));
            r.state = state;
            r.reply = text;
        }
        // Written down before the next destination: a crash now never
        // sends these recipients a second copy.
        if let Err(err) = queue.save(&entry) {
            log(format_args!("queue: {entry}: cannot save its state: {err}"));
            return;
        }
    }
    finish(mta, queue, entry, deferred);
}

/// After an attempt: the mail leaves the queue, or waits for its next try.
fn finish(mta: &Mta, queue: &Queue, mut entry: Entry, deferred: bool) {
    entry.attempts += 1;
    if deferred {
        let wait = mta.retry_after(entry.attempts);
        entry.next_try = now() + wait.as_secs();
        if let Err(err) = queue.save(&entry) {
            log(format_args!("queue: {entry}: cannot save its state: {err}"));
        }
        return;
    }
    if let Err(err) = queue.remove(&entry.id) {
        log(format_args!("queue: {entry}: cannot remove it: {err}"));
    }
}

fn state_word(state: State) -> &'static str {
    match state {
        State::Pending => "deferred",
        State::Delivered => "delivered",
        State::Failed => "failed",
    }
}

/// One connection to `hop` carrying the message for all of `to`.
fn attempt(mta: &Mta, hop: &str, from: &str, to: &[Address], message: &[u8]) -> Attempt {
    let addr = match HostPort::parse(hop) {
        Ok(addr) => addr,
        Err(err) => return Attempt::Failed(err.to_string()),
    };
    let mut client = match SmtpClient::connect(&addr, mta.relay_timeout, None) {
        Ok(client) => client,
        Err(err) => return Attempt::Failed(format!("{err:#}")),
    };
    let sent = client.relay(from, to, message);
    client.quit();
    match sent {
        Ok(replies) => Attempt::Replies(replies),
        Err(err) => Attempt::Failed(format!("{err:#}")),
    }
}

/// The message without a first line `Return-Path: ...`.
fn strip_return_path(message: &[u8]) -> &[u8] {
    if message.starts_with(b"Return-Path:") {
        let end = message
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        &message[end..]
    } else {
        message
    }
}
