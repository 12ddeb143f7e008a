//! Where mail waits for its reader: a *maildir*, one file per message.
//!
//! An MTA must never lose a mail it has accepted: once it answers `250`, the sender
//! forgets the message. And a mail it did *not* accept (too big, connection lost
//! half-way) must never show up half-written in someone's mailbox. A maildir gets
//! both from two file-system guarantees, without any locking:
//!
//! 1. Write the message under a unique name in a `tmp/` folder, then `fsync` it:
//!    when `sync_all` returns, the bytes are on the disk, not just in the OS's cache.
//! 2. *Link* it into each recipient's `tmp/`, then *rename* it into `new/`. A rename
//!    appears all at once or not at all, so a reader scanning `new/` sees complete
//!    messages only. `fsync` the `new/` folder too, so the new name itself survives
//!    a power cut.
//!
//! Files and folders are private to the server's user (0600 and 0700 on Unix).
//!
//! Only then does the server answer `250`. Layout, one maildir per user:
//!
//! ```text
//! DIR/tmp/               messages being received (removed if not accepted)
//! DIR/alice/tmp/         being delivered to alice (a moment, between 1. and 2.)
//! DIR/alice/new/         delivered, not yet seen by a mail reader
//! DIR/alice/cur/         seen (other maildir programs move messages here)
//! ```

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Files in a `tmp/` folder older than this are leftovers of a crash (maildir's rule).
pub const STALE_AFTER: Duration = Duration::from_secs(36 * 60 * 60);

/// The root folder of all mailboxes.
#[derive(Debug)]
pub struct Maildir {
    /// `DIR`: holds `tmp/` and one folder per user.
    root: PathBuf,
}

// ANCHOR: mailbox
/// A user's mailbox name: the local part of an address (`alice` in `alice@example.com`).
///
/// It becomes a folder name, so it is checked strictly: a recipient such as
/// `<../../etc@example.com>` must never become a path outside the maildir.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mailbox(String);

impl Mailbox {
    /// Letters, digits and `.` `_` `+` `-`, at most 64 characters, not starting with
    /// `.`, and not `tmp` (the folder for mail being received). Mailbox names are
    /// compared in lower case, as most mail systems do.
    pub fn new(name: &str) -> Result<Mailbox, BadMailbox> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && !name.eq_ignore_ascii_case("tmp")
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
        if ok {
            Ok(Mailbox(name.to_ascii_lowercase()))
        } else {
            Err(BadMailbox(name.to_string()))
        }
    }

    /// The name, in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
// ANCHOR_END: mailbox

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name that cannot be a mailbox (see [`Mailbox::new`]).
#[derive(Debug, PartialEq, Eq)]
pub struct BadMailbox(pub String);

impl fmt::Display for BadMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a mailbox name (use letters, digits and . _ + -, \
             at most 64, not starting with a dot, not \"tmp\")",
            self.0
        )
    }
}

impl std::error::Error for BadMailbox {}

/// One delivered message, as a mail reader sees it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The file.
    pub path: PathBuf,
    /// Its unique file name: POP3's `UIDL` reports it.
    pub uid: String,
    /// Its size in octets as sent over POP3, where each line ends in `\r\n`
    /// (the file's lines end in `\n`).
    pub size: u64,
}

