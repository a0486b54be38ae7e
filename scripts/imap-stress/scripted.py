"""Scripted IMAP sessions: client lines and the server lines expected, with variables and wildcards.

The file format is described in README.md. Each script runs on fresh folders (${mailbox},
${mailbox2}) in sessions that are authenticated and have nothing selected.
"""
import os
import re
import sys

from client import Client, quote
from imapwire import Atom, Literal, ProtocolError, Tokenizer, fetch_items, render_literal, render_value

TOKEN = re.compile(r"\$\{([^}]*)\}")


class ScriptError(Exception):
    pass


class Step:
    def __init__(self, conn, line, lineno):
        self.conn = conn
        self.line = line
        self.lineno = lineno
        self.expect = []  # (lineno, pattern)
        self.forbid = []  # (lineno, pattern)
        self.ordered = False
        self.exact = False


class Script:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.xfail = None
        self.connections = 1
        self.messages = {}
        self.steps = []
        self._parse()

    def _parse(self):
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        ordered = exact = False
        i = 0
        while i < len(lines):
            lineno, line = i + 1, lines[i].rstrip("\r")
            i += 1
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("%message "):
                name = line.split()[1]
                body = []
                while i < len(lines) and lines[i].rstrip("\r") != "%end":
                    body.append(lines[i].rstrip("\r"))
                    i += 1
                if i >= len(lines):
                    raise ScriptError("%s:%d: %%message without %%end" % (self.path, lineno))
                i += 1
                self.messages[name] = ("\r\n".join(body) + "\r\n").encode("utf-8")
                continue
            if line.startswith("!"):
                word, _, rest = line[1:].partition(" ")
                if word == "xfail":
                    self.xfail = rest.strip() or "known defect"
                elif word == "connections":
                    self.connections = int(rest)
                elif word in ("ordered", "unordered"):
                    ordered = word == "ordered"
                elif word in ("exact", "loose"):
                    exact = word == "exact"
                else:
                    raise ScriptError("%s:%d: unknown directive !%s" % (self.path, lineno, word))
                continue
            m = re.match(r"^([CS])(\d*)(!?): ?(.*)$", line)
            if not m:
                raise ScriptError("%s:%d: expected C:, S:, S!:, a directive or a comment" % (self.path, lineno))
            kind, conn, bang, text = m.group(1), int(m.group(2) or 1), m.group(3), m.group(4)
            if kind == "C":
                if bang:
                    raise ScriptError("%s:%d: C!: means nothing" % (self.path, lineno))
                step = Step(conn, text, lineno)
                step.ordered, step.exact = ordered, exact
                self.steps.append(step)
            else:
                if not self.steps or self.steps[-1].conn != conn:
                    raise ScriptError("%s:%d: S%s: line with no command before it on that connection"
                                      % (self.path, lineno, conn if conn != 1 else ""))
                (self.steps[-1].forbid if bang else self.steps[-1].expect).append((lineno, text))


