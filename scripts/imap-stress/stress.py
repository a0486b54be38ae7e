#!/usr/bin/env python3
"""An independent IMAP compliance checker, in the spirit of Dovecot's imaptest (see README.md).

Stress mode (default): N clients for T seconds on one folder, random APPEND/FETCH/STORE/EXPUNGE/
COPY/MOVE/SEARCH/NOOP with keywords, each client checking the server's answers against its own
model of the folder. Script mode (--script DIR): scripted sessions with expected responses.
Exit status: 0 when nothing failed, 1 on any failure, 2 when the run could not start.
"""
import argparse
import hashlib
import json
import random
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # run from the repository: leave no __pycache__ beside the sources

from client import Client, CommandFailed, LoginOptions, quote
from imapwire import ProtocolError, parse_uid_set
from model import KINDS, FolderView, Shared

LABELS = ["$Label%d" % i for i in range(1, 10)]
SYSTEM_FLAGS = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft", "\\Deleted"]
TARGET_SIZE = 40  # messages the folder hovers around: APPEND and EXPUNGE are weighted by it

# NO is a correct answer only here: a message expunged by another session (RFC 5530 EXPUNGEISSUED).
ALLOWED_NO = {"FETCH": ("EXPUNGEISSUED",), "STORE": ("EXPUNGEISSUED",), "COPY": ("EXPUNGEISSUED",),
              "MOVE": ("EXPUNGEISSUED",)}


