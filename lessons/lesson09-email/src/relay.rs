//! The delivery thread: takes mail from the queue to the next MTA.
//!
//! Each queued mail's pending recipients are grouped by destination (the next
//! hop for their domain), and each destination gets one connection carrying all
//! of its recipients: one copy of the message crosses the network, whatever the
//! number of recipients behind that MTA. Every reply is written down per
//! recipient before the next destination is tried, so a crash never sends a
//! delivered recipient a second copy.

use crate::bounce;
use crate::client::{Reply, SmtpClient};
use crate::maildir::Mailbox;
use crate::message::Address;
use crate::mx::{self, DnsError};
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

/// Where a recipient's copy goes next.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Hop {
    /// Into our own maildir (a bounce coming home, or a local recipient).
    Local,
    /// To the MTA at this address (`--route`).
    Remote(String),
    /// To the domain's mail hosts, found in DNS.
    Mx(String),
    /// Nowhere we know of.
    Unknown,
}

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
    let mut by_hop: BTreeMap<Hop, Vec<Address>> = BTreeMap::new();
    for r in entry.pending() {
        let hop = if mta.is_local(&r.address.domain) {
            Hop::Local
        } else {
            match mta.route(&r.address.domain) {
                Some(hop) => Hop::Remote(hop.to_string()),
                None if mta.resolver.is_some() => Hop::Mx(r.address.domain.to_ascii_lowercase()),
                None => Hop::Unknown,
            }
        };
        by_hop.entry(hop).or_default().push(r.address.clone());
    }
    let name = entry.to_string();
    for (hop, to) in by_hop {
        let attempt = match &hop {
            Hop::Unknown => {
                let reply = Reply {
                    code: 550,
                    lines: vec!["5.4.4 No route to the recipient's domain".into()],
                };
                Attempt::Replies(vec![reply; to.len()])
            }
            Hop::Local => store_here(mta, &entry.from, &to, message),
            Hop::Remote(addr) => {
                attempt(mta, std::slice::from_ref(addr), &entry.from, &to, message)
            }
            Hop::Mx(domain) => attempt_mx(mta, domain, &entry.from, &to, message),
        };
        let from = match &hop {
            Hop::Remote(addr) => format!(" (from {addr})"),
            Hop::Mx(domain) => format!(" (from {domain}'s mail host)"),
            _ => String::new(),
        };
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
                    (state, format!("{reply}{from}"))
                }
                Attempt::Failed(err) => (State::Pending, format!("{err}{from}")),
            };
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
    finish(mta, queue, entry, message);
}

// ANCHOR: finish
/// After an attempt: the mail waits for its next try, or, when every recipient
/// is decided, leaves the queue, the sender told of any failure.
fn finish(mta: &Mta, queue: &Queue, mut entry: Entry, message: &[u8]) {
    entry.attempts += 1;
    let age = now().saturating_sub(entry.arrived);
    if entry.pending().next().is_some() && age < mta.give_up.as_secs() {
        entry.next_try = now() + mta.retry_after(entry.attempts).as_secs();
        if let Err(err) = queue.save(&entry) {
            log(format_args!("queue: {entry}: cannot save its state: {err}"));
        }
        return;
    }
    let name = entry.to_string();
    for r in entry.to.iter_mut().filter(|r| r.state == State::Pending) {
        log(format_args!(
            "queue: {name}: <{}> failed: gave up",
            r.address
        ));
        r.state = State::Failed; // too old: give up
        r.reply = format!(
            "gave up after {} attempts; last: {}",
            entry.attempts, r.reply
        );
    }
    let failed: Vec<_> = entry
        .to
        .iter()
        .filter(|r| r.state == State::Failed)
        .collect();
    if !failed.is_empty() {
        if entry.from.is_empty() {
            // A bounce that cannot be delivered is dropped, never bounced.
            log(format_args!("queue: {entry}: undeliverable bounce dropped"));
        } else {
            let bounce =
                bounce::compose(mta.hostname(), &entry.from, entry.arrived, &failed, message);
            let sender = entry.from.parse::<Address>();
            let queued = sender
                .map_err(std::io::Error::other)
                .and_then(|s| queue.add_bytes(bounce.as_bytes(), "", &[s]));
            match queued {
                Ok(id) => log(format_args!("queue: {entry}: bounce queued as {id}")),
                Err(err) => {
                    // Keep the mail, so the failure is not forgotten either.
                    log(format_args!("queue: {entry}: cannot queue a bounce: {err}"));
                    return;
                }
            }
        }
    }
    if let Err(err) = queue.remove(&entry.id) {
        log(format_args!("queue: {entry}: cannot remove it: {err}"));
    }
}
// ANCHOR_END: finish

