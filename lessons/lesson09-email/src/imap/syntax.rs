//! IMAP's command syntax (RFC 3501 section 9): turning a command's bytes into a
//! [`Command`], and values into the bytes of a response.
//!
//! An IMAP command is a *tag* the client chose, a command name, and arguments:
//! atoms (`INBOX`, `\Seen`), quoted strings (`"my folder"`), literals (`{5}` then
//! CRLF then exactly 5 bytes, for anything a quoted string cannot hold), lists in
//! parentheses, and sequence sets (`1:*`, `2,4:6`). Every response to the command
//! ends with a line starting with the same tag, so a client can send several
//! commands without waiting and still match each answer to its question.
//!
//! The parser works on a whole command, literals included, as it came off the
//! wire; the session has already read each literal's bytes (see `imap::session`).
//! It does no I/O and allocates only what the command holds.

use std::fmt;

/// Why a command could not be parsed; becomes `tag BAD reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad(pub String);

impl fmt::Display for Bad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad<T>(why: impl Into<String>) -> Result<T, Bad> {
    Err(Bad(why.into()))
}

/// One number or range of a sequence set; `None` stands for `*` (the largest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range(pub Option<u32>, pub Option<u32>);

// ANCHOR: sequence_set
/// A sequence set: `1:*`, `2,4:6`, `*`. Numbers are message sequence numbers, or
/// UIDs in the `UID` commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSet(pub Vec<Range>);

impl SequenceSet {
    /// Parses `2,4:6` and friends. Zero is not a valid number.
    pub fn parse(text: &str) -> Result<SequenceSet, Bad> {
        let number = |n: &str| -> Result<Option<u32>, Bad> {
            match n {
                "*" => Ok(None),
                _ => match n.parse::<u32>() {
                    Ok(0) | Err(_) => bad(format!("{n:?} is not a message number or *")),
                    Ok(n) => Ok(Some(n)),
                },
            }
        };
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let range = match part.split_once(':') {
                Some((a, b)) => Range(number(a)?, number(b)?),
                None => {
                    let n = number(part)?;
                    Range(n, n)
                }
            };
            ranges.push(range);
        }
        Ok(SequenceSet(ranges))
    }

    /// Does the set hold `n`, when `*` stands for `largest`? (`5:3` is `3:5`.)
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        self.0.iter().any(|Range(a, b)| {
            let (a, b) = (a.unwrap_or(largest), b.unwrap_or(largest));
            (a.min(b)..=a.max(b)).contains(&n)
        })
    }

    /// The largest number named (with `*` as `largest`).
    pub fn max(&self, largest: u32) -> u32 {
        self.0
            .iter()
            .flat_map(|Range(a, b)| [a.unwrap_or(largest), b.unwrap_or(largest)])
            .max()
            .unwrap_or(0)
    }
}
// ANCHOR_END: sequence_set

/// A `BODY[...]` section: which part of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// `BODY[]`: everything.
    Full,
    /// `BODY[HEADER]`.
    Header,
    /// `BODY[HEADER.FIELDS (FROM TO)]`, or with `.NOT` the other fields.
    Fields {
        /// The field names, upper case.
        names: Vec<String>,
        /// `HEADER.FIELDS.NOT`.
        not: bool,
    },
    /// `BODY[TEXT]`: after the header.
    Text,
    /// `BODY[1]`, `BODY[2.1]`: a MIME part's body; with `mime`, `BODY[2.MIME]`:
    /// its header.
    Part {
        /// Part numbers, from 1, one per level of nesting.
        path: Vec<u32>,
        /// `.MIME`.
        mime: bool,
    },
}

/// One thing `FETCH` can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// `FLAGS`.
    Flags,
    /// `UID`.
    Uid,
    /// `RFC822.SIZE`: the size with CRLF line ends.
    Size,
    /// `INTERNALDATE`: when the server received it.
    InternalDate,
    /// `ENVELOPE`: the main header fields, parsed.
    Envelope,
    /// `BODYSTRUCTURE` (or `BODY` without a section): the MIME structure.
    BodyStructure {
        /// Said `BODY`, so the reply says `BODY` too.
        short: bool,
    },
    /// `BODY[section]<partial>` (or `BODY.PEEK`, or `RFC822`, `RFC822.HEADER`,
    /// `RFC822.TEXT`).
    Body {
        /// Which part.
        section: Section,
        /// `PEEK`: do not set `\Seen`.
        peek: bool,
        /// `<origin.count>`: only these bytes.
        partial: Option<(u32, u32)>,
        /// How the reply names it (`RFC822.HEADER`, `BODY[TEXT]<0>`, ...).
        label: String,
    },
}

