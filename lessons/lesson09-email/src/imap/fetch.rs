//! What `FETCH` returns about one message: parts of its text, its envelope, its
//! MIME structure. All of it is computed from the stored bytes of that one
//! message, so memory grows with the largest message, never with the folder.

use super::syntax::{nstring, string, Section};

/// A message's bytes as IMAP sends them: every line ending in CRLF (the maildir
/// stores `\n`). Its length is `RFC822.SIZE`.
pub fn crlf(stored: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored.len() + stored.len() / 30);
    for &b in stored {
        if b == b'\n' && out.last() != Some(&b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Where the header ends: the index just after the blank line (or the end).
pub fn header_end(message: &[u8]) -> usize {
    if message.starts_with(b"\r\n") {
        return 2;
    }
    message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message.len(), |i| i + 4)
}

/// The header's fields, each with its raw lines (continuations included).
pub fn fields(header: &[u8]) -> Vec<(String, &[u8])> {
    let mut found: Vec<(String, usize, usize)> = Vec::new();
    let mut start = 0;
    while start < header.len() {
        let end = header[start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(header.len(), |i| start + i + 2);
        let line = &header[start..end];
        if line == b"\r\n" {
            break;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if let Some(last) = found.last_mut() {
                last.2 = end;
            }
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_uppercase();
            found.push((name, start, end));
        }
        start = end;
    }
    found
        .into_iter()
        .map(|(name, a, b)| (name, &header[a..b]))
        .collect()
}

/// A field's value, unfolded (continuation lines joined), or `None`.
pub fn field_value(header: &[u8], name: &str) -> Option<Vec<u8>> {
    let (_, raw) = fields(header).into_iter().find(|(n, _)| n == name)?;
    let colon = raw.iter().position(|&b| b == b':')?;
    let value: Vec<u8> = raw[colon + 1..]
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    Some(value.trim_ascii().to_vec())
}

/// The MIME part at `path` (numbers from 1) of an entity (a header and a body):
/// the parts of a multipart, or for anything else part 1, the entity itself.
fn part<'a>(entity: &'a [u8], path: &[u32]) -> Option<&'a [u8]> {
    let Some((&first, rest)) = path.split_first() else {
        return Some(entity);
    };
    let split = header_end(entity);
    let (main, _, params) = content_type(&entity[..split]);
    if main == "MULTIPART" {
        let boundary = params.iter().find(|(k, _)| k == "BOUNDARY")?;
        let parts = split_multipart(&entity[split..], &boundary.1);
        part(parts.get(first as usize - 1)?, rest)
    } else if first == 1 && rest.is_empty() {
        Some(entity)
    } else {
        None
    }
}

/// The bytes of a `BODY[section]`, or `None` if there is no such part.
pub fn section(message: &[u8], section: &Section) -> Option<Vec<u8>> {
    let split = header_end(message);
    Some(match section {
        Section::Full => message.to_vec(),
        Section::Header => message[..split].to_vec(),
        Section::Text => message[split..].to_vec(),
        Section::Fields { names, not } => {
            let mut out = Vec::new();
            for (name, raw) in fields(&message[..split]) {
                if names.contains(&name) != *not {
                    out.extend_from_slice(raw);
                }
            }
            out.extend_from_slice(b"\r\n");
            out
        }
        Section::Part { path, mime } => {
            let entity = part(message, path)?;
            let split = header_end(entity);
            let top = path.len() == 1 && std::ptr::eq(entity, message);
            match (mime, top) {
                (true, true) => return None, // the top level has no MIME header part
                (true, false) => entity[..split].to_vec(),
                (false, _) => entity[split..].to_vec(),
            }
        }
    })
}

// ANCHOR: envelope
/// `ENVELOPE`: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to
/// and message-id, parsed by the server so that a client listing a folder need
/// not download and parse every header itself.
pub fn envelope(out: &mut Vec<u8>, header: &[u8]) {
    let value = |name| field_value(header, name);
    out.push(b'(');
    nstring(out, value("DATE").as_deref());
    out.push(b' ');
    nstring(out, value("SUBJECT").as_deref());
    let from = value("FROM");
    for name in ["FROM", "SENDER", "REPLY-TO", "TO", "CC", "BCC"] {
        out.push(b' ');
        // RFC 3501: sender and reply-to default to from.
        let field = match name {
            "SENDER" | "REPLY-TO" => value(name).or_else(|| from.clone()),
            _ => value(name),
        };
        addresses(out, field.as_deref());
    }
    out.push(b' ');
    nstring(out, value("IN-REPLY-TO").as_deref());
    out.push(b' ');
    nstring(out, value("MESSAGE-ID").as_deref());
    out.push(b')');
}
// ANCHOR_END: envelope

