#!/usr/bin/env python3
"""Wait for a message in a mailbox over IMAP, as an LPS would: STARTTLS, AUTHENTICATE XOAUTH2
with a Pro Santé Connect access token, SEARCH by subject in INBOX; prints its headers (From, To, Subject, Received, Content-Type and
the patient marker X-MSS-Usager).

  token=$(npx mss psc token --idnat 810000001635)
  python3 scripts/demo/read.py --imap 127.0.0.1:10144 --ca .mss-data/ca.pem --token "$token" \\
      --user anne.lambert@operateur-b.mssante.fr --subject 'Avis'
"""
import argparse
import imaplib
import ssl
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--imap', required=True, help='host:port of the imap endpoint')
    p.add_argument('--ca', required=True, help='PEM file of the trust space CA')
    p.add_argument('--token', required=True, help='PSC access token')
    p.add_argument('--user', required=True, help='the mailbox to open')
    p.add_argument('--subject', required=True)
    p.add_argument('--wait', type=float, default=15, help='seconds to wait for it')
    a = p.parse_args()
    host, port = a.imap.rsplit(':', 1)
    context = ssl.create_default_context(cafile=a.ca)
    context.check_hostname = False
    imap = imaplib.IMAP4(host, int(port))
    imap.starttls(ssl_context=context)
    imap.authenticate('XOAUTH2', lambda _: f'user={a.user}\x01auth=Bearer {a.token}\x01\x01'.encode())
    deadline = time.monotonic() + a.wait
    while True:
        imap.select('INBOX', readonly=True)
        # The subject goes as a literal: any UTF-8, no quoting rules to get wrong.
        imap.literal = a.subject.encode()
        typ, data = imap.uid('SEARCH', 'CHARSET', 'UTF-8', 'SUBJECT')
        uids = data[0].split()
        if uids:
            typ, fetched = imap.uid('FETCH', uids[-1], '(BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT RECEIVED CONTENT-TYPE X-MSS-USAGER)])')
            print(fetched[0][1].decode('utf-8', 'replace').strip())
            imap.logout()
            return 0
        if time.monotonic() > deadline:
            print(f'no message with subject {a.subject!r} in {a.user} after {a.wait} s', file=sys.stderr)
            imap.logout()
            return 1
        time.sleep(0.3)


if __name__ == '__main__':
    sys.exit(main())
