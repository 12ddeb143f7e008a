//! HTTP/1.1 on the wire: the request we send, the response head we read.
//!
//! An HTTP message is text lines ending in `\r\n`: a first line, header lines
//! `Name: value`, an empty line, then the body. The head tells how long the body
//! is; see [`crate::body`].

use std::fmt;
use std::io::{self, BufRead, Read};

/// The most we read of a response head (status line and headers) before giving up.
/// Real heads are a few hundred bytes; a server sending more is broken or hostile.
pub const MAX_HEAD: u64 = 64 * 1024;

/// The most interim responses (`100 Continue`, `103 Early Hints`) we skip before
/// the real one; a server that sends them without end would otherwise hold us for ever.
pub const MAX_INTERIM: usize = 20;

// ANCHOR: request
/// The bytes of a GET request for `path` on `host` (the `Host` header's value).
///
/// `Host` is required in HTTP/1.1: one IP address may serve many sites.
/// `Connection: close` asks the server to close the connection after the response,
/// as the tutorial does; the body's length still comes from the headers when given.
pub fn get_request(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\n\
         Host: {host}\r\n\
         User-Agent: netlessons-lesson04/{}\r\n\
         Accept: */*\r\n\
         Connection: close\r\n\
         \r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}
// ANCHOR_END: request

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// The status code, e.g. 200.
    pub status: u16,
    /// The reason phrase, e.g. `OK`; informative only.
    pub reason: String,
    /// The headers in the order received; names as sent. Values are bytes on the
    /// wire; those that are not UTF-8 are kept with U+FFFD in place of the bad bytes
    /// (the headers that frame the body are ASCII, so nothing that matters is lost).
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first header named `name`, compared without regard to case
    /// (`Content-Length`, `content-length` and `CONTENT-LENGTH` are the same header).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the headers named `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for Head {
    /// The head as it came, one line per header, without the final empty line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {} {}", self.version, self.status, self.reason)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        Ok(())
    }
}

/// What can be wrong with a response, beyond I/O errors.
#[derive(Debug)]
pub enum HttpError {
    /// The first line is not `HTTP/1.x CODE REASON`.
    BadStatusLine(String),
    /// A header line has no colon, or the head is not text.
    BadHeader(String),
    /// The head did not end within [`MAX_HEAD`] bytes.
    HeadTooLarge,
    /// The connection closed before the head was complete.
    NoResponse,
    /// The answer is a TLS record (an alert, a handshake): the port speaks https.
    TlsAnswer,
    /// The body's framing headers make no sense.
    BadFraming(String),
    /// `Transfer-Encoding` names a coding other than `chunked` (e.g. `gzip, chunked`).
    UnsupportedCoding(String),
    /// More than [`MAX_INTERIM`] `1xx` responses in a row, and no final one.
    TooManyInterim,
    /// A chunk size line is not hexadecimal.
    BadChunk(String),
    /// The connection closed before the whole body arrived.
    Truncated {
        /// What was missing, in words.
        what: String,
    },
    /// A TLS connection ended without `close_notify`, and only its end marks the
    /// end of the body: a cut body cannot be told from a whole one.
    UnconfirmedEnd,
}

impl HttpError {
    /// What the user can do about it, where there is something.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            HttpError::Truncated { .. } => Some(
                "the server or the network dropped the connection; try again \
                 (an earlier file of that name was left as it was)",
            ),
            HttpError::UnconfirmedEnd => Some(
                "try again; it cannot be saved safely unless the server sends \
                 Content-Length, chunked, or a TLS close_notify",
            ),
            HttpError::BadStatusLine(_) => Some("check the port: is it an HTTP server?"),
            HttpError::UnsupportedCoding(_) => Some(
                "the server should not send it, since the request has no TE header; \
                 curl --tr-encoding can decode it",
            ),
            HttpError::TooManyInterim => Some("the server is broken or hostile"),
            HttpError::HeadTooLarge => {
                Some("real response heads are a few KiB: the server is broken or hostile")
            }
            HttpError::NoResponse => Some(crate::HUNG_UP),
            HttpError::TlsAnswer => Some("use the https:// URL for this port"),
            _ => None,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::BadStatusLine(line) => write!(
                f,
                "malformed status line {line:?} (expected e.g. \"HTTP/1.1 200 OK\"): is this an HTTP server?"
            ),
            HttpError::BadHeader(line) => write!(f, "malformed header line {line:?}"),
            HttpError::HeadTooLarge => {
                write!(f, "response head larger than {} KiB", MAX_HEAD / 1024)
            }
            HttpError::NoResponse => {
                write!(f, "the server closed the connection without a response")
            }
            HttpError::TlsAnswer => write!(
                f,
                "the server answered in TLS, not HTTP: this port serves https"
            ),
            HttpError::BadFraming(why) => write!(f, "cannot tell where the body ends: {why}"),
            HttpError::UnsupportedCoding(codings) => write!(
                f,
                "the body is sent with Transfer-Encoding {codings:?}, and this client \
                 decodes only chunked"
            ),
            HttpError::TooManyInterim => write!(
                f,
                "more than {MAX_INTERIM} interim responses (1xx, such as 100 Continue) \
                 and no final one"
            ),
            HttpError::BadChunk(line) => write!(f, "bad chunk size line {line:?}"),
            HttpError::Truncated { what } => write!(f, "response truncated: {what}"),
            HttpError::UnconfirmedEnd => write!(
                f,
                "the TLS connection ended without close_notify, and only the end of the \
                 connection marks the end of this body"
            ),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<HttpError> for io::Error {
    fn from(err: HttpError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

// ANCHOR: read_head
/// Reads a response head: the status line, then header lines up to an empty line.
///
/// Reads through a `BufRead`, so the bytes after the head (the start of the body)
/// stay buffered for the body reader. At most [`MAX_HEAD`] bytes are read.
pub fn read_head(input: &mut impl BufRead) -> Result<Head, io::Error> {
    // A TLS record starts with its type (0x15 alert, 0x16 handshake) and version
    // 0x03: what an https server sends back when given plain HTTP.
    if let [0x15 | 0x16, 0x03, ..] = input.fill_buf()? {
        return Err(HttpError::TlsAnswer.into());
    }
    let mut limited = input.take(MAX_HEAD);
    let status_line = match read_line(&mut limited)? {
        Some(line) => String::from_utf8_lossy(&line).into_owned(),
        None => return Err(HttpError::NoResponse.into()),
    };
    let (version, status, reason) = parse_status_line(&status_line)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let line = read_line(&mut limited)?.ok_or(HttpError::Truncated {
            what: "the connection closed inside the headers".into(),
        })?;
        if line.is_empty() {
            break; // the empty line ends the head
        }
        let text = String::from_utf8_lossy(&line); // values are bytes, not always UTF-8
        if line[0] == b' ' || line[0] == b'\t' {
            // obs-fold: an old way to continue the previous value on a new line.
            // RFC 9112 section 5.2: replace the fold by a space.
            let (_, value) = headers
                .last_mut()
                .ok_or_else(|| HttpError::BadHeader(text.to_string()))?;
            value.push(' ');
            value.push_str(text.trim());
            continue;
        }
        let (name, value) = text
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && name.bytes().all(is_token))
            .ok_or_else(|| HttpError::BadHeader(text.to_string()))?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
    Ok(Head {
        version,
        status,
        reason,
        headers,
    })
}
// ANCHOR_END: read_head

/// Characters allowed in a header name (RFC 9110's `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// One line without its `\r\n` (or bare `\n`); `None` at end of stream before any byte.
fn read_line(input: &mut io::Take<&mut impl BufRead>) -> Result<Option<Vec<u8>>, io::Error> {
    let mut line = Vec::new();
    input.read_until(b'\n', &mut line)?;
    if line.is_empty() {
        if input.limit() == 0 {
            return Err(HttpError::HeadTooLarge.into());
        }
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(if input.limit() == 0 {
            HttpError::HeadTooLarge
        } else {
            HttpError::Truncated {
                what: "the connection closed inside the head".into(),
            }
        }
        .into());
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn parse_status_line(line: &str) -> Result<(String, u16, String), HttpError> {
    let bad = || HttpError::BadStatusLine(line.chars().take(80).collect());
    let mut parts = line.splitn(3, ' ');
    let version = parts
        .next()
        .filter(|v| v.starts_with("HTTP/1."))
        .ok_or_else(bad)?;
    let status = parts
        .next()
        .filter(|s| s.len() == 3)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(bad)?;
    let reason = parts.next().unwrap_or("").to_string();
    Ok((version.to_string(), status, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, io::Error> {
        read_head(&mut text.as_bytes())
    }

    fn kind(err: io::Error) -> HttpError {
        *err.into_inner().unwrap().downcast::<HttpError>().unwrap()
    }

    #[test]
    fn a_tls_alert_instead_of_a_status_line_is_named() {
        // A TLS 1.2 alert record: fatal (2), unexpected_message (10).
        let alert: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a];
        assert!(matches!(
            kind(read_head(&mut &alert[..]).unwrap_err()),
            HttpError::TlsAnswer
        ));
    }

    #[test]
    fn the_request_is_what_the_tutorial_sends_plus_politeness() {
        let req = String::from_utf8(get_request("www.sina.com.cn", "/")).unwrap();
        assert!(req.starts_with("GET / HTTP/1.1\r\nHost: www.sina.com.cn\r\n"));
        assert!(req.contains("\r\nConnection: close\r\n"));
        assert!(req.ends_with("\r\n\r\n"));
        assert_eq!(req.matches("\r\n\r\n").count(), 1);
    }

    #[test]
    fn parses_status_and_headers_case_insensitively() {
        let h = head(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\ncontent-length:  12 \r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(
            (h.status, h.reason.as_str(), h.version.as_str()),
            (404, "Not Found", "HTTP/1.1")
        );
        assert_eq!(h.header("CONTENT-LENGTH"), Some("12"));
        assert_eq!(h.header("content-type"), Some("text/html"));
        assert_eq!(h.header("Location"), None);
    }

    #[test]
    fn the_body_stays_in_the_buffer() {
        let mut input: &[u8] = b"HTTP/1.0 200 OK\n\nthe body";
        read_head(&mut input).unwrap();
        assert_eq!(input, b"the body");
    }

    #[test]
    fn folded_lines_and_non_utf8_values_are_accepted() {
        let h = read_head(
            &mut &b"HTTP/1.1 200 OK\r\nX-Long: one\r\n  two\r\n\tthree\r\nX-Latin: caf\xe9\r\n\r\n"
                [..],
        )
        .unwrap();
        assert_eq!(h.header("X-Long"), Some("one two three"));
        assert_eq!(h.header("X-Latin"), Some("caf\u{FFFD}"));
        assert!(matches!(
            kind(head("HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n").unwrap_err()),
            HttpError::BadHeader(_)
        ));
    }

    #[test]
    fn rejects_garbage_and_oversize_heads() {
        assert!(matches!(
            kind(head("SSH-2.0-OpenSSH\r\n\r\n").unwrap_err()),
            HttpError::BadStatusLine(_)
        ));
        assert!(matches!(
            kind(head("HTTP/1.1 2000 OK\r\n\r\n").unwrap_err()),
            HttpError::BadStatusLine(_)
        ));
        assert!(matches!(
            kind(head("HTTP/1.1 200 OK\r\nno colon\r\n\r\n").unwrap_err()),
            HttpError::BadHeader(_)
        ));
        assert!(matches!(kind(head("").unwrap_err()), HttpError::NoResponse));
        assert!(matches!(
            kind(head("HTTP/1.1 200 OK\r\nA: b\r\n").unwrap_err()),
            HttpError::Truncated { .. }
        ));
        let huge = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "y".repeat(70_000));
        assert!(matches!(
            kind(head(&huge).unwrap_err()),
            HttpError::HeadTooLarge
        ));
        let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(20_000));
        assert!(matches!(
            kind(head(&many).unwrap_err()),
            HttpError::HeadTooLarge
        ));
    }
}
