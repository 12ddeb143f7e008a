//! `cargo run -p lesson04-http-get-client [-- URL]`: the tutorial's web client, done right.

use clap::Parser;
use lesson04_http_get_client::tls::TlsOptions;
use lesson04_http_get_client::url::{Scheme, Url};
use lesson04_http_get_client::{download, stderr_is_terminal, Hop, Options, DEFAULT_OUTPUT};
use shared::addr::HTTP_DEFAULT_URL;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// GETs a page over TCP (http://) or TLS (https://), prints each response head,
/// saves the body. Redirects are followed, so the default URL, which sends
/// http:// to https://, ends with sina's real front page in sina.html.
#[derive(Parser)]
#[command(
    version,
    after_help = "Environment: SSLKEYLOGFILE=FILE appends the TLS session secrets to FILE, \
                  so that Wireshark can decrypt a capture (see the book's lesson 4)."
)]
struct Args {
    /// The page to fetch: http:// or https://.
    #[arg(default_value = HTTP_DEFAULT_URL)]
    url: Url,
    /// Where to save the body; `-` for standard output (the heads then go to stderr).
    /// A FIFO or device (e.g. /dev/null) is written through, never replaced.
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
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = shared::cli::positive)]
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
    let to_stdout = options.output.as_os_str() == "-";
    // With `-o -` the body owns stdout; what we print goes to stderr instead.
    let mut out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let mut previous: Option<Url> = None;
    let report = download(&args.url, &options, |hop| {
        if let Some(previous) = &previous {
            let _ = writeln!(out);
            if previous.scheme == Scheme::Https && hop.url.scheme == Scheme::Http {
                eprintln!("warning: redirected from https to plain http: {}", hop.url);
            }
        }
        previous = Some(hop.url.clone());
        let _ = print_hop(&mut out, hop, args.verbose);
    })?;
    let head = &report.head;
    if let Some(location) = head.header("Location") {
        if lesson04_http_get_client::is_redirect(head.status) {
            eprintln!("note: redirected to {location}; not followed (--no-follow)");
        }
    }
    let saved_to = match to_stdout {
        true => "standard output".into(),
        false => options.output.display().to_string(),
    };
    eprintln!(
        "Saved {} bytes to {saved_to} ({} {})",
        report.bytes, head.status, head.reason
    );
    Ok(())
}

// ANCHOR: print_hop
/// What the tutorial prints (the response head), plus what was asked of whom.
fn print_hop(out: &mut dyn Write, hop: &Hop, verbose: bool) -> std::io::Result<()> {
    writeln!(out, "GET {}", hop.url)?;
    if let Some(tls) = hop.tls {
        writeln!(out, "* {}, cipher suite {}", tls.version, tls.cipher_suite)?;
        if let Some(cert) = &tls.certificate {
            writeln!(out, "* certificate for: {}", cert.subject)?;
            writeln!(out, "* issued by: {}", cert.issuer)?;
        }
    }
    if verbose {
        for line in String::from_utf8_lossy(hop.request).split_inclusive("\r\n") {
            writeln!(out, "> {}", line.trim_end_matches("\r\n"))?;
        }
    }
    write!(out, "{}", hop.head)?;
    out.flush()
}
// ANCHOR_END: print_hop
