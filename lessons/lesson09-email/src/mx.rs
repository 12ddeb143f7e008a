//! Finding the next MTA for a domain: DNS MX records (RFC 5321 section 5.1).
//!
//! A domain says which hosts take its mail with MX records, each with a
//! *preference*: lower is tried first; hosts with equal preference share the load,
//! so each sender tries them in a random order. A domain without MX records takes
//! mail at its own address (the "implicit MX"). A domain that does not exist is a
//! permanent failure (bounce); a DNS server that does not answer is a temporary
//! one (retry later).
//!
//! The lookups sit behind the [`Resolver`] trait, so the choice of hosts is tested
//! with a fake resolver, without the internet.

use std::net::{IpAddr, SocketAddr};

/// One MX record: (preference, mail host).
pub type MxRecord = (u16, String);

/// Why a lookup gave no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsError {
    /// The name does not exist (NXDOMAIN), or the domain says it takes no mail
    /// (a "null MX", RFC 7505): a permanent failure.
    NoSuchDomain(String),
    /// No answer now (timeout, SERVFAIL): try again later.
    Temporary(String),
}

impl std::fmt::Display for DnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DnsError::NoSuchDomain(text) | DnsError::Temporary(text) => f.write_str(text),
        }
    }
}

/// The two DNS questions an MTA asks.
pub trait Resolver: Send + Sync {
    /// `domain`'s MX records as (preference, host). `Ok` and empty: the domain
    /// exists but has none.
    fn mx(&self, domain: &str) -> Result<Vec<(u16, String)>, DnsError>;
    /// `host`'s A and AAAA addresses. `Ok` and empty: it has none.
    fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, DnsError>;
}

// ANCHOR: next_hops
/// The addresses to try for `domain`'s mail, best first: MX hosts by preference,
/// equal ones in the order `shuffle` leaves them, each host's addresses in turn;
/// the domain's own addresses when it has no MX.
pub fn next_hops(
    resolver: &dyn Resolver,
    domain: &str,
    port: u16,
    shuffle: &mut dyn FnMut(&mut [MxRecord]),
) -> Result<Vec<SocketAddr>, DnsError> {
    let mut mx = resolver.mx(domain)?;
    if mx.is_empty() {
        mx.push((0, domain.to_string())); // the implicit MX
    }
    if mx.iter().any(|(_, host)| host == "." || host.is_empty()) {
        return Err(DnsError::NoSuchDomain(format!(
            "{domain} accepts no mail (null MX, RFC 7505)"
        )));
    }
    mx.sort_by_key(|(preference, _)| *preference);
    // Shuffle each run of equal preferences.
    let mut start = 0;
    while start < mx.len() {
        let end = start
            + mx[start..]
                .iter()
                .take_while(|(p, _)| *p == mx[start].0)
                .count();
        shuffle(&mut mx[start..end]);
        start = end;
    }
    let mut hops = Vec::new();
    let mut last_err = None;
    for (_, host) in &mx {
        match resolver.addresses(host) {
            Ok(ips) => hops.extend(ips.into_iter().map(|ip| SocketAddr::new(ip, port))),
            Err(err) => last_err = Some(err), // another MX may still work
        }
    }
    if hops.is_empty() {
        return Err(match last_err {
            Some(DnsError::Temporary(text)) => DnsError::Temporary(text),
            _ => DnsError::NoSuchDomain(format!("{domain}: no address for its mail hosts")),
        });
    }
    Ok(hops)
}
// ANCHOR_END: next_hops

