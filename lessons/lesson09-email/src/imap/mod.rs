//! The IMAP server side (RFC 3501, IMAP4rev1): mail that stays on the server.
//!
//! POP3 downloads and (usually) deletes; IMAP keeps the mail on the server, in
//! folders, with flags (`\Seen`, `\Deleted`, ...), and lets several clients look
//! at the same mailbox at once. Every command carries a *tag* the client chose,
//! and the server answers with any number of *untagged* lines (`* ...`) and then
//! one *tagged* line saying how the command ended: `OK`, `NO` (it failed) or
//! `BAD` (it made no sense).
//!
//! ```text
//! S: * OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] lesson09-mta IMAP4rev1 ready
//! C: a1 LOGIN alice secret              S: a1 OK LOGIN completed
//! C: a2 SELECT INBOX                    S: * 2 EXISTS ... a2 OK [READ-WRITE] SELECT completed
//! C: a3 FETCH 1 (FLAGS BODY.PEEK[])     S: * 1 FETCH (FLAGS () BODY[] {310}
//!                                       S: (310 bytes of mail))
//!                                       S: a3 OK FETCH completed
//! C: a4 LOGOUT                          S: * BYE ... a4 OK LOGOUT completed
//! ```
//!
//! - [`syntax`]: commands in, strings and literals out;
//! - [`folder`]: a maildir folder with UIDs and flags;
//! - [`fetch`]: what FETCH says about one message (envelope, structure, parts);
//! - this file: the state machine ([`Imap`]) and the session loop ([`session`]).
//!
//! The state machine writes its responses to any `Write` and reaches the disk
//! only through the maildir and [`folder::Folder`]; its unit tests run it on a
//! `Vec<u8>` and a temporary maildir, without a socket.

pub mod client;
pub mod fetch;
pub mod folder;
pub mod syntax;

use crate::maildir::{create_private_dirs, Mailbox};
use crate::session::{Event, Session};
use crate::{lock, Mta};
use folder::{letter, Changes, Folder};
use shared::server::{log, Shutdown};
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use syntax::{Attribute, Command, SearchKey, SequenceSet, StoreMode, Tagged};

/// Where `lesson09-mta` serves IMAP by default (IMAP's own port, 143, needs
/// administrator rights).
pub const IMAP_SERVER: &str = "127.0.0.1:1143";

/// What the server can do beyond IMAP4rev1 itself.
pub const CAPABILITY: &str = "IMAP4rev1 LITERAL+ IDLE UIDPLUS";

/// The longest command line (literals not counted).
pub const MAX_LINE: usize = 64 * 1024;

/// Wrong passwords allowed before the server hangs up.
pub const MAX_LOGIN_FAILURES: u32 = 3;

/// How often an `IDLE` session looks for new mail.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// The flags a client may set, as SELECT announces them.
const SYSTEM_FLAGS: &str = "(\\Answered \\Flagged \\Deleted \\Seen \\Draft)";

/// What the session loop does after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    /// Read the next command.
    Next,
    /// `IDLE`: tell the client to go ahead, then report new mail until `DONE`.
    Idle,
    /// `LOGOUT` was answered: close.
    Close,
}

/// The folder a session has selected.
#[derive(Debug)]
struct Selected {
    /// Its name as the client gave it, `INBOX` normalised.
    name: String,
    /// Its messages.
    folder: Folder,
    /// `EXAMINE`: nothing may change.
    read_only: bool,
}

/// One IMAP session's state: NOT AUTHENTICATED (no user), AUTHENTICATED (a
/// user, nothing selected) or SELECTED.
#[derive(Debug)]
pub struct Imap<'a> {
    /// The server's settings.
    mta: &'a Mta,
    /// Logged in as.
    user: Option<Mailbox>,
    /// Wrong passwords so far.
    failures: u32,
    /// The selected folder.
    selected: Option<Selected>,
}

/// A tagged result line.
fn done(out: &mut dyn Write, tag: &str, status: &str, text: &str) -> io::Result<After> {
    write!(out, "{tag} {status} {text}\r\n")?;
    Ok(After::Next)
}

/// Is `name` a folder name we accept? Flat names only (no hierarchy), no dots,
/// nothing a path could be built from.
fn valid_folder(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _+-&".contains(c))
        && !name.starts_with(' ')
}