impl Maildir {
    /// Opens (creating if need be) the maildir at `root`.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Maildir> {
        let root = root.into();
        create_private_dirs(&root.join("tmp"))?;
        Ok(Maildir { root })
    }

    // ANCHOR: remove_stale
    /// Removes files older than `age` from `tmp/` and every mailbox's `tmp/`:
    /// mail that was being received when the server was killed (`kill -9`, a
    /// power cut). Returns how many were removed.
    ///
    /// Only *old* files go: another process may be delivering into the same
    /// maildir right now. Maildir's own rule is 36 hours ([`STALE_AFTER`]).
    pub fn remove_stale(&self, age: Duration) -> io::Result<usize> {
        let mut folders = vec![self.root.join("tmp")];
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                folders.push(entry.path().join("tmp"));
                // IMAP folders (`.Trash`, `.Sent`) inside the mailbox.
                for sub in fs::read_dir(entry.path())? {
                    let sub = sub?;
                    if sub.file_name().to_string_lossy().starts_with('.') {
                        folders.push(sub.path().join("tmp"));
                    }
                }
            }
        }
        let mut removed = 0;
        for folder in folders {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue; // a mailbox without tmp/ yet
            };
            for entry in entries {
                let entry = entry?;
                let modified = entry.metadata()?.modified()?;
                let old = modified.elapsed().is_ok_and(|elapsed| elapsed > age);
                if old && entry.file_type()?.is_file() {
                    fs::remove_file(entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
    // ANCHOR_END: remove_stale

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts a new message in `tmp/`; it is removed again unless [`Maildir::deliver`]ed.
    pub fn spool(&self) -> io::Result<Spooled> {
        let id = unique_name();
        let path = self.root.join("tmp").join(&id);
        // `create_new`: never overwrite, even if two processes picked the same name.
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600); // a mailbox is private
        let file = options.open(&path)?;
        Ok(Spooled {
            id,
            path,
            file: Some(BufWriter::new(file)),
        })
    }

    // ANCHOR: deliver
    /// Makes a spooled message durable and puts it into each mailbox in `to`:
    /// into all of them, or (on an error) into none.
    ///
    /// When this returns `Ok`, the message survives a crash or a power cut: only
    /// then may the server answer `250`. When it returns an error, no mailbox has
    /// it, so the client's retry after our `451` cannot give anyone a second copy.
    pub fn deliver(&self, mut spooled: Spooled, to: &[Mailbox]) -> io::Result<String> {
        spooled.sync()?; // the bytes are on the disk
        let mut made = Undo(Vec::new()); // every name made so far, removed on error
                                         // 1. A hard link in each mailbox's own tmp/: a second name for the same
                                         //    bytes, no copy. Readers never look in tmp/, so this step can fail
                                         //    half-way (a broken mailbox, a full disk) without anyone seeing it.
        for mailbox in to {
            let tmp = self.mailbox_dir(mailbox, "tmp")?.join(&spooled.id);
            fs::hard_link(&spooled.path, &tmp)?;
            made.0.push(tmp);
        }
        // 2. Rename each into new/: a rename appears whole or not at all.
        for (mailbox, name) in to.iter().zip(&mut made.0) {
            let new = self
                .root
                .join(mailbox.as_str())
                .join("new")
                .join(&spooled.id);
            fs::rename(&*name, &new)?;
            *name = new;
        }
        // 3. Make the new names themselves durable.
        for mailbox in to {
            sync_dir(&self.root.join(mailbox.as_str()).join("new"))?;
        }
        made.0.clear(); // delivered: keep them
        Ok(spooled.id.clone()) // dropping `spooled` removes the tmp/ name
    }
    // ANCHOR_END: deliver

    /// The messages in `mailbox` (`new/` and `cur/`), oldest first.
    pub fn messages(&self, mailbox: &Mailbox) -> io::Result<Vec<Stored>> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(mailbox.as_str()).join(sub);
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue, // no mail yet
                Err(err) => return Err(err),
            };
            for entry in entries {
                let entry = entry?;
                if !entry.file_type()?.is_file() {
                    continue;
                }
                let bytes = fs::read(entry.path())?;
                let lines = bytes.iter().filter(|&&b| b == b'\n').count();
                let name = entry.file_name().to_string_lossy().into_owned();
                // The name before `:2,` (the flags IMAP sets) never changes.
                let uid = name.split_once(':').map_or(&*name, |(base, _)| base);
                found.push(Stored {
                    path: entry.path(),
                    uid: uid.to_string(),
                    size: (bytes.len() + lines) as u64,
                });
            }
        }
        // Names start with the delivery time (seconds, then microseconds), so
        // sorting by name sorts by arrival.
        found.sort_by(|a, b| a.uid.cmp(&b.uid));
        Ok(found)
    }

    /// Files a spooled message into the maildir folder `dir` (an IMAP folder) with
    /// the flags `info` (`S`, `FS`, ...): through `dir/tmp/` into `dir/cur/`, as
    /// [`Maildir::deliver`] does. Returns its unique name.
    pub fn file_into(&self, mut spooled: Spooled, dir: &Path, info: &str) -> io::Result<String> {
        spooled.sync()?;
        let tmp = dir.join("tmp").join(&spooled.id);
        fs::hard_link(&spooled.path, &tmp)?;
        let mut undo = Undo(vec![tmp.clone()]); // removed if the rename fails
        fs::rename(
            &tmp,
            dir.join("cur").join(format!("{}:2,{info}", spooled.id)),
        )?;
        undo.0.clear();
        sync_dir(&dir.join("cur"))?;
        Ok(spooled.id.clone())
    }

    /// A stored message's bytes (lines end in `\n`).
    pub fn read(&self, message: &Stored) -> io::Result<Vec<u8>> {
        fs::read(&message.path)
    }

    /// Removes a stored message for good.
    pub fn remove(&self, message: &Stored) -> io::Result<()> {
        fs::remove_file(&message.path)
    }

    /// `DIR/mailbox/sub`, created with its siblings if missing.
    fn mailbox_dir(&self, mailbox: &Mailbox, sub: &str) -> io::Result<PathBuf> {
        let dir = self.root.join(mailbox.as_str());
        for part in ["tmp", "new", "cur"] {
            create_private_dirs(&dir.join(part))?;
        }
        Ok(dir.join(sub))
    }
}

