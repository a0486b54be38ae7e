"""An independent IMAP client for AUTHENTICATE EXTERNAL: Python's ssl + imaplib, presenting a TLS
client certificate in the STARTTLS handshake (RFC 3501 §6.2.1), then SASL EXTERNAL (RFC 4422 A).

Usage: imaplib_external.py '<json>' with port, ca, optionally cert/key (the APP's certificate)
and authzid (null: the empty message). Prints one JSON object of what the server answered: on
success the INBOX's subjects; on refusal the tagged reply, then what a SELECT gets.
"""
import base64
import imaplib
import json
import ssl
import sys

o = json.loads(sys.argv[1])
out = {}
ctx = ssl.create_default_context(cafile=o["ca"])
ctx.check_hostname = False  # the server certificate is checked against the CA, by address
if o.get("cert"):
    ctx.load_cert_chain(o["cert"], o["key"])
m = imaplib.IMAP4("127.0.0.1", o["port"])
m.starttls(ssl_context=ctx)
out["capabilities"] = sorted(m.capabilities)
authzid = (o.get("authzid") or "").encode("utf-8")
try:
    typ, data = m.authenticate("EXTERNAL", lambda _: authzid)
    out["auth"] = [typ, data[0].decode()]
except imaplib.IMAP4.error as e:
    out["auth"] = ["NO", str(e)]
    # imaplib would refuse SELECT itself in this state: ask the server, raw.
    m.send(b"z1 SELECT INBOX\r\n")
    out["select_after"] = m.readline().decode().strip()
    print(json.dumps(out))
    sys.exit(0)
typ, data = m.select("INBOX", readonly=True)
out["select"] = [typ, data[0].decode()]
typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
out["subjects"] = [part[1].decode().strip() for part in data if isinstance(part, tuple)]
m.logout()
print(json.dumps(out))
