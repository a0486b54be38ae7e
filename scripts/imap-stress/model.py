"""What a client may believe about its selected folder, and the invariants the server must keep.

Each client keeps its own view, built only from the untagged responses it receives, as imaptest
does; the shared part holds what is true of a message whoever looks at it (immutable data).
"""
import hashlib
import threading

from imapwire import Literal, ProtocolError, fetch_items, parse_uid_set, render_value

# Error kinds, each with the rule it checks (printed in the summary).
KINDS = {
    "bad": "a command answered BAD, or an untagged BAD (RFC 3501 §7.1.3)",
    "unexpected-no": "a command answered NO where nothing allowed it",
    "bye": "the server closed the session (* BYE) while commands were running",
    "protocol": "a response that does not parse (RFC 3501 §9)",
    "timeout": "no tagged reply within the time limit",
    "exists-shrank": "EXISTS below the number of messages known, without EXPUNGE (RFC 3501 §7.3.1)",
    "expunge-beyond-exists": "EXPUNGE of a sequence number above EXISTS (RFC 3501 §7.4.1)",
    "fetch-beyond-exists": "FETCH of a sequence number above EXISTS (RFC 3501 §7.4.2)",
    "search-beyond-exists": "SEARCH result not a message of the session (RFC 3501 §7.2.5)",
    "uid-changed": "a sequence number's UID changed without EXPUNGE (RFC 3501 §2.3.1.1)",
    "uid-order": "UIDs not strictly ascending with sequence numbers (RFC 3501 §2.3.1.1)",
    "uid-not-increasing": "a new message got a UID not above every UID seen before (RFC 3501 §2.3.1.1)",
    "uid-reused": "a UID the session saw expunged came back (RFC 3501 §2.3.1.1)",
    "uidvalidity-changed": "UIDVALIDITY changed while the folder stayed selected (RFC 3501 §2.3.1.1)",
    "flag-not-in-flags": "FETCH FLAGS names a flag absent from the last untagged FLAGS (RFC 3501 §7.2.6)",
    "immutable-changed": "ENVELOPE, RFC822.SIZE, INTERNALDATE or body differ for one UID (RFC 3501 §2.3.1.1)",
    "append-mismatch": "the message APPENDed does not come back byte-identical (RFC 3501 §6.3.11)",
    "size-mismatch": "RFC822.SIZE differs from the length of BODY[] (RFC 3501 §7.4.2)",
    "flag-lost": "a keyword only one client changes changed without its STORE: a lost or stale update (RFC 3501 §6.4.6)",
    "store-not-applied": "the FETCH answering STORE does not show the change to a flag only this client uses (RFC 3501 §6.4.6)",
    "move-not-expunged": "after MOVE, a moved message still exists in the source (RFC 6851 §3.3)",
    "expunge-with-qresync": "EXPUNGE sent once QRESYNC is enabled, where VANISHED is due (RFC 7162 §3.2.10)",
    "modseq-backwards": "MODSEQ or HIGHESTMODSEQ went down (RFC 7162 §3.1)",
    "modseq-missing": "FETCH FLAGS without MODSEQ once CONDSTORE is enabled (RFC 7162 §3.2)",
    "flags-changed-same-modseq": "flags changed but MODSEQ did not (RFC 7162 §3.1)",
}

IGNORED_IN_FLAGS_CHECK = {"\\RECENT"}  # \Recent is session state, never in the FLAGS list (RFC 3501 §2.3.2)


class Shared:
    """State shared by the clients: errors, counters, and the immutable data of every UID."""

    def __init__(self, known_kinds=(), max_examples=8):
        self.lock = threading.Lock()
        self.errors = {}
        self.examples = []
        self.known_kinds = set(known_kinds)
        self.max_examples = max_examples
        self.commands = {}
        self.immutable = {}  # uid -> {field: value}
        self.appended = {}  # uid -> sha256 of the bytes APPENDed
        self.verified_appends = 0

    def error(self, kind, client, message, transcript=()):
        assert kind in KINDS, kind
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.examples) < self.max_examples and sum(1 for e in self.examples if e["kind"] == kind) < 3:
                self.examples.append({"kind": kind, "client": client, "message": message, "transcript": list(transcript)})

    def count(self, name, outcome):
        with self.lock:
            entry = self.commands.setdefault(name, {"OK": 0, "NO": 0, "BAD": 0})
            entry[outcome] = entry.get(outcome, 0) + 1

    def failing_errors(self):
        return sum(n for k, n in self.errors.items() if k not in self.known_kinds)

    def record_immutable(self, uid, field, value):
        """Returns the earlier value when it differs (None when first seen or equal)."""
        with self.lock:
            fields = self.immutable.setdefault(uid, {})
            earlier = fields.setdefault(field, value)
            return None if earlier == value else earlier


