//! The real [`Resolver`]: DNS through `hickory-resolver` (`lesson09-mta --mx`).
//!
//! hickory is asynchronous (tokio), while this lesson's MTA uses threads: a
//! small single-threaded tokio runtime runs each lookup to its end, inside the
//! delivery thread that asked.

use crate::mx::{DnsError, MxRecord, Resolver};
use hickory_resolver::{ResolveError, TokioResolver};
use std::net::IpAddr;

/// DNS as the system is configured to ask it (`/etc/resolv.conf` on Unix).
pub struct SystemDns {
    /// Runs the lookups.
    runtime: tokio::runtime::Runtime,
    /// Asks the system's DNS servers, with a cache.
    resolver: TokioResolver,
}

impl SystemDns {
    /// Reads the system's DNS configuration.
    pub fn new() -> anyhow::Result<SystemDns> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let resolver = {
            let _inside = runtime.enter();
            TokioResolver::builder_tokio()?.build()
        };
        Ok(SystemDns { runtime, resolver })
    }
}

/// An absolute name (`sina.com.`): never completed with the system's search domains.
fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// A missing domain is final; a missing record type is an empty answer; the rest
/// (timeouts, SERVFAIL) is worth another try later.
fn classify<T>(name: &str, err: ResolveError) -> Result<Vec<T>, DnsError> {
    if err.is_nx_domain() {
        Err(DnsError::NoSuchDomain(format!(
            "{name} does not exist (NXDOMAIN)"
        )))
    } else if err.is_no_records_found() {
        Ok(Vec::new())
    } else {
        Err(DnsError::Temporary(format!("{name}: {err}")))
    }
}

// ANCHOR: lookup
impl Resolver for SystemDns {
    fn mx(&self, domain: &str) -> Result<Vec<MxRecord>, DnsError> {
        match self
            .runtime
            .block_on(self.resolver.mx_lookup(absolute(domain)))
        {
            Ok(found) => Ok(found
                .iter()
                .map(|mx| {
                    let host = mx.exchange().to_utf8();
                    let host = host.strip_suffix('.').unwrap_or(&host);
                    // The root name "." alone is RFC 7505's null MX.
                    let host = if host.is_empty() { "." } else { host };
                    (mx.preference(), host.to_string())
                })
                .collect()),
            Err(err) => classify(domain, err),
        }
    }

    fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        match self
            .runtime
            .block_on(self.resolver.lookup_ip(absolute(host)))
        {
            Ok(found) => Ok(found.iter().collect()),
            Err(err) => classify(host, err),
        }
    }
}
// ANCHOR_END: lookup

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_absolute_once() {
        assert_eq!(absolute("sina.test"), "sina.test.");
        assert_eq!(absolute("sina.test."), "sina.test.");
    }
}
