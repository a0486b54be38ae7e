"""An independent IMAP client for the tests: Python's imaplib over STARTTLS with XOAUTH2.

Usage: imaplib_client.py PORT USER TOKEN SCENARIO
Prints one JSON object with what the server answered, for the Node test to assert on.
"""
import imaplib
import json
import ssl
import sys

port, user, token, scenario = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
out = {}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", port)
out["capabilities_before_tls"] = sorted(m.capabilities)
m.starttls(ssl_context=ctx)
out["capabilities_after_tls"] = sorted(m.capabilities)
auth = "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)
try:
    typ, data = m.authenticate("XOAUTH2", lambda _: auth.encode())
    out["auth"] = typ
except imaplib.IMAP4.error as e:
    out["auth"] = "NO"
    out["auth_error"] = str(e)
    print(json.dumps(out))
    sys.exit(0)

if scenario == "quota":
    msg = b"From: <%s>\r\nSubject: quota\r\n\r\n" % user.encode()
    msg += b"x" * (3000 - len(msg))
    typ, data = m.getquotaroot("INBOX")
    out["getquotaroot"] = [typ, [[x.decode() for x in d] for d in data]]
    typ, data = m.getquota('""')
    out["getquota"] = [typ, [x.decode() for x in data]]
    typ, data = m.setquota('""', "(STORAGE 1)")
    out["setquota"] = [typ, [x.decode() for x in data]]
    typ, data = m.append("INBOX", None, None, msg)
    out["append_over"] = [typ, [x.decode() for x in data]]

if scenario == "mail":
    msg = b"From: <%s>\r\nSubject: imaplib test \xc3\xa9t\xc3\xa9\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLigne 1\r\nLigne 2\r\n" % user.encode()
    typ, data = m.append("INBOX", "(\\Draft)", None, msg)
    out["append"] = [typ, data[0].decode()]
    typ, data = m.select("INBOX")
    out["select"] = [typ, data[0].decode()]
    typ, data = m.uid("SEARCH", None, "UNSEEN")
    out["unseen_uids"] = data[0].decode().split()
    uid = out["unseen_uids"][-1]
    typ, data = m.uid("FETCH", uid, "(BODY[TEXT])")
    out["body_text"] = data[0][1].decode()
    typ, data = m.uid("FETCH", uid, "(FLAGS)")
    out["flags_after_body"] = data[0].decode()
    typ, data = m.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out["subject_header"] = data[0][1].decode()
    typ, data = m.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    out["store"] = typ
    typ, data = m.expunge()
    out["expunge"] = [typ, [d.decode() for d in data if d]]
    typ, data = m.status("INBOX", "(MESSAGES UIDNEXT)")
    out["status"] = data[0].decode()
    # Bad input: the session answers BAD and carries on.
    try:
        m._simple_command("FETCH", "not-a-set", "(FLAGS)")
        out["bad"] = "accepted?!"
    except imaplib.IMAP4.error as e:
        out["bad"] = str(e)
    typ, data = m.noop()
    out["noop_after_bad"] = typ
if scenario == "sort":
    m.create("Tri")
    messages = [
        b"From: <b@x.org>\r\nSubject: Re: Bilan\r\nDate: Mon, 26 Mar 2007 00:00:00 +0300\r\n"
        b"Message-ID: <s2@x.org>\r\nReferences: <s1@x.org>\r\n\r\nb\r\n",
        b"From: <a@x.org>\r\nSubject: Bilan\r\nDate: Sun, 25 Mar 2007 08:00:00 +0000\r\n"
        b"Message-ID: <s1@x.org>\r\n\r\na\r\n",
        b"From: <c@x.org>\r\nSubject: [liste] Autre\r\nDate: Tue, 27 Mar 2007 08:00:00 +0000\r\n"
        b"Message-ID: <s3@x.org>\r\n\r\nc\r\n",
    ]
    for msg in messages:
        m.append("Tri", None, None, msg)
    m.select("Tri")
    out["capabilities"] = sorted(m.capabilities)
    typ, data = m.sort("(REVERSE DATE)", "UTF-8", "ALL")
    out["sort_date"] = [typ, [x.decode() for x in data]]
    typ, data = m.sort("(SUBJECT FROM)", "UTF-8", "ALL")
    out["sort_subject"] = [typ, [x.decode() for x in data]]
    typ, data = m.uid("SORT", "(FROM)", "UTF-8", "NOT", "FROM", "c@x.org")
    out["uid_sort"] = [typ, [x.decode() for x in data]]
    typ, data = m.thread("REFERENCES", "UTF-8", "ALL")
    out["thread_references"] = [typ, [x.decode() for x in data]]
    typ, data = m.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
    out["thread_orderedsubject"] = [typ, [x.decode() for x in data]]
    typ, data = m.search(None, "SENTON", "26-Mar-2007")
    out["senton"] = [typ, [x.decode() for x in data]]

m.logout()
print(json.dumps(out))
