"""IMAP on the wire, written for the checker: one connection, its responses read and parsed.

Nothing here trusts imaplib: the checker must see every byte the server sends (untagged data
interleaved with tagged replies, literals, response codes) to judge it against RFC 3501 §7.
"""
import re
import socket
import ssl

LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")
STATUS_KINDS = ("OK", "NO", "BAD", "BYE", "PREAUTH")


class ProtocolError(Exception):
    """The server sent something that is not an IMAP response (RFC 3501 §9 grammar)."""


class Literal(bytes):
    """A literal (RFC 3501 §4.3) kept apart from atoms and quoted strings."""


class Atom(str):
    """An atom, possibly with a bracketed section (`BODY[HEADER.FIELDS (SUBJECT)]<0>`)."""


class Response:
    """One server response: continuation (`+`), untagged (`*`) or tagged.

    `raw` is the logical line as text, literals written `{N}` followed by their escaped content
    (see render_literal), which is what scripts match against and what error reports quote.
    """

    def __init__(self, tag, raw, kind, number=None, code=None, text="", data=None):
        self.tag = tag
        self.raw = raw
        self.kind = kind
        self.number = number
        self.code = code
        self.text = text
        self.data = data if data is not None else []

    def __repr__(self):
        return "Response(%r)" % self.raw[:200]


def render_literal(content):
    """A literal's bytes as one line of text: CR, LF and backslash escaped, other bytes as Latin-1."""
    text = content.decode("latin-1")
    return "{%d}" % len(content) + text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


OPEN, CLOSE = object(), object()  # parentheses, never equal to a quoted "(" or an atom


class Tokenizer:
    """Tokens of the parts of a response: OPEN CLOSE Atom str (quoted) Literal None (NIL)."""

    def __init__(self, segments):
        self.tokens = []
        for segment in segments:
            if isinstance(segment, Literal):
                self.tokens.append(segment)
            else:
                self._scan(segment)
        self.pos = 0

    def _scan(self, s):
        i, n = 0, len(s)
        while i < n:
            c = s[i]
            if c == " ":
                i += 1
            elif c in "()":
                self.tokens.append(OPEN if c == "(" else CLOSE)
                i += 1
            elif c == '"':
                i, value = self._quoted(s, i)
                self.tokens.append(value)
            else:
                start, depth = i, 0
                while i < n:
                    c = s[i]
                    if c == "[":
                        depth += 1
                    elif c == "]":
                        depth -= 1
                    elif depth == 0 and c in " ()":
                        break
                    i += 1
                word = s[start:i]
                self.tokens.append(None if word.upper() == "NIL" else Atom(word))

    @staticmethod
    def _quoted(s, i):
        out, i = [], i + 1
        while i < len(s):
            c = s[i]
            if c == "\\" and i + 1 < len(s):
                out.append(s[i + 1])
                i += 2
            elif c == '"':
                return i + 1, "".join(out)
            else:
                out.append(c)
                i += 1
        raise ProtocolError("unterminated quoted string")

    def values(self):
        """Every remaining token, parenthesised lists nested as Python lists."""
        out = []
        while self.pos < len(self.tokens):
            out.append(self._value())
        return out

    def _value(self):
        token = self.tokens[self.pos]
        self.pos += 1
        if token is CLOSE:
            raise ProtocolError("unbalanced ')'")
        if token is not OPEN:
            return token
        items = []
        while True:
            if self.pos >= len(self.tokens):
                raise ProtocolError("unbalanced '('")
            if self.tokens[self.pos] is CLOSE:
                self.pos += 1
                return items
            items.append(self._value())


def split_code(rest):
    """`[CODE args] text` → ("CODE args", "text"); no code → (None, rest)."""
    if not rest.startswith("["):
        return None, rest
    depth = 0
    for i, c in enumerate(rest):
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return rest[1:i], rest[i + 1 :].lstrip(" ")
    raise ProtocolError("unterminated response code")


def parse_response(segments):
    """Builds a Response from the text segments and literals of one logical line."""
    raw = "".join(render_literal(s) if isinstance(s, Literal) else s for s in segments)
    first = segments[0] if segments and not isinstance(segments[0], Literal) else ""
    if first.startswith("+"):
        return Response("+", raw, "CONTINUE", text=first[2:] if len(first) > 1 else "")
    tag, _, rest = first.partition(" ")
    if not tag or not rest and len(segments) == 1:
        raise ProtocolError("no tag or nothing after it")
    if tag != "*":
        word, _, after = rest.partition(" ")
        if word.upper() not in ("OK", "NO", "BAD"):
            raise ProtocolError("tagged reply is not OK/NO/BAD")
        code, text = split_code(after)
        return Response(tag, raw, word.upper(), code=code, text=text)
    word, _, after = rest.partition(" ")
    number = None
    if word.isdigit():
        number = int(word)
        word, _, after = after.partition(" ")
    kind = word.upper()
    if kind in STATUS_KINDS and number is None:
        code, text = split_code(after)
        return Response("*", raw, kind, code=code, text=text)
    data_segments = [after] + list(segments[1:])
    return Response("*", raw, kind, number=number, data=Tokenizer(data_segments).values())