class Matcher:
    """Matches expected lines against responses, binding ${name} variables as it goes."""

    def __init__(self, variables, messages):
        self.vars = variables
        self.messages = messages

    def expand_command(self, line):
        """The parts of a command: text with variables replaced, literals (bytes) for ${literal:NAME}."""
        parts, pos = [], 0
        for m in TOKEN.finditer(line):
            parts.append(line[pos : m.start()])
            name = m.group(1)
            if name.startswith("literal:"):
                parts.append(self.message(name[8:]))
            else:
                parts.append(self.value(name))
            pos = m.end()
        parts.append(line[pos:])
        return [p for p in parts if p != ""]

    def message(self, name):
        if name not in self.messages:
            raise ScriptError("no %%message %s" % name)
        return self.messages[name]

    def value(self, name):
        if name.startswith("size:"):
            return str(len(self.message(name[5:])))
        if name not in self.vars:
            raise ScriptError("variable ${%s} used before it was bound" % name)
        return self.vars[name]

    def regex(self, pattern):
        """A compiled regex for a pattern and the names it would bind."""
        out, pos, binds = [], 0, []
        for m in TOKEN.finditer(pattern):
            out.append(re.escape(pattern[pos : m.start()]))
            name = m.group(1)
            if name == "*":
                out.append(".*")
            elif "|" in name:
                out.append("(?:%s)" % "|".join(re.escape(a) for a in name.split("|")))
            elif name.startswith("literal:"):
                out.append(re.escape(render_literal(self.message(name[8:]))))
            elif name.startswith("size:") or name in self.vars:
                out.append(re.escape(self.value(name)))
            elif name in binds:
                out.append("(?P=%s)" % name)
            else:
                binds.append(name)
                out.append(r"(?P<%s>[^\s()\[\]]+)" % name)
            pos = m.end()
        out.append(re.escape(pattern[pos:]))
        return re.compile("".join(out), re.S), binds

    def match_text(self, pattern, text):
        rx, binds = self.regex(pattern)
        m = rx.fullmatch(text)
        if not m:
            return None
        return {name: m.group(name) for name in binds}

    def match(self, pattern, response):
        """Bindings when `response` matches `pattern` (structurally for FETCH, FLAGS, SEARCH), else None."""
        if response.tag == "*":
            structural = self._match_structural(pattern, response)
            if structural is not NotImplemented:
                return structural
        return self.match_text(pattern, response.raw)

    def _match_structural(self, pattern, response):
        m = re.fullmatch(r"\* (\d+|\$\{[^}]*\}) FETCH \((.*)\)", pattern, re.S)
        if m and response.kind == "FETCH":
            bound = self.match_text(m.group(1), str(response.number))
            if bound is None:
                return None
            try:
                return self._match_fetch(m.group(2), response, bound)
            except (ValueError, IndexError) as e:
                raise ScriptError("cannot read the expected FETCH line %r: %s" % (pattern[:100], e))
        m = re.fullmatch(r"\* FLAGS \((.*)\)", pattern)
        if m and response.kind == "FLAGS" and response.data and isinstance(response.data[0], list):
            return self._match_set(m.group(1), [str(v) for v in response.data[0]])
        m = re.fullmatch(r"\* OK \[PERMANENTFLAGS \((.*)\)\] (.*)", pattern)
        if m and response.kind == "OK" and (response.code or "").upper().startswith("PERMANENTFLAGS "):
            inner = response.code[len("PERMANENTFLAGS ") :].strip()
            if not (inner.startswith("(") and inner.endswith(")")):
                return None
            got = self._match_set(m.group(1), inner[1:-1].split())
            text = self.match_text(m.group(2), response.text) if got is not None else None
            return None if text is None else {**got, **text}
        m = re.fullmatch(r'\* ESEARCH (\(TAG "[^"]*"\))((?: UID)?)((?: [A-Z]+ [^ ]+)*)', pattern)
        if m and response.kind == "ESEARCH":
            # Return data in any order (RFC 4731 §3.1 fixes none), each value matched as written.
            got = Matcher._esearch_items(response.raw)
            if got is None or got[0] != (m.group(1), bool(m.group(2))):
                return None
            want = m.group(3).split()
            expected = dict(zip(want[0::2], want[1::2]))
            if set(expected) != set(got[1]):
                return None
            bound = {}
            for name, value in expected.items():
                more = self.match_text(value, got[1][name])
                if more is None:
                    return None
                bound.update(more)
            return bound
        m = re.fullmatch(r"\* SEARCH((?: [^ ]+)*)", pattern)
        if m and response.kind == "SEARCH" and "${" not in pattern and "(" not in pattern:
            return self._match_set(m.group(1).strip(), [str(v) for v in response.data])
        return NotImplemented

    @staticmethod
    def _esearch_items(raw):
        m = re.fullmatch(r'\* ESEARCH (\(TAG "[^"]*"\))((?: UID)?)((?: [A-Za-z]+ [^ ]+)*)', raw)
        if not m:
            return None
        words = m.group(3).split()
        return (m.group(1), bool(m.group(2))), {k.upper(): v for k, v in zip(words[0::2], words[1::2])}

    @staticmethod
    def _match_set(expected_text, received):
        expected = {w.upper() for w in expected_text.split()}
        return {} if expected == {w.upper() for w in received} else None

    def _match_fetch(self, expected_items_text, response, bound):
        # Items in any order (RFC 3501 §7.4.2 fixes none); flag lists compared as sets.
        expected_items_text, written_literals = extract_literals(expected_items_text)
        try:
            expected = fetch_items([Tokenizer([expected_items_text]).values()])
            got = fetch_items(response.data)
        except ProtocolError:
            return None
        if set(expected) != set(got):
            return None
        for name, want in expected.items():
            have = got[name]
            plain = [str(w) for w in want if str(w) != "${*}"] if isinstance(want, list) else []
            if name == "FLAGS" and isinstance(want, list) and not any("${" in w for w in plain):
                # A flag list is a set; a lone ${*} in it allows more flags than those written.
                if not isinstance(have, list):
                    return None
                written, received = {w.upper() for w in plain}, {str(h).upper() for h in have}
                if not (written <= received if len(plain) < len(want) else written == received):
                    return None
                continue
            if isinstance(want, Atom) and (want.startswith("${literal:") or want.startswith("${written:")):
                if not isinstance(have, (bytes, str)) or isinstance(have, Atom):
                    return None
                content = bytes(have) if isinstance(have, bytes) else have.encode("utf-8")
                wanted = self.message(want[10:-1]) if want.startswith("${literal:") else written_literals[int(want[10:-1])]
                if content != wanted:
                    return None
                continue
            text = render_literal(have) if isinstance(have, Literal) else render_value(have)
            more = self.match_text(render_value(want), text)
            if more is None:
                return None
            bound.update(more)
        return bound