class StressClient(threading.Thread):
    def __init__(self, index, options, args, shared, deadline):
        super().__init__(name="c%d" % index, daemon=True)
        self.index = index
        self.args = args
        self.shared = shared
        self.deadline = deadline
        self.rand = random.Random(args.seed * 1000 + index)
        self.client = Client(options, "c%da" % index)
        self.view = FolderView(shared, self.name, lambda: list(self.client.conn.transcript))
        self.own_keyword = "$Own%d" % index  # only this client stores it: its STORE results are checkable
        self.view.own_keyword = self.own_keyword.upper()
        self.ready = threading.Event()
        self.failed_to_start = None

    # --- running commands

    def run_command(self, name, parts, allow_no=()):
        """Sends a command; untagged responses update the view; returns (tagged, untagged) or None."""
        self.view.last_fetch = {}
        self.view.command = name
        try:
            tagged, untagged = self.client.command(parts, on_response=self.view.on_response)
        except socket.timeout:
            self.shared.error("timeout", self.name, name, self.client.conn.transcript)
            raise
        except ProtocolError as e:
            self.shared.error("protocol", self.name, "%s: %s" % (name, e), self.client.conn.transcript)
            raise
        self.shared.count(name, tagged.kind)
        if tagged.kind == "BAD":
            self.view.fail("bad", "%s answered %s" % (name, tagged.raw))
        elif tagged.kind == "NO":
            code = (tagged.code or "").split(" ")[0].upper()
            if code not in ALLOWED_NO.get(name, ()) + tuple(allow_no):
                self.view.fail("unexpected-no", "%s answered %s" % (name, tagged.raw))
        return tagged, untagged

    def run(self):
        try:
            self.client.open()
            caps = self.client.conn.capabilities
            if self.args.qresync and "QRESYNC" in caps:
                self.client.must("ENABLE QRESYNC")  # implies CONDSTORE (RFC 7162 §3.2.3)
                self.view.condstore = self.view.qresync = True
            elif self.args.condstore and "CONDSTORE" in caps:
                self.client.must("ENABLE CONDSTORE")
                self.view.condstore = True
            self.run_command("SELECT", "SELECT " + quote(self.args.mailbox))
        except Exception as e:  # noqa: BLE001 - reported, then the run stops
            self.failed_to_start = "%s: %s" % (type(e).__name__, e)
            self.ready.set()
            return
        self.ready.set()
        ops = [(self.op_append, 14), (self.op_fetch, 20), (self.op_store, 18), (self.op_expunge, 6),
               (self.op_copy, 6), (self.op_move, 6), (self.op_search, 12), (self.op_noop, 6), (self.op_resync, 3)]
        total = sum(w for _, w in ops)
        try:
            # One of each first, whatever the deadline: a slow server still gets every command tried.
            for op in (lambda: self.op_append(verify=True), self.op_resync, self.op_fetch, self.op_store, self.op_copy, self.op_move,
                       self.op_search, self.op_noop, self.op_expunge):
                op()
            while time.monotonic() < self.deadline:
                pick = self.rand.uniform(0, total)
                for op, weight in ops:
                    pick -= weight
                    if pick <= 0:
                        op()
                        break
            self.run_command("NOOP", "NOOP")  # the last EXPUNGEs, for the empty FETCH answers
            self.view.unresolved_empty_fetches()
        except (OSError, ConnectionError, ProtocolError) as e:
            if not isinstance(e, (socket.timeout, ProtocolError)):
                self.shared.error("bye", self.name, "connection lost: %s" % e, self.client.conn.transcript)
        finally:
            self.client.close()

    # --- choosing messages

    def some_uids(self, at_most=3):
        uids = self.view.uids()
        if not uids:
            return []
        return sorted(self.rand.sample(uids, min(len(uids), self.rand.randint(1, at_most))))

    def seq_range(self):
        n = len(self.view.entries)
        if n == 0:
            return None
        a = self.rand.randint(1, n)
        b = min(n, a + self.rand.randint(0, 4))
        return "%d" % a if a == b else "%d:%d" % (a, b)

    def random_flags(self):
        pool = LABELS + SYSTEM_FLAGS[:4] + (["\\Deleted"] if self.rand.random() < 0.3 else [])
        return self.rand.sample(pool, self.rand.randint(1, 3))

    # --- operations

    def op_append(self, verify=None):
        n = len(self.view.entries)
        if n > TARGET_SIZE * 2 or n > TARGET_SIZE and self.rand.random() < 0.6:
            return self.op_expunge()
        message = self.make_message()
        flags = [self.own_keyword] + [f for f in self.random_flags() if f != "\\Deleted"]
        seen_before = self.view.max_uid_seen
        tagged, _ = self.run_command("APPEND", ["APPEND %s (%s) " % (quote(self.args.mailbox), " ".join(flags)), message])
        if tagged.kind != "OK" or not tagged.code or not tagged.code.upper().startswith("APPENDUID "):
            return
        _, validity, uid = tagged.code.split(" ")
        uid = int(uid)
        if self.view.uidvalidity is not None and int(validity) != self.view.uidvalidity:
            self.view.fail("uidvalidity-changed", "APPENDUID %s in UIDVALIDITY %s" % (validity, self.view.uidvalidity))
        if uid <= seen_before:
            self.view.fail("uid-not-increasing", "APPENDUID %d after UID %d was seen" % (uid, seen_before))
        with self.shared.lock:
            self.shared.appended[uid] = hashlib.sha256(message).hexdigest()
        if uid not in self.view.expunged:
            self.view.own[uid] = True
        if verify or verify is None and self.rand.random() < 0.5:
            self.run_command("FETCH", "UID FETCH %d (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[])" % uid)
            got = self.view.last_fetch.get(uid)
            if got is not None and self.own_keyword.upper() not in {str(f).upper() for f in got.get("FLAGS", [])}:
                self.view.fail("store-not-applied", "UID %d APPENDed with %s, FETCH FLAGS %s"
                               % (uid, self.own_keyword, got.get("FLAGS")))

    def make_message(self):
        r = self.rand
        words = " ".join(r.choice(["ordonnance", "compte-rendu", "patient", "analyse", "stress", "été"]) for _ in range(4))
        body = "\r\n".join("ligne %d %s" % (i, "x" * r.randint(0, 70)) for i in range(r.randint(1, 40)))
        lines = [
            "From: Client %d <c%d@stress.invalid>" % (self.index, self.index),
            "To: <dest%d@stress.invalid>" % r.randint(1, 5),
            "Subject: stress %s %d" % (words, r.randint(0, 10 ** 6)),
            "Date: Mon, %d Mar 2026 %02d:%02d:00 +0100" % (r.randint(1, 28), r.randint(0, 23), r.randint(0, 59)),
            "Message-ID: <%d.%d.%d@stress.invalid>" % (self.index, time.time_ns(), r.randint(0, 10 ** 9)),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            body,
            "",
        ]
        return "\r\n".join(lines).encode("utf-8")

    def fetch_items(self):
        items = ["UID", "FLAGS"]
        for extra in ("ENVELOPE", "RFC822.SIZE", "INTERNALDATE", "BODY.PEEK[]"):
            if self.rand.random() < 0.4:
                items.append(extra)
        if self.view.condstore and self.rand.random() < 0.3:
            items.append("MODSEQ")
        return " ".join(items)

    def op_fetch(self):
        if self.rand.random() < 0.5:
            uids = self.some_uids(4)
            if uids:
                self.run_command("FETCH", "UID FETCH %s (%s)" % (",".join(map(str, uids)), self.fetch_items()))
                return
        seqs = self.seq_range()
        if seqs:
            self.run_command("FETCH", "FETCH %s (%s)" % (seqs, self.fetch_items()))

    def op_store(self):
        if self.rand.random() < 0.3:
            return self.store_own_keyword()
        sign = self.rand.choice("+-")
        silent = ".SILENT" if self.rand.random() < 0.2 else ""
        flags = " ".join(self.random_flags())
        if self.rand.random() < 0.5:
            uids = self.some_uids()
            if uids:
                self.run_command("STORE", "UID STORE %s %sFLAGS%s (%s)" % (",".join(map(str, uids)), sign, silent, flags))
                return
        seqs = self.seq_range()
        if seqs:
            self.run_command("STORE", "STORE %s %sFLAGS%s (%s)" % (seqs, sign, silent, flags))

    def store_own_keyword(self):
        """+/-FLAGS of a keyword no other client touches: the FETCH in reply must show the result."""
        uids = self.some_uids(2)
        if not uids:
            return
        sign = self.rand.choice("+-")
        self.view.storing_own = set(uids)
        try:
            tagged, _ = self.run_command("STORE", "UID STORE %s %sFLAGS (%s)" % (",".join(map(str, uids)), sign, self.own_keyword))
        finally:
            self.view.storing_own = ()
        if tagged.kind == "OK":
            for uid in uids:
                self.view.own[uid] = sign == "+"
        for uid in uids:
            got = self.view.last_fetch.get(uid)
            if got is None or "FLAGS" not in got:
                continue  # expunged meanwhile, or no FETCH for it: nothing to check
            has = self.own_keyword.upper() in {str(f).upper() for f in got["FLAGS"]}
            if has != (sign == "+"):
                self.view.fail("store-not-applied", "UID %d %sFLAGS (%s) answered FLAGS %s"
                               % (uid, sign, self.own_keyword, got["FLAGS"]))

    def op_expunge(self):
        uids = self.some_uids(3)
        if uids:
            self.run_command("STORE", "UID STORE %s +FLAGS.SILENT (\\Deleted)" % ",".join(map(str, uids)))
        if "UIDPLUS" in self.client.conn.capabilities and self.rand.random() < 0.5 and uids:
            self.run_command("EXPUNGE", "UID EXPUNGE %s" % ",".join(map(str, uids)))
        else:
            self.run_command("EXPUNGE", "EXPUNGE")

    def op_copy(self):
        uids = self.some_uids()
        if not uids:
            return
        within = self.rand.random() < 0.3 and len(self.view.entries) < TARGET_SIZE * 2
        target = self.args.mailbox if within else self.args.mailbox + "-copies"
        seen_before = self.view.max_uid_seen
        tagged, _ = self.run_command("COPY", "UID COPY %s %s" % (",".join(map(str, uids)), quote(target)))
        if within and tagged.kind == "OK" and tagged.code and tagged.code.upper().startswith("COPYUID "):
            _, _, sources, targets = tagged.code.split(" ")
            for source, copy in zip(parse_uid_set(sources), parse_uid_set(targets)):
                if copy <= seen_before:
                    self.view.fail("uid-not-increasing", "COPYUID gave UID %d after UID %d was seen" % (copy, seen_before))
                with self.shared.lock:
                    if source in self.shared.appended:
                        self.shared.appended[copy] = self.shared.appended[source]

    def op_move(self):
        if "MOVE" not in self.client.conn.capabilities:
            return self.op_copy()
        uids = self.some_uids(2)
        if not uids:
            return
        within = self.args.move_within and self.rand.random() < 0.2
        target = self.args.mailbox if within else self.args.mailbox + "-moved"
        tagged, untagged = self.run_command("MOVE", "UID MOVE %s %s" % (",".join(map(str, uids)), quote(target)))
        if tagged.kind != "OK":
            return
        moved = []
        for r in untagged + [tagged]:
            if r.kind == "OK" and r.code and r.code.upper().startswith("COPYUID "):
                moved = parse_uid_set(r.code.split(" ")[2])
        for uid in moved:
            if self.view.index_of_uid(uid) is not None:
                self.view.fail("move-not-expunged", "UID %d still in %s after UID MOVE to %s" % (uid, self.args.mailbox, target))

    def op_search(self):
        r = self.rand
        uid = r.random() < 0.5
        key = r.choice(["ALL", "KEYWORD " + r.choice(LABELS), "UNSEEN", "FLAGGED", "DELETED", "SUBJECT stress",
                        "NOT KEYWORD " + r.choice(LABELS), "OR SEEN ANSWERED", "UID %d:*" % max(1, self.view.max_uid_seen - 20)]
                       + (["MODSEQ %d" % max(1, (self.view.highest_modseq or 1) - 10)] if self.view.condstore and self.args.search_modseq else []))
        self.view.search_uids = uid
        self.view.search_problems = []
        returns = ""
        if "ESEARCH" in self.client.conn.capabilities and r.random() < 0.4:
            returns = "RETURN (%s) " % " ".join(r.sample(["MIN", "MAX", "COUNT", "ALL"], r.randint(0, 4)))
        self.run_command("SEARCH", "%sSEARCH %s%s" % ("UID " if uid else "", returns, key))
        for problem in self.view.search_problems:
            self.view.fail("search-beyond-exists", "%sSEARCH %s returned %s" % ("UID " if uid else "", key, problem))

    def op_noop(self):
        if self.args.idle and "IDLE" in self.client.conn.capabilities and self.rand.random() < 0.5:
            return self.idle()
        self.run_command("NOOP", "NOOP")

    def idle(self):
        """IDLE for a moment (RFC 2177): what the server pushes meanwhile is judged like the rest."""
        conn = self.client.conn
        tag = self.client.next_tag()
        self.view.command = "IDLE"
        conn.send_raw(("%s IDLE\r\n" % tag).encode())
        conn.remember("C: %s IDLE" % tag)
        while True:
            r = conn.read_response()
            if r.tag == "+":
                break
            if r.tag == tag:  # refused before idling
                self.shared.count("IDLE", r.kind)
                if r.kind != "OK":
                    self.view.fail("bad" if r.kind == "BAD" else "unexpected-no", "IDLE answered " + r.raw)
                return
            self.view.on_response(r)
        time.sleep(self.rand.uniform(0.05, 0.6))
        conn.send_raw(b"DONE\r\n")
        conn.remember("C: DONE")
        while True:
            r = conn.read_response()
            if r.tag == tag:
                break
            self.view.on_response(r)
        self.shared.count("IDLE", r.kind)
        if r.kind != "OK":
            self.view.fail("bad" if r.kind == "BAD" else "unexpected-no", "IDLE answered " + r.raw)

    def op_resync(self):
        """FETCH 1:* (UID FLAGS): learn every UID, which arms the UID order checks."""
        if self.view.entries:
            self.run_command("FETCH", "FETCH 1:* (UID FLAGS)")