impl<'a> Imap<'a> {
    /// A new session, not logged in.
    pub fn new(mta: &'a Mta) -> Imap<'a> {
        Imap {
            mta,
            user: None,
            failures: 0,
            selected: None,
        }
    }

    /// The first line the server sends.
    pub fn greeting() -> String {
        format!("* OK [CAPABILITY {CAPABILITY}] lesson09-mta IMAP4rev1 ready")
    }

    /// The logged-in user.
    pub fn user(&self) -> Option<&Mailbox> {
        self.user.as_ref()
    }

    /// Where folder `name` of the logged-in user lives: INBOX is the user's
    /// maildir itself, others are `.NAME` inside it (the "Maildir++" layout that
    /// Dovecot and Courier use).
    fn folder_dir(&self, name: &str) -> Option<PathBuf> {
        let home = self.mta.maildir.root().join(self.user.as_ref()?.as_str());
        if name.eq_ignore_ascii_case("INBOX") {
            Some(home)
        } else if valid_folder(name) {
            Some(home.join(format!(".{name}")))
        } else {
            None
        }
    }

    /// The user's folders: INBOX and every `.NAME`.
    fn folders(&self) -> io::Result<Vec<String>> {
        let Some(home) = self.folder_dir("INBOX") else {
            return Ok(Vec::new());
        };
        let mut names = vec!["INBOX".to_string()];
        let mut others = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&home) {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(name) = name.strip_prefix('.') {
                    if valid_folder(name) && entry.file_type()?.is_dir() {
                        others.push(name.to_string());
                    }
                }
            }
        }
        others.sort();
        names.extend(others);
        Ok(names)
    }

    /// Locks the user's INBOX against POP3 while it is changed (see the book: a
    /// POP3 session's listing names files, which must not be renamed under it).
    fn lock_inbox(&self) -> Result<Option<InboxLock<'a>>, &'static str> {
        let (Some(user), Some(selected)) = (&self.user, &self.selected) else {
            return Ok(None);
        };
        if selected.name != "INBOX" {
            return Ok(None);
        }
        if !lock(&self.mta.locked).insert(user.clone()) {
            return Err("[INUSE] A POP3 session has this mailbox open; try again later");
        }
        Ok(Some(InboxLock {
            mta: self.mta,
            mailbox: user.clone(),
        }))
    }

    // ANCHOR: command
    /// Carries out one command, writing its responses to `out`.
    pub fn command(&mut self, tagged: Tagged, out: &mut dyn Write) -> io::Result<After> {
        let Tagged { tag, command } = tagged;
        let tag = tag.as_str();
        match (&command, &self.user, &self.selected) {
            (Command::Capability, _, _) => {
                write!(out, "* CAPABILITY {CAPABILITY}\r\n")?;
                done(out, tag, "OK", "CAPABILITY completed")
            }
            (Command::Noop | Command::Check, _, _) => {
                self.report_changes(out)?;
                done(out, tag, "OK", "NOOP completed")
            }
            (Command::Logout, _, _) => {
                out.write_all(b"* BYE lesson09-mta logging out\r\n")?;
                done(out, tag, "OK", "LOGOUT completed")?;
                Ok(After::Close)
            }
            (Command::Login(user, password), None, _) => self.login(tag, user, password, out),
            (Command::Login(..), Some(_), _) => done(out, tag, "BAD", "Already logged in"),
            (_, None, _) => done(out, tag, "BAD", "Log in first (LOGIN user password)"),
            (
                Command::Fetch { .. }
                | Command::Store { .. }
                | Command::Copy { .. }
                | Command::Search { .. }
                | Command::Expunge(_)
                | Command::Close,
                _,
                None,
            ) => done(out, tag, "BAD", "No mailbox selected (SELECT one first)"),
            _ => self.authenticated(tag, command, out),
        }
    }
    // ANCHOR_END: command

    fn login(
        &mut self,
        tag: &str,
        user: &str,
        password: &str,
        out: &mut dyn Write,
    ) -> io::Result<After> {
        let known = &self.mta.users;
        let mailbox = Mailbox::new(user)
            .ok()
            .filter(|m| known.is_empty() || known.get(m).map(String::as_str) == Some(password));
        let Some(mailbox) = mailbox else {
            self.failures += 1;
            done(
                out,
                tag,
                "NO",
                "[AUTHENTICATIONFAILED] Wrong user name or password",
            )?;
            if self.failures >= MAX_LOGIN_FAILURES {
                out.write_all(b"* BYE Too many failed logins\r\n")?;
                return Ok(After::Close);
            }
            return Ok(After::Next);
        };
        self.user = Some(mailbox);
        if let Some(home) = self.folder_dir("INBOX") {
            Folder::create(&home)?;
        }
        done(
            out,
            tag,
            "OK",
            &format!("[CAPABILITY {CAPABILITY}] LOGIN completed"),
        )
    }

    /// Commands of the AUTHENTICATED and SELECTED states.
    fn authenticated(
        &mut self,
        tag: &str,
        command: Command,
        out: &mut dyn Write,
    ) -> io::Result<After> {
        match command {
            Command::List {
                reference,
                pattern,
                lsub,
            } => {
                let word = if lsub { "LSUB" } else { "LIST" };
                if pattern.is_empty() {
                    write!(out, "* {word} (\\Noselect) \"/\" \"\"\r\n")?;
                } else {
                    let pattern = format!("{reference}{pattern}");
                    for name in self.folders()? {
                        if wildcard(pattern.as_bytes(), name.as_bytes()) {
                            write!(out, "* {word} (\\HasNoChildren) \"/\" ")?;
                            let mut quoted = Vec::new();
                            syntax::string(&mut quoted, name.as_bytes());
                            out.write_all(&quoted)?;
                            out.write_all(b"\r\n")?;
                        }
                    }
                }
                done(out, tag, "OK", &format!("{word} completed"))
            }
            Command::Create(name) => {
                let name = name.trim_end_matches('/');
                match self.folder_dir(name) {
                    _ if name.eq_ignore_ascii_case("INBOX") => {
                        done(out, tag, "NO", "INBOX exists already")
                    }
                    None => done(
                        out,
                        tag,
                        "NO",
                        "Folder names are letters, digits, spaces and _+-& (no hierarchy)",
                    ),
                    Some(dir) if dir.exists() => {
                        done(out, tag, "NO", "[ALREADYEXISTS] That folder exists already")
                    }
                    Some(dir) => {
                        Folder::create(&dir)?;
                        done(out, tag, "OK", "CREATE completed")
                    }
                }
            }
            Command::Delete(name) => match self.folder_dir(&name) {
                _ if name.eq_ignore_ascii_case("INBOX") => {
                    done(out, tag, "NO", "INBOX cannot be deleted")
                }
                Some(dir) if dir.exists() => {
                    if self.selected.as_ref().is_some_and(|s| s.name == name) {
                        self.selected = None;
                    }
                    std::fs::remove_dir_all(dir)?;
                    done(out, tag, "OK", "DELETE completed")
                }
                _ => done(out, tag, "NO", "[NONEXISTENT] No such folder"),
            },
            Command::Rename(from, to) => match (self.folder_dir(&from), self.folder_dir(&to)) {
                _ if from.eq_ignore_ascii_case("INBOX") || to.eq_ignore_ascii_case("INBOX") => {
                    done(out, tag, "NO", "INBOX cannot be renamed here")
                }
                (Some(a), Some(b)) if a.exists() && !b.exists() => {
                    std::fs::rename(a, b)?;
                    done(out, tag, "OK", "RENAME completed")
                }
                (Some(a), Some(_)) if a.exists() => {
                    done(out, tag, "NO", "[ALREADYEXISTS] The new name is taken")
                }
                _ => done(
                    out,
                    tag,
                    "NO",
                    "[NONEXISTENT] No such folder, or a bad new name",
                ),
            },
            Command::Subscribe(_) => done(out, tag, "OK", "Every folder is always subscribed here"),
            Command::Select { mailbox, read_only } => self.select(tag, &mailbox, read_only, out),
            Command::Status(name, items) => {
                let Some(dir) = self.folder_dir(&name).filter(|d| d.join("cur").is_dir()) else {
                    return done(out, tag, "NO", "[NONEXISTENT] No such folder");
                };
                let folder = Folder::open(dir, &self.mta.uids)?;
                let values: Vec<String> = items
                    .iter()
                    .map(|item| {
                        let n = match item.as_str() {
                            "MESSAGES" => folder.messages.len() as u64,
                            "RECENT" => folder.recent() as u64,
                            "UIDNEXT" => folder.uidnext.into(),
                            "UIDVALIDITY" => folder.uidvalidity.into(),
                            _ => folder.messages.iter().filter(|m| !m.has('S')).count() as u64,
                        };
                        format!("{item} {n}")
                    })
                    .collect();
                let mut quoted = Vec::new();
                syntax::string(&mut quoted, name.as_bytes());
                out.write_all(b"* STATUS ")?;
                out.write_all(&quoted)?;
                write!(out, " ({})\r\n", values.join(" "))?;
                done(out, tag, "OK", "STATUS completed")
            }
            Command::Append {
                mailbox,
                flags,
                date,
                message,
            } => self.append(tag, &mailbox, &flags, date, &message, out),
            Command::Idle => Ok(After::Idle),
            Command::Close => {
                let selected = self.selected.take();
                if let Some(mut s) = selected {
                    if !s.read_only {
                        self.selected = Some(s);
                        let guard = self.lock_inbox();
                        s = self.selected.take().expect("just put back");
                        if guard.is_ok() {
                            for i in (0..s.folder.messages.len()).rev() {
                                if s.folder.messages[i].has('T') {
                                    s.folder.remove(i)?; // no EXPUNGE responses after CLOSE
                                }
                            }
                        }
                    }
                }
                done(out, tag, "OK", "CLOSE completed")
            }
            command => self.selected_command(tag, command, out),
        }
    }

    fn select(
        &mut self,
        tag: &str,
        name: &str,
        read_only: bool,
        out: &mut dyn Write,
    ) -> io::Result<After> {
        self.selected = None; // even if this SELECT fails
        let Some(dir) = self.folder_dir(name).filter(|d| d.join("cur").is_dir()) else {
            return done(out, tag, "NO", "[NONEXISTENT] No such folder");
        };
        let folder = Folder::open(dir, &self.mta.uids)?;
        let name = if name.eq_ignore_ascii_case("INBOX") {
            "INBOX".to_string()
        } else {
            name.to_string()
        };
        write!(out, "* FLAGS {SYSTEM_FLAGS}\r\n")?;
        write!(
            out,
            "* {} EXISTS\r\n* {} RECENT\r\n",
            folder.messages.len(),
            folder.recent()
        )?;
        if let Some(i) = folder.messages.iter().position(|m| !m.has('S')) {
            write!(out, "* OK [UNSEEN {}] First unseen\r\n", i + 1)?;
        }
        let permanent = if read_only { "()" } else { SYSTEM_FLAGS };
        write!(out, "* OK [PERMANENTFLAGS {permanent}] Flags that stay\r\n")?;
        write!(
            out,
            "* OK [UIDVALIDITY {}] UIDs valid\r\n",
            folder.uidvalidity
        )?;
        write!(
            out,
            "* OK [UIDNEXT {}] Predicted next UID\r\n",
            folder.uidnext
        )?;
        self.selected = Some(Selected {
            name,
            folder,
            read_only,
        });
        let (mode, verb) = if read_only {
            ("READ-ONLY", "EXAMINE")
        } else {
            ("READ-WRITE", "SELECT")
        };
        done(out, tag, "OK", &format!("[{mode}] {verb} completed"))
    }

    /// Reports what changed in the selected folder: `* n EXPUNGE`, `* n EXISTS`.
    pub fn report_changes(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let Some(selected) = self.selected.as_mut() else {
            return Ok(());
        };
        let Changes { expunged, grew } = selected.folder.refresh(&self.mta.uids)?;
        for n in expunged {
            write!(out, "* {n} EXPUNGE\r\n")?;
        }
        if grew {
            write!(out, "* {} EXISTS\r\n", selected.folder.messages.len())?;
        }
        Ok(())
    }

    fn append(
        &mut self,
        tag: &str,
        name: &str,
        flags: &[String],
        date: Option<i64>,
        message: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<After> {
        let Some(dir) = self.folder_dir(name).filter(|d| d.join("cur").is_dir()) else {
            return done(out, tag, "NO", "[TRYCREATE] No such folder");
        };
        if message.len() > self.mta.max_size {
            return done(out, tag, "NO", "[TOOBIG] Message too big");
        }
        let mut spooled = self.mta.maildir.spool()?;
        let text = message.strip_suffix(b"\r\n").unwrap_or(message);
        for line in text.split(|&b| b == b'\n') {
            spooled.write_line(line.strip_suffix(b"\r").unwrap_or(line))?;
        }
        let mut letters: Vec<char> = flags.iter().filter_map(|f| letter(f)).collect();
        letters.sort_unstable();
        letters.dedup();
        let info: String = letters.into_iter().collect();
        let base = self.mta.maildir.file_into(spooled, &dir, &info)?;
        if let Some(secs) = date {
            let when = UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64);
            let path = dir.join("cur").join(format!("{base}:2,{info}"));
            std::fs::File::options()
                .write(true)
                .open(path)?
                .set_modified(when)?;
        }
        let target = Folder::open(dir.clone(), &self.mta.uids)?;
        let uid = target
            .messages
            .iter()
            .find(|m| m.base == base)
            .map_or(0, |m| m.uid);
        if self.selected.as_ref().is_some_and(|s| s.folder.dir == dir) {
            self.report_changes(out)?;
        }
        done(
            out,
            tag,
            "OK",
            &format!("[APPENDUID {} {uid}] APPEND completed", target.uidvalidity),
        )
    }

    /// The indexes of the selected folder's messages that `set` names, or why not.
    fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, String> {
        let folder = &self
            .selected
            .as_ref()
            .expect("checked by the caller")
            .folder;
        let count = folder.messages.len() as u32;
        if uid {
            let largest = folder.max_uid();
            return Ok(folder
                .messages
                .iter()
                .enumerate()
                .filter(|(_, m)| set.contains(m.uid, largest))
                .map(|(i, _)| i)
                .collect());
        }
        if count == 0 || set.max(count) > count {
            return Err(format!(
                "Invalid message number: the folder has {count} messages"
            ));
        }
        Ok((1..=count)
            .filter(|&n| set.contains(n, count))
            .map(|n| n as usize - 1)
            .collect())
    }

    /// FETCH, STORE, COPY, SEARCH, EXPUNGE: the SELECTED state.
    fn selected_command(
        &mut self,
        tag: &str,
        command: Command,
        out: &mut dyn Write,
    ) -> io::Result<After> {
        let verb = match &command {
            Command::Fetch { uid, .. }
            | Command::Store { uid, .. }
            | Command::Copy { uid, .. }
            | Command::Search { uid, .. } => {
                let name = match &command {
                    Command::Fetch { .. } => "FETCH",
                    Command::Store { .. } => "STORE",
                    Command::Copy { .. } => "COPY",
                    _ => "SEARCH",
                };
                if *uid {
                    format!("UID {name}")
                } else {
                    name.to_string()
                }
            }
            _ => "EXPUNGE".to_string(),
        };
        let read_only = self.selected.as_ref().is_some_and(|s| s.read_only);
        match command {
            Command::Fetch {
                set,
                attributes,
                uid,
            } => {
                let which = match self.resolve(&set, uid) {
                    Ok(which) => which,
                    Err(why) => return done(out, tag, "BAD", &why),
                };
                // Only reading a body without PEEK changes anything (\Seen); only
                // then is the INBOX locked against POP3.
                let marks = attributes
                    .iter()
                    .any(|a| matches!(a, Attribute::Body { peek: false, .. }));
                let guard = if marks && !read_only {
                    self.lock_inbox().ok().flatten()
                } else {
                    None
                };
                let may_mark = marks
                    && !read_only
                    && (guard.is_some()
                        || self.selected.as_ref().is_some_and(|s| s.name != "INBOX"));
                let mut lost = 0;
                for i in which {
                    if !self.fetch_one(i, &attributes, uid, may_mark, out)? {
                        lost += 1;
                    }
                }
                if lost > 0 {
                    return done(
                        out,
                        tag,
                        "NO",
                        &format!("{lost} messages are gone (expunged by another session)"),
                    );
                }
                done(out, tag, "OK", &format!("{verb} completed"))
            }
            Command::Store {
                set,
                mode,
                silent,
                flags,
                uid,
            } => {
                if read_only {
                    return done(out, tag, "NO", "The folder is open read-only (EXAMINE)");
                }
                let which = match self.resolve(&set, uid) {
                    Ok(which) => which,
                    Err(why) => return done(out, tag, "BAD", &why),
                };
                let _guard = match self.lock_inbox() {
                    Ok(guard) => guard,
                    Err(why) => return done(out, tag, "NO", why),
                };
                let letters: String = flags.iter().filter_map(|f| letter(f)).collect();
                let selected = self.selected.as_mut().expect("checked");
                for i in which {
                    let old = selected.folder.messages[i].flags.clone();
                    let new: String = match mode {
                        StoreMode::Set => letters.clone(),
                        StoreMode::Add => old.chars().chain(letters.chars()).collect(),
                        StoreMode::Remove => {
                            old.chars().filter(|c| !letters.contains(*c)).collect()
                        }
                    };
                    if selected.folder.set_flags(i, &new).is_err() {
                        continue; // gone meanwhile
                    }
                    if !silent {
                        let m = &selected.folder.messages[i];
                        let uid_part = if uid {
                            format!("UID {} ", m.uid)
                        } else {
                            String::new()
                        };
                        write!(
                            out,
                            "* {} FETCH ({uid_part}FLAGS {})\r\n",
                            i + 1,
                            m.imap_flags()
                        )?;
                    }
                }
                done(out, tag, "OK", &format!("{verb} completed"))
            }
            Command::Copy { set, mailbox, uid } => {
                let which = match self.resolve(&set, uid) {
                    Ok(which) => which,
                    Err(why) => return done(out, tag, "BAD", &why),
                };
                let Some(target) = self.folder_dir(&mailbox).filter(|d| d.join("cur").is_dir())
                else {
                    return done(out, tag, "NO", "[TRYCREATE] No such folder");
                };
                let selected = self.selected.as_ref().expect("checked");
                let mut copies = Vec::new();
                for &i in &which {
                    let base = selected.folder.copy_to(i, &target)?;
                    copies.push((selected.folder.messages[i].uid, base));
                }
                crate::maildir::sync_dir(&target.join("cur"))?;
                let after = Folder::open(target.clone(), &self.mta.uids)?;
                let uid_of = |base: &str| {
                    after
                        .messages
                        .iter()
                        .find(|m| m.base == base)
                        .map_or(0, |m| m.uid)
                };
                let from: Vec<String> = copies.iter().map(|(u, _)| u.to_string()).collect();
                let to: Vec<String> = copies.iter().map(|(_, b)| uid_of(b).to_string()).collect();
                if selected.folder.dir == target {
                    self.report_changes(out)?;
                }
                let code = if copies.is_empty() {
                    String::new()
                } else {
                    format!(
                        "[COPYUID {} {} {}] ",
                        after.uidvalidity,
                        from.join(","),
                        to.join(",")
                    )
                };
                done(out, tag, "OK", &format!("{code}{verb} completed"))
            }
            Command::Search { key, uid } => {
                let selected = self.selected.as_ref().expect("checked");
                let folder = &selected.folder;
                let mut hits = Vec::new();
                for (i, m) in folder.messages.iter().enumerate() {
                    let mut text = None;
                    if matches(&key, i, folder, &mut text) {
                        hits.push(if uid { m.uid as usize } else { i + 1 });
                    }
                }
                let hits: Vec<String> = hits.iter().map(usize::to_string).collect();
                let space = if hits.is_empty() { "" } else { " " };
                write!(out, "* SEARCH{space}{}\r\n", hits.join(" "))?;
                done(out, tag, "OK", &format!("{verb} completed"))
            }
            Command::Expunge(uids) => {
                if read_only {
                    return done(out, tag, "NO", "The folder is open read-only (EXAMINE)");
                }
                let _guard = match self.lock_inbox() {
                    Ok(guard) => guard,
                    Err(why) => return done(out, tag, "NO", why),
                };
                let selected = self.selected.as_mut().expect("checked");
                let largest = selected.folder.max_uid();
                for i in (0..selected.folder.messages.len()).rev() {
                    let m = &selected.folder.messages[i];
                    let chosen = uids.as_ref().is_none_or(|set| set.contains(m.uid, largest));
                    if m.has('T') && chosen {
                        selected.folder.remove(i)?;
                        // Highest first: every number stays right as the client
                        // renumbers the ones after it.
                        write!(out, "* {} EXPUNGE\r\n", i + 1)?;
                    }
                }
                let label = if uids.is_some() {
                    "UID EXPUNGE"
                } else {
                    "EXPUNGE"
                };
                done(out, tag, "OK", &format!("{label} completed"))
            }
            _ => done(out, tag, "BAD", "Not a command here"),
        }
    }

    // ANCHOR: fetch_one
    /// `* n FETCH (...)` for message index `i`; `false` if its file has gone.
    fn fetch_one(
        &mut self,
        i: usize,
        attributes: &[Attribute],
        uid: bool,
        may_mark: bool,
        out: &mut dyn Write,
    ) -> io::Result<bool> {
        let selected = self.selected.as_mut().expect("checked");
        let needs_text = attributes.iter().any(|a| {
            matches!(
                a,
                Attribute::Size
                    | Attribute::Envelope
                    | Attribute::BodyStructure { .. }
                    | Attribute::Body { .. }
            )
        });
        let path = selected.folder.messages[i].path(&selected.folder.dir);
        let text = if needs_text {
            match std::fs::read(&path) {
                Ok(bytes) => fetch::crlf(&bytes),
                Err(_) => return Ok(false),
            }
        } else {
            Vec::new()
        };
        // Reading a body without PEEK marks the message \Seen.
        let marks = attributes
            .iter()
            .any(|a| matches!(a, Attribute::Body { peek: false, .. }));
        let mut flags_changed = false;
        if marks && may_mark && !selected.folder.messages[i].has('S') {
            let flags = format!("{}S", selected.folder.messages[i].flags);
            flags_changed = selected.folder.set_flags(i, &flags).is_ok();
        }
        let m = &selected.folder.messages[i];
        let mut items: Vec<Vec<u8>> = Vec::new();
        if uid && !attributes.contains(&Attribute::Uid) {
            items.push(format!("UID {}", m.uid).into_bytes());
        }
        if flags_changed && !attributes.contains(&Attribute::Flags) {
            items.push(format!("FLAGS {}", m.imap_flags()).into_bytes());
        }
        for attribute in attributes {
            let mut item = Vec::new();
            match attribute {
                Attribute::Flags => {
                    item.extend_from_slice(format!("FLAGS {}", m.imap_flags()).as_bytes())
                }
                Attribute::Uid => item.extend_from_slice(format!("UID {}", m.uid).as_bytes()),
                Attribute::Size => {
                    item.extend_from_slice(format!("RFC822.SIZE {}", text.len()).as_bytes())
                }
                Attribute::InternalDate => {
                    let modified = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::now());
                    let secs = modified
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    item.extend_from_slice(
                        format!("INTERNALDATE \"{}\"", syntax::format_date_time(secs)).as_bytes(),
                    );
                }
                Attribute::Envelope => {
                    item.extend_from_slice(b"ENVELOPE ");
                    fetch::envelope(&mut item, &text[..fetch::header_end(&text)]);
                }
                Attribute::BodyStructure { short } => {
                    item.extend_from_slice(if *short { b"BODY " } else { b"BODYSTRUCTURE " });
                    fetch::bodystructure(&mut item, &text);
                }
                Attribute::Body {
                    section,
                    partial,
                    label,
                    ..
                } => {
                    item.extend_from_slice(label.as_bytes());
                    item.push(b' ');
                    match fetch::section(&text, section) {
                        Some(mut bytes) => {
                            if let Some((origin, count)) = partial {
                                let start = (*origin as usize).min(bytes.len());
                                let end = (start + *count as usize).min(bytes.len());
                                bytes = bytes[start..end].to_vec();
                            }
                            syntax::literal(&mut item, &bytes);
                        }
                        None => item.extend_from_slice(b"NIL"), // no such part
                    }
                }
            }
            items.push(item);
        }
        write!(out, "* {} FETCH (", i + 1)?;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                out.write_all(b" ")?;
            }
            out.write_all(item)?;
        }
        out.write_all(b")\r\n")?;
        Ok(true)
    }
    // ANCHOR_END: fetch_one
}

