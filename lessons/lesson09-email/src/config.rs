//! The server's settings and the state its sessions share: one place to look them up.

use crate::maildir::{Mailbox, Maildir};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The mail server's settings and shared state, used by every session.
#[derive(Debug)]
pub struct Mta {
    /// Where mail is stored.
    pub maildir: Maildir,
    /// POP3 accounts, and the only SMTP recipients accepted; empty: anyone.
    pub users: HashMap<Mailbox, String>,
    /// The largest message accepted, in octets.
    pub max_size: usize,
    /// A session that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Sessions served at once, per protocol; more are told to come back later.
    pub max_connections: usize,
    /// Mailboxes with a POP3 session open: RFC 1939 allows one at a time. IMAP
    /// takes the same lock for a moment while it changes files in an INBOX.
    pub(crate) locked: Mutex<HashSet<Mailbox>>,
    /// An IMAP session that sends nothing for this long is logged out
    /// (RFC 3501 asks for at least 30 minutes).
    pub imap_idle_timeout: Duration,
    /// Held while an IMAP session gives UIDs to new messages, so that no two
    /// sessions give the same message different UIDs.
    pub(crate) uids: Mutex<()>,
    /// The domains whose mail ends here (`--domain`, lower case). Empty: every
    /// domain is ours, as before relaying existed.
    pub domains: Vec<String>,
    /// Clients allowed to relay, i.e. to send mail for other domains through us
    /// (`--relay-from`). Everyone else may only send mail *to* our domains:
    /// anything more makes an "open relay", which spammers find within hours.
    pub relay_from: Vec<IpAddr>,
}

impl Mta {
    /// A server storing mail in `maildir`, with the usual limits.
    pub fn new(maildir: Maildir, users: Vec<User>) -> Mta {
        Mta {
            maildir,
            users: users.into_iter().map(|u| (u.name, u.password)).collect(),
            max_size: 10 * 1024 * 1024,
            idle_timeout: Duration::from_secs(300),
            max_connections: 64,
            locked: Mutex::default(),
            imap_idle_timeout: Duration::from_secs(30 * 60),
            uids: Mutex::default(),
            domains: Vec::new(),
            relay_from: Vec::new(),
        }
    }

    /// Is mail for `domain` delivered here (rather than passed on)?
    pub fn is_local(&self, domain: &str) -> bool {
        self.domains.is_empty() || self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
    }

    /// May a client at `ip` send mail for other domains through us?
    pub fn may_relay(&self, ip: IpAddr) -> bool {
        self.relay_from.contains(&ip)
    }
}

/// `NAME:PASSWORD`, as given to `--user`.
#[derive(Clone, Debug)]
pub struct User {
    /// The mailbox, and the POP3 user name.
    pub name: Mailbox,
    /// The POP3 password.
    pub password: String,
}

impl FromStr for User {
    type Err = String;

    fn from_str(text: &str) -> Result<User, String> {
        let (name, password) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} should be NAME:PASSWORD, e.g. alice:secret"))?;
        let name = Mailbox::new(name).map_err(|e| e.to_string())?;
        Ok(User {
            name,
            password: password.to_string(),
        })
    }
}

/// Locks a mutex even if a thread panicked while holding it (the data is a plain set).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
