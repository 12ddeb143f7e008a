//! An IMAP folder over a maildir folder: stable UIDs, and flags in file names.
//!
//! IMAP names each message twice: by *sequence number* (its position, 1 to n,
//! which shifts when a message before it is expunged) and by *UID* (a number that
//! never changes and is never reused in the folder). A maildir has only file
//! names, so the UIDs live in a small file per folder, `lesson09-uidlist`:
//!
//! ```text
//! V1796100000 N4          UIDVALIDITY, and the next UID to give
//! 1 1796100012.M1P2Q0.lesson09
//! 3 1796100050.M7P2Q1.lesson09
//! ```
//!
//! It is rewritten whole, into a temporary file then renamed over the old one,
//! so a crash leaves the old list or the new, never half of one. If it is lost,
//! a new UIDVALIDITY tells clients that every UID they remember is void.
//!
//! Flags live in the file name, as every maildir program expects: `NAME:2,FS`
//! is flagged (`F`) and seen (`S`); `R` is answered, `T` deleted (trashed), `D`
//! draft. Changing a flag is a rename. Mail in `new/` is `\Recent`: no IMAP
//! client has seen it yet.

use crate::maildir::create_private_dirs;
use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The file holding a folder's UIDs.
pub const UIDLIST: &str = "lesson09-uidlist";

/// IMAP's system flags and their maildir letters, in maildir's (ASCII) order.
pub const FLAGS: [(char, &str); 5] = [
    ('D', "\\Draft"),
    ('F', "\\Flagged"),
    ('R', "\\Answered"),
    ('S', "\\Seen"),
    ('T', "\\Deleted"),
];

/// The maildir letter of an IMAP flag (`\Seen` → `S`); `None` for keywords and
/// `\Recent`, which are not stored.
pub fn letter(flag: &str) -> Option<char> {
    FLAGS
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(flag))
        .map(|&(c, _)| c)
}

/// One message of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its UID.
    pub uid: u32,
    /// The unique part of the file name (before `:2,`).
    pub base: String,
    /// `new` or `cur`.
    pub sub: &'static str,
    /// The whole file name.
    pub file: String,
    /// Maildir flag letters, sorted.
    pub flags: String,
    /// `\Recent` for this session.
    pub recent: bool,
}

impl Message {
    /// The file.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(self.sub).join(&self.file)
    }

    /// Has flag `letter`?
    pub fn has(&self, letter: char) -> bool {
        self.flags.contains(letter)
    }

    /// `(\Seen \Recent)`, as FETCH FLAGS says it.
    pub fn imap_flags(&self) -> String {
        let mut names: Vec<&str> = FLAGS
            .iter()
            .filter(|(c, _)| self.has(*c))
            .map(|(_, name)| *name)
            .collect();
        if self.recent {
            names.push("\\Recent");
        }
        format!("({})", names.join(" "))
    }
}

/// What changed on disk since the folder was last looked at.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Sequence numbers that went, highest first: report each as `* n EXPUNGE`
    /// in this order, and every number is right when the client reads it.
    pub expunged: Vec<usize>,
    /// New messages arrived: report `* n EXISTS`.
    pub grew: bool,
}

/// A folder as one session sees it.
#[derive(Debug)]
pub struct Folder {
    /// The maildir folder (with `new/`, `cur/`, `tmp/`).
    pub dir: PathBuf,
    /// Changes when UIDs of this folder can no longer be trusted.
    pub uidvalidity: u32,
    /// The UID the next message will get.
    pub uidnext: u32,
    /// The messages, by sequence number (index + 1).
    pub messages: Vec<Message>,
    /// When `new/` and `cur/` last changed, as of the last look: if neither has
    /// changed since, nothing was added, removed or renamed (a cheap check for IDLE).
    seen: Option<[SystemTime; 2]>,
}

/// The UID list as stored.
struct UidList {
    validity: u32,
    next: u32,
    uids: HashMap<String, u32>,
}