/// An address list as `((name NIL mailbox host) ...)`, or `NIL`.
fn addresses(out: &mut Vec<u8>, field: Option<&[u8]>) {
    let list = field.map(split_addresses).unwrap_or_default();
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (name, address) in list {
        let (mailbox, host) = match address.rsplit_once('@') {
            Some((m, h)) => (m.to_string(), Some(h.to_string())),
            None => (address.clone(), None),
        };
        out.push(b'(');
        nstring(out, name.as_deref().map(str::as_bytes));
        out.extend_from_slice(b" NIL ");
        string(out, mailbox.as_bytes());
        out.push(b' ');
        nstring(out, host.as_deref().map(str::as_bytes));
        out.push(b')');
    }
    out.push(b')');
}

/// `"Ann" <ann@x>, bob@y` → `[(Some("Ann"), "ann@x"), (None, "bob@y")]`.
fn split_addresses(field: &[u8]) -> Vec<(Option<String>, String)> {
    let text = String::from_utf8_lossy(field);
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .filter_map(|part| {
            let part = part.trim();
            if part.is_empty() {
                return None;
            }
            Some(match (part.rfind('<'), part.rfind('>')) {
                (Some(open), Some(close)) if open < close => {
                    let name = part[..open].trim().trim_matches('"').trim();
                    let name = (!name.is_empty()).then(|| name.to_string());
                    (name, part[open + 1..close].trim().to_string())
                }
                _ => (
                    None,
                    part.trim_matches(|c| c == '<' || c == '>').to_string(),
                ),
            })
        })
        .collect()
}

/// `Content-Type: text/plain; charset=utf-8` → ("TEXT", "PLAIN", [("CHARSET", "utf-8")]).
fn content_type(header: &[u8]) -> (String, String, Vec<(String, String)>) {
    let Some(value) = field_value(header, "CONTENT-TYPE") else {
        return (
            "TEXT".into(),
            "PLAIN".into(),
            vec![("CHARSET".into(), "us-ascii".into())],
        );
    };
    let value = String::from_utf8_lossy(&value).into_owned();
    let mut parts = value.split(';');
    let kind = parts.next().unwrap_or_default().trim();
    let (main, sub) = kind.split_once('/').unwrap_or(("TEXT", "PLAIN"));
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect();
    (
        main.trim().to_ascii_uppercase(),
        sub.trim().to_ascii_uppercase(),
        params,
    )
}

// ANCHOR: bodystructure
/// `BODYSTRUCTURE` of a message or body part (CRLF bytes): for a single part
/// `("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" size lines)`, for a
/// multipart the parts in a row and the subtype: `((...)(...) "MIXED")`.
pub fn bodystructure(out: &mut Vec<u8>, part: &[u8]) {
    let split = header_end(part);
    let (header, body) = (&part[..split], &part[split..]);
    let (main, sub, params) = content_type(header);
    out.push(b'(');
    if main == "MULTIPART" {
        let boundary = params
            .iter()
            .find(|(k, _)| k == "BOUNDARY")
            .map(|(_, v)| v.clone());
        let parts = boundary
            .map(|b| split_multipart(body, &b))
            .unwrap_or_default();
        if parts.is_empty() {
            // A multipart with no parts is not valid; describe it as text.
            out.extend_from_slice(b"\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0");
        }
        for p in parts {
            bodystructure(out, p);
        }
        out.push(b' ');
        string(out, sub.as_bytes());
    } else {
        string(out, main.as_bytes());
        out.push(b' ');
        string(out, sub.as_bytes());
        out.push(b' ');
        if params.is_empty() {
            out.extend_from_slice(b"NIL");
        } else {
            out.push(b'(');
            for (i, (k, v)) in params.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                string(out, k.as_bytes());
                out.push(b' ');
                string(out, v.as_bytes());
            }
            out.push(b')');
        }
        out.push(b' ');
        nstring(out, field_value(header, "CONTENT-ID").as_deref());
        out.push(b' ');
        nstring(out, field_value(header, "CONTENT-DESCRIPTION").as_deref());
        out.push(b' ');
        let encoding = field_value(header, "CONTENT-TRANSFER-ENCODING")
            .map(|e| e.to_ascii_uppercase())
            .unwrap_or_else(|| b"7BIT".to_vec());
        string(out, &encoding);
        out.extend_from_slice(format!(" {}", body.len()).as_bytes());
        if main == "MESSAGE" && sub == "RFC822" {
            // A mail inside the mail (a forwarded one): its envelope and its
            // structure, then its lines, as RFC 3501's body-type-msg says.
            out.push(b' ');
            envelope(out, &body[..header_end(body)]);
            out.push(b' ');
            bodystructure(out, body);
            let lines = body.iter().filter(|&&b| b == b'\n').count();
            out.extend_from_slice(format!(" {lines}").as_bytes());
        } else if main == "TEXT" {
            let unfinished = !body.is_empty() && !body.ends_with(b"\n");
            let lines = body.iter().filter(|&&b| b == b'\n').count() + usize::from(unfinished);
            out.extend_from_slice(format!(" {lines}").as_bytes());
        }
    }
    out.push(b')');
}
// ANCHOR_END: bodystructure

