//! `cargo run -p lesson08-unix-sockets --bin lesson08-datagram-client -- NAMES`.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sends each name as one datagram to the datagram server and prints the reply.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server's socket file.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/tmp/netlessons-lesson08-datagram.sock"
    )]
    connect: PathBuf,
    /// Messages to send.
    #[arg(default_values_t = ["Michael".to_string(), "Tracy".to_string(), "Sarah".to_string()])]
    names: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

#[cfg(unix)]
fn run(args: Args) -> anyhow::Result<()> {
    use anyhow::Context;
    // To get replies, the client needs an address too: a socket file of its own.
    let dir = std::env::temp_dir();
    let own = dir.join(format!(
        "netlessons-lesson08-client-{}.sock",
        std::process::id()
    ));
    let socket = std::os::unix::net::UnixDatagram::bind(&own)
        .with_context(|| format!("cannot create {}", own.display()))?;
    let _cleanup = lesson08_unix_sockets::RemoveOnDrop(&own);
    socket.connect(&args.connect).map_err(|err| {
        anyhow::anyhow!(
            "cannot reach {}: {err}; hint: is the datagram server running? \
             (cargo run -p lesson08-unix-sockets --bin lesson08-datagram-server)",
            args.connect.display()
        )
    })?;
    socket.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut buf = vec![0u8; 65_536];
    for name in &args.names {
        socket.send(name.as_bytes())?;
        let n = socket.recv(&mut buf).context("no reply within 5 s")?;
        println!("{}", String::from_utf8_lossy(&buf[..n]));
    }
    Ok(())
}

#[cfg(not(unix))]
fn run(_: Args) -> anyhow::Result<()> {
    anyhow::bail!("Unix domain sockets are a Linux and macOS lesson")
}
