//! `cargo run -p lesson04-http-get-client [-- URL]`: the tutorial's web client, done right.

use clap::Parser;
use lesson04_http_get_client::tls::TlsOptions;
use lesson04_http_get_client::url::{Scheme, Url};
use lesson04_http_get_client::{download, stderr_is_terminal, Hop, Options, DEFAULT_OUTPUT};
use shared::addr::HTTP_DEFAULT_URL;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// GETs a page over TCP (http://) or TLS (https://), prints each response head,
/// saves the body. Redirects are followed, so the default URL, which sends
/// http:// to https://, ends with sina's real front page in sina.html.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The page to fetch: http:// or https://.
    #[arg(default_value = HTTP_DEFAULT_URL)]
    url: Url,
    /// Where to save the body.
    #[arg(short, long, value_name = "FILE", default_value = DEFAULT_OUTPUT)]
    output: PathBuf,
    /// Follow redirects, up to 10 (the default; accepted because curl users type it).
    #[arg(short = 'L', long, conflicts_with = "no_follow")]
    location: bool,
    /// Do not follow redirects: save the redirect response itself.
    #[arg(long)]
    no_follow: bool,
    /// Also print each request head as sent (lines starting with "> ").
    #[arg(short, long)]
    verbose: bool,
    /// Give up after this many seconds without progress (connecting, TLS handshake, any read).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Exit 1 and save nothing if the server answers with an error status (4xx, 5xx).
    #[arg(long)]
    fail: bool,
    /// https: trust only the certificates in this PEM file, instead of the built-in
    /// authorities (Mozilla's list).
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// https: do not check the server's certificate at all. Dangerous: anyone on the
    /// path can then pose as the server.
    #[arg(short = 'k', long, conflicts_with = "cacert")]
    insecure: bool,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if args.insecure {
        eprintln!(
            "warning: --insecure: certificates are not checked; anyone between you and the \
             server can read and change this download"
        );
    }
    if let Some(path) = std::env::var_os("SSLKEYLOGFILE").filter(|p| !p.is_empty()) {
        eprintln!(
            "note: TLS secrets are appended to {} (SSLKEYLOGFILE): whoever reads it can \
             decrypt this traffic",
            PathBuf::from(path).display()
        );
    }
    let options = Options {
        output: args.output,
        follow: !args.no_follow,
        tls: TlsOptions {
            cacert: args.cacert,
            insecure: args.insecure,
        },
        timeout: Duration::from_secs(args.timeout),
        fail: args.fail,
        progress: stderr_is_terminal(),
    };
    let mut previous: Option<Url> = None;
    let report = download(&args.url, &options, |hop| {
        if let Some(previous) = &previous {
            println!();
            if previous.scheme == Scheme::Https && hop.url.scheme == Scheme::Http {
                eprintln!("warning: redirected from https to plain http: {}", hop.url);
            }
        }
        previous = Some(hop.url.clone());
        print_hop(hop, args.verbose);
    })?;
    let head = &report.head;
    if let Some(location) = head.header("Location") {
        if lesson04_http_get_client::is_redirect(head.status) {
            eprintln!("note: redirected to {location}; not followed (--no-follow)");
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

// ANCHOR: print_hop
/// What the tutorial prints (the response head), plus what was asked of whom.
fn print_hop(hop: &Hop, verbose: bool) {
    println!("GET {}", hop.url);
    if let Some(tls) = hop.tls {
        println!("* {}, cipher suite {}", tls.version, tls.cipher_suite);
        if let Some(cert) = &tls.certificate {
            println!("* certificate for: {}", cert.subject);
            println!("* issued by: {}", cert.issuer);
        }
    }
    if verbose {
        for line in String::from_utf8_lossy(hop.request).split_inclusive("\r\n") {
            println!("> {}", line.trim_end_matches("\r\n"));
        }
    }
    print!("{}", hop.head);
}
// ANCHOR_END: print_hop