/// Shuffles with a seed from the clock: enough to spread load, no crate needed.
pub fn clock_shuffle(items: &mut [MxRecord]) {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos() as u64 | 1);
    for i in (1..items.len()).rev() {
        // xorshift: a different `j` per step.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// A resolver answering from tables: for tests and classrooms without DNS.
#[derive(Debug, Default)]
pub struct FakeResolver {
    /// MX answers per domain; a domain absent here does not exist.
    pub mx: std::collections::HashMap<String, Result<Vec<(u16, String)>, DnsError>>,
    /// Address answers per host; a host absent here has none.
    pub addresses: std::collections::HashMap<String, Result<Vec<IpAddr>, DnsError>>,
}

impl Resolver for FakeResolver {
    fn mx(&self, domain: &str) -> Result<Vec<(u16, String)>, DnsError> {
        self.mx
            .get(domain)
            .cloned()
            .unwrap_or_else(|| Err(DnsError::NoSuchDomain(format!("{domain} does not exist"))))
    }

    fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        self.addresses.get(host).cloned().unwrap_or(Ok(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn resolver() -> FakeResolver {
        let mut r = FakeResolver::default();
        let mx = |list: &[(u16, &str)]| Ok(list.iter().map(|(p, h)| (*p, h.to_string())).collect());
        r.mx.insert(
            "sina.test".into(),
            mx(&[(20, "mx3"), (10, "mx1"), (10, "mx2")]),
        );
        r.mx.insert("plain.test".into(), Ok(Vec::new()));
        r.mx.insert("null.test".into(), mx(&[(0, ".")]));
        r.mx.insert(
            "flaky.test".into(),
            Err(DnsError::Temporary("SERVFAIL".into())),
        );
        r.mx.insert("half.test".into(), mx(&[(10, "down"), (20, "mx1")]));
        for (host, last) in [("mx1", 1), ("mx2", 2), ("mx3", 3), ("plain.test", 9)] {
            r.addresses.insert(host.into(), Ok(vec![ip(last)]));
        }
        r.addresses
            .insert("down".into(), Err(DnsError::Temporary("timeout".into())));
        r
    }

    fn hops(domain: &str, shuffle: &mut dyn FnMut(&mut [MxRecord])) -> Result<Vec<u8>, DnsError> {
        let found = next_hops(&resolver(), domain, 25, shuffle)?;
        assert!(found.iter().all(|a| a.port() == 25));
        Ok(found
            .iter()
            .map(|a| match a.ip() {
                IpAddr::V4(v4) => v4.octets()[3],
                IpAddr::V6(_) => 0,
            })
            .collect())
    }

    #[test]
    fn lower_preference_first_and_equal_ones_shuffled() {
        assert_eq!(hops("sina.test", &mut |_| {}), Ok(vec![1, 2, 3]));
        assert_eq!(hops("sina.test", &mut |s| s.reverse()), Ok(vec![2, 1, 3]));
        // The shuffle only ever sees a run of equal preferences.
        let mut seen = Vec::new();
        hops("sina.test", &mut |s| {
            seen.push(s.iter().map(|(p, _)| *p).collect::<Vec<_>>())
        })
        .unwrap();
        assert_eq!(seen, [vec![10, 10], vec![20]]);
        // And the clock shuffle gives both orders over many runs.
        let orders: std::collections::HashSet<_> = (0..200)
            .map(|_| hops("sina.test", &mut clock_shuffle).unwrap())
            .collect();
        assert_eq!(orders.len(), 2, "{orders:?}");
    }

    #[test]
    fn no_mx_means_the_domains_own_address() {
        assert_eq!(hops("plain.test", &mut |_| {}), Ok(vec![9]));
    }

    #[test]
    fn a_temporary_dns_failure_is_a_retry_and_a_missing_domain_a_bounce() {
        assert!(matches!(
            hops("flaky.test", &mut |_| {}),
            Err(DnsError::Temporary(_))
        ));
        assert!(matches!(
            hops("nowhere.test", &mut |_| {}),
            Err(DnsError::NoSuchDomain(_))
        ));
        assert!(matches!(
            hops("null.test", &mut |_| {}),
            Err(DnsError::NoSuchDomain(_))
        ));
    }

    #[test]
    fn a_mail_host_that_does_not_resolve_is_skipped_for_the_next() {
        assert_eq!(hops("half.test", &mut |_| {}), Ok(vec![1]));
    }
}