/// How `STORE` changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`: replace.
    Set,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// A condition of `SEARCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// All of these (a parenthesised list, or the keys of the command).
    And(Vec<SearchKey>),
    /// `OR a b`.
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `NOT a`.
    Not(Box<SearchKey>),
    /// `ALL`.
    All,
    /// A flag is set (`SEEN`, `DELETED`, ...; `UNSEEN` is `Not(Flag)`).
    Flag(char),
    /// `RECENT`, `NEW` (recent and unseen), `OLD` (not recent).
    Recent,
    /// A header field contains the text (`FROM x`, `SUBJECT x`, `HEADER name x`).
    Header(String, String),
    /// `BODY x`: the text after the header contains it; `TEXT x`: anywhere.
    Body(String, bool),
    /// `SINCE`, `BEFORE`, `ON` a date (days since 1970), on `INTERNALDATE`.
    Date(std::cmp::Ordering, i64),
    /// `LARGER n` (`Greater`), `SMALLER n` (`Less`).
    Size(std::cmp::Ordering, u64),
    /// A sequence set of message numbers.
    Sequence(SequenceSet),
    /// `UID set`.
    Uid(SequenceSet),
}

/// A parsed command, without its tag. (The fields are the command's arguments,
/// in the order RFC 3501 section 6 gives them.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `CAPABILITY`: what the server supports.
    Capability,
    /// `NOOP`: nothing, but a chance to report new mail.
    Noop,
    /// `LOGOUT`.
    Logout,
    /// `LOGIN user password`.
    Login(String, String),
    /// `LIST reference pattern`, or `LSUB` (`lsub`).
    List {
        /// Prefixed to the pattern.
        reference: String,
        /// Folder names to list, with `*` and `%` wildcards.
        pattern: String,
        /// Said `LSUB`.
        lsub: bool,
    },
    /// `CREATE folder`.
    Create(String),
    /// `DELETE folder`.
    Delete(String),
    /// `RENAME old new`.
    Rename(String, String),
    /// `SUBSCRIBE` or `UNSUBSCRIBE` (every folder is always subscribed here).
    Subscribe(String),
    /// `SELECT folder`, or `EXAMINE` (`read_only`).
    Select {
        /// The folder.
        mailbox: String,
        /// Said `EXAMINE`.
        read_only: bool,
    },
    /// `STATUS folder (MESSAGES UNSEEN ...)`.
    Status(String, Vec<String>),
    /// `APPEND folder (flags) "date" {size}`: store a message the client sends.
    Append {
        /// The folder.
        mailbox: String,
        /// Its flags.
        flags: Vec<String>,
        /// Its `INTERNALDATE`, seconds since 1970.
        date: Option<i64>,
        /// The message, CRLF line ends.
        message: Vec<u8>,
    },
    /// `IDLE`: wait for news until `DONE`.
    Idle,
    /// `CHECK`: like NOOP here.
    Check,
    /// `CLOSE`: expunge silently and deselect.
    Close,
    /// `EXPUNGE`, or `UID EXPUNGE set`.
    Expunge(Option<SequenceSet>),
    /// `FETCH set items`.
    Fetch {
        /// Which messages.
        set: SequenceSet,
        /// What about them.
        attributes: Vec<Attribute>,
        /// `UID FETCH`: the set holds UIDs.
        uid: bool,
    },
    /// `STORE set +FLAGS (...)`.
    Store {
        /// Which messages.
        set: SequenceSet,
        /// Add, remove or replace.
        mode: StoreMode,
        /// `.SILENT`: no FETCH responses.
        silent: bool,
        /// The flags.
        flags: Vec<String>,
        /// `UID STORE`.
        uid: bool,
    },
    /// `COPY set folder`.
    Copy {
        /// Which messages.
        set: SequenceSet,
        /// Where to.
        mailbox: String,
        /// `UID COPY`.
        uid: bool,
    },
    /// `SEARCH keys`.
    Search {
        /// All the keys, as one `And`.
        key: SearchKey,
        /// `UID SEARCH`: answer with UIDs.
        uid: bool,
    },
}

/// A command and its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// The client's label for this command, echoed in the final response.
    pub tag: String,
    /// What to do.
    pub command: Command,
}