/// Does message `i` match `key`? `text` caches the message's bytes, read only if
/// a key needs them.
fn matches(key: &SearchKey, i: usize, folder: &Folder, text: &mut Option<Vec<u8>>) -> bool {
    let m = &folder.messages[i];
    let load = |text: &mut Option<Vec<u8>>| -> Vec<u8> {
        text.get_or_insert_with(|| {
            std::fs::read(m.path(&folder.dir))
                .map(|b| fetch::crlf(&b))
                .unwrap_or_default()
        })
        .clone()
    };
    let contains = |hay: &[u8], needle: &str| {
        let hay = String::from_utf8_lossy(hay).to_lowercase();
        hay.contains(&needle.to_lowercase())
    };
    match key {
        SearchKey::And(keys) => keys.iter().all(|k| matches(k, i, folder, text)),
        SearchKey::Or(a, b) => matches(a, i, folder, text) || matches(b, i, folder, text),
        SearchKey::Not(k) => !matches(k, i, folder, text),
        SearchKey::All => true,
        SearchKey::Flag(c) => m.has(*c),
        SearchKey::Recent => m.recent,
        SearchKey::Header(name, needle) => {
            let bytes = load(text);
            let header = &bytes[..fetch::header_end(&bytes)];
            fetch::field_value(header, name).is_some_and(|v| contains(&v, needle))
        }
        SearchKey::Body(needle, whole) => {
            let bytes = load(text);
            let from = if *whole { 0 } else { fetch::header_end(&bytes) };
            contains(&bytes[from..], needle)
        }
        SearchKey::Date(order, day) => {
            let modified = std::fs::metadata(m.path(&folder.dir)).and_then(|md| md.modified());
            let secs = modified
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
            let date = secs.div_euclid(86_400);
            match order {
                std::cmp::Ordering::Greater => date >= *day, // SINCE: on or after
                std::cmp::Ordering::Less => date < *day,
                std::cmp::Ordering::Equal => date == *day,
            }
        }
        SearchKey::Size(order, n) => (load(text).len() as u64).cmp(n) == *order,
        SearchKey::Sequence(set) => {
            let count = folder.messages.len() as u32;
            set.contains(i as u32 + 1, count)
        }
        SearchKey::Uid(set) => set.contains(m.uid, folder.max_uid()),
    }
}

