//! The listeners: one per protocol, each served by lesson 6's general server.

use crate::{imap, pop3, smtp, Mta};
use lesson06_socketserver::Strategy;
use shared::server::{log, refuse_with, Shutdown};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

// ANCHOR: serve
/// Serves SMTP, POP3 and IMAP on their listeners, a thread per session, until
/// `shutdown`; returns when every session has ended, so when `serve` returns,
/// every mail that was answered `250` is on disk.
///
/// Each listener is served by lesson 6's general server: a thread per connection,
/// at most `max_connections` per protocol, one panic policy, named threads. What
/// lesson 9 adds is only what is its own: which session runs, and how a client
/// is turned away, in the protocol's own words.
pub fn serve(
    smtp: &TcpListener,
    pop3: &TcpListener,
    imap: &TcpListener,
    mta: Arc<Mta>,
    shutdown: &Shutdown,
) -> io::Result<()> {
    if mta.queue.is_some() {
        // Not joined: a delivery may wait minutes for a slow MTA, and stopping
        // must take under two seconds. The queue on disk is what matters: a
        // delivery cut short is tried again at the next start.
        let (mta, shutdown) = (mta.clone(), shutdown.clone());
        thread::Builder::new().name("relay".into()).spawn(move || {
            if let Some(queue) = &mta.queue {
                crate::relay::run(&mta, queue, &shutdown);
            }
        })?;
    }
    thread::scope(|s| {
        let pop3 = s.spawn(|| accept(pop3, Protocol::Pop3, mta.clone(), shutdown));
        let imap = s.spawn(|| accept(imap, Protocol::Imap, mta.clone(), shutdown));
        let smtp = accept(smtp, Protocol::Smtp, mta.clone(), shutdown);
        let pop3 = pop3.join().unwrap_or(Ok(()));
        let imap = imap.join().unwrap_or(Ok(()));
        smtp.and(pop3).and(imap)
    })
}

/// Which dialogue a listener speaks.
#[derive(Clone, Copy, Debug)]
enum Protocol {
    Smtp,
    Pop3,
    Imap,
}

impl Protocol {
    /// What a client is told when the server is full: a reply it understands
    /// (a silent close would look like a crash, and an SMTP client would not know
    /// to try again later).
    fn busy(self) -> &'static [u8] {
        match self {
            Protocol::Smtp => b"421 4.3.2 Too many connections, try again later\r\n",
            Protocol::Pop3 => b"-ERR [SYS/TEMP] Too many connections, try again later\r\n",
            Protocol::Imap => b"* BYE Too many connections, try again later\r\n",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Smtp => "SMTP",
            Protocol::Pop3 => "POP3",
            Protocol::Imap => "IMAP",
        })
    }
}

/// One listener, served through lesson 6 with this protocol's session and refusal.
fn accept(
    listener: &TcpListener,
    protocol: Protocol,
    mta: Arc<Mta>,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let max = mta.max_connections;
    let handler = move |stream: TcpStream, peer: SocketAddr, shutdown: &Shutdown| {
        let ended = match protocol {
            Protocol::Smtp => smtp::session(stream, peer, &mta, shutdown),
            Protocol::Pop3 => pop3::session(stream, peer, &mta, shutdown),
            Protocol::Imap => imap::session(stream, peer, &mta, shutdown),
        };
        if let Err(err) = ended {
            log(format_args!("{protocol} {peer}: connection lost: {err}"));
        }
        Ok(())
    };
    let refuse = move |stream: TcpStream, peer: &SocketAddr| {
        log(format_args!(
            "{protocol} {peer}: refused, too many sessions"
        ));
        refuse_with(stream, protocol.busy());
    };
    let strategy = Strategy::ThreadPerConnection { max };
    lesson06_socketserver::serve(listener, strategy, handler, refuse, shutdown)
}
// ANCHOR_END: serve
