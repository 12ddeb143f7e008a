//! Writing the classic pcap file format, which tcpdump and Wireshark read.
//!
//! The format is not this lesson's subject, and it is small enough to write by
//! hand rather than add a dependency: a 24-byte file header, then for each packet a
//! 16-byte record header (time, captured length, original length) and the bytes.
//! Everything is in the writer's byte order; readers tell by the magic number.

use std::io::{self, Write};
use std::time::{Duration, UNIX_EPOCH};

/// The magic number for microsecond timestamps.
const MAGIC: u32 = 0xa1b2_c3d4;
/// `LINKTYPE_ETHERNET`: each packet starts with a 14-byte Ethernet header.
const LINKTYPE_ETHERNET: u32 = 1;
/// The most bytes of one packet we keep (tcpdump's default).
pub const SNAPLEN: u32 = 262_144;

/// A pcap file being written; every packet is flushed at once, so the file is
/// complete whenever the program stops.
pub struct PcapWriter<W: Write> {
    /// Where the bytes go.
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut out: W) -> io::Result<PcapWriter<W>> {
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&MAGIC.to_ne_bytes());
        header.extend_from_slice(&2u16.to_ne_bytes()); // version 2.4
        header.extend_from_slice(&4u16.to_ne_bytes());
        header.extend_from_slice(&0i32.to_ne_bytes()); // time zone: UTC
        header.extend_from_slice(&0u32.to_ne_bytes()); // timestamp accuracy: unused
        header.extend_from_slice(&SNAPLEN.to_ne_bytes());
        header.extend_from_slice(&LINKTYPE_ETHERNET.to_ne_bytes());
        out.write_all(&header)?;
        out.flush()?;
        Ok(PcapWriter { out })
    }

    /// Appends one packet seen at `since_epoch`; `wire_len` is its length on the
    /// wire, `data` what was captured of it.
    pub fn write(&mut self, since_epoch: Duration, data: &[u8], wire_len: usize) -> io::Result<()> {
        let mut record = Vec::with_capacity(16 + data.len());
        record.extend_from_slice(&(since_epoch.as_secs() as u32).to_ne_bytes());
        record.extend_from_slice(&since_epoch.subsec_micros().to_ne_bytes());
        record.extend_from_slice(&(data.len() as u32).to_ne_bytes());
        record.extend_from_slice(&(wire_len as u32).to_ne_bytes());
        record.extend_from_slice(data);
        self.out.write_all(&record)?;
        self.out.flush()
    }
}

/// The time now as a pcap timestamp.
pub fn now() -> Duration {
    UNIX_EPOCH.elapsed().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_one_record() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write(Duration::new(10, 5_000), b"abc", 60).unwrap();
        let bytes = w.out;
        assert_eq!(bytes.len(), 24 + 16 + 3);
        assert_eq!(u32::from_ne_bytes(bytes[0..4].try_into().unwrap()), MAGIC);
        assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().unwrap()), 1);
        let field =
            |i: usize| u32::from_ne_bytes(bytes[24 + 4 * i..28 + 4 * i].try_into().unwrap());
        assert_eq!((field(0), field(1), field(2), field(3)), (10, 5, 3, 60));
        assert_eq!(&bytes[40..], b"abc");
    }
}
