//! `cargo run -p lesson09-email --bin lesson09-fetch`: a mail user agent that fetches,
//! over POP3 or (with `--imap`) IMAP.

use anyhow::{anyhow, bail};
use clap::Parser;
use lesson09_email::client::Pop3Client;
use lesson09_email::imap::client::{lf_lines, number_after, ImapClient};
use lesson09_email::imap::IMAP_SERVER;
use lesson09_email::message::{decode_header, header};
use lesson09_email::messages;
use shared::addr::{HostPort, POP3_SERVER};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Lists the messages in a mailbox over POP3 (or IMAP with --imap), or prints one
/// with --retrieve.
///
/// Messages marked with --delete are removed when the session ends normally.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The server [default: 127.0.0.1:1100, with --imap 127.0.0.1:1143].
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<HostPort>,
    /// Speak IMAP instead of POP3 (the mail stays on the server; --retrieve marks
    /// it \Seen, --delete expunges it).
    #[arg(long)]
    imap: bool,
    /// Whose mailbox, and the password.
    #[arg(long, value_name = "NAME:PASSWORD", value_parser = parse_user)]
    user: (String, String),
    /// Print message N (as it is stored, headers and all) instead of the list.
    #[arg(long, value_name = "N")]
    retrieve: Option<usize>,
    /// Delete message N (after printing it, if --retrieve names it too).
    #[arg(long, value_name = "N")]
    delete: Option<usize>,
    /// Seconds to wait for the server before giving up.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = shared::cli::positive)]
    timeout: u64,
    /// Show the dialogue on standard error.
    #[arg(long, short)]
    verbose: bool,
}

fn parse_user(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, password)) if !name.is_empty() => Ok((name.into(), password.into())),
        _ => Err(format!(
            "{text:?} should be NAME:PASSWORD, e.g. alice:secret"
        )),
    }
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let show: Option<Box<dyn Write>> = args.verbose.then(|| Box::new(std::io::stderr()) as _);
    let timeout = Duration::from_secs(args.timeout);
    if args.imap {
        let connect = args
            .connect
            .clone()
            .map_or_else(|| HostPort::parse(IMAP_SERVER), Ok)?;
        let mut imap = ImapClient::connect(&connect, timeout, show)?;
        // As with POP3: LOGOUT whatever happens (an error already being reported).
        let result = imap_dialogue(&mut imap, &args);
        let logout = imap.logout();
        result?;
        logout?;
        if let Some(n) = args.delete {
            eprintln!("deleted message {n}");
        }
        return Ok(());
    }
    let connect = args
        .connect
        .clone()
        .map_or_else(|| HostPort::parse(POP3_SERVER), Ok)?;
    let mut pop3 = Pop3Client::connect(&connect, timeout, show)?;
    // Whatever happens after the greeting, the session ends with QUIT: after a
    // refused login or a missing message too (RSET first, so nothing is deleted).
    if let Err(err) = dialogue(&mut pop3, &args) {
        pop3.abort();
        return Err(err);
    }
    pop3.quit()?;
    if let Some(n) = args.delete {
        eprintln!("deleted message {n}");
    }
    Ok(())
}

/// Everything between the greeting and `QUIT`.
fn dialogue(pop3: &mut Pop3Client, args: &Args) -> anyhow::Result<()> {
    let (user, password) = &args.user;
    pop3.login(user, password)?;
    let list = pop3.list()?;
    for n in [args.retrieve, args.delete].into_iter().flatten() {
        if !list.iter().any(|&(m, _)| m == n) {
            bail!(
                "there is no message {n}: {user} has {} (see the list without --retrieve)",
                messages(list.len())
            );
        }
    }
    let mut out = std::io::stdout().lock();
    if let Some(n) = args.retrieve {
        out.write_all(&pop3.retrieve(n)?)?;
        out.flush()?; // printed before it may be deleted
    } else if args.delete.is_none() {
        writeln!(out, "{} for {user}", messages(list.len()))?;
        for &(n, size) in &list {
            list_line(&mut out, n, size, &pop3.headers(n)?)?;
        }
    }
    if let Some(n) = args.delete {
        pop3.delete(n)?;
    }
    Ok(())
}

// ANCHOR: imap_dialogue
/// The same work over IMAP: list, retrieve, delete in INBOX.
fn imap_dialogue(imap: &mut ImapClient, args: &Args) -> anyhow::Result<()> {
    let (user, password) = &args.user;
    imap.login(user, password)?;
    // EXAMINE opens the folder read-only: listing changes nothing.
    let read_only = args.retrieve.is_none() && args.delete.is_none();
    let count = imap.select("INBOX", read_only)?;
    for n in [args.retrieve, args.delete].into_iter().flatten() {
        if n == 0 || n > count {
            bail!(
                "there is no message {n}: {user} has {} (see the list without --retrieve)",
                messages(count)
            );
        }
    }
    let mut out = std::io::stdout().lock();
    if let Some(n) = args.retrieve {
        let got = imap.fetch(&n.to_string(), "BODY[]")?;
        let body = got.first().and_then(|(_, r)| r.literals.first());
        let body = body.ok_or_else(|| anyhow!("the server sent no BODY[] for message {n}"))?;
        out.write_all(&lf_lines(body))?;
        out.flush()?;
    } else if args.delete.is_none() {
        writeln!(out, "{} for {user}", messages(count))?;
        if count > 0 {
            let items = "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT RETURN-PATH)])";
            for (n, response) in imap.fetch("1:*", items)? {
                let size = number_after(&response.text, "RFC822.SIZE").unwrap_or(0);
                let head = response
                    .literals
                    .first()
                    .map(|h| lf_lines(h))
                    .unwrap_or_default();
                let head: Vec<String> = String::from_utf8_lossy(&head)
                    .lines()
                    .map(str::to_string)
                    .collect();
                list_line(&mut out, n, size, &head)?;
            }
        }
    }
    if let Some(n) = args.delete {
        imap.command(&format!("STORE {n} +FLAGS.SILENT (\\Deleted)"))?;
        imap.command("EXPUNGE")?;
    }
    Ok(())
}
// ANCHOR_END: imap_dialogue

/// One line of the list, the same over POP3 and IMAP: number, size, sender, subject.
fn list_line(out: &mut impl Write, n: usize, size: u64, head: &[String]) -> std::io::Result<()> {
    let field = |name| header(head, name).map(|v| decode_header(&v));
    writeln!(
        out,
        "{n:>3} {size:>8} octets  from {}: {}",
        sender(field("from"), field("return-path")),
        field("subject")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "(no subject)".to_string())
    )
}

/// Who a mail is from, for the list: the `From:` header, or else the envelope
/// sender the server recorded in `Return-Path:` (a mail needs no `From:` to travel).
fn sender(from: Option<String>, return_path: Option<String>) -> String {
    match (from, return_path) {
        (Some(from), _) if !from.trim().is_empty() => from,
        (_, Some(path)) if path.trim() != "<>" && !path.trim().is_empty() => {
            format!("{} (envelope; no From: header)", path.trim())
        }
        _ => "(unknown sender)".to_string(),
    }
}
