//! Just enough of URLs for plain HTTP: `http://host[:port][/path]`, and redirects.
//!
//! A URL names a server (host and port, 80 by default for `http`) and a resource on
//! it (the path, which goes into the request line). That is all an HTTP/1.1 GET
//! needs; a general URL parser (the `url` crate) handles far more than this lesson.

use std::fmt;

/// A parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// The host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The TCP port: 80 unless the URL names one.
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
    /// Parses an absolute `http://` URL.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let bad = |why: &str| UrlError(format!("invalid URL {input:?}: {why}"));
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(bad(
                "expected http://HOST/PATH, e.g. http://www.sina.com.cn/",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "http" => {}
            "https" => {
                return Err(UrlError(format!(
                    "{input:?} uses https: this lesson speaks plain HTTP over TCP, without \
                     TLS encryption; try an http:// URL, or fetch it with curl"
                )))
            }
            _ => return Err(bad("only http:// URLs are supported")),
        }
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
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("bad port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if path.contains(|c: char| c.is_ascii_whitespace() || c.is_ascii_control()) {
            return Err(bad("spaces and control characters must be %-encoded"));
        }
        Ok(Url {
            host: host.to_string(),
            port,
            path,
        })
    }

    /// Resolves a `Location` header against this URL, as a browser does.
    ///
    /// `http://other/x` is absolute; `//other/x` keeps the scheme; `/x` keeps the
    /// host; `x` replaces the last segment of the current path.
    pub fn join(&self, location: &str) -> Result<Url, UrlError> {
        if location.contains("://") {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("http://{rest}"));
        }
        let path = if location.starts_with('/') {
            location.to_string()
        } else {
            let dir = &self.path[..=self.path.rfind('/').unwrap_or(0)];
            format!("{dir}{location}")
        };
        Url::parse(&format!("http://{}{path}", self.authority()))
    }

    /// `host` or `host:port`, as the `Host` header wants it (the port only if not 80).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, port.parse().ok()?)),
            None if after.is_empty() => Some((host, 80)),
            None => None,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, port.parse().ok()?)),
        None => Some((authority, 80)),
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.path)
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

    #[test]
    fn parses_host_port_and_path() {
        assert_eq!(
            url("http://www.sina.com.cn/"),
            Url {
                host: "www.sina.com.cn".into(),
                port: 80,
                path: "/".into()
            }
        );
        assert_eq!(
            url("http://example.com"),
            Url {
                host: "example.com".into(),
                port: 80,
                path: "/".into()
            }
        );
        assert_eq!(
            url("HTTP://127.0.0.1:8080/a/b?q=1#frag"),
            Url {
                host: "127.0.0.1".into(),
                port: 8080,
                path: "/a/b?q=1".into()
            }
        );
        assert_eq!(
            url("http://[::1]:81/x"),
            Url {
                host: "::1".into(),
                port: 81,
                path: "/x".into()
            }
        );
        assert_eq!(
            url("http://h?q"),
            Url {
                host: "h".into(),
                port: 80,
                path: "/?q".into()
            }
        );
    }

    #[test]
    fn refuses_what_it_cannot_fetch_and_says_why() {
        assert!(Url::parse("https://www.sina.com.cn/")
            .unwrap_err()
            .0
            .contains("plain HTTP"));
        assert!(Url::parse("www.sina.com.cn")
            .unwrap_err()
            .0
            .contains("expected http://"));
        assert!(Url::parse("ftp://x/")
            .unwrap_err()
            .0
            .contains("only http://"));
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
        assert_eq!(
            base.join("http://b.example/new").unwrap().to_string(),
            "http://b.example/new"
        );
        assert_eq!(
            base.join("//c.example/p").unwrap().to_string(),
            "http://c.example/p"
        );
        assert_eq!(
            base.join("/root").unwrap().to_string(),
            "http://a.example:8080/root"
        );
        assert_eq!(
            base.join("sibling").unwrap().to_string(),
            "http://a.example:8080/dir/sibling"
        );
        assert!(base.join("https://secure.example/").is_err());
    }

    #[test]
    fn the_host_header_names_the_port_only_when_not_80() {
        assert_eq!(url("http://h/").authority(), "h");
        assert_eq!(url("http://h:8080/").authority(), "h:8080");
        assert_eq!(url("http://[::1]:8080/").authority(), "[::1]:8080");
    }
}
