//! Lesson 9: the journey of a mail.
//!
//! ```text
//! sender → MUA ──SMTP──▶ MTA ──SMTP──▶ … ──▶ MTA → MDA (a mailbox) ◀──POP3── MUA → recipient
//! ```
//!
//! A *mail user agent* (MUA: Thunderbird, Python's `smtplib`, our `lesson09-send`)
//! hands the message to a *mail transfer agent* (MTA) over SMTP. MTAs pass it on,
//! again over SMTP, until one of them is responsible for the recipient's domain;
//! its *mail delivery agent* (MDA) stores it in a mailbox. The recipient's MUA
//! later fetches it over POP3 (or IMAP). Every step is a text dialogue over TCP:
//! a command line from the client, a reply line from the server.
//!
//! `lesson09-mta` plays the last MTA, the MDA and the POP3 and IMAP servers at once:
//!
//! - [`smtp`]: the SMTP server side, and [`maildir`]: how it stores mail safely;
//! - [`pop3`]: the POP3 server side;
//! - [`imap`]: the IMAP server side, over the same maildir;
//! - [`client`]: both protocols' client sides, for `lesson09-send` and `lesson09-fetch`;
//! - [`queue`] and [`relay`]: mail for other domains, kept on disk and passed on;
//! - [`message`]: the message format itself, and how non-ASCII text fits into it;
//! - `config` (the settings, [`Mta`]), `server` (the accept loops, [`serve`]) and
//!   `session` (one connection's lines in and replies out), which both servers share.

pub mod bounce;
pub mod client;
mod config;
mod dns;
pub mod imap;
pub mod maildir;
pub mod message;
pub mod mx;
pub mod pop3;
pub mod queue;
pub mod relay;
mod server;
mod session;
pub mod smtp;

pub(crate) use config::lock;
pub use config::{default_retry, parse_schedule, Mta, Route, User};
pub use dns::SystemDns;
pub use server::serve;
pub(crate) use session::{Event, Session};

/// "1 message", "2 messages".
pub fn messages(count: usize) -> String {
    match count {
        1 => "1 message".to_string(),
        n => format!("{n} messages"),
    }
}