def prepare(options, args):
    setup = Client(options, "setup")
    setup.open()
    for suffix in ("", "-copies", "-moved"):
        name = args.mailbox + suffix
        tagged, _ = setup.command("CREATE " + quote(name))
        if tagged.kind != "OK" and not (tagged.code or "").upper().startswith("ALREADYEXISTS"):
            _, untagged = setup.must("LIST \"\" " + quote(name))
            if not any(r.kind == "LIST" for r in untagged):
                raise CommandFailed("cannot create %s: %s" % (name, tagged.raw))
    return setup


def cleanup(setup, args):
    for suffix in ("-moved", "-copies", ""):
        try:
            setup.command("DELETE " + quote(args.mailbox + suffix))
        except Exception:  # noqa: BLE001 - best effort
            pass
    setup.close()


def run_stress(options, args):
    shared = Shared(known_kinds=args.known)
    try:
        setup = prepare(options, args)
    except Exception as e:  # noqa: BLE001
        print("stress: cannot prepare the folders: %s" % e, file=sys.stderr)
        return 2, None
    start = time.monotonic()
    deadline = start + args.seconds
    clients = [StressClient(i, options, args, shared, deadline) for i in range(args.clients)]
    for c in clients:
        c.start()
    for c in clients:
        c.ready.wait(60)
    not_started = [c for c in clients if c.failed_to_start]
    if not_started:
        print("stress: %d client(s) could not start: %s" % (len(not_started), not_started[0].failed_to_start), file=sys.stderr)
    while any(c.is_alive() for c in clients):
        for c in clients:
            c.join(timeout=args.progress)
            if c.is_alive():
                break
        if not args.quiet:
            with shared.lock:
                done = sum(v["OK"] + v["NO"] + v["BAD"] for v in shared.commands.values())
            print("stress: %4.0fs %6d commands %4d errors" % (time.monotonic() - start, done, sum(shared.errors.values())),
                  file=sys.stderr, flush=True)
    elapsed = time.monotonic() - start
    if not args.keep:
        cleanup(setup, args)
    untagged = {}
    for c in clients:
        for kind, n in c.view.untagged.items():
            untagged[kind] = untagged.get(kind, 0) + n
    summary = summarise(shared, args, elapsed, len(not_started))
    summary["untagged"] = untagged
    summary["extensions"] = sorted({"CONDSTORE" for c in clients if c.view.condstore} | {"QRESYNC" for c in clients if c.view.qresync})
    print_summary(summary)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    failed = summary["failing_errors"] or not_started
    return (1 if failed else 0), summary


