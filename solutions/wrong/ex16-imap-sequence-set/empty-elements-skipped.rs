//! Known-wrong solution to ex16-imap-sequence-set (a realistic beginner bug; see exercises/README.md).
//!
//! bug: empty elements (`1,,2`, `1,`) are skipped instead of refused
//! catches: what_rfc_3501_refuses
//!
//! An IMAP client names messages with a *sequence set*: `1:*` (all), `2,4:6` (2,
//! 4, 5 and 6), `*` (the last one), `5:3` (3, 4 and 5: a range may be written
//! backwards). `*` stands for the largest number in use: the number of messages,
//! or the highest UID in `UID FETCH`. Write the parser and the two questions a
//! server asks of a set:
//!
//! 1. [`parse`]: text to [`SequenceSet`], refusing what RFC 3501 refuses (see
//!    [`SetError`]);
//! 2. [`SequenceSet::contains`]: is number `n` in the set, when `*` is `largest`?
//! 3. [`SequenceSet::numbers`]: every number of the set from 1 to `largest`, in
//!    order, each once.
//!
//! Careful with `*` at the *start* of a range: in `UID FETCH 20:*` against a folder
//! whose highest UID is 7, `20:*` means `7:20`, which contains 7 (RFC 3501 section
//! 6.4.8: the last message is always included).
//!
//! Read first: the book's lesson 9, *The IMAP server*, and `lessons/lesson09-email/
//! src/imap/syntax.rs` (try not to copy it!).
//!
//! Grade your work with `cargo test -p ex16-imap-sequence-set`.

use std::fmt;

/// One element of a set: a number (`Bound::Number(4)`) or `*`, alone or as a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// A number, 1 or more.
    Number(u32),
    /// `*`: the largest number in use.
    Star,
}

/// A parsed sequence set: its ranges as written (`4` is the range `4:4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceSet(pub Vec<(Bound, Bound)>);

/// Why some text is not a sequence set. Each variant holds the whole input.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError {
    /// Nothing at all, or an empty element (`""`, `"1,,2"`, `"1,"`, `"3:"`).
    Empty(String),
    /// A zero: message numbers and UIDs start at 1 (`"0"`, `"0:5"`).
    Zero(String),
    /// Something that is not a digit, `*`, `:` or `,` (`"1-3"`, `" 1"`), a number
    /// too big for a u32, or two colons in one element (`"1:2:3"`).
    Invalid(String),
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (input, problem) = match self {
            SetError::Empty(i) => (i, "an empty element"),
            SetError::Zero(i) => (i, "0 is not a message number"),
            SetError::Invalid(i) => (i, "not a number, * or range"),
        };
        write!(
            f,
            "invalid sequence set {input:?}: {problem} (expected e.g. 1:*, 2,4:6)"
        )
    }
}

impl std::error::Error for SetError {}

/// Parses a sequence set.
pub fn parse(text: &str) -> Result<SequenceSet, SetError> {
    let bound = |part: &str| -> Result<Bound, SetError> {
        match part {
            "" => Err(SetError::Empty(text.to_string())),
            "*" => Ok(Bound::Star),
            _ if !part.bytes().all(|b| b.is_ascii_digit()) => {
                Err(SetError::Invalid(text.to_string()))
            }
            _ => match part.parse::<u32>() {
                Ok(0) => Err(SetError::Zero(text.to_string())),
                Ok(n) => Ok(Bound::Number(n)),
                Err(_) => Err(SetError::Invalid(text.to_string())),
            },
        }
    };
    let mut ranges = Vec::new();
    if text.is_empty() {
        return Err(SetError::Empty(String::new()));
    }
    for element in text.split(',').filter(|e| !e.is_empty()) {
        let range = match element.split_once(':') {
            Some((_, b)) if b.contains(':') => return Err(SetError::Invalid(text.to_string())),
            Some((a, b)) => (bound(a)?, bound(b)?),
            None => {
                let n = bound(element)?;
                (n, n)
            }
        };
        ranges.push(range);
    }
    Ok(SequenceSet(ranges))
}

impl SequenceSet {
    /// Is `n` in the set, when `*` stands for `largest`?
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        let value = |b: Bound| match b {
            Bound::Number(n) => n,
            Bound::Star => largest,
        };
        self.0.iter().any(|&(a, b)| {
            let (a, b) = (value(a), value(b));
            (a.min(b)..=a.max(b)).contains(&n)
        })
    }

    /// Every number from 1 to `largest` that the set contains, in order, once each.
    pub fn numbers(&self, largest: u32) -> Vec<u32> {
        (1..=largest)
            .filter(|&n| self.contains(n, largest))
            .collect()
    }
}
