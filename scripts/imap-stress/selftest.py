#!/usr/bin/env python3
"""The checker checked: wrong server behaviour fed to the parser and the folder model must be caught.

A checker that never fails proves nothing, so each invariant of model.py is shown a response
sequence that breaks it (and one that does not). Run: python3 scripts/imap-stress/selftest.py
"""
import sys
import unittest

sys.dont_write_bytecode = True  # run from the repository: leave no __pycache__ beside the sources

from imapwire import Literal, ProtocolError, _merge, fetch_items, parse_response
from model import FolderView, Shared
from scripted import Matcher, extract_literals


def response(*segments):
    return parse_response(_merge(list(segments)))


def view(**options):
    shared = Shared()
    v = FolderView(shared, "t", lambda: [])
    for k, value in options.items():
        setattr(v, k, value)
    return v, shared


def feed(v, *lines):
    for line in lines:
        v.on_response(response(line) if isinstance(line, str) else response(*line))


class Parser(unittest.TestCase):
    def test_fetch_with_literal_and_section(self):
        r = response("* 3 FETCH (UID 9 BODY[HEADER.FIELDS (SUBJECT)] ", Literal(b"Subject: x\r\n\r\n"), " FLAGS (\\Seen))")
        self.assertEqual((r.kind, r.number), ("FETCH", 3))
        items = fetch_items(r.data)
        self.assertEqual(items["BODY[HEADER.FIELDS (SUBJECT)]"], b"Subject: x\r\n\r\n")
        self.assertEqual(items["FLAGS"], ["\\Seen"])

    def test_status_response_code(self):
        r = response("a1 OK [COPYUID 5 1:2 7:8] done")
        self.assertEqual((r.tag, r.kind, r.code, r.text), ("a1", "OK", "COPYUID 5 1:2 7:8", "done"))

    def test_malformed(self):
        with self.assertRaises(ProtocolError):
            response("a1 MAYBE fine")
        with self.assertRaises(ProtocolError):
            fetch_items(response("* 1 FETCH (UID)").data)