/// Where a literal is announced at the end of a line: `{12}` or `{12+}`.
/// Returns its length and whether it is non-synchronising (`+`: the client does
/// not wait for our `+` go-ahead).
pub fn literal_at_end(line: &[u8]) -> Option<(usize, bool)> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let inner = &inner[open + 1..];
    let (digits, plus) = match inner.strip_suffix(b"+") {
        Some(digits) => (digits, true),
        None => (inner, false),
    };
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((n, plus))
}

/// The tag of a command line, if it has one (for a `BAD` about the rest).
pub fn tag_of(line: &[u8]) -> Option<String> {
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let tag = &line[..end];
    (!tag.is_empty() && tag.iter().all(|&b| is_tag_char(b)))
        .then(|| String::from_utf8_lossy(tag).into_owned())
}

fn is_atom_char(b: u8) -> bool {
    b > b' ' && b < 0x7f && !b"(){%*\"\\]".contains(&b)
}

fn is_tag_char(b: u8) -> bool {
    is_atom_char(b) && b != b'+' || b == b']'
}

// ANCHOR: parser
/// Reads one command's bytes from left to right.
struct Parser<'a> {
    /// The command, literals included, without its final CRLF.
    input: &'a [u8],
    /// How far we have read.
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.input.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let here = self.peek() == Some(byte);
        self.pos += usize::from(here);
        here
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Bad> {
        if self.eat(byte) {
            Ok(())
        } else {
            bad(format!("expected {what}"))
        }
    }

    fn space(&mut self) -> Result<(), Bad> {
        self.expect(b' ', "a space")
    }

    fn end(&self) -> Result<(), Bad> {
        if self.at_end() {
            Ok(())
        } else {
            bad(format!(
                "unexpected {:?} at the end",
                String::from_utf8_lossy(&self.input[self.pos..])
            ))
        }
    }

    /// Bytes while `ok` holds.
    fn take_while(&mut self, ok: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&ok) {
            self.pos += 1;
        }
        &self.input[start..self.pos]
    }

    /// An atom: `INBOX`, `FETCH`, `1:*`.
    fn atom(&mut self) -> Result<String, Bad> {
        let atom = self.take_while(is_atom_char);
        if atom.is_empty() {
            return bad("expected a word");
        }
        Ok(String::from_utf8_lossy(atom).into_owned())
    }

    /// A quoted string or a literal.
    fn string(&mut self) -> Result<Vec<u8>, Bad> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            _ => bad("expected a string"),
        }
    }

    /// `"text"`, with `\"` and `\\` inside.
    fn quoted(&mut self) -> Result<Vec<u8>, Bad> {
        self.expect(b'"', "a quote")?;
        let mut text = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r' | b'\n') => return bad("unterminated quoted string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => text.push(c),
                        _ => return bad("only \\\" and \\\\ may follow a backslash"),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `{n}` or `{n+}`, CRLF, then exactly n bytes (the session has read them).
    fn literal(&mut self) -> Result<Vec<u8>, Bad> {
        self.expect(b'{', "{")?;
        let digits = self.take_while(|b| b.is_ascii_digit());
        let n: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| Bad("expected a literal's length".into()))?;
        self.eat(b'+');
        self.expect(b'}', "}")?;
        if !self.input[self.pos..].starts_with(b"\r\n") {
            return bad("a literal's length must end the line");
        }
        self.pos += 2;
        let end = self.pos.checked_add(n);
        let Some(bytes) = end.and_then(|end| self.input.get(self.pos..end)) else {
            return bad("the literal is shorter than announced");
        };
        self.pos += n;
        Ok(bytes.to_vec())
    }

    /// An atom (with `]` allowed) or a string: user names, passwords, folder names.
    fn astring(&mut self) -> Result<String, Bad> {
        let bytes = match self.peek() {
            Some(b'"' | b'{') => self.string()?,
            _ => {
                let atom = self.take_while(|b| is_atom_char(b) || b == b']');
                if atom.is_empty() {
                    return bad("expected a word or a string");
                }
                atom.to_vec()
            }
        };
        String::from_utf8(bytes).map_err(|_| Bad("expected UTF-8 text".into()))
    }

    /// A folder name pattern for LIST: an atom with `*` and `%`, or a string.
    fn list_mailbox(&mut self) -> Result<String, Bad> {
        match self.peek() {
            Some(b'"' | b'{') => self.astring(),
            _ => {
                let atom = self.take_while(|b| is_atom_char(b) || b"*%]".contains(&b));
                if atom.is_empty() {
                    return bad("expected a folder name or pattern");
                }
                Ok(String::from_utf8_lossy(atom).into_owned())
            }
        }
    }

    /// A flag: `\Seen`, or a keyword atom.
    fn flag(&mut self) -> Result<String, Bad> {
        let backslash = self.eat(b'\\');
        let name = self.atom()?;
        Ok(if backslash { format!("\\{name}") } else { name })
    }

    /// `(\Seen \Deleted)`, possibly empty.
    fn flag_list(&mut self) -> Result<Vec<String>, Bad> {
        self.expect(b'(', "(")?;
        let mut flags = Vec::new();
        while !self.eat(b')') {
            if !flags.is_empty() {
                self.space()?;
            }
            flags.push(self.flag()?);
        }
        Ok(flags)
    }

    fn sequence_set(&mut self) -> Result<SequenceSet, Bad> {
        let text = self.take_while(|b| b.is_ascii_digit() || b"*:,".contains(&b));
        SequenceSet::parse(&String::from_utf8_lossy(text))
    }

    fn number(&mut self) -> Result<u64, Bad> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| Bad("expected a number".into()))
    }
}
// ANCHOR_END: parser