/// Stores the message in our own maildir for `to` (all in our domains), with
/// the `Return-Path:` that final delivery adds.
fn store_here(mta: &Mta, from: &str, to: &[Address], message: &[u8]) -> Attempt {
    let mut mailboxes = Vec::new();
    for address in to {
        match Mailbox::new(&address.local) {
            Ok(m) if mta.users.is_empty() || mta.users.contains_key(&m) => mailboxes.push(m),
            _ => {
                let reply = Reply {
                    code: 550,
                    lines: vec!["5.1.1 No such user here".into()],
                };
                return Attempt::Replies(vec![reply; to.len()]);
            }
        }
    }
    let stored = mta.maildir.spool().and_then(|mut file| {
        file.write_line(format!("Return-Path: <{from}>").as_bytes())?;
        let body = message.strip_suffix(b"\n").unwrap_or(message);
        for line in body.split(|&b| b == b'\n') {
            file.write_line(line)?;
        }
        mta.maildir.deliver(file, &mailboxes)
    });
    match stored {
        Ok(id) => {
            let reply = Reply {
                code: 250,
                lines: vec![format!("2.0.0 stored here as {id}")],
            };
            Attempt::Replies(vec![reply; to.len()])
        }
        Err(err) => Attempt::Failed(format!("cannot store it here: {err}")),
    }
}

fn state_word(state: State) -> &'static str {
    match state {
        State::Pending => "deferred",
        State::Delivered => "delivered",
        State::Failed => "failed",
    }
}

// ANCHOR: attempt_mx
/// Asks DNS for `domain`'s mail hosts and tries them in order.
fn attempt_mx(mta: &Mta, domain: &str, from: &str, to: &[Address], message: &[u8]) -> Attempt {
    let Some(resolver) = &mta.resolver else {
        return Attempt::Failed("no resolver".into());
    };
    match mx::next_hops(
        resolver.as_ref(),
        domain,
        mta.mx_port,
        &mut mx::clock_shuffle,
    ) {
        Ok(hops) => {
            let hops: Vec<String> = hops.iter().map(|a| a.to_string()).collect();
            attempt(mta, &hops, from, to, message)
        }
        Err(DnsError::Temporary(why)) => Attempt::Failed(format!("DNS: {why}")),
        Err(DnsError::NoSuchDomain(why)) => {
            let reply = Reply {
                code: 550,
                lines: vec![format!("5.1.2 {why}")],
            };
            Attempt::Replies(vec![reply; to.len()])
        }
    }
}
// ANCHOR_END: attempt_mx

/// One connection carrying the message for all of `to`: to the first of `hops`
/// that accepts it (the next is tried only when one cannot be reached).
fn attempt(mta: &Mta, hops: &[String], from: &str, to: &[Address], message: &[u8]) -> Attempt {
    let mut errors = Vec::new();
    let mut connected = None;
    for hop in hops {
        let addr = match HostPort::parse(hop) {
            Ok(addr) => addr,
            Err(err) => {
                errors.push(err.to_string());
                continue;
            }
        };
        match SmtpClient::connect(&addr, mta.relay_timeouts.greeting, None) {
            Ok(client) => {
                connected = Some(client);
                break;
            }
            Err(err) => errors.push(format!("{err:#}")),
        }
    }
    let Some(mut client) = connected else {
        return Attempt::Failed(errors.join("; "));
    };
    let sent = client.relay(from, to, message, &mta.relay_timeouts);
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
