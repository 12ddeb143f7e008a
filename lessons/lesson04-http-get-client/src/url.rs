//! Just enough of URLs for HTTP: `http[s]://host[:port][/path]`, and redirects.
//!
//! A URL names a server (host and port: 80 for `http`, 443 for `https`) and a
//! resource on it (the path, which goes into the request line). The scheme says
//! whether the bytes go straight onto TCP (`http`) or through TLS first (`https`);
//! the HTTP on top is the same. A general URL parser (the `url` crate) handles far
//! more than this lesson needs.

use std::fmt;

/// How the HTTP bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain TCP, port 80 by default.
    Http,
    /// TLS over TCP, port 443 by default.
    Https,
}

impl Scheme {
    /// The port a URL of this scheme means when it names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A parsed `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// The host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The TCP port: the scheme's default unless the URL names one.
    pub port: u16,
    /// The path and query, always starting with `/`; the fragment (`#...`) is dropped,
    /// since it never goes to the server.
    pub path: String,
}

/// Why a URL was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UrlError {}

impl Url {
    /// Parses an absolute `http://` or `https://` URL.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let bad = |why: &str| UrlError(format!("invalid URL {input:?}: {why}"));
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(bad(
                "expected http://HOST/PATH or https://HOST/PATH, e.g. http://www.sina.com.cn/",
            ));
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(bad("only http:// and https:// URLs are supported")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if authority.contains('@') {
            return Err(bad("user names and passwords in URLs are not supported"));
        }
        let (host, port) =
            split_host_port(authority, scheme.default_port()).ok_or_else(|| bad("bad port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if path.contains(|c: char| c.is_ascii_whitespace() || c.is_ascii_control()) {
            return Err(bad("spaces and control characters must be %-encoded"));
        }
        Ok(Url {
            scheme,
            host: host.to_string(),
            port,
            path,
        })
    }

    // ANCHOR: join
    /// Resolves a `Location` header against this URL, as RFC 3986 section 5 says.
    ///
    /// `https://other/x` is absolute; `//other/x` keeps the scheme; `/x` keeps the
    /// host; `?q` keeps the path; `x` and `../x` are relative to the current path's
    /// folder, with `.` and `..` segments removed. Spaces, which servers sometimes
    /// send unencoded, are %-encoded, as browsers and curl do.
    pub fn join(&self, location: &str) -> Result<Url, UrlError> {
        let location = location.trim().replace(' ', "%20");
        let location = location.split('#').next().unwrap_or_default();
        if let Some((scheme, _)) = location.split_once(':') {
            let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme {
                return Url::parse(location); // absolute: has a scheme
            }
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme.name()));
        }
        let (own_path, own_query) = split_query(&self.path);
        let (ref_path, ref_query) = split_query(location);
        let path = if ref_path.is_empty() {
            // "" or "?q": the same path, with the reference's query if it has one.
            let query = ref_query.or(own_query);
            return Ok(self.with_path(own_path, query));
        } else if ref_path.starts_with('/') {
            remove_dot_segments(ref_path)
        } else {
            // Merge: the current path up to its last '/', then the reference.
            let dir = &own_path[..=own_path.rfind('/').unwrap_or(0)];
            remove_dot_segments(&format!("{dir}{ref_path}"))
        };
        Ok(self.with_path(&path, ref_query))
    }
    // ANCHOR_END: join

    fn with_path(&self, path: &str, query: Option<&str>) -> Url {
        let path = if path.is_empty() { "/" } else { path };
        let path = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        Url {
            path,
            ..self.clone()
        }
    }

    /// `host` or `host:port`, as the `Host` header wants it (the port only if it is
    /// not the scheme's default).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

fn split_query(path: &str) -> (&str, Option<&str>) {
    match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    }
}

/// RFC 3986 section 5.2.4: `a/./b` is `a/b`, `a/b/../c` is `a/c`, and `..` never
/// climbs above the root.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        match *segment {
            "." | ".." => {
                if *segment == ".." && out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push(""); // "a/b/.." is the folder "a/", not the file "a"
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(&str, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, port.parse().ok()?)),
            None if after.is_empty() => Some((host, default_port)),
            None => None,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, port.parse().ok()?)),
        None => Some((authority, default_port)),
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme.name(),
            self.authority(),
            self.path
        )
    }
}