// ANCHOR: parse
/// Parses one whole command (its final CRLF removed).
pub fn parse(input: &[u8]) -> Result<Tagged, Bad> {
    let mut p = Parser { input, pos: 0 };
    let tag = p.take_while(is_tag_char);
    if tag.is_empty() {
        return bad("a command starts with a tag, e.g. a1 NOOP");
    }
    let tag = String::from_utf8_lossy(tag).into_owned();
    p.space()?;
    let name = p.atom()?.to_ascii_uppercase();
    let command = command(&mut p, &name)?;
    p.end()?;
    Ok(Tagged { tag, command })
}
// ANCHOR_END: parse

fn command(p: &mut Parser, name: &str) -> Result<Command, Bad> {
    let mailbox = |p: &mut Parser| -> Result<String, Bad> {
        p.space()?;
        p.astring()
    };
    Ok(match name {
        "CAPABILITY" => Command::Capability,
        "NOOP" => Command::Noop,
        "LOGOUT" => Command::Logout,
        "CHECK" => Command::Check,
        "CLOSE" => Command::Close,
        "IDLE" => Command::Idle,
        "EXPUNGE" => Command::Expunge(None),
        "LOGIN" => {
            let user = mailbox(p)?;
            Command::Login(user, mailbox(p)?)
        }
        "LIST" | "LSUB" => {
            let reference = mailbox(p)?;
            p.space()?;
            Command::List {
                reference,
                pattern: p.list_mailbox()?,
                lsub: name == "LSUB",
            }
        }
        "CREATE" => Command::Create(mailbox(p)?),
        "DELETE" => Command::Delete(mailbox(p)?),
        "RENAME" => {
            let from = mailbox(p)?;
            Command::Rename(from, mailbox(p)?)
        }
        "SUBSCRIBE" | "UNSUBSCRIBE" => Command::Subscribe(mailbox(p)?),
        "SELECT" | "EXAMINE" => Command::Select {
            mailbox: mailbox(p)?,
            read_only: name == "EXAMINE",
        },
        "STATUS" => {
            let folder = mailbox(p)?;
            p.space()?;
            p.expect(b'(', "( before the status items")?;
            let mut items = Vec::new();
            while !p.eat(b')') {
                if !items.is_empty() {
                    p.space()?;
                }
                let item = p.atom()?.to_ascii_uppercase();
                if !["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"].contains(&&*item) {
                    return bad(format!("unknown status item {item}"));
                }
                items.push(item);
            }
            Command::Status(folder, items)
        }
        "APPEND" => {
            let folder = mailbox(p)?;
            p.space()?;
            let mut flags = Vec::new();
            if p.peek() == Some(b'(') {
                flags = p.flag_list()?;
                p.space()?;
            }
            let mut date = None;
            if p.peek() == Some(b'"') {
                let text = p.quoted()?;
                date = Some(
                    parse_date_time(&String::from_utf8_lossy(&text)).ok_or_else(|| {
                        Bad("bad date-time, e.g. \"17-Jul-1996 02:44:25 -0700\"".into())
                    })?,
                );
                p.space()?;
            }
            if p.peek() != Some(b'{') {
                return bad("APPEND wants the message as a literal, {size}");
            }
            Command::Append {
                mailbox: folder,
                flags,
                date,
                message: p.literal()?,
            }
        }
        "FETCH" | "STORE" | "COPY" | "SEARCH" => selected(p, name, false)?,
        "UID" => {
            p.space()?;
            let name = p.atom()?.to_ascii_uppercase();
            match name.as_str() {
                "FETCH" | "STORE" | "COPY" | "SEARCH" => selected(p, &name, true)?,
                "EXPUNGE" => {
                    p.space()?;
                    Command::Expunge(Some(p.sequence_set()?))
                }
                _ => return bad(format!("UID {name} is not a command")),
            }
        }
        "AUTHENTICATE" | "STARTTLS" => {
            return bad(format!("{name} is not supported here; use LOGIN"))
        }
        _ => return bad(format!("unknown command {name}")),
    })
}