/// LIST's wildcards: `*` matches anything, `%` anything but the delimiter `/`.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| wildcard(rest, &name[i..])),
        Some((b'%', rest)) => (0..=name.len())
            .take_while(|&i| i == 0 || name[i - 1] != b'/')
            .any(|i| wildcard(rest, &name[i..])),
        Some((&c, rest)) => {
            name.first().is_some_and(|&n| n.eq_ignore_ascii_case(&c)) && wildcard(rest, &name[1..])
        }
    }
}

/// The user's INBOX, locked against POP3 while IMAP changes it; unlocked on drop.
struct InboxLock<'a> {
    mta: &'a Mta,
    mailbox: Mailbox,
}

impl Drop for InboxLock<'_> {
    fn drop(&mut self) {
        lock(&self.mta.locked).remove(&self.mailbox);
    }
}

/// Why reading a command stopped.
enum Unread {
    /// The session must end, for this reason.
    End(Event),
    /// The command is refused with this tagged response; the session goes on.
    Refuse(String),
}

// ANCHOR: read_command
/// Reads one command, literals included: a line that ends in `{n}` is followed
/// by exactly n bytes, then the rest of the command on the next line.
///
/// For `{n}` the client waits for our `+` before sending the bytes, so a literal
/// over the limit can be refused without reading it. For `{n+}` (LITERAL+) the
/// bytes are already on their way: one over the limit ends the session, since
/// there is no telling where the next command starts without reading them.
fn read_command(io: &mut Session, max_message: usize) -> io::Result<Result<Vec<u8>, Unread>> {
    let mut command = Vec::new();
    loop {
        let line = match io.next()? {
            Event::Line(line) => line,
            other => return Ok(Err(Unread::End(other))),
        };
        command.extend_from_slice(&line.text);
        if command.len() > MAX_LINE {
            return Ok(Err(Unread::End(Event::TooLong)));
        }
        let Some((n, plus)) = syntax::literal_at_end(&line.text) else {
            return Ok(Ok(command));
        };
        // A mail (APPEND) may be as big as SMTP allows; any other string is small.
        let verb = command.split(|&b| b == b' ').nth(1).unwrap_or_default();
        let max_literal = if verb.eq_ignore_ascii_case(b"APPEND") {
            max_message
        } else {
            MAX_LINE
        };
        if n > max_literal {
            let tag = syntax::tag_of(&command).unwrap_or_else(|| "*".into());
            if plus {
                return Ok(Err(Unread::End(Event::TooLong)));
            }
            return Ok(Err(Unread::Refuse(format!(
                "{tag} NO [TOOBIG] Literal over the limit of {max_literal} octets"
            ))));
        }
        if !plus {
            io.reply("+ Ready for the literal")?;
        }
        let bytes = match io.read_exact(n)? {
            Ok(bytes) => bytes,
            Err(why) => return Ok(Err(Unread::End(why))),
        };
        command.extend_from_slice(b"\r\n");
        command.extend_from_slice(&bytes);
    }
}
// ANCHOR_END: read_command