impl std::str::FromStr for Url {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Url::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn http(host: &str, port: u16, path: &str) -> Url {
        Url {
            scheme: Scheme::Http,
            host: host.into(),
            port,
            path: path.into(),
        }
    }

    #[test]
    fn parses_host_port_and_path() {
        assert_eq!(
            url("http://www.sina.com.cn/"),
            http("www.sina.com.cn", 80, "/")
        );
        assert_eq!(url("http://example.com"), http("example.com", 80, "/"));
        assert_eq!(
            url("HTTP://127.0.0.1:8080/a/b?q=1#frag"),
            http("127.0.0.1", 8080, "/a/b?q=1")
        );
        assert_eq!(url("http://[::1]:81/x"), http("::1", 81, "/x"));
        assert_eq!(url("http://h?q"), http("h", 80, "/?q"));
    }

    #[test]
    fn https_defaults_to_port_443() {
        let u = url("https://www.sina.com.cn/");
        assert_eq!((u.scheme, u.port), (Scheme::Https, 443));
        assert_eq!(u.to_string(), "https://www.sina.com.cn/");
        assert_eq!(url("https://h:80/").authority(), "h:80");
        assert_eq!(url("https://[::1]/").authority(), "[::1]");
        assert_eq!(
            url("https://[::1]:8443/").to_string(),
            "https://[::1]:8443/"
        );
    }

    #[test]
    fn refuses_what_it_cannot_fetch_and_says_why() {
        assert!(Url::parse("www.sina.com.cn")
            .unwrap_err()
            .0
            .contains("expected http://"));
        assert!(Url::parse("ftp://x/")
            .unwrap_err()
            .0
            .contains("only http:// and https://"));
        assert!(Url::parse("http://x:99999/")
            .unwrap_err()
            .0
            .contains("bad port"));
        assert!(Url::parse("http:///path")
            .unwrap_err()
            .0
            .contains("no host"));
        assert!(Url::parse("http://x/a b")
            .unwrap_err()
            .0
            .contains("%-encoded"));
    }

    #[test]
    fn joins_redirect_locations() {
        let base = url("http://a.example:8080/dir/page?x=1");
        let join = |loc: &str| base.join(loc).unwrap().to_string();
        assert_eq!(join("http://b.example/new"), "http://b.example/new");
        assert_eq!(join("https://b.example/new"), "https://b.example/new");
        assert_eq!(join("//c.example/p"), "http://c.example/p");
        assert_eq!(join("/root"), "http://a.example:8080/root");
        assert_eq!(join("sibling"), "http://a.example:8080/dir/sibling");
        assert_eq!(
            url("https://s.example/a").join("//t.example/b").unwrap(),
            url("https://t.example/b")
        );
    }

    /// RFC 3986 section 5.4's examples that a `Location` can hold, and issue 15's cases.
    #[test]
    fn relative_references_follow_rfc_3986() {
        let base = url("http://a/b/c/d;p?q");
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
        ] {
            assert_eq!(
                base.join(reference).unwrap().to_string(),
                expected,
                "{reference:?}"
            );
        }
        let rel = url("http://h/a/b/rel");
        assert_eq!(rel.join("../target?x=1").unwrap().path, "/a/target?x=1");
        assert_eq!(rel.join("?page=2").unwrap().path, "/a/b/rel?page=2");
        assert_eq!(
            rel.join("/new page.html").unwrap().path,
            "/new%20page.html",
            "a space in Location is encoded, not refused"
        );
    }

    #[test]
    fn the_host_header_names_the_port_only_when_not_the_default() {
        assert_eq!(url("http://h/").authority(), "h");
        assert_eq!(url("http://h:8080/").authority(), "h:8080");
        assert_eq!(url("http://[::1]:8080/").authority(), "[::1]:8080");
        assert_eq!(url("https://h:443/").authority(), "h");
    }
}