/// The commands that work on the selected folder, with `UID` or without.
fn selected(p: &mut Parser, name: &str, uid: bool) -> Result<Command, Bad> {
    p.space()?;
    if name == "SEARCH" {
        let mut keys = Vec::new();
        loop {
            let key = search_key(p)?;
            if let Some(key) = key {
                keys.push(key);
            }
            if p.at_end() {
                break;
            }
            p.space()?;
        }
        return Ok(Command::Search {
            key: SearchKey::And(keys),
            uid,
        });
    }
    let set = p.sequence_set()?;
    p.space()?;
    Ok(match name {
        "FETCH" => Command::Fetch {
            set,
            attributes: fetch_attributes(p)?,
            uid,
        },
        "COPY" => Command::Copy {
            set,
            mailbox: p.astring()?,
            uid,
        },
        _ => {
            let what = p.atom()?.to_ascii_uppercase();
            let (mode, rest) = match what.as_bytes().first() {
                Some(b'+') => (StoreMode::Add, &what[1..]),
                Some(b'-') => (StoreMode::Remove, &what[1..]),
                _ => (StoreMode::Set, &what[..]),
            };
            let silent = match rest {
                "FLAGS" => false,
                "FLAGS.SILENT" => true,
                _ => return bad("STORE takes FLAGS, +FLAGS or -FLAGS (.SILENT)"),
            };
            p.space()?;
            let flags = if p.peek() == Some(b'(') {
                p.flag_list()?
            } else {
                let mut flags = vec![p.flag()?];
                while p.eat(b' ') {
                    flags.push(p.flag()?);
                }
                flags
            };
            Command::Store {
                set,
                mode,
                silent,
                flags,
                uid,
            }
        }
    })
}

/// `FLAGS`, `(FLAGS UID BODY.PEEK[HEADER])`, or a macro (`ALL`, `FAST`, `FULL`).
fn fetch_attributes(p: &mut Parser) -> Result<Vec<Attribute>, Bad> {
    if !p.eat(b'(') {
        return fetch_attribute(p);
    }
    let mut all = Vec::new();
    while !p.eat(b')') {
        if !all.is_empty() {
            p.space()?;
        }
        all.extend(fetch_attribute(p)?);
    }
    Ok(all)
}

