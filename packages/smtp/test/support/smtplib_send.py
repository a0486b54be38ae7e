"""Python's smtplib as an LPS: STARTTLS, AUTH XOAUTH2, one message from a file (bytes as they are).

Usage: smtplib_send.py PORT MAILBOX TOKEN MESSAGE_FILE RCPT...
Prints {"data": [code, text]} (or {"error": [code, text]} when a command before DATA is refused).
"""
import base64
import json
import smtplib
import ssl
import sys

port, mailbox, token, path, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", port, local_hostname="lps.example", timeout=30)
s.ehlo("lps.example")
s.starttls(context=ctx)
s.ehlo("lps.example")
auth = base64.b64encode(("user=%s\x01auth=Bearer %s\x01\x01" % (mailbox, token)).encode()).decode()
code, resp = s.docmd("AUTH", "XOAUTH2 " + auth)
if code != 235:
    print(json.dumps({"error": [code, resp.decode()]}))
    sys.exit(0)
s.mail(mailbox)
for r in rcpts:
    s.rcpt(r)
with open(path, "rb") as f:
    code, resp = s.data(f.read())
print(json.dumps({"data": [code, resp.decode("utf-8", "replace")]}))
s.quit()
