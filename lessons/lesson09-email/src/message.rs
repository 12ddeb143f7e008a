//! What travels inside `DATA`: a message in the format of RFC 5322 (headers, a
//! blank line, the body), and how non-ASCII text fits into it.
//!
//! SMTP was made for 7-bit ASCII lines of at most 1000 octets. Mail headers still
//! are ASCII, so a subject such as `Grüße` is sent as an *encoded word* (RFC 2047):
//! `=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`, UTF-8 bytes written as `=XX`. A body may carry
//! raw UTF-8 (`8bit`) if the server announces `8BITMIME`; otherwise, and for lines
//! too long for SMTP, it is sent *quoted-printable*, the same `=XX` idea.

use base64::Engine;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest line a message may have, `\r\n` not counted (RFC 5322 section 2.1.1).
pub const MAX_LINE: usize = 998;

/// A mail address as SMTP's envelope carries it: `local@domain`, ASCII only.
///
/// Deliberately simpler than RFC 5321's grammar (no quoted local parts, no
/// address literals): enough for the lesson, and strict enough that no address
/// can smuggle a line break or a `>` into an SMTP command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Before the `@`: the mailbox at the destination.
    pub local: String,
    /// After the `@`: where the mail goes.
    pub domain: String,
}

impl FromStr for Address {
    type Err = String;

    fn from_str(text: &str) -> Result<Address, String> {
        let allowed = |c: char| c.is_ascii_graphic() && !"<>()[],;:\\\"@".contains(c);
        match text.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && local.len() <= 64
                    && domain.len() <= 255
                    && local.chars().all(allowed)
                    && domain.chars().all(allowed) =>
            {
                Ok(Address {
                    local: local.to_string(),
                    domain: domain.to_string(),
                })
            }
            _ => Err(format!(
                "{text:?} is not a mail address of the form name@domain (ASCII, no spaces)"
            )),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// An IP address as SMTP writes it where a host name could stand (RFC 5321
/// section 4.1.3): `[127.0.0.1]`, `[IPv6:::1]`. Used by a client without a domain
/// name in its `EHLO`, and by a server recording where a mail came from.
pub fn address_literal(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(ip) => format!("[{ip}]"),
        std::net::IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
    }
}

/// A message to send: what an MUA asks its user for.
#[derive(Debug)]
pub struct Outgoing {
    /// The author (`From:`).
    pub from: Address,
    /// Recipients named in the `To:` header.
    pub to: Vec<Address>,
    /// The subject, any Unicode text without line breaks.
    pub subject: String,
    /// The text; lines may end in `\n` or `\r\n`.
    pub body: String,
}

/// How a body is written into the message (`Content-Transfer-Encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// ASCII lines of at most [`MAX_LINE`]: as is.
    SevenBit,
    /// UTF-8 lines of at most [`MAX_LINE`], for a server that announced `8BITMIME`.
    EightBit,
    /// Anything else: `=XX` escapes and soft line breaks.
    QuotedPrintable,
}

impl Outgoing {
    /// The best encoding for the body, given whether the server takes 8-bit data.
    pub fn body_encoding(&self, server_8bit: bool) -> BodyEncoding {
        let short = self.body.lines().all(|line| line.len() <= MAX_LINE);
        match (short, self.body.is_ascii()) {
            (true, true) => BodyEncoding::SevenBit,
            (true, false) if server_8bit => BodyEncoding::EightBit,
            _ => BodyEncoding::QuotedPrintable,
        }
    }

    // ANCHOR: compose
    /// The message as sent after `DATA`: headers, blank line, body, every line
    /// ending in `\r\n` (before dot-stuffing, which is the SMTP client's job).
    pub fn compose(&self, date: SystemTime, encoding: BodyEncoding) -> String {
        let to: Vec<String> = self.to.iter().map(Address::to_string).collect();
        let mut text = String::new();
        text.push_str(&format!("From: <{}>\r\n", self.from));
        text.push_str(&format!("To: {}\r\n", to.join(", ")));
        text.push_str(&format!("Subject: {}\r\n", encode_header(&self.subject)));
        text.push_str(&format!("Date: {}\r\n", rfc5322_date(date)));
        text.push_str(&format!(
            "Message-ID: <{}@{}>\r\n",
            unique(date),
            self.from.domain
        ));
        text.push_str("MIME-Version: 1.0\r\n");
        text.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        let (name, body) = match encoding {
            BodyEncoding::SevenBit => ("7bit", crlf_lines(&self.body)),
            BodyEncoding::EightBit => ("8bit", crlf_lines(&self.body)),
            BodyEncoding::QuotedPrintable => ("quoted-printable", quoted_printable(&self.body)),
        };
        text.push_str(&format!("Content-Transfer-Encoding: {name}\r\n\r\n"));
        text.push_str(&body);
        text
    }
    // ANCHOR_END: compose
}