class Runner:
    def __init__(self, options, args, out=sys.stdout):
        self.options = options
        self.args = args
        self.out = out

    def run(self, script):
        """Returns None when the script passed, else a failure description."""
        prefix = "t%d%s" % (os.getpid() % 10000, re.sub(r"[^A-Za-z0-9]", "", script.name)[:30])
        variables = {"mailbox": prefix + "a", "mailbox2": prefix + "b", "missing": prefix + "none",
                     "user": self.options.user}
        matcher = Matcher(variables, script.messages)
        admin = Client(self.options, "x")
        admin.open()
        _, listed = admin.must('LIST "" ""')
        delimiters = [r.data[1] for r in listed if r.kind == "LIST" and len(r.data) > 1]
        variables["delim"] = delimiters[0] if delimiters and delimiters[0] else "/"
        sessions = []
        try:
            for name in (variables["mailbox"], variables["mailbox2"]):
                admin.must("CREATE " + quote(name))
            for i in range(script.connections):
                c = Client(self.options, "")
                c.open()
                sessions.append(c)
            for step in script.steps:
                failure = self._step(script, step, sessions, matcher)
                if failure:
                    return failure
            return None
        except ScriptError as e:
            return "%s: %s" % (script.path, e)
        except (OSError, ConnectionError, ProtocolError) as e:
            return "%s: %s: %s" % (script.path, type(e).__name__, e)
        finally:
            for c in sessions:
                c.close()
            try:
                # Inferiors first: a folder with children cannot always be deleted (RFC 3501 §6.3.4).
                _, listed = admin.command('LIST "" ' + quote(prefix + "*"))
                names = [str(r.data[2]) for r in listed if r.kind == "LIST" and len(r.data) > 2]
                for name in sorted(set(names) | {variables["mailbox"], variables["mailbox2"]}, key=len, reverse=True):
                    admin.command("DELETE " + quote(name))
            except Exception:  # noqa: BLE001 - best effort
                pass
            admin.close()

    def _step(self, script, step, sessions, matcher):
        if step.conn > len(sessions):
            raise ScriptError("line %d: connection %d, but !connections %d" % (step.lineno, step.conn, len(sessions)))
        client = sessions[step.conn - 1]
        parts = matcher.expand_command(step.line)
        first = parts[0] if isinstance(parts[0], str) else ""
        tag, _, rest = first.partition(" ")
        parts[0] = rest
        conn = client.conn
        untagged = []
        early = conn.send_command(tag, [p for p in parts if p != ""], lambda r: untagged.append(r))
        tagged = early
        while tagged is None:
            r = conn.read_response()
            if r.tag == tag:
                tagged = r
            else:
                untagged.append(r)
        received = [r for r in untagged if r.tag == "*"]
        where = "%s:%d (connection %d) %s" % (script.path, step.lineno, step.conn, step.line[:100])

        def report(problem):
            lines = "\n".join("    S: " + r.raw[:300] for r in untagged + [tagged])
            return "%s\n  %s\n  received:\n%s" % (where, problem, lines)

        used = set()
        position = 0
        for lineno, pattern in step.expect:
            if pattern.startswith(tag + " "):
                continue
            found = None
            for i, r in enumerate(received):
                if i in used or step.ordered and i < position:
                    continue
                bound = matcher.match(pattern, r)
                if bound is not None:
                    found = i
                    matcher.vars.update(bound)
                    break
            if found is None:
                return report("line %d expected: %s" % (lineno, pattern))
            used.add(found)
            position = found + 1
        for lineno, pattern in step.forbid:
            for r in received:
                if matcher.match(pattern, r) is not None:
                    return report("line %d forbids: %s" % (lineno, pattern))
        if step.exact:
            extra = [r.raw for i, r in enumerate(received) if i not in used]
            if extra:
                return report("unexpected (exact): %s" % extra[0][:200])
        tagged_patterns = [p for _, p in step.expect if p.startswith(tag + " ")] or [tag + " OK ${*}"]
        bound = matcher.match(tagged_patterns[0], tagged)
        if bound is None:
            return report("expected the tagged reply: %s" % tagged_patterns[0])
        matcher.vars.update(bound)
        return None


