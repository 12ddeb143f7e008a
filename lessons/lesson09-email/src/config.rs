//! The server's settings and the state its sessions share: one place to look them up.

use crate::client::Timeouts;
use crate::maildir::{Mailbox, Maildir};
use crate::mx::Resolver;
use crate::queue::Queue;
use shared::addr::HostPort;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The mail server's settings and shared state, used by every session.
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
    /// The next hop for mail to a domain (`--route DOMAIN=HOST:PORT`, lower case).
    pub routes: HashMap<String, HostPort>,
    /// Mail for other domains waits here for the next hop; `None`: no relaying.
    pub queue: Option<Queue>,
    /// How long to wait after the n-th failed attempt (the last entry repeats).
    pub retry: Vec<Duration>,
    /// Finds the next MTA for domains without a route (MX records); `None`:
    /// only `--route` domains can be relayed to.
    pub resolver: Option<Box<dyn Resolver>>,
    /// The port MX hosts are reached on (25; another for a classroom).
    pub mx_port: u16,
    /// A mail still not delivered after this long is bounced.
    pub give_up: Duration,
    /// How long the delivery thread waits for the next MTA's replies.
    pub relay_timeouts: Timeouts,
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
            routes: HashMap::new(),
            queue: None,
            retry: default_retry(),
            relay_timeouts: Timeouts::rfc5321(),
            give_up: Duration::from_secs(5 * 86_400),
            resolver: None,
            mx_port: 25,
        }
    }

    /// The name we give ourselves: our first domain, else `localhost`.
    pub fn hostname(&self) -> &str {
        self.domains
            .first()
            .map_or(crate::smtp::HOSTNAME, String::as_str)
    }

    /// The next hop for `domain`, if we know one.
    pub fn route(&self, domain: &str) -> Option<&HostPort> {
        self.routes.get(&domain.to_ascii_lowercase())
    }

    /// The wait before the next try after `attempts` failed ones.
    pub fn retry_after(&self, attempts: u32) -> Duration {
        let i = (attempts as usize).saturating_sub(1);
        self.retry
            .get(i)
            .or(self.retry.last())
            .copied()
            .unwrap_or(Duration::from_secs(30 * 60))
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

impl std::fmt::Debug for Mta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mta")
            .field("maildir", &self.maildir)
            .field("domains", &self.domains)
            .field("routes", &self.routes)
            .field("resolver", &self.resolver.is_some())
            .finish_non_exhaustive()
    }
}

impl Mta {
    /// Can mail for `domain` be passed on: a route, or DNS to ask?
    pub fn can_reach(&self, domain: &str) -> bool {
        self.route(domain).is_some() || self.resolver.is_some()
    }
}

/// RFC 5321 section 4.5.4.1: retry at least 30 minutes apart.
pub fn default_retry() -> Vec<Duration> {
    vec![Duration::from_secs(30 * 60)]
}

/// `--retry 1s,5s,30s`: the waits after the first, second, ... failed attempt
/// (the last one repeats). Units: `s`, `m`, `h`, `d`.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (number, unit) = part.split_at(part.len().saturating_sub(1));
            let seconds = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => 0,
            };
            match number.parse::<u64>() {
                Ok(n) if seconds > 0 && n > 0 => Ok(Duration::from_secs(n * seconds)),
                _ => Err(format!(
                    "{part:?} should be a number and a unit (s, m, h, d), e.g. --retry 1s,5s,30s"
                )),
            }
        })
        .collect()
}

/// `DOMAIN=HOST:PORT`, as given to `--route`.
#[derive(Clone, Debug)]
pub struct Route {
    /// The recipient domain, lower case.
    pub domain: String,
    /// Where its mail goes next.
    pub hop: HostPort,
}

impl FromStr for Route {
    type Err = String;

    fn from_str(text: &str) -> Result<Route, String> {
        let (domain, hop) = text
            .split_once('=')
            .filter(|(d, _)| !d.is_empty())
            .ok_or_else(|| {
                format!("{text:?} should be DOMAIN=HOST:PORT, e.g. sina.test=127.0.0.1:2526")
            })?;
        let hop = HostPort::parse(hop).map_err(|e| e.to_string())?;
        Ok(Route {
            domain: domain.to_ascii_lowercase(),
            hop,
        })
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

/// For unit tests of the protocols: a server with one user, alice (password
/// `secret`), and `mails` delivered to her INBOX, in a maildir that lives as long as
/// the returned folder.
#[cfg(test)]
pub(crate) fn with_alice(mails: &[&str]) -> (tempfile::TempDir, Mta) {
    let dir = tempfile::tempdir().unwrap();
    let maildir = Maildir::open(dir.path()).unwrap();
    let alice = Mailbox::new("alice").unwrap();
    for text in mails {
        let mut spooled = maildir.spool().unwrap();
        for line in text.lines() {
            spooled.write_line(line.as_bytes()).unwrap();
        }
        maildir
            .deliver(spooled, std::slice::from_ref(&alice))
            .unwrap();
    }
    let users = vec!["alice:secret".parse().unwrap()];
    (dir, Mta::new(maildir, users))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_schedule_is_waits_with_units_and_the_last_repeats() {
        let waits = parse_schedule("1s,5m,2h,1d").unwrap();
        assert_eq!(
            waits,
            [1, 300, 7200, 86_400].map(Duration::from_secs).to_vec()
        );
        for bad in ["", "5", "0s", "1x", "s", "1s,,2s"] {
            assert!(parse_schedule(bad).is_err(), "{bad:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let mut mta = Mta::new(Maildir::open(dir.path()).unwrap(), Vec::new());
        assert_eq!(
            mta.retry_after(1),
            Duration::from_secs(30 * 60),
            "RFC 5321's default"
        );
        mta.retry = waits;
        assert_eq!(mta.retry_after(1), Duration::from_secs(1));
        assert_eq!(mta.retry_after(2), Duration::from_secs(300));
        assert_eq!(mta.retry_after(9), Duration::from_secs(86_400));
    }
}
