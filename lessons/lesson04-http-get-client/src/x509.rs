//! Who a certificate names, read straight from its DER bytes.
//!
//! A certificate is DER: nested *tag, length, value* triples. Its first part, the
//! "to be signed" certificate, holds in a fixed order: a version, a serial number,
//! the signature algorithm, the **issuer** (who signed it), the validity dates, and
//! the **subject** (who it is for). Each name is a list of attributes such as
//! `CN` (common name) and `O` (organisation).
//!
//! rustls hands us the certificates as bytes and checks them itself; it has no
//! reason to pretty-print names. Printing two names takes the sixty lines below,
//! far less to compile than a general X.509 crate (`x509-parser` brings `nom`,
//! `der-parser`, `asn1-rs` and an OID registry).

/// The parts of a certificate this lesson prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// Who the certificate is for, e.g. `CN=www.sina.com.cn`.
    pub subject: String,
    /// Who signed it, e.g. `C=BE, O=GlobalSign nv-sa, CN=GlobalSign RSA OV SSL CA 2018`.
    pub issuer: String,
    /// The last moment it is valid, as written (`YYMMDDHHMMSSZ` or `YYYYMMDDHHMMSSZ`).
    pub not_after: String,
}

/// Reads subject, issuer and expiry from a DER certificate; `None` if it is not one.
pub fn names(der: &[u8]) -> Option<Names> {
    let (_, certificate, _) = tlv(der)?; // Certificate ::= SEQUENCE
    let (_, mut tbs, _) = tlv(certificate)?; // tbsCertificate ::= SEQUENCE
    let mut next = || {
        let (tag, value, rest) = tlv(tbs)?;
        tbs = rest;
        Some((tag, value))
    };
    let (mut tag, mut value) = next()?;
    if tag == 0xA0 {
        (tag, value) = next()?; // [0] version, present from v2 on: skip it
    }
    let _serial = (tag == 0x02).then_some(value)?;
    let _algorithm = next()?;
    let issuer = name(next()?.1)?;
    let validity = next()?.1;
    let subject = name(next()?.1)?;
    let (_, _not_before, rest) = tlv(validity)?;
    let (_, not_after, _) = tlv(rest)?;
    Some(Names {
        subject,
        issuer,
        not_after: String::from_utf8_lossy(not_after).into_owned(),
    })
}

/// A Name: a SEQUENCE of SETs of (attribute OID, string value).
fn name(mut der: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    while !der.is_empty() {
        let (_, mut set, rest) = tlv(der)?;
        der = rest;
        while !set.is_empty() {
            let (_, pair, rest) = tlv(set)?;
            set = rest;
            let (_, oid, value) = tlv(pair)?;
            let (tag, value, _) = tlv(value)?;
            let text = match tag {
                0x1E => String::from_utf16_lossy(
                    // BMPString: UTF-16, big-endian
                    &value
                        .chunks(2)
                        .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
                        .collect::<Vec<_>>(),
                ),
                _ => String::from_utf8_lossy(value).into_owned(), // UTF8, Printable, IA5
            };
            parts.push(format!("{}={text}", attribute(oid)));
        }
    }
    Some(parts.join(", "))
}

/// The short name of an attribute: 2.5.4.x, encoded as `55 04 x`.
fn attribute(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 3] => "CN".into(),
        [0x55, 0x04, 6] => "C".into(),
        [0x55, 0x04, 7] => "L".into(),
        [0x55, 0x04, 8] => "ST".into(),
        [0x55, 0x04, 10] => "O".into(),
        [0x55, 0x04, 11] => "OU".into(),
        other => other.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// One DER element: (tag, value, the bytes after it). Lengths over 16 MiB are refused.
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first) // short form: the length itself
    } else {
        let count = usize::from(first & 0x7F); // long form: this many length bytes follow
        if count == 0 || count > 3 || rest.len() < count {
            return None;
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes.iter().fold(0, |n, &b| n << 8 | usize::from(b))
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lengths_in_both_forms() {
        assert_eq!(tlv(&[0x04, 2, 7, 8, 9]), Some((4, &[7, 8][..], &[9][..])));
        let long = [&[0x04, 0x81, 200][..], &[1; 200]].concat();
        assert_eq!(tlv(&long).unwrap().1.len(), 200);
        assert_eq!(tlv(&[0x04, 5, 1]), None, "value shorter than its length");
        assert_eq!(tlv(&[0x04, 0x80]), None, "indefinite length is not DER");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(names(b""), None);
        assert_eq!(names(b"HTTP/1.1 200 OK"), None);
    }
}