/// `text` with every line ending in `\r\n`.
fn crlf_lines(text: &str) -> String {
    text.lines().map(|line| format!("{line}\r\n")).collect()
}

/// A value unique to this message, for its `Message-ID`.
fn unique(date: SystemTime) -> String {
    let since = date.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "{}.{:06}.{}",
        since.as_secs(),
        since.subsec_micros(),
        std::process::id()
    )
}

// ANCHOR: encode_header
/// A header value as ASCII: unchanged if it already is plain ASCII, otherwise as
/// RFC 2047 encoded words, `=?UTF-8?Q?...?=`.
///
/// In the `Q` encoding a byte is written `=XX` (hex), a space `_`, and safe ASCII
/// letters as themselves. An encoded word may be at most 75 characters long, so
/// long text becomes several words on folded lines (`\r\n` and a space), cut
/// between characters, never inside one UTF-8 sequence.
pub fn encode_header(value: &str) -> String {
    let plain = value.bytes().all(|b| (b' '..=b'~').contains(&b)) && !value.contains("=?");
    if plain {
        return value.to_string();
    }
    const OPEN: &str = "=?UTF-8?Q?";
    const CLOSE: &str = "?=";
    let mut words = Vec::new();
    let mut word = String::new();
    for c in value.chars() {
        let mut bytes = [0u8; 4];
        let encoded: String = c
            .encode_utf8(&mut bytes)
            .bytes()
            .map(|b| match b {
                b' ' => "_".to_string(),
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("={b:02X}"),
            })
            .collect();
        if OPEN.len() + word.len() + encoded.len() + CLOSE.len() > 75 {
            words.push(std::mem::take(&mut word));
        }
        word.push_str(&encoded);
    }
    words.push(word);
    words
        .iter()
        .map(|w| format!("{OPEN}{w}{CLOSE}"))
        .collect::<Vec<_>>()
        .join("\r\n ")
}
// ANCHOR_END: encode_header

/// A header value for display: folded lines joined, encoded words (`Q` or `B`,
/// charsets UTF-8, US-ASCII and ISO-8859-1) decoded. Anything it cannot decode is
/// shown as it is.
pub fn decode_header(value: &str) -> String {
    let unfolded: String = value.split(['\r', '\n']).collect();
    let mut out = String::new();
    let mut rest = unfolded.as_str();
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match decode_word(candidate) {
            Some((text, used)) => {
                // Whitespace between two encoded words is not part of the text.
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &candidate[used..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the encoded word at the start of `text`: its text and its length.
fn decode_word(text: &str) -> Option<(String, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (kind, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let payload = &inner[..end];
    let used = text.len() - inner.len() + end + 2;
    let bytes = match kind {
        "Q" | "q" => unescape(&payload.replace('_', " "), false)?,
        "B" | "b" => base64::engine::general_purpose::STANDARD
            .decode(payload)
            .ok()?,
        _ => return None,
    };
    let text = match charset.to_ascii_lowercase().as_str() {
        "utf-8" | "us-ascii" => String::from_utf8(bytes).ok()?,
        "iso-8859-1" | "latin1" => bytes.iter().map(|&b| b as char).collect(),
        _ => return None,
    };
    Some((text, used))
}

/// Undoes `=XX` escapes; with `soft_breaks`, a `=` at the end of a line joins it to
/// the next (quoted-printable).
fn unescape(text: &str, soft_breaks: bool) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
        } else if soft_breaks && bytes[i + 1..].starts_with(b"\r\n") {
            i += 3;
        } else if soft_breaks && bytes[i + 1..].starts_with(b"\n") {
            i += 2;
        } else {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        }
    }
    Some(out)
}

// ANCHOR: quoted_printable
/// The body in quoted-printable (RFC 2045 section 6.7): bytes that are not printable
/// ASCII become `=XX`, and lines longer than 76 characters are cut with a *soft*
/// line break (`=` at the end of a line), which the reader's program removes.
pub fn quoted_printable(body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        let mut width = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal = (b'!'..=b'~').contains(&b) && b != b'='
                // A space or tab is fine, except at the end of a line, where
                // mail software may strip it.
                || (b == b' ' || b == b'\t') && !last;
            let piece = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            out.push_str(&piece);
            width += piece.len();
        }
        out.push_str("\r\n");
    }
    out
}
// ANCHOR_END: quoted_printable