impl Folder {
    /// The folder at `dir`, as it is on disk now. `recent`: take what is in `new/`
    /// as this session's `\Recent` (SELECT, not EXAMINE).
    pub fn open(dir: PathBuf, uid_lock: &Mutex<()>) -> io::Result<Folder> {
        let mut folder = Folder {
            dir,
            uidvalidity: 0,
            uidnext: 1,
            messages: Vec::new(),
            seen: None,
        };
        folder.refresh(uid_lock)?;
        for message in &mut folder.messages {
            message.recent = message.sub == "new";
        }
        Ok(folder)
    }

    /// Creates the folder's `new/`, `cur/` and `tmp/`.
    pub fn create(dir: &Path) -> io::Result<()> {
        for sub in ["new", "cur", "tmp"] {
            create_private_dirs(&dir.join(sub))?;
        }
        Ok(())
    }

    /// How many messages have `\Recent`.
    pub fn recent(&self) -> usize {
        self.messages.iter().filter(|m| m.recent).count()
    }

    /// The highest UID in use (0 when empty).
    pub fn max_uid(&self) -> u32 {
        self.messages.last().map_or(0, |m| m.uid)
    }

    // ANCHOR: refresh
    /// Looks at the disk again: gives UIDs to new files (in the order of their
    /// names, which start with the arrival time), forgets files that went, and
    /// says what changed.
    ///
    /// `uid_lock` is held meanwhile: two sessions must never give the same new
    /// file two different UIDs.
    pub fn refresh(&mut self, uid_lock: &Mutex<()>) -> io::Result<Changes> {
        // A folder's modification time changes whenever a file in it is added,
        // removed or renamed. If neither changed, and not within the last two
        // seconds (some file systems count whole seconds), nothing is new.
        let modified = |sub| fs::metadata(self.dir.join(sub)).and_then(|m| m.modified());
        let now = [modified("new")?, modified("cur")?];
        let settled = now.iter().all(|t| {
            t.elapsed()
                .is_ok_and(|age| age > std::time::Duration::from_secs(2))
        });
        if settled && self.seen == Some(now) {
            return Ok(Changes::default());
        }
        self.seen = settled.then_some(now);
        let _only_us = crate::lock(uid_lock);
        let on_disk = self.scan()?;
        let mut list = self.read_uidlist()?;
        let mut fresh: Vec<&String> = on_disk
            .keys()
            .filter(|base| !list.uids.contains_key(*base))
            .collect();
        fresh.sort();
        let changed = !fresh.is_empty() || list.uids.len() != on_disk.len() - fresh.len();
        for base in fresh {
            list.uids.insert(base.clone(), list.next);
            list.next += 1;
        }
        list.uids.retain(|base, _| on_disk.contains_key(base));
        if changed {
            self.write_uidlist(&list)?;
        }
        // The session's view, updated.
        let mut changes = Changes::default();
        for i in (0..self.messages.len()).rev() {
            if !list.uids.contains_key(&self.messages[i].base) {
                self.messages.remove(i);
                changes.expunged.push(i + 1);
            }
        }
        let known = self.max_uid();
        for message in &mut self.messages {
            if let Some((sub, file)) = on_disk.get(&message.base) {
                message.sub = sub;
                message.flags = flags_of(file);
                message.file = file.clone();
            }
        }
        let mut arrived: Vec<Message> = on_disk
            .into_iter()
            .filter_map(|(base, (sub, file))| {
                let uid = list.uids[&base];
                (uid > known).then(|| Message {
                    uid,
                    flags: flags_of(&file),
                    base,
                    sub,
                    file,
                    recent: false,
                })
            })
            .collect();
        arrived.sort_by_key(|m| m.uid);
        changes.grew = !arrived.is_empty();
        self.messages.extend(arrived);
        self.uidvalidity = list.validity;
        self.uidnext = list.next;
        Ok(changes)
    }
    // ANCHOR_END: refresh

