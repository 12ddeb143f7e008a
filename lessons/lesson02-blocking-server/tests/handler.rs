//! `echo_upper` on its own, over an in-memory stream: no network needed.

use lesson02_blocking_server::{echo_upper, Config};
use shared::server::Shutdown;
use std::io::{self, Read, Write};
use std::time::Duration;

/// A fake connection: reads come from `input` in chunks of `chunk` bytes, writes go to `output`.
struct Fake<'a> {
    input: &'a [u8],
    chunk: usize,
    output: Vec<u8>,
}

impl Read for Fake<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

/// No socket, so no timeouts to set: a fake connection never blocks.
impl shared::conn::Connection for Fake<'_> {
    fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_write_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_nonblocking(&self, _: bool) -> io::Result<()> {
        Ok(())
    }
    fn shutdown(&self, _: std::net::Shutdown) -> io::Result<()> {
        Ok(())
    }
}

impl Write for Fake<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_echo_does_not_depend_on_how_reads_are_cut() {
    let text = b"The quick brown fox, 2x!\nsecond line\n";
    for chunk in [1, 3, 1024] {
        let mut conn = Fake {
            input: text,
            chunk,
            output: Vec::new(),
        };
        let n = echo_upper(&mut conn, &Config::default(), &Shutdown::new()).unwrap();
        assert_eq!(n, text.len() as u64);
        assert_eq!(
            conn.output, b"THE QUICK BROWN FOX, 2X!\nSECOND LINE\n",
            "chunk {chunk}"
        );
    }
}
