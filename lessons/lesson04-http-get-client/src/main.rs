//! `cargo run -p lesson04-http-get-client [-- URL]`: the tutorial's web client, done right.

use clap::Parser;
use lesson04_http_get_client::{download, stderr_is_terminal, url::Url, Options, DEFAULT_OUTPUT};
use shared::addr::HTTP_DEFAULT_URL;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// GETs a page over a plain TCP connection, prints the response head, saves the body.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The page to fetch (plain http:// only).
    #[arg(default_value = HTTP_DEFAULT_URL)]
    url: Url,
    /// Where to save the body.
    #[arg(short, long, value_name = "FILE", default_value = DEFAULT_OUTPUT)]
    output: PathBuf,
    /// Follow redirects (up to 10), like curl -L.
    #[arg(short = 'L', long)]
    location: bool,
    /// Give up after this many seconds without progress (connecting, or any read).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Exit 1 and save nothing if the server answers with an error status (4xx, 5xx).
    #[arg(long)]
    fail: bool,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let options = Options {
        output: args.output,
        follow: args.location,
        timeout: Duration::from_secs(args.timeout),
        fail: args.fail,
        progress: stderr_is_terminal(),
    };
    let mut first = true;
    let report = download(&args.url, &options, |url, head| {
        if !first {
            println!();
        }
        first = false;
        // The tutorial prints the response header; we name the request it answers too.
        println!("GET {url}");
        print!("{head}");
    })?;
    let head = &report.head;
    if let Some(location) = head.header("Location") {
        if lesson04_http_get_client::is_redirect(head.status) {
            eprintln!("note: redirected to {location}; add -L to follow");
        }
    }
    eprintln!(
        "Saved {} bytes to {} ({} {})",
        report.bytes,
        options.output.display(),
        head.status,
        head.reason
    );
    Ok(())
}
