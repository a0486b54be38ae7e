"""A logged-in IMAP client for the checker: greeting, STARTTLS, authentication, tagged commands."""
import base64
import os

from imapwire import Connection, ProtocolError


class LoginOptions:
    """How to reach and log in to the server under test; the secret comes from the environment."""

    def __init__(self, host, port, user, auth, tls, starttls, secret):
        self.host = host
        self.port = port
        self.user = user
        self.auth = auth  # "xoauth2" or "login"
        self.tls = tls
        self.starttls = starttls  # "auto", "yes" or "no"
        self.secret = secret

    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=143)
        parser.add_argument("--user", required=True)
        parser.add_argument("--auth", choices=("xoauth2", "login"), default="xoauth2",
                            help="AUTHENTICATE XOAUTH2 with a bearer token, or LOGIN with a password")
        parser.add_argument("--secret-env", default="IMAP_STRESS_SECRET",
                            help="environment variable holding the token or password (never a command-line argument)")
        parser.add_argument("--tls", action="store_true", help="implicit TLS (imaps)")
        parser.add_argument("--starttls", choices=("auto", "yes", "no"), default="auto",
                            help="auto: STARTTLS when the server announces it")

    @classmethod
    def from_args(cls, args):
        secret = os.environ.get(args.secret_env)
        if not secret:
            raise SystemExit("set %s to the token (xoauth2) or password (login)" % args.secret_env)
        return cls(args.host, args.port, args.user, args.auth, args.tls, args.starttls, secret)


class CommandFailed(Exception):
    pass


class Client:
    """One session. `command` returns the tagged reply and the untagged responses before it."""

    def __init__(self, options, name):
        self.options = options
        self.name = name
        self.counter = 0
        self.conn = None
        self.greeting = None

    def next_tag(self):
        self.counter += 1
        return "%s%d" % (self.name, self.counter)

    def open(self, authenticate=True):
        o = self.options
        self.conn = Connection(o.host, o.port, use_tls=o.tls)
        self.greeting = self.conn.read_response()
        if self.greeting.tag != "*" or self.greeting.kind not in ("OK", "PREAUTH"):
            raise ProtocolError("greeting is not * OK: " + self.greeting.raw)
        self._capabilities_from(self.greeting)
        if not self.conn.capabilities:
            self.refresh_capabilities()
        if not o.tls and (o.starttls == "yes" or o.starttls == "auto" and "STARTTLS" in self.conn.capabilities):
            self.must("STARTTLS")
            self.conn.starttls()
            self.refresh_capabilities()
        if authenticate:
            self.login()

    def refresh_capabilities(self):
        _, untagged = self.must("CAPABILITY")
        for r in untagged:
            if r.kind == "CAPABILITY":
                self.conn.capabilities = {str(a).upper() for a in r.data}

    def _capabilities_from(self, response):
        if response.code and response.code.upper().startswith("CAPABILITY "):
            self.conn.capabilities = set(response.code.upper().split()[1:])

    def login(self):
        o = self.options
        if o.auth == "login":
            tagged, _ = self.must("LOGIN %s %s" % (quote(o.user), quote(o.secret)), log_text="LOGIN %s ***" % quote(o.user))
        else:
            blob = base64.b64encode(("user=%s\x01auth=Bearer %s\x01\x01" % (o.user, o.secret)).encode()).decode()
            tagged = self._authenticate_xoauth2(blob)
        self._capabilities_from(tagged)
        if not tagged.code or not tagged.code.upper().startswith("CAPABILITY"):
            self.refresh_capabilities()

    def _authenticate_xoauth2(self, blob):
        tag = self.next_tag()
        if "SASL-IR" in self.conn.capabilities:
            self.conn.send_raw(("%s AUTHENTICATE XOAUTH2 %s\r\n" % (tag, blob)).encode())
        else:
            self.conn.send_raw(("%s AUTHENTICATE XOAUTH2\r\n" % tag).encode())
        self.conn.remember("C: %s AUTHENTICATE XOAUTH2 ***" % tag)
        sent_blob = "SASL-IR" in self.conn.capabilities
        while True:
            r = self.conn.read_response()
            if r.tag == "+":
                # First challenge: send the response; a later one is an error report (RFC 7628 §3.2.3).
                self.conn.send_raw(b"\r\n" if sent_blob else blob.encode() + b"\r\n")
                sent_blob = True
            elif r.tag == tag:
                if r.kind != "OK":
                    raise CommandFailed("AUTHENTICATE XOAUTH2 refused: " + r.raw)
                return r

    def command(self, parts, on_response=None, log_text=None):
        """Sends one command (a str, or a list of str and bytes literals); reads up to its tagged reply."""
        if isinstance(parts, str):
            parts = [parts]
        tag = self.next_tag()
        untagged = []

        def collect(response):
            if response.tag == "*":
                untagged.append(response)
            if on_response:
                on_response(response)

        early = self.conn.send_command(tag, parts, collect)
        if log_text:
            self.conn.transcript[-1] = "C: %s %s" % (tag, log_text)
        if early is not None:
            return early, untagged
        while True:
            r = self.conn.read_response()
            if r.tag == tag:
                return r, untagged
            if r.tag not in ("*", "+"):
                raise ProtocolError("tagged reply with a tag we did not send: " + r.raw)
            collect(r)

    def must(self, parts, log_text=None):
        tagged, untagged = self.command(parts, log_text=log_text)
        if tagged.kind != "OK":
            raise CommandFailed("%s answered %s" % (log_text or parts, tagged.raw))
        return tagged, untagged

    def close(self):
        if self.conn:
            try:
                self.command("LOGOUT")
            except Exception:
                pass
            self.conn.close()


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
