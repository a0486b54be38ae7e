"""An independent SMTP client for the tests: Python's smtplib, over STARTTLS.

Usage: smtplib_client.py PORT SCENARIO [ARGS...]
Prints one JSON object with what the server answered, for the Node test to assert on.
"""
import base64
import json
import smtplib
import socket
import ssl
import sys

port, scenario, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
out = {}


def text(resp):
    return resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)


def pair(reply):
    code, resp = reply
    return [code, text(resp)]


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect():
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("client.example")
    return s


def secure():
    s = connect()
    s.starttls(context=tls_ctx())
    s.ehlo("client.example")
    return s


def xoauth2(user, token):
    return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)


def oauthbearer(user, token):
    return "n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer %s\x01\x01" % (user, port, token)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def message(sender, rcpt, subject, body="Bonjour.\r\n"):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@client.example>\r\n\r\n%s" % (sender, rcpt, subject, subject.replace(" ", "-"), body)).encode()


def login_xoauth2(s, user, token):
    s.auth("XOAUTH2", lambda challenge=None: xoauth2(user, token) if challenge is None else "")


def reply_after(s, payload):
    """Sends raw bytes after a 354 and reads the one reply to the message."""
    s.sock.sendall(payload)
    return s.getreply()


def closed(s):
    try:
        s.noop()
        return False
    except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
        return True


if scenario == "before-tls":
    # RFC 3207: nothing but EHLO/STARTTLS/NOOP/RSET/QUIT in clear text, and no AUTH offered.
    user, token = args
    s = connect()
    out["features"] = sorted(s.esmtp_features.keys())
    out["auth"] = pair(s.docmd("AUTH", "XOAUTH2 " + b64(xoauth2(user, token))))
    out["mail"] = pair(s.docmd("MAIL", "FROM:<%s>" % user))
    out["noop"] = pair(s.docmd("NOOP"))
    s.starttls(context=tls_ctx())
    s.ehlo("client.example")
    out["features_tls"] = sorted(s.esmtp_features.keys())
    out["auth_tls"] = s.esmtp_features.get("auth", "")
    out["size"] = s.esmtp_features.get("size", "")
    s.quit()

elif scenario == "xoauth2-send":
    user, token, rcpt, subject = args
    s = secure()
    login_xoauth2(s, user, token)
    out["refused"] = {k: [c, text(m)] for k, (c, m) in s.sendmail(user, [rcpt], message(user, rcpt, subject)).items()}
    s.quit()

elif scenario == "xoauth2-bad":
    user, token = args
    s = secure()
    seen = []

    def answer(challenge=None):
        if challenge is None:
            return xoauth2(user, token)
        seen.append(challenge.decode())
        return ""

    try:
        s.auth("XOAUTH2", answer)
        out["auth"] = "ok"
    except smtplib.SMTPAuthenticationError as e:
        out["auth"] = [e.smtp_code, text(e.smtp_error)]
    out["challenge"] = seen
    s.quit()

elif scenario == "oauthbearer":
    user, token, rcpt, subject = args
    s = secure()
    code, resp = s.docmd("AUTH", "OAUTHBEARER " + b64(oauthbearer(user, token)))
    out["auth"] = [code, text(resp)]
    if code == 334:
        out["challenge"] = base64.b64decode(resp).decode()
        code, resp = s.docmd("AQ==")
        out["final"] = [code, text(resp)]
    elif code == 235:
        out["refused"] = {k: [c, text(m)] for k, (c, m) in s.sendmail(user, [rcpt], message(user, rcpt, subject)).items()}
    s.quit()

elif scenario == "oauthbearer-two-step":
    # No initial response: an empty 334, then the response on its own line (RFC 4954).
    user, token = args
    s = secure()
    out["auth"] = pair(s.docmd("AUTH", "OAUTHBEARER"))
    out["final"] = pair(s.docmd(b64(oauthbearer(user, token))))
    s.quit()

elif scenario == "oversize":
    user, token, rcpt, size = args
    body = ("x" * 76 + "\r\n") * (int(size) // 78 + 1)
    msg = message(user, rcpt, "trop gros", body)
    s = secure()
    login_xoauth2(s, user, token)
    # Declared with SIZE: refused at MAIL FROM.
    out["mail_size"] = pair(s.mail(user, ["size=%d" % len(msg)]))
    s.rset()
    # Undeclared: read to the end, then refused.
    out["mail"] = pair(s.mail(user))
    out["rcpt"] = pair(s.rcpt(rcpt))
    out["data"] = pair(s.data(msg))
    out["noop"] = pair(s.noop())
    s.quit()

elif scenario == "recipients":
    user, token = args[0], args[1]
    s = secure()
    login_xoauth2(s, user, token)
    s.mail(user)
    out["rcpt"] = {r: pair(s.rcpt(r)) for r in args[2:]}
    s.rset()
    s.quit()

elif scenario == "smuggle":
    # The message contains a fake end of data followed by a second, smuggled message. Neither
    # may be delivered: the server must not end DATA early, and must refuse the bare newline.
    user, token, rcpt, variant = args
    fake_end = {
        "lf-dot-crlf": b"\n.\r\n",
        "lf-dot-lf": b"\n.\n",
        "cr-dot-crlf": b"\r.\r\n",
        "cr-dot-cr": b"\r.\r",
        "crlf-dot-lf": b"\r\n.\n",
        "bare-lf": b"\r\nline with a bare\nLF\r\n",
        "bare-cr": b"\r\nline with a bare\rCR\r\n",
    }[variant]
    smuggled = ("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\nFrom: <%s>\r\nSubject: smuggled\r\n\r\nsmuggled\r\n" % (user, rcpt, user)).encode()
    s = secure()
    login_xoauth2(s, user, token)
    out["mail"] = pair(s.mail(user))
    out["rcpt"] = pair(s.rcpt(rcpt))
    out["data"] = pair(s.docmd("DATA"))
    payload = message(user, rcpt, "smuggling " + variant, "first part") + fake_end + smuggled + b".\r\n"
    out["reply"] = pair(reply_after(s, payload))
    out["closed"] = closed(s)

elif scenario == "cut-off":
    # The client disappears in the middle of DATA: nothing of it may ever be delivered.
    user, token, rcpt = args
    s = secure()
    login_xoauth2(s, user, token)
    s.mail(user)
    s.rcpt(rcpt)
    out["data"] = pair(s.docmd("DATA"))
    s.sock.sendall(message(user, rcpt, "coupé", "début du message\r\n" * 1000))
    s.sock.shutdown(socket.SHUT_RDWR)
    s.sock.close()

else:
    raise SystemExit("unknown scenario " + scenario)

print(json.dumps(out))
