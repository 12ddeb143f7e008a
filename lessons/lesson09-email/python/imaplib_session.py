"""An IMAP session with Python's standard imaplib against lesson09-mta.

    python3 imaplib_session.py IMAP_PORT SMTP_PORT

Logs in as alice, selects INBOX, searches, fetches, marks the first mail
\\Deleted and expunges it, appends a mail to Sent, and waits in IDLE while a mail
arrives over SMTP. Prints one line per step, "step: result", for the test to check.
"""
import imaplib
import smtplib
import sys

imap_port, smtp_port = int(sys.argv[1]), int(sys.argv[2])
m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=30)


def show(step, result):
    typ, data = result
    print(f"{step}: {typ} {data!r}", flush=True)
    if typ != "OK":
        sys.exit(f"{step} failed: {data!r}")


show("login", m.login("alice", "secret"))
show("select", m.select("INBOX"))
show("search", m.search(None, "UNSEEN", "FROM", "ann"))
show("fetch", m.fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
typ, data = m.fetch("1", "(BODY[])")
print(f"body: {data[0][1].decode()!r}")
show("store", m.store("1", "+FLAGS", "\\Deleted"))
show("expunge", m.expunge())
show("create", m.create("Sent"))
show("append", m.append("Sent", "(\\Seen)", imaplib.Time2Internaldate(1700000000),
                        b"Subject: saved by imaplib\r\n\r\nsent mail\r\n"))
show("status", m.status("Sent", "(MESSAGES UNSEEN)"))

# IDLE (RFC 2177) by hand: imaplib before Python 3.14 has no idle().
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
print(f"idle: {m.readline()!r}", flush=True)
with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
    s.sendmail("carol@example.com", ["alice@localhost"], "Subject: while idling\r\n\r\nhi\r\n")
print(f"news: {m.readline()!r}", flush=True)
m.send(b"DONE\r\n")
print(f"done: {m.readline()!r}", flush=True)
show("noop", m.noop())
print(f"logout: {m.logout()[0]}")
