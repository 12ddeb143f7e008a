"""An independent SMTP server for testing lesson09-send: aiosmtpd (from PyPI).

    python3 aiosmtpd_server.py [--busy-once ADDRESS]

With --busy-once, the first RCPT TO for ADDRESS is answered 452 (try again
later), later ones 250: a remote MTA that defers one recipient of several.
Listens on 127.0.0.1 at a free port and prints `Listening on 127.0.0.1:PORT`. For
each message received it prints the envelope as the server saw it, and the headers
and text as Python's `email` package decodes them: one `NAME VALUE` line each,
VALUE in JSON, then a line `end`.
"""
import asyncio
import json
import socket
import sys

from aiosmtpd.smtp import SMTP
from email import message_from_bytes, policy


class Show:
    def __init__(self, busy_once=None):
        self.busy_once = busy_once

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.busy_once:
            self.busy_once = None
            return '452 4.2.2 Mailbox busy, try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        fields = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'from': str(msg['From']),
            'to': str(msg['To']),
            'subject': str(msg['Subject']),
            'has_date': msg['Date'] is not None,
            'has_message_id': msg['Message-ID'] is not None,
            'transfer_encoding': str(msg['Content-Transfer-Encoding']),
            'text': msg.get_content(),
        }
        for name, value in fields.items():
            print(name, json.dumps(value, ensure_ascii=False))
        print('end', flush=True)
        return '250 2.0.0 OK: received'


async def main():
    sys.stdout.reconfigure(encoding='utf-8')
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    loop = asyncio.get_running_loop()
    busy_once = sys.argv[2] if sys.argv[1:2] == ['--busy-once'] else None
    handler = Show(busy_once)  # one for all connections: "once" means once
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, decode_data=False), sock=sock)
    print('Listening on %s:%d' % sock.getsockname(), flush=True)
    await server.serve_forever()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