    /// Every message file in `new/` and `cur/`: base name → (folder, file name).
    fn scan(&self) -> io::Result<HashMap<String, (&'static str, String)>> {
        let mut found = HashMap::new();
        for sub in ["new", "cur"] {
            let entries = match fs::read_dir(self.dir.join(sub)) {
                Ok(entries) => entries,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            for entry in entries {
                let entry = entry?;
                let file = entry.file_name().to_string_lossy().into_owned();
                if file.starts_with('.') {
                    continue;
                }
                let base = file.split_once(':').map_or(&*file, |(b, _)| b).to_string();
                found.insert(base, (sub, file));
            }
        }
        Ok(found)
    }

    fn read_uidlist(&self) -> io::Result<UidList> {
        let text = match fs::read_to_string(self.dir.join(UIDLIST)) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                // A new list: a new UIDVALIDITY, the time (never 0).
                let now = SystemTime::now().duration_since(UNIX_EPOCH);
                return Ok(UidList {
                    validity: now.map_or(1, |d| d.as_secs() as u32).max(1),
                    next: 1,
                    uids: HashMap::new(),
                });
            }
            Err(err) => return Err(err),
        };
        let corrupt =
            || io::Error::other(format!("{} is damaged", self.dir.join(UIDLIST).display()));
        let mut lines = text.lines();
        let head = lines.next().ok_or_else(corrupt)?;
        let (v, n) = head.split_once(' ').ok_or_else(corrupt)?;
        let validity = v
            .strip_prefix('V')
            .and_then(|v| v.parse().ok())
            .ok_or_else(corrupt)?;
        let next = n
            .strip_prefix('N')
            .and_then(|n| n.parse().ok())
            .ok_or_else(corrupt)?;
        let mut uids = HashMap::new();
        for line in lines {
            let (uid, base) = line.split_once(' ').ok_or_else(corrupt)?;
            uids.insert(base.to_string(), uid.parse().map_err(|_| corrupt())?);
        }
        Ok(UidList {
            validity,
            next,
            uids,
        })
    }

    /// Writes the list into a temporary file, syncs it and renames it over the old.
    fn write_uidlist(&self, list: &UidList) -> io::Result<()> {
        create_private_dirs(&self.dir)?;
        let mut sorted: Vec<(&u32, &String)> = list.uids.iter().map(|(b, u)| (u, b)).collect();
        sorted.sort();
        let mut text = format!("V{} N{}\n", list.validity, list.next);
        for (uid, base) in sorted {
            text.push_str(&format!("{uid} {base}\n"));
        }
        let tmp = self
            .dir
            .join(format!("{UIDLIST}.{}.tmp", std::process::id()));
        let mut file = fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, self.dir.join(UIDLIST))?;
        crate::maildir::sync_dir(&self.dir)
    }

    /// Gives message `i` (index) these flag letters: renames it into `cur/`.
    pub fn set_flags(&mut self, i: usize, letters: &str) -> io::Result<()> {
        let mut sorted: Vec<char> = letters.chars().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let flags: String = sorted.into_iter().collect();
        let message = &self.messages[i];
        if message.flags == flags && message.sub == "cur" {
            return Ok(());
        }
        let file = format!("{}:2,{flags}", message.base);
        fs::rename(message.path(&self.dir), self.dir.join("cur").join(&file))?;
        let message = &mut self.messages[i];
        message.sub = "cur";
        message.file = file;
        message.flags = flags;
        Ok(())
    }

    /// Removes message `i` (index) for good. The caller reports `* n EXPUNGE`.
    pub fn remove(&mut self, i: usize) -> io::Result<()> {
        match fs::remove_file(self.messages[i].path(&self.dir)) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {} // gone already (POP3)
            Err(err) => return Err(err),
        }
        self.messages.remove(i);
        Ok(())
    }

    /// Puts a copy of message `i` into the folder at `target` (a hard link: no
    /// bytes are copied). Returns the copy's unique name.
    pub fn copy_to(&self, i: usize, target: &Path) -> io::Result<String> {
        let message = &self.messages[i];
        let base = crate::maildir::unique_name();
        let file = format!("{base}:2,{}", message.flags);
        fs::hard_link(message.path(&self.dir), target.join("cur").join(file))?;
        Ok(base)
    }
}