fn fetch_attribute(p: &mut Parser) -> Result<Vec<Attribute>, Bad> {
    let name = p
        .take_while(|b| is_atom_char(b) && b != b'[')
        .to_ascii_uppercase();
    let name = String::from_utf8_lossy(&name).into_owned();
    let body = |section, peek, label: &str| Attribute::Body {
        section,
        peek,
        partial: None,
        label: label.to_string(),
    };
    use Attribute::*;
    Ok(match name.as_str() {
        "ALL" => vec![Flags, InternalDate, Size, Envelope],
        "FAST" => vec![Flags, InternalDate, Size],
        "FULL" => vec![
            Flags,
            InternalDate,
            Size,
            Envelope,
            BodyStructure { short: true },
        ],
        "FLAGS" => vec![Flags],
        "UID" => vec![Uid],
        "RFC822.SIZE" => vec![Size],
        "INTERNALDATE" => vec![InternalDate],
        "ENVELOPE" => vec![Envelope],
        "BODYSTRUCTURE" => vec![BodyStructure { short: false }],
        "RFC822" => vec![body(Section::Full, false, "RFC822")],
        "RFC822.HEADER" => vec![body(Section::Header, true, "RFC822.HEADER")],
        "RFC822.TEXT" => vec![body(Section::Text, false, "RFC822.TEXT")],
        "BODY" if p.peek() != Some(b'[') => vec![BodyStructure { short: true }],
        "BODY" | "BODY.PEEK" => {
            p.expect(b'[', "[")?;
            let spec = p
                .take_while(|b| is_atom_char(b) && b != b'[')
                .to_ascii_uppercase();
            let spec = String::from_utf8_lossy(&spec).into_owned();
            let (section, label) = match spec.as_str() {
                "" => (Section::Full, String::new()),
                "HEADER" => (Section::Header, spec.clone()),
                "TEXT" => (Section::Text, spec.clone()),
                "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => {
                    p.space()?;
                    p.expect(b'(', "( before the field names")?;
                    let mut names = Vec::new();
                    while !p.eat(b')') {
                        if !names.is_empty() {
                            p.space()?;
                        }
                        names.push(p.astring()?.to_ascii_uppercase());
                    }
                    if names.is_empty() {
                        return bad("HEADER.FIELDS needs at least one field name");
                    }
                    let label = format!("{spec} ({})", names.join(" "));
                    (
                        Section::Fields {
                            names,
                            not: spec.ends_with(".NOT"),
                        },
                        label,
                    )
                }
                _ if spec.starts_with(|c: char| c.is_ascii_digit()) => {
                    let (numbers, mime) = match spec.strip_suffix(".MIME") {
                        Some(numbers) => (numbers, true),
                        None => (spec.as_str(), false),
                    };
                    let path: Option<Vec<u32>> = numbers
                        .split('.')
                        .map(|n| n.parse::<u32>().ok().filter(|&n| n > 0))
                        .collect();
                    let Some(path) = path else {
                        return bad(format!("section {spec:?} is not supported"));
                    };
                    (Section::Part { path, mime }, spec.clone())
                }
                _ => return bad(format!("section {spec:?} is not supported")),
            };
            p.expect(b']', "]")?;
            let mut partial = None;
            let mut label = format!("BODY[{label}]");
            if p.eat(b'<') {
                let origin = p.number()? as u32;
                p.expect(b'.', ". in <origin.count>")?;
                let count = p.number()? as u32;
                if count == 0 {
                    return bad("a partial fetch of 0 octets");
                }
                p.expect(b'>', ">")?;
                partial = Some((origin, count));
                label.push_str(&format!("<{origin}>"));
            }
            vec![Body {
                section,
                peek: name == "BODY.PEEK",
                partial,
                label,
            }]
        }
        "" => return bad("expected a FETCH item"),
        _ => return bad(format!("unknown FETCH item {name}")),
    })
}