/// The `* BYE` the server says when it ends a session itself.
fn farewell(why: &Event) -> &'static str {
    match why {
        Event::Shutdown => "* BYE Server shutting down, try again later",
        Event::Idle => "* BYE Autologout: idle for too long",
        _ => "* BYE Line or literal too long, closing the connection",
    }
}

// ANCHOR: session
/// Serves one IMAP client until LOGOUT, a dropped connection, idling or shutdown.
pub fn session(
    stream: TcpStream,
    peer: SocketAddr,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let mut io = Session::new(stream, MAX_LINE, mta.imap_idle_timeout, shutdown)?;
    let mut imap = Imap::new(mta);
    io.reply(&Imap::greeting())?;
    loop {
        let bytes = match read_command(&mut io, mta.max_size)? {
            Ok(bytes) => bytes,
            Err(Unread::Refuse(reply)) => {
                io.reply(&reply)?;
                continue;
            }
            Err(Unread::End(Event::End)) => return Ok(()),
            Err(Unread::End(why)) => {
                io.reply(farewell(&why))?;
                break;
            }
        };
        let tagged = match syntax::parse(&bytes) {
            Ok(tagged) => tagged,
            Err(why) => {
                let tag = syntax::tag_of(&bytes).unwrap_or_else(|| "*".into());
                io.reply(&format!("{tag} BAD {why}"))?;
                continue;
            }
        };
        let tag = tagged.tag.clone();
        let logged_in = imap.user().is_some();
        let after = {
            // Many small writes (one per message of a FETCH) go out in big packets.
            let mut out = BufWriter::with_capacity(64 * 1024, io.writer());
            let after = imap.command(tagged, &mut out)?;
            out.flush()?;
            after
        };
        if let (Some(user), false) = (imap.user(), logged_in) {
            log(format_args!("IMAP {peer}: {user} logged in"));
        }
        match after {
            After::Next => {}
            After::Close => break,
            After::Idle => {
                if !idle(&mut io, &mut imap, &tag)? {
                    break;
                }
            }
        }
    }
    io.close();
    Ok(())
}
// ANCHOR_END: session

