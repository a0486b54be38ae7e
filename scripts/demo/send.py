#!/usr/bin/env python3
"""Submit one message through an operator's API LPS submission listener, as an LPS would:
STARTTLS (the certificate checked against the trust space's CA), AUTH XOAUTH2 with a Pro Santé
Connect access token, then the message sent as the mailbox opened. Standard library only.

  token=$(npx mss psc token --idnat 810000001056)
  python3 scripts/demo/send.py --smtp 127.0.0.1:10587 --ca .mss-data/ca.pem --token "$token" \\
      --user paul.martin@operateur-a.mssante.fr --to anne.lambert@operateur-b.mssante.fr --subject 'Avis'
"""
import argparse
import os
import base64
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import make_msgid, formatdate


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--smtp', required=True, help='host:port of smtpSubmission')
    p.add_argument('--ca', required=True, help='PEM file of the trust space CA (the sandbox writes <data-dir>/ca.pem; also GET /pki/ca.pem)')
    p.add_argument('--token', required=True, help='PSC access token (mss psc token --idnat …)')
    p.add_argument('--user', required=True, help='the mailbox to send as')
    p.add_argument('--to', required=True, action='append', help='recipient (repeatable)')
    p.add_argument('--subject', required=True)
    p.add_argument('--body', default='Bonjour,\n\nCeci est un message de démonstration.\n')
    p.add_argument('--header', action='append', default=[], metavar='NAME: VALUE',
                   help='an extra header field, e.g. "X-MSS-CODECDA: 11490-0" or "X-MSS-MES: FIN" (repeatable; Ref. #2 headers)')
    p.add_argument('--attach', action='append', default=[], metavar='FILE',
                   help='attach a file under its own name, e.g. IHE_XDM.ZIP from "mss xdm build" (repeatable)')
    p.add_argument('--notify', help='RFC 3461 NOTIFY for every recipient, e.g. SUCCESS,FAILURE (a delivery report comes back)')
    a = p.parse_args()
    host, port = a.smtp.rsplit(':', 1)
    msg = EmailMessage()
    msg['From'] = a.user
    msg['To'] = ', '.join(a.to)
    msg['Subject'] = a.subject
    msg['Date'] = formatdate()
    msg['Message-ID'] = make_msgid(domain=a.user.split('@')[1])
    for field in a.header:
        name, sep, value = field.partition(':')
        if not sep or not name.strip():
            print(f'--header {field!r}: expected "Name: value"', file=sys.stderr)
            return 2
        msg[name.strip()] = value.strip()
    msg.set_content(a.body)
    for path in a.attach:
        with open(path, 'rb') as f:
            data = f.read()
        name = os.path.basename(path)
        maintype, subtype = ('application', 'zip') if name.lower().endswith('.zip') else ('application', 'octet-stream')
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    context = ssl.create_default_context(cafile=a.ca)
    context.check_hostname = False  # reached by address on loopback; the chain is still verified
    xoauth2 = base64.b64encode(f'user={a.user}\x01auth=Bearer {a.token}\x01\x01'.encode()).decode()
    with smtplib.SMTP(host, int(port), timeout=30) as s:
        s.starttls(context=context)
        s.ehlo()
        code, reply = s.docmd('AUTH', f'XOAUTH2 {xoauth2}')
        if code != 235:
            if code == 334:
                code, reply = s.docmd('')
            print(f'authentication refused: {code} {reply.decode()}', file=sys.stderr)
            return 1
        rcpt_options = [f'NOTIFY={a.notify}'] if a.notify else []
        try:
            refused = s.send_message(msg, rcpt_options=rcpt_options)
        except smtplib.SMTPRecipientsRefused as e:
            for rcpt, (code, reply) in e.recipients.items():
                print(f'refused {rcpt}: {code} {reply.decode()}', file=sys.stderr)
            return 1
        if refused:
            print(f'refused recipients: {refused}', file=sys.stderr)
            return 1
        print(f'{msg["Message-ID"]} accepted')
    return 0


if __name__ == '__main__':
    sys.exit(main())