/// One search key, or `None` for `CHARSET x` (which only names the encoding).
fn search_key(p: &mut Parser) -> Result<Option<SearchKey>, Bad> {
    use SearchKey::*;
    if p.eat(b'(') {
        let mut keys = Vec::new();
        while !p.eat(b')') {
            if !keys.is_empty() {
                p.space()?;
            }
            keys.extend(search_key(p)?);
        }
        return Ok(Some(And(keys)));
    }
    if p.peek().is_some_and(|b| b.is_ascii_digit() || b == b'*') {
        return Ok(Some(Sequence(p.sequence_set()?)));
    }
    let name = p.atom()?.to_ascii_uppercase();
    let text = |p: &mut Parser| -> Result<String, Bad> {
        p.space()?;
        p.astring()
    };
    let flag = |c| Flag(c);
    let unflag = |c| Not(Box::new(Flag(c)));
    Ok(Some(match name.as_str() {
        "CHARSET" => {
            let charset = text(p)?.to_ascii_uppercase();
            if charset != "UTF-8" && charset != "US-ASCII" {
                return bad("[BADCHARSET (UTF-8 US-ASCII)] unsupported charset");
            }
            return Ok(None);
        }
        "ALL" => All,
        "SEEN" => flag('S'),
        "UNSEEN" => unflag('S'),
        "DELETED" => flag('T'),
        "UNDELETED" => unflag('T'),
        "FLAGGED" => flag('F'),
        "UNFLAGGED" => unflag('F'),
        "ANSWERED" => flag('R'),
        "UNANSWERED" => unflag('R'),
        "DRAFT" => flag('D'),
        "UNDRAFT" => unflag('D'),
        "RECENT" => Recent,
        "OLD" => Not(Box::new(Recent)),
        "NEW" => And(vec![Recent, unflag('S')]),
        "FROM" | "TO" | "CC" | "BCC" | "SUBJECT" => Header(name.clone(), text(p)?),
        "HEADER" => {
            let field = text(p)?.to_ascii_uppercase();
            Header(field, text(p)?)
        }
        "BODY" => Body(text(p)?, false),
        "TEXT" => Body(text(p)?, true),
        "SINCE" | "BEFORE" | "ON" => {
            let day = text(p)?;
            let day = parse_date(&day)
                .ok_or_else(|| Bad(format!("{day:?} is not a date like 1-Feb-1994")))?;
            let order = match name.as_str() {
                "SINCE" => std::cmp::Ordering::Greater, // on or after: see search
                "BEFORE" => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Equal,
            };
            Date(order, day)
        }
        "LARGER" | "SMALLER" => {
            p.space()?;
            let n = p.number()?;
            let order = if name == "LARGER" {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            };
            Size(order, n)
        }
        "UID" => {
            p.space()?;
            Uid(p.sequence_set()?)
        }
        "NOT" => {
            p.space()?;
            let key = search_key(p)?.ok_or_else(|| Bad("NOT what?".into()))?;
            Not(Box::new(key))
        }
        "OR" => {
            p.space()?;
            let a = search_key(p)?.ok_or_else(|| Bad("OR what?".into()))?;
            p.space()?;
            let b = search_key(p)?.ok_or_else(|| Bad("OR what?".into()))?;
            Or(Box::new(a), Box::new(b))
        }
        _ => return bad(format!("unknown search key {name}")),
    }))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `1-Feb-1994` → days since 1970.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().split('-');
    let day: i64 = parts.next()?.trim().parse().ok()?;
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as i64 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `17-Jul-1996 02:44:25 -0700` → seconds since 1970 (UTC).
pub fn parse_date_time(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let days = parse_date(parts.next()?)?;
    let mut clock = parts.next()?.split(':').map(|n| n.parse::<i64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    let zone = parts.next()?;
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let zone: i64 = zone.get(1..5)?.parse().ok()?;
    let offset = sign * (zone / 100 * 3600 + zone % 100 * 60);
    Some(days * 86_400 + h * 3600 + m * 60 + s - offset)
}

/// `17-Jul-1996 02:44:25 +0000`, as `INTERNALDATE` is written.
pub fn format_date_time(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::message::civil_from_days(days);
    format!(
        "{day:02}-{}-{year} {:02}:{:02}:{:02} +0000",
        MONTHS[month as usize - 1],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

// ANCHOR: quote
/// A string as a response carries it: `"quoted"` when it can be, else a literal
/// (`{n}`, CRLF, the bytes), which can hold anything, line ends and 8-bit too.
pub fn string(out: &mut Vec<u8>, bytes: &[u8]) {
    let quotable = bytes.len() < 1000 && bytes.iter().all(|&b| (b' '..0x7f).contains(&b));
    if quotable {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        literal(out, bytes);
    }
}

/// `{n}`, CRLF, and the bytes.
pub fn literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
}
// ANCHOR_END: quote

/// A string, or `NIL` for none.
pub fn nstring(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => string(out, bytes),
        None => out.extend_from_slice(b"NIL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Command {
        parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .command
    }

    fn refused(text: &str) -> String {
        match parse(text.as_bytes()) {
            Ok(cmd) => panic!("{text:?} should be refused, got {cmd:?}"),
            Err(Bad(why)) => why,
        }
    }

    #[test]
    fn sequence_sets() {
        let set = SequenceSet::parse("2,4:6,9:*").unwrap();
        let hits: Vec<u32> = (1..=12).filter(|&n| set.contains(n, 12)).collect();
        assert_eq!(hits, [2, 4, 5, 6, 9, 10, 11, 12]);
        let reversed = SequenceSet::parse("5:3").unwrap();
        assert!(reversed.contains(4, 10));
        // "*" is the largest, even below the start of the range.
        let star = SequenceSet::parse("20:*").unwrap();
        assert!(star.contains(7, 7) && star.contains(20, 7));
        for wrong in ["", "0", "1:", "a", "1,,2", "-1"] {
            assert!(SequenceSet::parse(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn tags_commands_and_strings() {
        let t = parse(b"a001 login \"al\\\"ice\" {7}\r\nsec ret").unwrap();
        assert_eq!(t.tag, "a001");
        assert_eq!(
            t.command,
            Command::Login("al\"ice".into(), "sec ret".into())
        );
        assert_eq!(
            parsed("x LOGIN alice secret"),
            Command::Login("alice".into(), "secret".into())
        );
        assert_eq!(
            parsed("x list \"\" *"),
            Command::List {
                reference: String::new(),
                pattern: "*".into(),
                lsub: false
            }
        );
        assert_eq!(
            parsed("x EXAMINE inbox"),
            Command::Select {
                mailbox: "inbox".into(),
                read_only: true
            }
        );
    }

    #[test]
    fn fetch_items() {
        let Command::Fetch { set, attributes, uid } =
            parsed("t UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)] BODY[]<0.100> RFC822.SIZE)")
        else {
            panic!()
        };
        assert!(uid);
        assert_eq!(set, SequenceSet(vec![Range(Some(1), None)]));
        assert_eq!(attributes.len(), 4);
        let Attribute::Body { label, peek, .. } = &attributes[1] else {
            panic!()
        };
        assert_eq!(label, "BODY[HEADER.FIELDS (FROM SUBJECT)]");
        assert!(peek);
        let Attribute::Body { label, partial, .. } = &attributes[2] else {
            panic!()
        };
        assert_eq!((label.as_str(), *partial), ("BODY[]<0>", Some((0, 100))));
        let Command::Fetch { attributes, .. } = parsed("t FETCH 1 ALL") else {
            panic!()
        };
        assert_eq!(attributes.len(), 4);
    }

    #[test]
    fn store_search_append() {
        assert_eq!(
            parsed("s STORE 1,3 +FLAGS.SILENT (\\Deleted \\Seen)"),
            Command::Store {
                set: SequenceSet::parse("1,3").unwrap(),
                mode: StoreMode::Add,
                silent: true,
                flags: vec!["\\Deleted".into(), "\\Seen".into()],
                uid: false
            }
        );
        let Command::Search {
            key: SearchKey::And(keys),
            ..
        } = parsed("s SEARCH CHARSET UTF-8 OR FROM ann (UNSEEN SINCE 1-Feb-1994) NOT DELETED")
        else {
            panic!()
        };
        assert_eq!(keys.len(), 2);
        let Command::Append {
            flags,
            date,
            message,
            ..
        } = parsed("a APPEND Sent (\\Seen) \"01-Jan-1970 00:01:00 +0000\" {3+}\r\nabc")
        else {
            panic!()
        };
        assert_eq!(
            (flags, date, message),
            (vec!["\\Seen".into()], Some(60), b"abc".to_vec())
        );
    }

    #[test]
    fn bad_commands_say_why() {
        assert!(refused("").contains("tag"));
        assert!(refused("a1").contains("space"));
        assert!(refused("a1 FROB").contains("unknown command FROB"));
        assert!(refused("a1 FETCH 0 FLAGS").contains("not a message number"));
        assert!(refused("a1 FETCH 1 (FLAGS").contains("expected"));
        assert!(refused("a1 LOGIN \"unterminated").contains("unterminated"));
        assert!(refused("a1 LOGIN {5}\r\nab").contains("shorter"));
        assert!(refused("a1 NOOP extra").contains("unexpected"));
        assert!(refused("a1 SEARCH SINCE yesterday").contains("date"));
    }

    proptest::proptest! {
        /// Whatever a client sends, the parser answers, never panics.
        #[test]
        fn any_bytes_are_parsed_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn command_like_text_is_parsed_or_refused(
            text in "[a-z0-9]{1,3} (FETCH|UID FETCH|STORE|SEARCH|LOGIN|APPEND|LIST|STATUS|COPY) [ -~]{0,60}(\\{[0-9]{1,20}\\+?\\}\r\n[ -~]{0,10})?"
        ) {
            let _ = parse(text.as_bytes());
        }
    }

    #[test]
    fn literals_announced_at_the_end_of_a_line() {
        assert_eq!(literal_at_end(b"a LOGIN {5}"), Some((5, false)));
        assert_eq!(literal_at_end(b"a APPEND x {12+}"), Some((12, true)));
        assert_eq!(literal_at_end(b"a LOGIN x"), None);
        assert_eq!(literal_at_end(b"a LOGIN {}"), None);
        assert_eq!(literal_at_end(b"a LOGIN {99999999999}"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1-Jan-1970"), Some(0));
        assert_eq!(parse_date("01-Feb-1994"), Some(8797));
        assert_eq!(
            parse_date_time("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        assert_eq!(format_date_time(837_596_665), "17-Jul-1996 09:44:25 +0000");
    }

    #[test]
    fn strings_in_responses() {
        let mut out = Vec::new();
        string(&mut out, b"say \"hi\"");
        nstring(&mut out, None);
        string(&mut out, "Grüße".as_bytes());
        assert_eq!(out, "\"say \\\"hi\\\"\"NIL{7}\r\nGrüße".as_bytes());
    }
}
