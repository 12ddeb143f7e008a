//! `cargo run -p lesson09-email`: a small mail server, SMTP in, POP3 and IMAP out.

use anyhow::Context;
use clap::Parser;
use lesson09_email::client::Timeouts;
use lesson09_email::imap::IMAP_SERVER;
use lesson09_email::maildir::{Maildir, STALE_AFTER};
use lesson09_email::queue::Queue;
use lesson09_email::{parse_schedule, serve, Mta, Route, SystemDns, User};
use shared::addr::{HostPort, POP3_SERVER, SMTP_SERVER};
use shared::server::{announce, bind_tcp, log, Shutdown};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Accepts mail over SMTP, stores it in a maildir, and serves it back over POP3
/// and IMAP.
///
/// Every mail is on disk before the server answers 250. Mail for any name is
/// accepted unless --user names the only mailboxes.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address for SMTP; port 0 lets the system choose a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = SMTP_SERVER)]
    bind: HostPort,
    /// Address for POP3.
    #[arg(long, value_name = "HOST:PORT", default_value = POP3_SERVER)]
    pop3_bind: HostPort,
    /// Address for IMAP.
    #[arg(long, value_name = "HOST:PORT", default_value = IMAP_SERVER)]
    imap_bind: HostPort,
    /// Folder to store mail in (created if missing): one maildir per user.
    #[arg(long, value_name = "DIR", default_value = "maildir")]
    maildir: PathBuf,
    /// An account for POP3 and IMAP, NAME:PASSWORD (repeatable). With none, both take any password.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<User>,
    /// The largest message accepted, in octets.
    #[arg(long, value_name = "OCTETS", default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
    max_size: u64,
    /// Sessions served at once, per protocol.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    max_connections: u64,
    /// Close a session that sends nothing for this many seconds (RFC 5321 asks for 300).
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = shared::cli::positive)]
    idle_timeout: u64,
    /// The same for IMAP, whose clients stay connected (RFC 3501 asks for 30 minutes).
    #[arg(long, value_name = "SECS", default_value_t = 1800, value_parser = shared::cli::positive)]
    imap_idle_timeout: u64,
    /// A domain whose mail is stored here (repeatable). With none, all mail is
    /// stored here, whatever its domain.
    #[arg(long = "domain", value_name = "NAME")]
    domains: Vec<String>,
    /// A client address allowed to relay: to send mail for domains that are not
    /// ours (repeatable). Others get `550 5.7.1 relaying denied`.
    #[arg(long = "relay-from", value_name = "IP")]
    relay_from: Vec<std::net::IpAddr>,
    /// Where mail for DOMAIN goes next (repeatable): another MTA, e.g.
    /// sina.test=127.0.0.1:2526. Relayed mail waits in DIR/.queue until it is there.
    #[arg(long = "route", value_name = "DOMAIN=HOST:PORT")]
    routes: Vec<Route>,
    /// Seconds to wait for the next MTA's connection and each of its replies.
    /// Without it, RFC 5321's waits per command: 5 minutes for the greeting,
    /// MAIL and RCPT, 2 for DATA, 3 per block of the message, 10 after the ".".
    #[arg(long, value_name = "SECS", value_parser = shared::cli::positive)]
    relay_timeout: Option<u64>,
    /// How long to wait before trying a deferred mail again: after the first
    /// failed attempt, the second, ...; the last wait repeats (default 30m, as
    /// RFC 5321 asks). E.g. 1s,5s,30s for a classroom.
    #[arg(long, value_name = "WAITS", value_parser = Schedule::parse)]
    retry: Option<Schedule>,
    /// Bounce a mail still not delivered after this long (RFC 5321: 4-5 days).
    #[arg(long, value_name = "WAIT", default_value = "5d", value_parser = Schedule::parse)]
    give_up: Schedule,
    /// Find the next MTA for domains without --route in DNS: their MX records
    /// (else their own address), through the system's DNS servers. Off by default,
    /// so that a classroom's MTAs never send mail out by accident.
    #[arg(long)]
    mx: bool,
    /// The port MX hosts are reached on (SMTP's own is 25).
    #[arg(long, value_name = "PORT", default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..))]
    mx_port: u16,
}

/// `--retry`'s value (a type of its own: clap takes a bare `Vec` for a list of flags).
#[derive(Clone)]
struct Schedule(Vec<Duration>);

impl Schedule {
    fn parse(text: &str) -> Result<Schedule, String> {
        parse_schedule(text).map(Schedule)
    }
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    let smtp = bind_tcp(&args.bind)?;
    let pop3 = bind_tcp(&args.pop3_bind)?;
    let imap = bind_tcp(&args.imap_bind)?;
    let maildir = Maildir::open(&args.maildir)
        .with_context(|| format!("cannot use {} as the maildir", args.maildir.display()))?;
    // Mail that was being received when an earlier run was killed.
    let mut stale = maildir
        .remove_stale(STALE_AFTER)
        .with_context(|| format!("cannot clean up {}", args.maildir.display()))?;
    if args.users.is_empty() {
        eprintln!(
            "warning: no --user given: POP3 and IMAP accept any user name with any password \
             (fine on this machine, never on a network)"
        );
    }
    let mut mta = Mta::new(maildir, args.users);
    mta.max_size = args.max_size as usize;
    mta.max_connections = args.max_connections as usize;
    mta.idle_timeout = Duration::from_secs(args.idle_timeout);
    mta.imap_idle_timeout = Duration::from_secs(args.imap_idle_timeout);
    mta.domains = args
        .domains
        .iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();
    mta.relay_from = args.relay_from;
    mta.routes = args.routes.into_iter().map(|r| (r.domain, r.hop)).collect();
    if let Some(secs) = args.relay_timeout {
        mta.relay_timeouts = Timeouts::all(Duration::from_secs(secs));
    }
    mta.give_up = args.give_up.0.iter().sum();
    mta.mx_port = args.mx_port;
    if args.mx {
        let dns = SystemDns::new().context("cannot read the system's DNS configuration")?;
        mta.resolver = Some(Box::new(dns));
    }
    if let Some(Schedule(retry)) = args.retry {
        mta.retry = retry;
    }
    if !mta.domains.is_empty() {
        let queue = Queue::open(mta.maildir.root())
            .with_context(|| format!("cannot make a queue in {}", args.maildir.display()))?;
        // Half-queued mail from a crash: never answered 250, so nothing is lost.
        stale += queue
            .remove_leftovers(STALE_AFTER)
            .with_context(|| format!("cannot clean up {}", queue.dir().display()))?;
        mta.queue = Some(queue);
    }
    announce(smtp.local_addr()?);
    log(format_args!("POP3 listening on {}", pop3.local_addr()?));
    log(format_args!("IMAP listening on {}", imap.local_addr()?));
    let root = std::path::absolute(mta.maildir.root()).unwrap_or_else(|_| args.maildir.clone());
    log(format_args!("Storing mail in {}", root.display()));
    if stale > 0 {
        log(format_args!(
            "Removed {stale} unfinished files older than 36 hours from tmp/ folders and the queue"
        ));
    }
    serve(&smtp, &pop3, &imap, std::sync::Arc::new(mta), &shutdown)?;
    Ok(())
}