/// The flag letters of a file name (`NAME:2,FS` → `FS`).
fn flags_of(file: &str) -> String {
    match file.split_once(":2,") {
        Some((_, flags)) => {
            let mut letters: Vec<char> = flags.chars().filter(char::is_ascii_uppercase).collect();
            letters.sort_unstable();
            letters.into_iter().collect()
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(names: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        Folder::create(&path).unwrap();
        for (sub, name) in names {
            fs::write(path.join(sub).join(name), "Subject: x\n\nhi\n").unwrap();
        }
        (dir, path)
    }

    #[test]
    fn uids_are_stable_and_never_reused() {
        let lock = Mutex::new(());
        let (_tmp, dir) = folder_with(&[("new", "100.a"), ("cur", "200.b:2,S")]);
        let mut folder = Folder::open(dir.clone(), &lock).unwrap();
        let uids: Vec<(u32, &str)> = folder.messages.iter().map(|m| (m.uid, &*m.flags)).collect();
        assert_eq!(uids, [(1, ""), (2, "S")]);
        assert!(folder.messages[0].recent && !folder.messages[1].recent);
        let validity = folder.uidvalidity;
        // Another session removes the first and a new one arrives.
        fs::remove_file(dir.join("new/100.a")).unwrap();
        fs::write(dir.join("new/300.c"), "x\n").unwrap();
        let changes = folder.refresh(&lock).unwrap();
        assert_eq!(
            changes,
            Changes {
                expunged: vec![1],
                grew: true
            }
        );
        let uids: Vec<u32> = folder.messages.iter().map(|m| m.uid).collect();
        assert_eq!(uids, [2, 3]);
        // A later session sees the same UIDs and the same UIDVALIDITY.
        let again = Folder::open(dir.clone(), &lock).unwrap();
        assert_eq!(
            again.messages,
            folder
                .messages
                .iter()
                .cloned()
                .map(|mut m| {
                    m.recent = m.sub == "new";
                    m
                })
                .collect::<Vec<_>>()
        );
        assert_eq!((again.uidvalidity, again.uidnext), (validity, 4));
        let list = fs::read_to_string(dir.join(UIDLIST)).unwrap();
        assert_eq!(list, format!("V{validity} N4\n2 200.b\n3 300.c\n"));
    }

    #[test]
    fn flags_are_letters_in_the_file_name() {
        let lock = Mutex::new(());
        let (_tmp, dir) = folder_with(&[("new", "100.a")]);
        let mut folder = Folder::open(dir.clone(), &lock).unwrap();
        folder.set_flags(0, "TS").unwrap();
        assert!(dir.join("cur/100.a:2,ST").exists());
        assert_eq!(
            folder.messages[0].imap_flags(),
            "(\\Seen \\Deleted \\Recent)"
        );
        let again = Folder::open(dir.clone(), &lock).unwrap();
        assert_eq!(again.messages[0].uid, 1, "a rename keeps the UID");
        assert_eq!(letter("\\seen"), Some('S'));
        assert_eq!(letter("$Junk"), None);
    }

    #[test]
    fn a_quiet_folder_is_not_scanned_again_but_new_mail_is_seen() {
        let lock = Mutex::new(());
        let (_tmp, dir) = folder_with(&[("new", "100.a")]);
        let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        for sub in ["new", "cur"] {
            fs::File::open(dir.join(sub))
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let mut folder = Folder::open(dir.clone(), &lock).unwrap();
        assert_eq!(
            folder.seen,
            Some([hour_ago, hour_ago]),
            "settled: remembered"
        );
        // Damage the UID list behind its back: a quiet folder does not read it again.
        fs::write(dir.join(UIDLIST), "garbage").unwrap();
        assert_eq!(folder.refresh(&lock).unwrap(), Changes::default());
        // A new file changes new/'s time: the next look scans (and repairs nothing
        // it cannot read: the damaged list is an error, not a guess).
        fs::write(dir.join("new/200.b"), "x\n").unwrap();
        assert!(folder.refresh(&lock).is_err());
        fs::remove_file(dir.join(UIDLIST)).unwrap();
        let changes = folder.refresh(&lock).unwrap();
        assert!(changes.grew, "{changes:?}");
    }
}