/// Decodes a quoted-printable body (the reverse of [`quoted_printable`]).
pub fn decode_quoted_printable(text: &str) -> Option<Vec<u8>> {
    unescape(text, true)
}

/// A date as mail headers write it (RFC 5322 section 3.3), in UTC:
/// `Sun, 22 Nov 2026 01:36:07 +0000`.
pub fn rfc5322_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[month as usize - 1],
        year,
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Year, month (1-12) and day (1-31) of a day counted from 1970-01-01: Howard
/// Hinnant's `civil_from_days`, which counts in 400-year eras starting in March.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The value of header `name` in a message's header lines (case-insensitive,
/// folded continuation lines joined).
pub fn header(head: &[String], name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in head {
        if line.is_empty() {
            break; // end of the headers
        }
        if line.starts_with([' ', '\t']) {
            if let Some(value) = found.as_mut() {
                value.push_str(line);
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            if key.eq_ignore_ascii_case(name) {
                found = Some(value.trim_start().to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    #[test]
    fn dates_match_the_calendar() {
        let at = |secs| rfc5322_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        // 2000-02-29, a leap day in a year divisible by 400 (`date -ud @951782400`).
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        // `date -ud @1795310167 -R`
        assert_eq!(at(1_795_310_167), "Sun, 22 Nov 2026 01:16:07 +0000");
    }

    #[test]
    fn plain_ascii_subjects_stay_readable() {
        assert_eq!(encode_header("Hello, world!"), "Hello, world!");
        // Text that merely looks like an encoded word must be encoded itself.
        assert!(encode_header("=?x?=").starts_with("=?UTF-8?Q?"));
    }

    #[test]
    fn utf8_subjects_become_encoded_words() {
        assert_eq!(encode_header("Grüße"), "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
        assert_eq!(encode_header("ä b?"), "=?UTF-8?Q?=C3=A4_b=3F?=");
    }

    #[test]
    fn b_encoded_words_decode_too() {
        // What Python's email package writes for "Grüße aus Köln".
        assert_eq!(
            decode_header("=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?="),
            "Grüße aus Köln"
        );
        assert_eq!(
            decode_header("Re: =?iso-8859-1?q?caf=E9?= ok"),
            "Re: café ok"
        );
        assert_eq!(decode_header("=?bogus"), "=?bogus");
    }

    #[test]
    fn header_values_unfold() {
        let head: Vec<String> = [
            "From: a@b",
            "Subject: one",
            " two",
            "X: y",
            "",
            "Subject: body",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(header(&head, "subject").unwrap(), "one two");
        assert_eq!(header(&head, "x").unwrap(), "y");
        assert_eq!(header(&head, "to"), None);
    }

    #[test]
    fn addresses_cannot_carry_line_breaks_or_brackets() {
        assert!("ann@example.com".parse::<Address>().is_ok());
        for bad in ["ann", "@x", "a@", "a b@x", "a@x\r\nRSET", "a>@x", "é@x"] {
            assert!(bad.parse::<Address>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn body_encoding_follows_content_and_server() {
        let mail = |body: &str| Outgoing {
            from: "a@b".parse().unwrap(),
            to: vec![],
            subject: String::new(),
            body: body.into(),
        };
        assert_eq!(mail("hi").body_encoding(false), BodyEncoding::SevenBit);
        assert_eq!(mail("hé").body_encoding(true), BodyEncoding::EightBit);
        assert_eq!(
            mail("hé").body_encoding(false),
            BodyEncoding::QuotedPrintable
        );
        let long = "x".repeat(MAX_LINE + 1);
        assert_eq!(
            mail(&long).body_encoding(true),
            BodyEncoding::QuotedPrintable
        );
    }

    proptest! {
        #[test]
        fn encoded_headers_are_short_ascii_and_decode_back(subject in "\\PC{0,120}") {
            let encoded = encode_header(&subject);
            for line in encoded.split("\r\n") {
                prop_assert!(line.is_ascii());
                prop_assert!(line.len() <= 76, "{line:?}");
            }
            prop_assert_eq!(decode_header(&encoded), subject);
        }

        #[test]
        fn quoted_printable_is_short_ascii_and_decodes_back(
            lines in proptest::collection::vec("[^\r\n]{0,200}", 0..5)
        ) {
            let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let encoded = quoted_printable(&body);
            for line in encoded.split("\r\n") {
                prop_assert!(line.is_ascii());
                prop_assert!(line.len() <= 76, "{line:?}");
                prop_assert!(!line.ends_with(' '));
            }
            let decoded = decode_quoted_printable(&encoded).unwrap();
            prop_assert_eq!(String::from_utf8(decoded).unwrap(), body.replace('\n', "\r\n"));
        }
    }
}
