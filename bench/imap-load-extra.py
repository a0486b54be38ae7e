#!/usr/bin/env python3
"""IMAP load for what ../shared/bench/imap/imap-load.py does not measure (python3 stdlib only).
usage: imap-load-extra.py HOST PORT USER PASS [-s SESSIONS=8] [-t SECONDS=3] [-m MAILBOX=INBOX]
                          [-c search-unseen,search-from,store,append-nodelay]
Same method and output as imap-load.py: for each command type, SESSIONS processes (own
connection, logged in and MAILBOX selected before the clock starts) run it in a closed loop:
  search-unseen  = UID SEARCH UNSEEN                         (flags only: an unread counter)
  search-from    = UID SEARCH FROM "sender<k>@"             (a header search over the folder)
  store          = STORE <random seq> +FLAGS / -FLAGS (\\Flagged), alternately (a flag toggle)
  append-nodelay = imap-load.py's APPEND of 4 kB to "bench-append", but with TCP_NODELAY on the
                   client socket (imaplib sends a literal and its CRLF in two writes; without
                   NODELAY the CRLF waits for the server's ACK of the literal)
Prints TSV: cmd sessions seconds ops ops_per_s p50_ms p99_ms errors. Loopback only."""
import argparse, imaplib, multiprocessing as mp, random, socket, sys, time

MSG = (b"From: load@peer.mssante.fr\r\nTo: user@operator.mssante.fr\r\nSubject: load\r\n"
       b"Date: Mon, 03 Nov 2025 10:00:00 +0100\r\n\r\n" + b"x" * 76 + (b"\r\n" + b"y" * 76) * 50 + b"\r\n")


def session(a, nodelay=False):
    m = imaplib.IMAP4(a.host, a.port)
    if nodelay:
        m.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    m.login(a.user, a.password)
    return m


def worker(a, cmd, barrier, out):
    random.seed()
    ops, errs, lat, first_err = 0, 0, [], None
    nodelay = cmd == "append-nodelay"
    m = session(a, nodelay)
    typ, d = m.select(a.mailbox)
    n = int(d[0])
    if n == 0:
        sys.exit("mailbox %s is empty: seed it first" % a.mailbox)
    barrier.wait()
    end = time.time() + a.seconds
    toggle = False
    while True:
        t0 = time.time()
        if t0 >= end:
            break
        try:
            if cmd == "search-unseen":
                typ, _ = m.uid("SEARCH", "UNSEEN")
            elif cmd == "search-from":
                typ, _ = m.uid("SEARCH", "FROM", '"sender%d@"' % random.randint(0, 96))
            elif cmd == "store":
                toggle = not toggle
                typ, _ = m.store(str(random.randint(1, n)), "+FLAGS" if toggle else "-FLAGS", "(\\Flagged)")
            elif cmd == "append-nodelay":
                typ, _ = m.append("bench-append", None, None, MSG)
            else:
                typ = "OK"
            if typ != "OK":
                raise imaplib.IMAP4.error(typ)
            ops += 1
            lat.append(time.time() - t0)
        except Exception as e:
            errs += 1
            if first_err is None:
                first_err = "%s: %r" % (cmd, e)
            try:
                m = session(a, nodelay)
                m.select(a.mailbox)
            except Exception:
                time.sleep(0.1)
    try:
        m.logout()
    except Exception:
        pass
    out.put((ops, errs, lat, first_err))


def pct(v, p):
    return 1000 * v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("host"); p.add_argument("port", type=int); p.add_argument("user"); p.add_argument("password")
    p.add_argument("-s", "--sessions", type=int, default=8); p.add_argument("-t", "--seconds", type=float, default=3)
    p.add_argument("-m", "--mailbox", default="INBOX")
    p.add_argument("-c", "--commands", default="search-unseen,search-from,store,append-nodelay")
    p.add_argument("--no-header", action="store_true")
    a = p.parse_args()
    if not (a.host.startswith("127.") or a.host in ("localhost", "::1")):
        sys.exit("loopback only")
    m = session(a); m.create("bench-append"); m.logout()
    if not a.no_header:
        print("cmd\tsessions\tseconds\tops\tops_per_s\tp50_ms\tp99_ms\terrors")
    for cmd in a.commands.split(","):
        barrier, out = mp.Barrier(a.sessions + 1), mp.Queue()
        procs = [mp.Process(target=worker, args=(a, cmd, barrier, out)) for _ in range(a.sessions)]
        for pr in procs:
            pr.start()
        barrier.wait(timeout=120); t0 = time.time()
        res = [out.get(timeout=a.seconds + 120) for _ in procs]
        dt = time.time() - t0
        for pr in procs:
            pr.join(10)
        ops = sum(r[0] for r in res); errs = sum(r[1] for r in res)
        lat = sorted(x for r in res for x in r[2])
        for r in res:
            if r[3]:
                print("# first error: %s" % r[3], file=sys.stderr, flush=True)
                break
        print("%s\t%d\t%.2f\t%d\t%.1f\t%.2f\t%.2f\t%d" % (cmd, a.sessions, dt, ops, ops / dt, pct(lat, .5), pct(lat, .99), errs), flush=True)


if __name__ == "__main__":
    main()