class Entry:
    __slots__ = ("uid", "flags", "modseq", "seen_in")

    def __init__(self):
        self.uid = None
        self.flags = None
        self.modseq = None
        self.seen_in = ""  # the response that gave flags and modseq, for error reports


class FolderView:
    """One client's picture of its selected folder, updated from untagged responses and checked."""

    def __init__(self, shared, client_name, transcript):
        self.shared = shared
        self.client = client_name
        self.transcript = transcript  # callable giving the connection's last lines
        self.entries = []
        self.flags_list = None
        self.uidvalidity = None
        self.uidnext = None
        self.highest_modseq = None
        self.max_uid_seen = 0
        self.expunged = set()
        self.condstore = False
        self.qresync = False
        self.untagged = {}  # kind -> count, for the summary
        self.vanished_removes = False
        self.last_fetch = {}  # uid -> items of the last FETCH for it in the current command
        self.command = None  # name of the command running, e.g. "FETCH"
        self.search_uids = False  # the SEARCH running is UID SEARCH
        self.search_problems = []
        self.empty_fetches = {}  # uid -> description, until its EXPUNGE arrives
        self.own_keyword = None  # a keyword only this client changes, upper-cased
        self.own = {}  # uid -> whether it carries own_keyword, as this client alone decides
        self.storing_own = ()  # UIDs whose own keyword the running STORE changes: either state is fine

    def fail(self, kind, message):
        self.shared.error(kind, self.client, message, self.transcript())

    # --- untagged responses

    def on_response(self, r):
        if r.tag != "*":
            return
        self.untagged[r.kind] = self.untagged.get(r.kind, 0) + 1
        try:
            handler = getattr(self, "_on_" + r.kind.lower(), None)
            if handler:
                handler(r)
        except (ProtocolError, ValueError, IndexError, TypeError) as e:
            self.fail("protocol", "cannot interpret %r: %s" % (r.raw[:200], e))

    def _on_bad(self, r):
        self.fail("bad", "untagged BAD: " + r.raw)

    def _on_bye(self, r):
        self.fail("bye", r.raw)

    def _on_ok(self, r):
        if not r.code:
            return
        name, _, arg = r.code.partition(" ")
        name = name.upper()
        if name == "UIDVALIDITY":
            value = int(arg)
            if self.uidvalidity is not None and value != self.uidvalidity:
                self.fail("uidvalidity-changed", "%d then %d" % (self.uidvalidity, value))
            self.uidvalidity = value
        elif name == "UIDNEXT":
            self.uidnext = int(arg)
        elif name == "HIGHESTMODSEQ":
            self._highest(int(arg))

    def _highest(self, value):
        if self.highest_modseq is not None and value < self.highest_modseq:
            self.fail("modseq-backwards", "HIGHESTMODSEQ %d after %d" % (value, self.highest_modseq))
        self.highest_modseq = value

    def _on_flags(self, r):
        if len(r.data) != 1 or not isinstance(r.data[0], list):
            raise ProtocolError("FLAGS without a list")
        self.flags_list = {str(f).upper() for f in r.data[0]}

    def _on_exists(self, r):
        n = r.number
        if n < len(self.entries):
            self.fail("exists-shrank", "EXISTS %d while %d messages are known" % (n, len(self.entries)))
            return
        self.entries.extend(Entry() for _ in range(n - len(self.entries)))

    def _on_recent(self, r):
        pass

    def _on_search(self, r):
        # Judged against the view as it is when the result arrives: EXPUNGEs may follow it.
        self._judge_search([int(x) for x in r.data if not isinstance(x, list)])

    def _on_esearch(self, r):
        """RFC 4731 §3.1: `* ESEARCH [(TAG "t")] [UID] MIN n MAX n COUNT n ALL set`."""
        items = list(r.data)
        if items and isinstance(items[0], list):
            items = items[1:]
        uid = bool(items) and str(items[0]).upper() == "UID"
        if uid:
            items = items[1:]
        if uid != self.search_uids:
            self.search_problems.append("ESEARCH %s UID for a %s" % ("with" if uid else "without", r.raw[:100]))
        if len(items) % 2:
            raise ProtocolError("ESEARCH data is not name/value pairs")
        result = {str(items[i]).upper(): str(items[i + 1]) for i in range(0, len(items), 2)}
        numbers = parse_uid_set(result["ALL"]) if "ALL" in result else []
        numbers += [int(result[k]) for k in ("MIN", "MAX") if k in result]
        self._judge_search(numbers)
        if "ALL" in result:
            every = parse_uid_set(result["ALL"])
            if "COUNT" in result and int(result["COUNT"]) != len(every):
                self.search_problems.append("COUNT %s for ALL of %d: %s" % (result["COUNT"], len(every), r.raw[:100]))
            if "MIN" in result and int(result["MIN"]) != min(every) or "MAX" in result and int(result["MAX"]) != max(every):
                self.search_problems.append("MIN/MAX disagree with ALL: %s" % r.raw[:120])

    def _judge_search(self, numbers):
        if self.search_uids:
            gone = sorted(set(numbers) & self.expunged)
            if gone:
                self.search_problems.append("expunged UIDs %s" % gone[:5])
        else:
            beyond = [n for n in numbers if n < 1 or n > len(self.entries)]
            if beyond:
                self.search_problems.append("%s with EXISTS %d" % (beyond[:5], len(self.entries)))

    def _on_expunge(self, r):
        if self.qresync:
            self.fail("expunge-with-qresync", r.raw)
        seq = r.number
        if seq < 1 or seq > len(self.entries):
            self.fail("expunge-beyond-exists", "EXPUNGE %d with EXISTS %d" % (seq, len(self.entries)))
            return
        entry = self.entries.pop(seq - 1)
        if entry.uid is not None:
            self.expunged.add(entry.uid)
            self.empty_fetches.pop(entry.uid, None)

    def _on_vanished(self, r):
        items = list(r.data)
        if items and isinstance(items[0], list):  # (EARLIER): about the past, not this view (RFC 7162 §3.2.10)
            return
        for uid in sorted(parse_uid_set(str(items[0]))):
            self._vanish(uid)

    def _vanish(self, uid):
        """Removes the message with this UID; one whose UID the client never learned counts too.

        UIDs ascend with sequence numbers, so a UID not known lies in the gap between the known
        UIDs around it: an entry of unknown UID in that gap is the message. Which one is unknown, so
        when the gap holds several, the flags and MODSEQ learnt for them (from FETCH without UID) can
        no longer be tied to a message and are forgotten. A UID with no room for it is one this
        session never had; ignored.
        """
        gap = []
        for i, entry in enumerate(self.entries):
            if entry.uid == uid:
                self.entries.pop(i)
                self.expunged.add(uid)
                self.empty_fetches.pop(uid, None)
                return
            if entry.uid is None:
                gap.append(i)
            elif entry.uid < uid:
                gap = []
            else:
                break
        if gap:
            self.entries.pop(gap[0])
            for i in gap[:-1]:  # the gap's survivors, now one place lower: any of them may be the one gone
                self.entries[i].flags = self.entries[i].modseq = None
        self.expunged.add(uid)
        self.empty_fetches.pop(uid, None)

    def _on_fetch(self, r):
        seq = r.number
        if seq < 1 or seq > len(self.entries):
            self.fail("fetch-beyond-exists", "FETCH %d with EXISTS %d: %s" % (seq, len(self.entries), r.raw[:200]))
            return
        items = fetch_items(r.data)
        self.raw = r.raw
        entry = self.entries[seq - 1]
        uid = int(items["UID"]) if "UID" in items else entry.uid
        if "UID" in items:
            self._learn_uid(seq, entry, uid)
        if "FLAGS" in items:
            self._check_flags(seq, entry, items, uid)
        elif "MODSEQ" in items:
            before = entry.modseq
            self._check_modseq(entry, items, uid, flags_changed=False)
            if entry.modseq != before:
                entry.flags = None  # a new MODSEQ without FLAGS (STORE .SILENT): the flags are unknown
        if uid is not None:
            self._check_immutable(uid, items)
            self.last_fetch[uid] = items

    def _learn_uid(self, seq, entry, uid):
        if entry.uid is not None and entry.uid != uid:
            self.fail("uid-changed", "sequence %d was UID %d, now UID %d" % (seq, entry.uid, uid))
            return
        if uid in self.expunged:
            self.fail("uid-reused", "UID %d at sequence %d after its EXPUNGE" % (uid, seq))
        before = [e.uid for e in self.entries[: seq - 1] if e.uid is not None]
        after = [e.uid for e in self.entries[seq:] if e.uid is not None]
        if before and before[-1] >= uid or after and after[0] <= uid:
            self.fail("uid-order", "UID %d at sequence %d between %s and %s"
                      % (uid, seq, before[-1] if before else "-", after[0] if after else "-"))
        entry.uid = uid
        self.max_uid_seen = max(self.max_uid_seen, uid)

    def _check_flags(self, seq, entry, items, uid):
        flags = items["FLAGS"]
        if not isinstance(flags, list):
            raise ProtocolError("FLAGS is not a list")
        names = {str(f).upper() for f in flags}
        if self.flags_list is not None:
            missing = sorted(n for n in names - self.flags_list if n not in IGNORED_IN_FLAGS_CHECK)
            if missing:
                self.fail("flag-not-in-flags", "FETCH %d FLAGS has %s, last FLAGS list (%s)"
                          % (seq, " ".join(missing), " ".join(sorted(self.flags_list))))
        names.discard("\\RECENT")
        if self.own_keyword and uid is not None and uid not in self.storing_own:
            has = self.own_keyword in names
            expected = self.own.setdefault(uid, has)
            if has != expected:
                self.fail("flag-lost", "UID %d FLAGS (%s): %s %s though only this client changes it and did not"
                          % (uid, " ".join(sorted(names)), self.own_keyword, "appeared" if has else "vanished"))
                self.own[uid] = has
        changed = entry.flags is not None and entry.flags != names
        if self.condstore and "MODSEQ" in items:
            self._check_modseq(entry, items, uid, flags_changed=changed)
            entry.flags = names
            entry.seen_in = "%s: %s" % (self.command, self.raw[:160])
            return
        if self.condstore and self.command != "FETCH":
            # Unsolicited or caused by STORE: MODSEQ is due (RFC 7162 §3.2); a FETCH that did not ask
            # for MODSEQ gets only what it asked for.
            self.fail("modseq-missing", "FETCH %d (UID %s) FLAGS without MODSEQ during %s" % (seq, uid, self.command))
        entry.flags = None  # flags known without their MODSEQ: not comparable with the next MODSEQ

    def _check_modseq(self, entry, items, uid, flags_changed):
        value = items["MODSEQ"]
        if not isinstance(value, list) or len(value) != 1:
            raise ProtocolError("MODSEQ is not (n)")
        modseq = int(value[0])
        if entry.modseq is not None:
            if modseq < entry.modseq:
                self.fail("modseq-backwards", "UID %s MODSEQ %d after %d" % (uid, modseq, entry.modseq))
            elif modseq == entry.modseq and flags_changed:
                self.fail("flags-changed-same-modseq", "UID %s flags (%s) then (%s) at MODSEQ %d; first in %s"
                          % (uid, " ".join(sorted(entry.flags or ())), " ".join(sorted(str(f) for f in items.get("FLAGS", []))),
                             modseq, entry.seen_in))
        entry.modseq = modseq

    def _check_immutable(self, uid, items):
        empty = [f for f in ("BODY[]", "RFC822.SIZE", "ENVELOPE", "INTERNALDATE") if f in items and is_empty(f, items[f])]
        if empty:
            # Dovecot answers NIL/0 for a message another session expunged (RFC 2180 §4.1.3): acceptable
            # only if this session is then told it was expunged (checked by unresolved_empty_fetches).
            self.empty_fetches[uid] = "UID %d: %s empty" % (uid, ", ".join(empty))
            return
        for field in ("ENVELOPE", "RFC822.SIZE", "INTERNALDATE"):
            if field in items:
                value = render_value(items[field])
                earlier = self.shared.record_immutable(uid, field, value)
                if earlier is not None:
                    self.fail("immutable-changed", "UID %d %s was %s, now %s" % (uid, field, earlier[:120], value[:120]))
        body = items.get("BODY[]")
        if body is None:
            return
        if not isinstance(body, (bytes, str)):
            raise ProtocolError("BODY[] is not a string")
        content = bytes(body) if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(content).hexdigest()
        earlier = self.shared.record_immutable(uid, "BODY[]", digest)
        if earlier is not None:
            self.fail("immutable-changed", "UID %d BODY[] changed (%d octets now)" % (uid, len(content)))
        appended = self.shared.appended.get(uid)
        if appended is not None:
            if appended != digest:
                self.fail("append-mismatch", "UID %d: %d octets fetched differ from what was APPENDed" % (uid, len(content)))
            else:
                with self.shared.lock:
                    self.shared.verified_appends += 1
        if "RFC822.SIZE" in items and int(items["RFC822.SIZE"]) != len(content):
            self.fail("size-mismatch", "UID %d RFC822.SIZE %s, BODY[] %d octets" % (uid, items["RFC822.SIZE"], len(content)))

    # --- helpers for the commands

    def uids(self):
        return [e.uid for e in self.entries if e.uid is not None]

    def index_of_uid(self, uid):
        for i, e in enumerate(self.entries):
            if e.uid == uid:
                return i
        return None


    def unresolved_empty_fetches(self):
        """Call after a last NOOP: empty data for a message never expunged is a wrong answer."""
        for message in self.empty_fetches.values():
            self.fail("immutable-changed", message + " but the message was never expunged")
        self.empty_fetches = {}


def is_empty(field, value):
    """Data a server gives for a message that no longer exists, never for a real message."""
    if value is None:
        return True
    if field == "RFC822.SIZE":
        return str(value) == "0"
    if field == "ENVELOPE":
        return isinstance(value, list) and all(v is None or v == "" for v in value)
    if field == "INTERNALDATE":
        return str(value).startswith("01-Jan-1970")
    return False
