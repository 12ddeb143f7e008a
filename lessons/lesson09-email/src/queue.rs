//! The queue: mail accepted for other domains, on disk until the next MTA has it.
//!
//! When an MTA answers `250` to a mail it must pass on, the mail is *its*
//! responsibility now: the client forgets it. So the queue keeps two files per
//! mail, both `fsync`ed before the `250`:
//!
//! ```text
//! DIR/.queue/ID.msg    the message, as it will be sent on (our Received: on top)
//! DIR/.queue/ID.env    the envelope: sender, and each recipient with its state
//! ```
//!
//! The `.env` file is written last, under a temporary name, and renamed into
//! place: a mail is in the queue exactly when its `.env` exists. Every change of
//! state (one recipient delivered, another deferred) writes the whole `.env` again
//! the same way, so after a crash, even `kill -9`, it holds either the old state or
//! the new one, never half of each. A recipient marked delivered is never sent
//! again. (The one gap SMTP itself leaves: a crash after the next MTA's `250`
//! and before our rename sends that recipient's copy again, once. RFC 5321
//! section 6.1 prefers a duplicate to a loss.)
//!
//! `.queue` starts with a dot, which no mailbox name may, so it is never taken
//! for a user's mailbox.

use crate::maildir::{create_private_dirs, sync_dir, unique_name};
use crate::message::Address;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a recipient's copy stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not delivered yet: tried at the entry's next try.
    Pending,
    /// The next MTA answered `250`: done, never sent again.
    Delivered,
    /// Refused for good (`5xx`) or given up on: the sender is told.
    Failed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Delivered => "delivered",
            State::Failed => "failed",
        }
    }
}

/// One recipient of a queued mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// `RCPT TO` at the next hop.
    pub address: Address,
    /// Delivered, failed, or still to do.
    pub state: State,
    /// The reply or error that decided or deferred it, for the bounce and `mailq`.
    pub reply: String,
}

/// A queued mail's envelope and delivery state (the `.env` file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file names' stem.
    pub id: String,
    /// `MAIL FROM` (empty for `<>`: a bounce, which is never bounced).
    pub from: String,
    /// Every recipient, with its state.
    pub to: Vec<Recipient>,
    /// When it was accepted (seconds since 1970).
    pub arrived: u64,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// Not to be tried before this time (seconds since 1970).
    pub next_try: u64,
}

impl Entry {
    /// The `.env` file's text: one `key value` line each, a recipient per line.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "from <{}>\narrived {}\nattempts {}\nnext-try {}\n",
            self.from, self.arrived, self.attempts, self.next_try
        );
        for r in &self.to {
            let reply = r.reply.replace(['\r', '\n'], " ");
            text.push_str(&format!(
                "rcpt {} <{}> {}\n",
                r.state.as_str(),
                r.address,
                reply
            ));
        }
        text
    }

    /// Reads what [`Entry::to_text`] wrote.
    pub fn parse(id: &str, text: &str) -> Result<Entry, String> {
        let bad = |line: &str| format!("queue entry {id}: cannot read {line:?}");
        let mut entry = Entry {
            id: id.to_string(),
            from: String::new(),
            to: Vec::new(),
            arrived: 0,
            attempts: 0,
            next_try: 0,
        };
        for line in text.lines() {
            let (key, value) = line.split_once(' ').ok_or_else(|| bad(line))?;
            let number = || value.parse::<u64>().map_err(|_| bad(line));
            match key {
                "from" => {
                    entry.from = value
                        .strip_prefix('<')
                        .and_then(|v| v.strip_suffix('>'))
                        .ok_or_else(|| bad(line))?
                        .to_string()
                }
                "arrived" => entry.arrived = number()?,
                "attempts" => entry.attempts = number()? as u32,
                "next-try" => entry.next_try = number()?,
                "rcpt" => {
                    let (state, rest) = value.split_once(' ').ok_or_else(|| bad(line))?;
                    let (address, reply) = rest.split_once(' ').unwrap_or((rest, ""));
                    let address = address
                        .strip_prefix('<')
                        .and_then(|a| a.strip_suffix('>'))
                        .and_then(|a| a.parse().ok())
                        .ok_or_else(|| bad(line))?;
                    let state = match state {
                        "pending" => State::Pending,
                        "delivered" => State::Delivered,
                        "failed" => State::Failed,
                        _ => return Err(bad(line)),
                    };
                    entry.to.push(Recipient {
                        address,
                        state,
                        reply: reply.to_string(),
                    });
                }
                _ => return Err(bad(line)),
            }
        }
        Ok(entry)
    }

    /// Recipients still to deliver.
    pub fn pending(&self) -> impl Iterator<Item = &Recipient> {
        self.to.iter().filter(|r| r.state == State::Pending)
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from <{}>", self.id, self.from)
    }
}