/// Names made by a delivery that has not finished; removed if it fails.
struct Undo(Vec<PathBuf>);

impl Drop for Undo {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

/// Creates `dir` and any missing parents, readable by their owner only (0700 on
/// Unix): mail is private. Folders that exist already keep their mode.
pub(crate) fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A message being received into `tmp/`.
///
/// If it is dropped without being delivered (too big, connection lost, server
/// stopping), its file is removed: a rejected mail is never half-stored.
#[derive(Debug)]
pub struct Spooled {
    /// The unique file name, which becomes the message's id.
    id: String,
    /// `DIR/tmp/ID`.
    path: PathBuf,
    /// The open file; `None` once delivered.
    file: Option<BufWriter<File>>,
}

impl Spooled {
    /// The message's id (its file name).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The file in `tmp/`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes our buffer and the OS's: when this returns, the bytes are on the
    /// disk. Nothing more can be written after it.
    pub fn sync(&mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
        }
        Ok(())
    }

    /// Appends one line; `\n` is added (maildir files use Unix line ends).
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let file = self.file.as_mut().expect("not yet delivered");
        file.write_all(line)?;
        file.write_all(b"\n")
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = fs::remove_file(&self.path);
    }
}

/// A file name no other delivery uses: time, process id and a counter, as the
/// maildir convention suggests (`SECONDS.MMICROSPPIDQCOUNT.HOST`).
pub(crate) fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.M{:06}P{}Q{}.lesson09",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes a folder's entries durable (Unix). Windows has no way to open a folder
/// for syncing, and NTFS journals its metadata, so there it does nothing.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_names_cannot_leave_the_maildir() {
        for bad in [
            "", "..", "../etc", ".hidden", "a/b", "a\\b", "a b", "é", "tmp/x", "TMP",
        ] {
            assert!(Mailbox::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(
            Mailbox::new("Alice.Smith+news").unwrap().as_str(),
            "alice.smith+news"
        );
        assert!(Mailbox::new(&"a".repeat(65)).is_err());
    }

    #[test]
    fn delivered_messages_are_listed_in_order_with_pop3_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let maildir = Maildir::open(dir.path()).unwrap();
        let alice = Mailbox::new("alice").unwrap();
        let bob = Mailbox::new("bob").unwrap();
        let mut ids = Vec::new();
        for text in ["first", "second"] {
            let mut spooled = maildir.spool().unwrap();
            spooled.write_line(b"Subject: x").unwrap();
            spooled.write_line(b"").unwrap();
            spooled.write_line(text.as_bytes()).unwrap();
            ids.push(
                maildir
                    .deliver(spooled, &[alice.clone(), bob.clone()])
                    .unwrap(),
            );
        }
        for mailbox in [&alice, &bob] {
            let stored = maildir.messages(mailbox).unwrap();
            let uids: Vec<_> = stored.iter().map(|s| s.uid.clone()).collect();
            assert_eq!(uids, ids);
            // "Subject: x\r\n\r\nfirst\r\n" is 10 + 2 + 2 + 5 + 2 octets.
            assert_eq!(stored[0].size, 21);
            assert!(fs::read_to_string(&stored[1].path)
                .unwrap()
                .ends_with("second\n"));
        }
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn a_message_not_delivered_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let maildir = Maildir::open(dir.path()).unwrap();
        let mut spooled = maildir.spool().unwrap();
        spooled.write_line(b"half a message").unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 1);
        drop(spooled);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        let nobody = Mailbox::new("alice").unwrap();
        assert!(maildir.messages(&nobody).unwrap().is_empty());
    }
}
