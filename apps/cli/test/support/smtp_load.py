"""Python's smtplib as an LPS under load: STARTTLS, AUTH XOAUTH2, then messages one after the other
on the same session, each with the Subject PREFIX-N. After a refused transaction it sends RSET and
goes on in the same session; after a refused AUTH or a broken connection it opens a new session.
It waits 50 ms after any refusal, then goes on with the next N: a message is never sent twice, so
what the server acknowledged is exactly the list of N that got 250.

Usage: smtp_load.py PORT MAILBOX TOKEN RCPT PREFIX COUNT   (COUNT 0: until SIGTERM)
Prints one JSON line per attempt: {"n": N, "stage": "session|mail|rcpt|data", "code": C, "text": T}
(code 0: the connection failed or broke), and {"done": true} at the end.
"""
import base64
import json
import signal
import smtplib
import ssl
import sys
import time

port, mailbox, token, rcpt, prefix, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def report(n, stage, code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    print(json.dumps({"n": n, "stage": stage, "code": code, "text": text}), flush=True)


def session():
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="lps.example", timeout=60)
    s.ehlo("lps.example")
    s.starttls(context=ctx)
    s.ehlo("lps.example")
    auth = base64.b64encode(("user=%s\x01auth=Bearer %s\x01\x01" % (mailbox, token)).encode()).decode()
    code, resp = s.docmd("AUTH", "XOAUTH2 " + auth)
    if code != 235:
        s.close()
        raise smtplib.SMTPResponseException(code, resp)
    return s


def message(n):
    subject = "%s-%d" % (prefix, n)
    return (
        "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@lps.example>\r\n\r\nmessage %d\r\n" % (mailbox, rcpt, subject, subject, n)
    ).encode()


def drop(s):
    if s is not None:
        s.close()
    return None


n = 0
s = None
while not stop and (count == 0 or n < count):
    n += 1
    stage = "session"
    reported = False
    try:
        if s is None:
            s = session()
        stage = "mail"
        code, resp = s.mail(mailbox)
        if code == 250:
            stage = "rcpt"
            code, resp = s.rcpt(rcpt)
        if code == 250:
            stage = "data"
            code, resp = s.data(message(n))
        report(n, stage, code, resp)
        reported = True
        if code != 250:
            s.rset()
            time.sleep(0.05)
    except smtplib.SMTPResponseException as e:
        if not reported:
            report(n, stage, e.smtp_code, e.smtp_error)
        s = drop(s)
        time.sleep(0.05)
    except (OSError, smtplib.SMTPException) as e:
        if not reported:
            report(n, stage, 0, "%s: %s" % (type(e).__name__, e))
        s = drop(s)
        time.sleep(0.05)
if s is not None:
    try:
        s.quit()
    except (OSError, smtplib.SMTPException):
        pass
print(json.dumps({"done": True}), flush=True)
