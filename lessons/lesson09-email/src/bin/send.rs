//! `cargo run -p lesson09-email --bin lesson09-send`: a mail user agent that sends.

use clap::Parser;
use lesson09_email::client::{Envelope, SmtpClient};
use lesson09_email::message::{Address, Outgoing};
use shared::addr::{HostPort, SMTP_SERVER};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// Sends one mail through an SMTP server, showing the dialogue.
///
/// The body is the TEXT arguments, or else standard input. Non-ASCII subjects and
/// bodies are encoded as mail requires (RFC 2047, MIME).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The SMTP server.
    #[arg(long, value_name = "HOST:PORT", default_value = SMTP_SERVER)]
    connect: HostPort,
    /// The sender's address.
    #[arg(long, value_name = "ADDRESS")]
    from: Address,
    /// A recipient, shown in the To: header (repeatable).
    #[arg(long, value_name = "ADDRESS", required = true)]
    to: Vec<Address>,
    /// A hidden recipient: in the envelope, not in any header (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    bcc: Vec<Address>,
    /// The subject, any language.
    #[arg(long, default_value = "")]
    subject: String,
    /// Seconds to wait for the server before giving up.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = shared::cli::positive)]
    timeout: u64,
    /// Do not show the dialogue.
    #[arg(long, short)]
    quiet: bool,
    /// The message text (else read from standard input).
    text: Vec<String>,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let body = if args.text.is_empty() {
        if std::io::stdin().is_terminal() {
            eprintln!("Type the message; end it with Ctrl-D (on Windows: Ctrl-Z, then Enter).");
        }
        let mut body = String::new();
        std::io::stdin()
            .read_to_string(&mut body)
            .map_err(|e| anyhow::anyhow!("cannot read the message from standard input: {e}"))?;
        body
    } else {
        args.text.join(" ") + "\n"
    };
    let mail = Outgoing {
        from: args.from,
        to: args.to,
        subject: args.subject,
        body,
    };
    let show: Option<Box<dyn std::io::Write>> =
        (!args.quiet).then(|| Box::new(std::io::stdout()) as _);
    let timeout = Duration::from_secs(args.timeout);
    let mut smtp = SmtpClient::connect(&args.connect, timeout, show)?;
    let encoding = mail.body_encoding(smtp.supports("8BITMIME"));
    let envelope = Envelope {
        from: mail.from.clone(),
        to: mail.to.iter().chain(&args.bcc).cloned().collect(),
    };
    let sent = smtp.send(
        &envelope,
        &mail.compose(SystemTime::now(), encoding),
        encoding,
    );
    smtp.quit(); // after a refusal too
    let reply = sent?;
    if args.quiet {
        println!("sent: {reply}");
    }
    Ok(())
}
