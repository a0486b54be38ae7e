"""An independent SMTP client for AUTH EXTERNAL: Python's ssl + smtplib, presenting a TLS client
certificate in the STARTTLS handshake (RFC 3207), then SASL EXTERNAL (RFC 4954, RFC 4422 A).

Usage: smtplib_external.py '<json>' with port, ca, and optionally cert/key (the APP's
certificate), authzid (null: the empty message), continuation (no initial response), mail_from,
rcpt, from_header, subject. Prints one JSON object of what the server answered.
"""
import base64
import json
import smtplib
import ssl
import sys

o = json.loads(sys.argv[1])
out = {}


def pair(reply):
    code, resp = reply
    return [code, resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)]


ctx = ssl.create_default_context(cafile=o["ca"])
ctx.check_hostname = False  # the server certificate is checked against the CA, by address
if o.get("cert"):
    ctx.load_cert_chain(o["cert"], o["key"])

s = smtplib.SMTP("127.0.0.1", o["port"], timeout=20)
s.ehlo("lab-robot.example")
s.starttls(context=ctx)
s.ehlo("lab-robot.example")
out["auth_line"] = s.esmtp_features.get("auth", "").strip()
authzid = o.get("authzid")
message = base64.b64encode(authzid.encode("utf-8")).decode() if authzid else ""
if o.get("continuation"):
    code, resp = s.docmd("AUTH", "EXTERNAL")
    out["challenge"] = [code, resp.decode()]
    out["auth"] = pair(s.docmd(message))
else:
    out["auth"] = pair(s.docmd("AUTH", "EXTERNAL " + (message or "=")))
if o.get("mail_from"):
    out["mail"] = pair(s.docmd("MAIL", "FROM:<%s>" % o["mail_from"]))
    if out["mail"][0] == 250 and o.get("rcpt"):
        out["rcpt"] = pair(s.docmd("RCPT", "TO:<%s>" % o["rcpt"]))
        if out["rcpt"][0] == 250:
            body = "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@lab-robot.example>\r\n\r\nResultats.\r\n" % (
                o.get("from_header", o["mail_from"]), o["rcpt"], o["subject"], o["subject"].replace(" ", "-"))
            out["data"] = pair(s.data(body.encode()))
try:
    s.quit()
except smtplib.SMTPException:
    pass
print(json.dumps(out))
