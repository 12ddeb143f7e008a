//! `cargo run -p lesson09-email --bin lesson09-mailq`: what lesson09-mta still has to pass on.

use anyhow::Context;
use clap::Parser;
use lesson09_email::queue::{now, Queue, State};
use std::path::PathBuf;
use std::process::ExitCode;

/// Lists the mail waiting in lesson09-mta's queue: id, age, sender, each
/// recipient's state, attempts, next try and the last reply or error.
///
/// It only reads the queue folder (MAILDIR/.queue), so it works whether the MTA
/// runs or not.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The MTA's --maildir.
    #[arg(long, value_name = "DIR", default_value = "maildir")]
    maildir: PathBuf,
}

fn main() -> ExitCode {
    shared::cli::report(run(shared::cli::parse_args::<Args>()))
}

/// `95` → `1m35s`.
fn age(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let queue_dir = args.maildir.join(".queue");
    anyhow::ensure!(
        queue_dir.is_dir(),
        "no queue in {}; hint: give the MTA's --maildir (the queue exists once it runs with --domain)",
        args.maildir.display()
    );
    let queue = Queue::open(&args.maildir)
        .with_context(|| format!("cannot open the queue in {}", args.maildir.display()))?;
    let entries = queue
        .entries()
        .with_context(|| format!("cannot read {}", queue_dir.display()))?;
    if entries.is_empty() {
        println!("The queue is empty.");
        return Ok(());
    }
    let now = now();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                println!("{err}");
                continue;
            }
        };
        let next = if entry.next_try <= now {
            "now".to_string()
        } else {
            format!("in {}", age(entry.next_try - now))
        };
        println!(
            "{}  age {}  from <{}>  attempts {}  next try {next}",
            entry.id,
            age(now.saturating_sub(entry.arrived)),
            entry.from,
            entry.attempts
        );
        for r in &entry.to {
            let state = match r.state {
                State::Pending => "pending",
                State::Delivered => "delivered",
                State::Failed => "failed",
            };
            let reply = if r.reply.is_empty() { "" } else { ": " };
            println!("    <{}> {state}{reply}{}", r.address, r.reply);
        }
    }
    Ok(())
}