def extract_literals(text):
    """`{N}` + escaped content (as render_literal writes it) → ${written:K} placeholders and their bytes."""
    out, literals, i = [], [], 0
    while True:
        m = re.compile(r"\{(\d+)\}").search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out), literals
        out.append(text[i : m.start()])
        size, j, content = int(m.group(1)), m.end(), bytearray()
        while len(content) < size and j < len(text):
            if text[j] == "\\" and j + 1 < len(text):
                content += {"r": b"\r", "n": b"\n", "\\": b"\\"}.get(text[j + 1], text[j + 1].encode("latin-1"))
                j += 2
            else:
                content += text[j].encode("latin-1")
                j += 1
        out.append("${written:%d}" % len(literals))
        literals.append(bytes(content))
        i = j


def collect(path):
    if os.path.isdir(path):
        return sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".imap"))
    return [path]


def run_scripts(options, args):
    runner = Runner(options, args)
    counts = {"ok": 0, "fail": 0, "xfail": 0, "xpass": 0}
    failures = []
    for path in collect(args.script):
        try:
            script = Script(path)
        except ScriptError as e:
            counts["fail"] += 1
            failures.append(str(e))
            print("FAIL  %s (does not parse)" % path)
            continue
        failure = runner.run(script)
        if failure and script.xfail:
            counts["xfail"] += 1
            print("xfail %s — %s" % (script.name, script.xfail))
            if args.verbose:
                print("  " + failure.replace("\n", "\n  "))
        elif failure:
            counts["fail"] += 1
            failures.append(failure)
            print("FAIL  %s" % script.name)
        elif script.xfail:
            counts["xpass"] += 1
            print("XPASS %s — marked !xfail (%s) but passes: remove the mark" % (script.name, script.xfail))
        else:
            counts["ok"] += 1
            print("ok    %s" % script.name)
    for f in failures:
        print("--- " + f)
    print("scripts: %(ok)d ok, %(fail)d failed, %(xfail)d known defects (xfail), %(xpass)d unexpectedly passing" % counts)
    if args.json:
        import json

        with open(args.json, "w") as f:
            json.dump({"counts": counts, "failures": failures}, f, indent=1)
    return 1 if counts["fail"] else 0
