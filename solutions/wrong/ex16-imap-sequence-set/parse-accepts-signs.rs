//! Known-wrong solution to ex16-imap-sequence-set (a realistic beginner bug; see exercises/README.md).
//!
//! bug: numbers are checked only by `parse::<u32>()`, which also takes `+5`
//! catches: what_rfc_3501_refuses

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
            _ => match part.parse::<u32>() {
                Ok(0) => Err(SetError::Zero(text.to_string())),
                Ok(n) => Ok(Bound::Number(n)),
                Err(_) => Err(SetError::Invalid(text.to_string())),
            },
        }
    };
    let mut ranges = Vec::new();
    for element in text.split(',') {
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