class Model(unittest.TestCase):
    def kinds(self, shared):
        return set(shared.errors)

    def test_consistent_sequence_passes(self):
        v, shared = view()
        feed(v, "* FLAGS (\\Seen $Label1)", "* 2 EXISTS", "* 1 FETCH (UID 4 FLAGS (\\Seen))", "* 2 FETCH (UID 6 FLAGS ($Label1))",
             "* 1 EXPUNGE", "* 2 EXISTS", "* 2 FETCH (UID 8 FLAGS ())")
        self.assertEqual(shared.errors, {})
        self.assertEqual(v.uids(), [6, 8])

    def test_expunge_beyond_exists(self):
        v, shared = view()
        feed(v, "* 1 EXISTS", "* 2 EXPUNGE")
        self.assertEqual(self.kinds(shared), {"expunge-beyond-exists"})

    def test_exists_shrank_and_fetch_beyond(self):
        v, shared = view()
        feed(v, "* 3 EXISTS", "* 2 EXISTS", "* 4 FETCH (FLAGS ())")
        self.assertEqual(self.kinds(shared), {"exists-shrank", "fetch-beyond-exists"})

    def test_flag_not_in_flags(self):
        v, shared = view()
        feed(v, "* FLAGS (\\Seen)", "* 1 EXISTS", "* 1 FETCH (FLAGS (\\Seen \\Recent $Label7))")
        self.assertEqual(shared.errors, {"flag-not-in-flags": 1})

    def test_uid_order_change_and_reuse(self):
        v, shared = view()
        feed(v, "* 3 EXISTS", "* 1 FETCH (UID 5)", "* 2 FETCH (UID 4)")
        self.assertIn("uid-order", shared.errors)
        v, shared = view()
        feed(v, "* 1 EXISTS", "* 1 FETCH (UID 5)", "* 1 FETCH (UID 6)")
        self.assertIn("uid-changed", shared.errors)
        v, shared = view()
        feed(v, "* 1 EXISTS", "* 1 FETCH (UID 5)", "* 1 EXPUNGE", "* 1 EXISTS", "* 1 FETCH (UID 5)")
        self.assertIn("uid-reused", shared.errors)

    def test_modseq(self):
        v, shared = view(condstore=True, command="NOOP")
        feed(v, "* 1 EXISTS", "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (9))", "* 1 FETCH (UID 1 FLAGS () MODSEQ (9))",
             "* 1 FETCH (UID 1 FLAGS () MODSEQ (8))", "* 1 FETCH (UID 1 FLAGS (\\Seen))")
        self.assertEqual(self.kinds(shared), {"flags-changed-same-modseq", "modseq-backwards", "modseq-missing"})

    def test_fetch_without_modseq_when_not_asked_is_fine(self):
        v, shared = view(condstore=True, command="FETCH")
        feed(v, "* 1 EXISTS", "* 1 FETCH (UID 1 FLAGS (\\Seen))")
        self.assertEqual(shared.errors, {})

    def test_immutable_data_and_append(self):
        v, shared = view()
        shared.appended[1] = __import__("hashlib").sha256(b"abc").hexdigest()
        feed(v, "* 2 EXISTS", ("* 1 FETCH (UID 1 RFC822.SIZE 3 BODY[] ", Literal(b"abd"), ")"),
             "* 2 FETCH (UID 2 RFC822.SIZE 10)", "* 2 FETCH (UID 2 RFC822.SIZE 11)")
        self.assertEqual(self.kinds(shared), {"append-mismatch", "immutable-changed"})

    def test_empty_data_only_for_an_expunged_message(self):
        v, shared = view()
        feed(v, "* 2 EXISTS", "* 1 FETCH (UID 1 RFC822.SIZE 0 BODY[] NIL)", "* 2 FETCH (UID 2 RFC822.SIZE 0)", "* 1 EXPUNGE")
        v.unresolved_empty_fetches()
        self.assertEqual(shared.errors, {"immutable-changed": 1})  # UID 2 was never expunged

    def test_own_keyword_lost(self):
        v, shared = view(own_keyword="$OWN0")
        v.own[1] = True
        feed(v, "* 1 EXISTS", "* 1 FETCH (UID 1 FLAGS ($Own0))", "* 1 FETCH (UID 1 FLAGS ())")
        self.assertEqual(shared.errors, {"flag-lost": 1})

    def test_vanished_removes_known_and_unknown_uids(self):
        v, shared = view(qresync=True)
        feed(v, "* 4 EXISTS", "* 1 FETCH (UID 2)", "* 4 FETCH (UID 9)", "* VANISHED 2,5", "* VANISHED (EARLIER) 1:100")
        self.assertEqual(shared.errors, {})
        self.assertEqual(len(v.entries), 2)
        self.assertEqual(v.uids(), [9])
        feed(v, "* 1 EXPUNGE")
        self.assertEqual(shared.errors, {"expunge-with-qresync": 1})

    def test_vanished_in_a_gap_of_unknown_uids_forgets_their_modseq(self):
        # RFC 7162 §3.1: MODSEQ of a message never goes down. Messages 2 and 3 are known only by a FETCH
        # without UID; VANISHED 4 removes message 3, and the model cannot tell it from message 2: what it
        # learnt for them must not be pinned on UID 5, now message 2 (a false modseq-backwards).
        v, shared = view(condstore=True, qresync=True, command="NOOP")
        feed(v, "* 4 EXISTS", "* 1 FETCH (UID 1 FLAGS () MODSEQ (3))", "* 4 FETCH (UID 9 FLAGS () MODSEQ (4))",
             "* 2 FETCH (FLAGS () MODSEQ (5))", "* 3 FETCH (FLAGS (\\Seen) MODSEQ (8))", "* VANISHED 4",
             "* 2 FETCH (UID 5 FLAGS () MODSEQ (5))")
        self.assertEqual(shared.errors, {})
        self.assertEqual(v.uids(), [1, 5, 9])
        feed(v, "* 2 FETCH (UID 5 FLAGS () MODSEQ (4))")  # a real step backwards is still caught
        self.assertEqual(shared.errors, {"modseq-backwards": 1})

    def test_search_judged_when_it_arrives(self):
        v, shared = view(search_uids=False)
        feed(v, "* 2 EXISTS", "* SEARCH 1 2 3", "* ESEARCH (TAG \"a\") MIN 1 MAX 2 COUNT 3 ALL 1:2")
        self.assertEqual(len(v.search_problems), 2)


class ScriptMatching(unittest.TestCase):
    def test_fetch_items_any_order_and_flag_sets(self):
        m = Matcher({}, {})
        got = response("* 1 FETCH (FLAGS ($Label1 \\Seen) UID 7)")
        self.assertEqual(m.match("* 1 FETCH (UID ${u} FLAGS (\\Seen $Label1))", got), {"u": "7"})
        self.assertIsNone(m.match("* 1 FETCH (UID 7 FLAGS (\\Seen))", got))
        self.assertIsNotNone(m.match("* 1 FETCH (UID 7 FLAGS (\\Seen ${*}))", got))
        self.assertIsNone(m.match("* 1 FETCH (UID 7)", got))

    def test_variables_alternatives_and_literals(self):
        m = Matcher({"mailbox": "box"}, {"m": b"a\r\n"})
        self.assertEqual(m.match("* STATUS ${mailbox} (MESSAGES ${n})", response("* STATUS box (MESSAGES 3)")), {"n": "3"})
        self.assertIsNone(m.match("* STATUS ${mailbox} (MESSAGES 1)", response("* STATUS other (MESSAGES 1)")))
        self.assertIsNotNone(m.match("a1 ${OK|NO} ${*}", response("a1 NO [CANNOT] no")))
        self.assertIsNone(m.match("a1 ${OK|NO} ${*}", response("a1 BAD what")))
        self.assertIsNotNone(m.match("* 1 FETCH (BODY[] ${literal:m})", response("* 1 FETCH (BODY[] ", Literal(b"a\r\n"), ")")))
        self.assertEqual(extract_literals("X {3}a\\r\\n Y"), ("X ${written:0} Y", [b"a\r\n"]))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    sys.exit(0 if result.wasSuccessful() else 1)