// ANCHOR: idle
/// IDLE (RFC 2177): instead of asking "anything new?" every few minutes, the
/// client waits, and the server tells it as soon as mail arrives, until the
/// client says `DONE`. Returns `false` if the session must end.
fn idle(io: &mut Session, imap: &mut Imap, tag: &str) -> io::Result<bool> {
    io.reply("+ idling")?;
    let since = Instant::now();
    loop {
        match io.next_within(IDLE_POLL)? {
            None => {
                let mut news = Vec::new();
                imap.report_changes(&mut news)?;
                io.send(&news)?;
                if since.elapsed() >= imap.mta.imap_idle_timeout {
                    io.reply(farewell(&Event::Idle))?;
                    return Ok(false);
                }
            }
            Some(Event::Line(line)) if line.text.eq_ignore_ascii_case(b"DONE") => {
                io.reply(&format!("{tag} OK IDLE terminated"))?;
                return Ok(true);
            }
            Some(Event::Line(_)) => {
                io.reply(&format!("{tag} BAD Expected DONE"))?;
                return Ok(true);
            }
            Some(Event::End) => return Ok(false),
            Some(other) => {
                io.reply(farewell(&other))?;
                return Ok(false);
            }
        }
    }
}
// ANCHOR_END: idle

/// Creates a user's IMAP folder by name (tests and tools).
pub fn create_folder(mta: &Mta, user: &Mailbox, name: &str) -> io::Result<PathBuf> {
    let dir = mta
        .maildir
        .root()
        .join(user.as_str())
        .join(format!(".{name}"));
    create_private_dirs(&dir)?;
    Folder::create(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests;