class Connection:
    """A client connection: raw lines and literals in, commands out (with literals)."""

    def __init__(self, host, port, use_tls=False):
        self.host = host
        self.sock = socket.create_connection((host, port), timeout=socket.getdefaulttimeout() or 60.0)
        if use_tls:
            self.sock = self._tls_context().wrap_socket(self.sock, server_hostname=host)
        self.reader = self.sock.makefile("rb")
        self.capabilities = set()
        self.transcript = []  # last lines, for error context

    @staticmethod
    def _tls_context():
        # The servers under test use throw-away certificates; the checker judges IMAP, not PKI.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def starttls(self):
        self.reader.close()
        self.sock = self._tls_context().wrap_socket(self.sock, server_hostname=self.host)
        self.reader = self.sock.makefile("rb")

    def remember(self, line):
        self.transcript.append(line if len(line) < 400 else line[:400] + "…")
        del self.transcript[:-12]

    def read_response(self):
        segments = []
        while True:
            line = self.reader.readline(1 << 20)
            if not line:
                raise ConnectionError("connection closed by the server")
            if not line.endswith(b"\r\n"):
                raise ProtocolError("line not ended by CRLF: %r" % line[:200])
            match = LITERAL_AT_END.search(line)
            if match:
                segments.append(line[: match.start()].decode("utf-8", "surrogateescape"))
                size = int(match.group(1))
                content = self.reader.read(size)
                if len(content) != size:
                    raise ConnectionError("connection closed inside a literal")
                segments.append(Literal(content))
                continue
            segments.append(line[:-2].decode("utf-8", "surrogateescape"))
            break
        # A literal ends the segment before it: its `{N}` marker was cut, restore it in the text.
        response = parse_response(_merge(segments))
        self.remember("S: " + response.raw)
        return response

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_command(self, tag, parts, on_response):
        """Sends `tag parts…`; bytes parts are literals (LITERAL+ when announced, else synchronising).

        Responses read while waiting for a continuation go to on_response, like the others.
        """
        plus = "LITERAL+" in self.capabilities
        pending = tag.encode() + b" "
        for part in parts:
            if isinstance(part, bytes):
                pending += b"{%d%s}\r\n" % (len(part), b"+" if plus else b"")
                if not plus:
                    self.send_raw(pending)
                    self.remember("C: " + pending.decode("utf-8", "replace").rstrip())
                    pending = b""
                    while True:
                        response = self.read_response()
                        if response.tag == "+":
                            break
                        on_response(response)
                        if response.tag == tag:
                            return response
                pending += part
            else:
                pending += part.encode("utf-8")
        pending += b"\r\n"
        self.send_raw(pending)
        self.remember("C: " + pending.decode("utf-8", "replace").rstrip()[:400])
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _merge(segments):
    # Text segments adjacent to literals keep their text; the literal itself stands alone.
    return [s for s in segments if isinstance(s, Literal) or s != ""] or [""]


def parse_uid_set(text):
    """`1:3,7` → [1, 2, 3, 7] (no `*`: servers answer with explicit numbers in COPYUID/VANISHED)."""
    out = []
    for piece in text.split(","):
        if ":" in piece:
            a, b = (int(x) for x in piece.split(":"))
            lo, hi = min(a, b), max(a, b)
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(piece))
    return out


def fetch_items(data):
    """The msg-att list of a FETCH response as {NAME: value}, names upper-cased."""
    if len(data) != 1 or not isinstance(data[0], list):
        raise ProtocolError("FETCH data is not one parenthesised list")
    items = data[0]
    if len(items) % 2:
        raise ProtocolError("FETCH data has an odd number of items")
    out = {}
    for i in range(0, len(items), 2):
        name = items[i]
        if not isinstance(name, Atom):
            raise ProtocolError("FETCH item name is not an atom: %r" % (name,))
        out[name.upper()] = items[i + 1]
    return out


def render_value(value):
    """A parsed value back to a canonical text, to compare immutable data (ENVELOPE)."""
    if value is None:
        return "NIL"
    if isinstance(value, list):
        return "(" + " ".join(render_value(v) for v in value) + ")"
    if isinstance(value, Literal):
        return '"' + value.decode("latin-1").replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Atom):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