/// The parts of a multipart body, between `--boundary` lines.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos < body.len() {
        let end = body[pos..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(body.len(), |i| pos + i + 2);
        let line = body[pos..end].trim_ascii_end();
        if line.starts_with(delimiter.as_bytes()) {
            if let Some(s) = start {
                // The CRLF before the delimiter belongs to the delimiter.
                let part_end = pos.saturating_sub(2).max(s);
                parts.push(&body[s..part_end]);
            }
            if line == format!("{delimiter}--").as_bytes() {
                return parts;
            }
            start = Some(end);
        }
        pos = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str =
        "From: \"Ann Smith\" <ann@example.com>\nTo: bob@x, \"Carol, C.\" <carol@y>\n\
                        Subject: Hello\n  world\nMessage-ID: <1@x>\n\nBody line\n";

    #[test]
    fn crlf_and_sections() {
        let m = crlf(MAIL.as_bytes());
        assert!(m.ends_with(b"\r\n\r\nBody line\r\n"));
        assert_eq!(section(&m, &Section::Text).unwrap(), b"Body line\r\n");
        let fields = Section::Fields {
            names: vec!["SUBJECT".into()],
            not: false,
        };
        assert_eq!(
            section(&m, &fields).unwrap(),
            b"Subject: Hello\r\n  world\r\n\r\n"
        );
        let not = Section::Fields {
            names: vec!["SUBJECT".into(), "TO".into()],
            not: true,
        };
        assert!(!section(&m, &not)
            .unwrap()
            .windows(8)
            .any(|w| w == b"Subject:"));
        let part = |path: &[u32], mime| Section::Part {
            path: path.to_vec(),
            mime,
        };
        assert_eq!(section(&m, &part(&[1], false)).unwrap(), b"Body line\r\n");
        assert_eq!(section(&m, &part(&[2], false)), None);
        let multi = crlf(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n\
             --b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\ntwo.one\n--c\n\ntwo.two\n--c--\n--b--\n"
                .as_bytes(),
        );
        assert_eq!(section(&multi, &part(&[1], false)).unwrap(), b"one");
        assert_eq!(
            section(&multi, &part(&[1], true)).unwrap(),
            b"Content-Type: text/plain\r\n\r\n"
        );
        assert_eq!(section(&multi, &part(&[2, 2], false)).unwrap(), b"two.two");
        assert_eq!(section(&multi, &part(&[3], false)), None);
    }

    #[test]
    fn the_envelope_parses_names_and_addresses() {
        let m = crlf(MAIL.as_bytes());
        let mut out = Vec::new();
        envelope(&mut out, &m[..header_end(&m)]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "(NIL \"Hello  world\" ((\"Ann Smith\" NIL \"ann\" \"example.com\")) \
             ((\"Ann Smith\" NIL \"ann\" \"example.com\")) ((\"Ann Smith\" NIL \"ann\" \"example.com\")) \
             ((NIL NIL \"bob\" \"x\")(\"Carol, C.\" NIL \"carol\" \"y\")) NIL NIL NIL \"<1@x>\")"
        );
    }

    #[test]
    fn bodystructure_single_and_multipart() {
        let mut out = Vec::new();
        bodystructure(&mut out, &crlf(MAIL.as_bytes()));
        assert_eq!(
            out,
            b"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 11 1)"
        );
        let multi = "Content-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n\
                     Content-Type: text/plain; charset=utf-8\n\nhello\n--b1\n\
                     Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nAAAA\n--b1--\n";
        let mut out = Vec::new();
        bodystructure(&mut out, &crlf(multi.as_bytes()));
        let forwarded = "Content-Type: message/rfc822\n\nSubject: inner\n\nhi\n";
        let mut inner = Vec::new();
        bodystructure(&mut inner, &crlf(forwarded.as_bytes()));
        assert_eq!(
            String::from_utf8(inner).unwrap(),
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 22 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) \
             (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 4 1) 3)"
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1)\
             (\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 4) \"MIXED\")"
        );
    }
}
