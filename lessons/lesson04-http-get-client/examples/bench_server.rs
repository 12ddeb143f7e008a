//! A fast HTTP server for the download benchmark: answers every GET with SIZE bytes
//! from memory (Content-Length, or chunked with --chunked), so the client is what's measured.
//!
//! `cargo run --release -p lesson04-http-get-client --example bench_server -- --size 200000000`

use clap::Parser;
use shared::addr::HostPort;
use shared::server::{announce, bind_tcp, incoming_until, Shutdown};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;

/// Serves SIZE bytes to every GET.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: HostPort,
    /// Body size in bytes.
    #[arg(long, default_value_t = 200_000_000)]
    size: u64,
    /// Send the body chunked (64 KiB chunks) instead of with Content-Length.
    #[arg(long)]
    chunked: bool,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let listener = bind_tcp(&args.bind)?;
    announce(listener.local_addr()?);
    for (stream, _) in incoming_until(&listener, &shutdown)? {
        let (size, chunked) = (args.size, args.chunked);
        std::thread::spawn(move || {
            let _ = answer(stream, size, chunked);
        });
    }
    Ok(())
}

fn answer(stream: TcpStream, size: u64, chunked: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut out = &stream;
    let block = vec![b'x'; 64 * 1024];
    if chunked {
        out.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?;
    } else {
        write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n")?;
    }
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        if chunked {
            let mut chunk = format!("{n:x}\r\n").into_bytes();
            chunk.extend_from_slice(&block[..n]);
            chunk.extend_from_slice(b"\r\n");
            out.write_all(&chunk)?;
        } else {
            out.write_all(&block[..n])?;
        }
        left -= n as u64;
    }
    if chunked {
        out.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}