def summarise(shared, args, elapsed, not_started):
    return {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "clients_not_started": not_started,
        "commands": shared.commands,
        "errors": shared.errors,
        "known_kinds": sorted(shared.known_kinds),
        "failing_errors": shared.failing_errors(),
        "verified_appends": shared.verified_appends,
        "examples": shared.examples,
    }


def print_summary(s):
    total = sum(v["OK"] + v["NO"] + v["BAD"] for v in s["commands"].values())
    print("IMAP stress: %d clients, %.1f s, %d commands (%.0f/s), %d APPENDed messages fetched back identical"
          % (s["clients"], s["seconds"], total, total / max(s["seconds"], 0.1), s["verified_appends"]))
    for name in sorted(s["commands"]):
        v = s["commands"][name]
        print("  %-8s %6d OK %5d NO %5d BAD" % (name, v["OK"], v["NO"], v["BAD"]))
    print("  untagged: " + " ".join("%s %d" % kv for kv in sorted(s.get("untagged", {}).items())))
    print("  enabled: " + (" ".join(s.get("extensions", [])) or "nothing"))
    if not s["errors"]:
        print("errors: none")
    for kind, n in sorted(s["errors"].items(), key=lambda kv: -kv[1]):
        known = " (known defect, not failing)" if kind in s["known_kinds"] else ""
        print("error %-26s %6d  %s%s" % (kind, n, KINDS[kind], known))
    for e in s["examples"]:
        print("--- %s in %s: %s" % (e["kind"], e["client"], e["message"]))
        for line in e["transcript"][-8:]:
            print("    " + line)
    print("result: %s" % ("FAIL" if s["failing_errors"] or s["clients_not_started"] else "OK"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    LoginOptions.add_arguments(parser)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--mailbox", default=None, help="folder to stress (default stress-<random>, created and deleted)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-condstore", dest="condstore", action="store_false", help="do not ENABLE CONDSTORE")
    parser.add_argument("--no-qresync", dest="qresync", action="store_false",
                        help="do not ENABLE QRESYNC (when announced: VANISHED replaces EXPUNGE)")
    parser.add_argument("--no-idle", dest="idle", action="store_false", help="NOOP only, never IDLE")
    parser.add_argument("--no-move-within", dest="move_within", action="store_false",
                        help="never MOVE a message into the folder it is in (RFC 6851 §3.3)")
    parser.add_argument("--no-search-modseq", dest="search_modseq", action="store_false",
                        help="leave the MODSEQ search key (RFC 7162 §3.1.5) out of the SEARCH mix")
    parser.add_argument("--known", action="append", default=[], choices=sorted(KINDS),
                        help="an error kind reported as a known defect, not failing the run (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the folders")
    parser.add_argument("--json", help="write the summary as JSON to this file")
    parser.add_argument("--progress", type=float, default=2.0, help="seconds between progress lines")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for any reply")
    parser.add_argument("--verbose", action="store_true", help="scripts: also show why known defects fail")
    parser.add_argument("--script", metavar="PATH", help="run scripted sessions (a .imap file or a directory of them)")
    args = parser.parse_args(argv)
    socket.setdefaulttimeout(args.timeout)
    options = LoginOptions.from_args(args)
    if args.seed is None:
        args.seed = random.SystemRandom().randint(0, 10 ** 6)
    if args.mailbox is None:
        args.mailbox = "stress-%d" % args.seed
    if args.script:
        from scripted import run_scripts

        return run_scripts(options, args)
    print("stress: seed %d, folder %s" % (args.seed, args.mailbox), file=sys.stderr)
    code, _ = run_stress(options, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
