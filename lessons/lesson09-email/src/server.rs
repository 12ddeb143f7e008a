//! The accept loops: one per protocol, a scoped thread per session, a limit on both.

use crate::{imap, pop3, smtp, Mta};
use shared::server::{incoming_until, log, refuse_with, Shutdown};
use std::io;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

// ANCHOR: serve
/// Serves SMTP, POP3 and IMAP on their listeners, a thread per session, until
/// `shutdown`.
///
/// `thread::scope` lets every session borrow `mta` and `shutdown` (no `Arc` needed)
/// and waits for all of them before returning: when `serve` returns, every mail
/// that was answered `250` is on disk.
pub fn serve(
    smtp: &TcpListener,
    pop3: &TcpListener,
    imap: &TcpListener,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    thread::scope(|s| {
        let pop3 = s.spawn(|| accept(pop3, Protocol::Pop3, mta, shutdown));
        let imap = s.spawn(|| accept(imap, Protocol::Imap, mta, shutdown));
        let smtp = accept(smtp, Protocol::Smtp, mta, shutdown);
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

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Smtp => "SMTP",
            Protocol::Pop3 => "POP3",
            Protocol::Imap => "IMAP",
        })
    }
}

/// One listener's accept loop: a scoped thread per session, at most `max_connections`.
fn accept(
    listener: &TcpListener,
    protocol: Protocol,
    mta: &Mta,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let active = AtomicUsize::new(0);
    thread::scope(|s| {
        for (stream, peer) in incoming_until(listener, shutdown)? {
            if active.fetch_add(1, Ordering::SeqCst) >= mta.max_connections {
                active.fetch_sub(1, Ordering::SeqCst);
                log(format_args!(
                    "{protocol} {peer}: refused, too many sessions"
                ));
                refuse_with(
                    stream,
                    match protocol {
                        Protocol::Smtp => b"421 4.3.2 Too many connections, try again later\r\n",
                        Protocol::Pop3 => {
                            b"-ERR [SYS/TEMP] Too many connections, try again later\r\n"
                        }
                        Protocol::Imap => b"* BYE Too many connections, try again later\r\n",
                    },
                );
                continue;
            }
            let active = &active;
            s.spawn(move || {
                // A bug in one session must not take the server down (see lesson 3).
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| match protocol {
                    Protocol::Smtp => smtp::session(stream, peer, mta, shutdown),
                    Protocol::Pop3 => pop3::session(stream, peer, mta, shutdown),
                    Protocol::Imap => imap::session(stream, peer, mta, shutdown),
                }));
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => log(format_args!("{protocol} {peer}: connection lost: {err}")),
                    Err(_) => log(format_args!("{protocol} {peer}: session failed (a bug)")),
                }
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    })
}
// ANCHOR_END: serve