/// The queue folder, and a bell the SMTP sessions ring when they add a mail.
#[derive(Debug)]
pub struct Queue {
    /// `DIR/.queue`.
    dir: PathBuf,
    /// Set when a mail was added; the delivery thread waits on `bell`.
    added: Mutex<bool>,
    /// Wakes the delivery thread at once, instead of at its next look.
    bell: Condvar,
}

/// Seconds since 1970.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Queue {
    /// Opens (creating if need be) the queue inside the maildir folder `root`.
    pub fn open(root: &Path) -> io::Result<Queue> {
        let dir = root.join(".queue");
        create_private_dirs(&dir)?;
        Ok(Queue {
            dir,
            added: Mutex::new(false),
            bell: Condvar::new(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    // ANCHOR: add
    /// Queues the message in the (already `fsync`ed) file `message` for `to`.
    /// When this returns `Ok`, the mail survives a crash: the server may answer `250`.
    pub fn add(&self, message: &Path, from: &str, to: &[Address]) -> io::Result<String> {
        let id = unique_name();
        let msg = self.dir.join(format!("{id}.msg"));
        // A second name for the same bytes: no copy, and the bytes are synced.
        fs::hard_link(message, &msg)?;
        self.enter(id, &msg, from, to)
    }
    // ANCHOR_END: add

    /// Queues a message we wrote ourselves (a bounce).
    pub fn add_bytes(&self, message: &[u8], from: &str, to: &[Address]) -> io::Result<String> {
        let id = unique_name();
        let msg = self.dir.join(format!("{id}.msg"));
        let mut file = fs::File::create(&msg)?;
        file.write_all(message)?;
        file.sync_all()?;
        self.enter(id, &msg, from, to)
    }

    /// Writes the envelope of the message already at `msg`: now it is queued.
    fn enter(&self, id: String, msg: &Path, from: &str, to: &[Address]) -> io::Result<String> {
        let entry = Entry {
            id: id.clone(),
            from: from.to_string(),
            to: to
                .iter()
                .map(|address| Recipient {
                    address: address.clone(),
                    state: State::Pending,
                    reply: String::new(),
                })
                .collect(),
            arrived: now(),
            attempts: 0,
            next_try: 0,
        };
        if let Err(err) = self.save(&entry) {
            let _ = fs::remove_file(msg);
            return Err(err);
        }
        *crate::lock(&self.added) = true;
        self.bell.notify_all();
        Ok(id)
    }

    /// Writes an entry's state: a temporary file, `fsync`, rename, `fsync` the folder.
    pub fn save(&self, entry: &Entry) -> io::Result<()> {
        let tmp = self.dir.join(format!("{}.env.tmp", entry.id));
        let mut file = fs::File::create(&tmp)?;
        file.write_all(entry.to_text().as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, self.dir.join(format!("{}.env", entry.id)))?;
        sync_dir(&self.dir)
    }

    /// Removes a finished entry: the `.env` first, so it is never half in the queue.
    pub fn remove(&self, id: &str) -> io::Result<()> {
        fs::remove_file(self.dir.join(format!("{id}.env")))?;
        sync_dir(&self.dir)?;
        let _ = fs::remove_file(self.dir.join(format!("{id}.msg")));
        Ok(())
    }

    /// Removes what a crash left behind, if older than `age`: a `.msg` whose `.env`
    /// was never written (that mail was never answered `250`, so its sender still has
    /// it) and a `.env.tmp` that was never renamed (the `.env` before it still holds
    /// the state). Returns how many files went.
    ///
    /// Only *old* files, as for the maildir's `tmp/`: a mail being queued right now
    /// is a `.msg` whose `.env` comes a moment later.
    pub fn remove_leftovers(&self, age: Duration) -> io::Result<usize> {
        let mut removed = 0;
        for file in fs::read_dir(&self.dir)? {
            let file = file?;
            let name = file.file_name().to_string_lossy().into_owned();
            let orphan = match name.strip_suffix(".msg") {
                Some(id) => !self.dir.join(format!("{id}.env")).exists(),
                None => name.ends_with(".env.tmp"),
            };
            let old = file
                .metadata()?
                .modified()?
                .elapsed()
                .is_ok_and(|e| e > age);
            if orphan && old {
                fs::remove_file(file.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The message bytes of an entry.
    pub fn message(&self, id: &str) -> io::Result<Vec<u8>> {
        fs::read(self.dir.join(format!("{id}.msg")))
    }

    /// Every entry, oldest first. Unreadable ones are reported and skipped.
    pub fn entries(&self) -> io::Result<Vec<Result<Entry, String>>> {
        let mut found = Vec::new();
        for file in fs::read_dir(&self.dir)? {
            let name = file?.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".env") else {
                continue;
            };
            match fs::read_to_string(self.dir.join(&name)) {
                Ok(text) => found.push(Entry::parse(id, &text)),
                Err(err) if err.kind() == io::ErrorKind::NotFound => {} // just removed
                Err(err) => found.push(Err(format!("queue entry {id}: {err}"))),
            }
        }
        found.sort_by(|a, b| match (a, b) {
            (Ok(a), Ok(b)) => a.id.cmp(&b.id),
            _ => std::cmp::Ordering::Equal,
        });
        Ok(found)
    }

    /// Waits until a mail is added, or at most `wait`.
    pub fn wait(&self, wait: Duration) {
        let added = crate::lock(&self.added);
        let (mut added, _) = self
            .bell
            .wait_timeout_while(added, wait, |added| !*added)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *added = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_written() {
        let entry = Entry {
            id: "123.M4P5.host".into(),
            from: String::new(),
            to: vec![
                Recipient {
                    address: "a@x.test".parse().unwrap(),
                    state: State::Delivered,
                    reply: "250 2.0.0 OK".into(),
                },
                Recipient {
                    address: "b@y.test".parse().unwrap(),
                    state: State::Pending,
                    reply: String::new(),
                },
            ],
            arrived: 1,
            attempts: 2,
            next_try: 3,
        };
        let text = entry.to_text();
        assert_eq!(Entry::parse(&entry.id, &text), Ok(entry));
        assert!(Entry::parse("x", "rcpt lost <a@b>\n").is_err());
    }

    #[test]
    fn a_queued_mail_stays_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path()).unwrap();
        let message = dir.path().join("m");
        fs::write(&message, "Subject: x\n\nhi\n").unwrap();
        let id = queue
            .add(
                &message,
                "me@163.test",
                &["friend@sina.test".parse().unwrap()],
            )
            .unwrap();
        let again = Queue::open(dir.path()).unwrap(); // as after a restart
        let entries = again.entries().unwrap();
        let [Ok(entry)] = &entries[..] else {
            panic!("{entries:?}")
        };
        assert_eq!(entry.from, "me@163.test");
        assert_eq!(entry.pending().count(), 1);
        assert_eq!(again.message(&id).unwrap(), b"Subject: x\n\nhi\n");
        again.remove(&id).unwrap();
        assert!(again.entries().unwrap().is_empty());
        assert!(!again.dir().join(format!("{id}.msg")).exists());
    }

    #[test]
    fn what_a_crash_left_behind_is_removed_but_queued_mail_stays() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path()).unwrap();
        let message = dir.path().join("m");
        fs::write(&message, "Subject: x\n\nhi\n").unwrap();
        let id = queue
            .add(
                &message,
                "me@163.test",
                &["friend@sina.test".parse().unwrap()],
            )
            .unwrap();
        // A crash between the two files of the next mail, and one mid-save.
        fs::write(queue.dir().join("orphan.msg"), "Subject: y\n\nlost\n").unwrap();
        fs::write(queue.dir().join(format!("{id}.env.tmp")), "half").unwrap();
        // Nothing is old enough yet: a mail may be entering the queue right now.
        assert_eq!(
            queue.remove_leftovers(Duration::from_secs(3600)).unwrap(),
            0
        );
        assert_eq!(queue.remove_leftovers(Duration::ZERO).unwrap(), 2);
        assert!(!queue.dir().join("orphan.msg").exists());
        assert!(!queue.dir().join(format!("{id}.env.tmp")).exists());
        let entries = queue.entries().unwrap();
        assert!(
            matches!(&entries[..], [Ok(entry)] if entry.id == id),
            "{entries:?}"
        );
        assert_eq!(queue.message(&id).unwrap(), b"Subject: x\n\nhi\n");
    }
}
