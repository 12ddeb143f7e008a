//! Known-wrong solution to ex07-http-head (a realistic beginner bug; see exercises/README.md).
//!
//! bug: header values keep the spaces around them
//! catches: parses_the_status_line_and_headers

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
}

/// Why a response head could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadError {
    /// Read more.
    Incomplete,
    /// Not `HTTP/1.x NNN reason`.
    BadStatusLine(String),
    /// No colon.
    BadHeader(String),
}

impl Head {
    /// The value of the first header named `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The bytes of `GET path HTTP/1.1` for `host`, with `Connection: close`.
pub fn get_request(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// Parses the head at the start of `bytes`; returns it and its length in bytes.
pub fn parse_head(bytes: &[u8]) -> Result<(Head, usize), HeadError> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(HeadError::Incomplete)?;
    let text = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let bad = || HeadError::BadStatusLine(status_line.to_string());
    let mut parts = status_line.splitn(3, ' ');
    let version = parts
        .next()
        .filter(|v| v.starts_with("HTTP/1."))
        .ok_or_else(bad)?;
    let status = parts
        .next()
        .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| HeadError::BadHeader(line.to_string()))?;
        headers.push((
            name.to_string(),
            value.strip_prefix(' ').unwrap_or(value).to_string(),
        ));
    }
    Ok((
        Head {
            version: version.to_string(),
            status,
            reason,
            headers,
        },
        end + 4,
    ))
}
