"""The classic tutorials' e-mail programs, pointed at lesson09-mta.

    python3 tutorial_mail.py send HOST PORT FROM TO SUBJECT TEXT
    python3 tutorial_mail.py fetch HOST PORT USER PASSWORD

`send` builds the message with the standard library's `email` package and hands it
to `smtplib`, as the tutorials do (without `login`: lesson09-mta has no AUTH).
`fetch` logs in with `poplib`, retrieves the newest message, parses it and prints
its decoded subject and text.
"""
import poplib
import smtplib
import sys
from email.header import Header, decode_header
from email.mime.text import MIMEText
from email.parser import Parser
from email.utils import formataddr


def send(host, port, from_addr, to_addr, subject, text):
    msg = MIMEText(text, 'plain', 'utf-8')
    msg['From'] = formataddr(('Python', from_addr))
    msg['To'] = to_addr
    msg['Subject'] = Header(subject, 'utf-8').encode()
    server = smtplib.SMTP(host, int(port), timeout=10)
    server.set_debuglevel(1)
    server.sendmail(from_addr, [to_addr], msg.as_string())
    server.quit()


def decode_str(s):
    value, charset = decode_header(s)[0]
    if charset:
        value = value.decode(charset)
    return value


def fetch(host, port, user, password):
    server = poplib.POP3(host, int(port), timeout=10)
    print(server.getwelcome().decode('utf-8'))
    server.user(user)
    server.pass_(password)
    print('Messages: %s. Size: %s' % server.stat())
    resp, mails, octets = server.list()
    index = len(mails)
    resp, lines, octets = server.retr(index)
    msg_content = b'\r\n'.join(lines).decode('utf-8')
    msg = Parser().parsestr(msg_content)
    print('Subject: %s' % decode_str(msg['Subject']))
    payload = msg.get_payload(decode=True)
    print('Text: %s' % payload.decode(msg.get_content_charset() or 'ascii'))
    server.quit()


if __name__ == '__main__':
    if sys.argv[1] == 'send':
        send(*sys.argv[2:8])
    else:
        fetch(*sys.argv[2:6])
